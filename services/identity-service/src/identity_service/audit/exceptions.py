from fastapi import Request
from fastapi.responses import JSONResponse

from kit_core import AppError, problem_response


class RecordedFailure(AppError):
    """A refusal whose audit entry and failure counters must outlive it.

    Raising would roll the request's transaction back and erase them, so the endpoint catches it
    and returns ``as_response()``: the edge then commits, and the client still gets the problem.
    """

    def as_response(self, request: Request) -> JSONResponse:
        return problem_response(
            self.status,
            self.title,
            detail=self.detail,
            instance=request.url.path,
            type_uri=self.type_uri(),
            **self.extra,
        )
