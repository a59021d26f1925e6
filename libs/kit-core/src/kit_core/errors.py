"""Errors as RFC 9457 problem details.

``AppError`` is the root of every domain error; a subclass sets ``status``, ``title`` and a ``code``
(the last part of its ``type`` URI). One set of handlers renders these, FastAPI's validation
errors, Starlette's HTTP errors and anything unexpected as ``application/problem+json``.
Endpoints declare what they may raise with ``responses=problems(SomeError, ...)``.
"""

from __future__ import annotations

import re
from typing import Any, ClassVar, cast

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from .logging import get_logger

PROBLEM_MEDIA_TYPE = "application/problem+json"
PROBLEM_TYPE_BASE = "https://egov.example.vn/problems/"
log = get_logger(__name__)


class Problem(BaseModel):
    model_config = ConfigDict(extra="allow")

    type: str = Field(default="about:blank", examples=[PROBLEM_TYPE_BASE + "not-found"])
    title: str
    status: int
    detail: str | None = None
    instance: str | None = None


class AppError(Exception):
    status: ClassVar[int] = 400
    title: ClassVar[str] = "Bad request"
    code: ClassVar[str] = "bad-request"
    # A refusal whose own writes must outlive it (a failed-login counter, an audit entry): the
    # request's edge commits instead of rolling back, and still answers with the problem.
    keeps_changes: ClassVar[bool] = False

    def __init__(self, detail: str, **extra: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.extra = extra

    @classmethod
    def type_uri(cls) -> str:
        return PROBLEM_TYPE_BASE + cls.code

    def response_headers(self) -> dict[str, str] | None:
        """Headers the problem response carries besides the body (``WWW-Authenticate`` on a 401)."""
        return None


class NotFound(AppError):
    status = 404
    title = "Not found"
    code = "not-found"


class Conflict(AppError):
    status = 409
    title = "Conflict"
    code = "conflict"


# RFC 6750 §3: error_description is limited to these characters (printable ASCII but " and \).
_BEARER_DESCRIPTION = re.compile(r"[\x20\x21\x23-\x5b\x5d-\x7e]{1,200}")


def bearer_challenge(error: str | None = None, description: str | None = None) -> str:
    """A ``WWW-Authenticate`` value for the Bearer scheme (RFC 6750 §3); a description that
    cannot travel in the header (non-ASCII, quotes) is left to the problem body."""
    params = []
    if error:
        params.append(f'error="{error}"')
        if description and _BEARER_DESCRIPTION.fullmatch(description):
            params.append(f'error_description="{description}"')
    return "Bearer" + (" " + ", ".join(params) if params else "")


class Unauthorized(AppError):
    """401: every one says how to authenticate (``WWW-Authenticate: Bearer``, RFC 7235 §3.1)."""

    status = 401
    title = "Not authenticated"
    code = "unauthorized"
    bearer_error: ClassVar[str | None] = None

    def response_headers(self) -> dict[str, str] | None:
        return {"WWW-Authenticate": bearer_challenge(self.bearer_error, self.detail)}


class InvalidToken(Unauthorized):
    """The bearer token was presented but is malformed, expired, not ours or tampered with."""

    title = "Invalid access token"
    code = "invalid-token"
    bearer_error = "invalid_token"


class Forbidden(AppError):
    status = 403
    title = "Forbidden"
    code = "forbidden"


class ServiceUnavailable(AppError):
    status = 503
    title = "Service unavailable"
    code = "unavailable"


def problem_response(
    status: int,
    title: str,
    *,
    detail: str | None,
    instance: str | None,
    type_uri: str = "about:blank",
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    body: dict[str, Any] = {"type": type_uri, "title": title, "status": status}
    if detail is not None:
        body["detail"] = detail
    if instance is not None:
        body["instance"] = instance
    body.update(extra)
    return JSONResponse(
        jsonable_encoder(body), status_code=status, media_type=PROBLEM_MEDIA_TYPE, headers=headers
    )


def problems(*errors: type[AppError]) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses=`` for the errors an endpoint may raise (several may share a status)."""
    out: dict[int | str, dict[str, Any]] = {}
    for error in errors:
        entry = out.setdefault(
            error.status, {"model": Problem, "content": {PROBLEM_MEDIA_TYPE: {}}, "description": ""}
        )
        entry["description"] = "; ".join(filter(None, [entry["description"], error.title]))
    return out


async def _app_error(request: Request, exc: Exception) -> JSONResponse:
    exc = cast(AppError, exc)
    return problem_response(
        exc.status,
        exc.title,
        detail=exc.detail,
        instance=request.url.path,
        type_uri=exc.type_uri(),
        headers=exc.response_headers(),
        **exc.extra,
    )


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    exc = cast(RequestValidationError, exc)
    errors = [
        {"location": list(err.get("loc", ())), "message": err.get("msg", ""), "type": err.get("type", "")}
        for err in exc.errors()
    ]
    first = errors[0] if errors else {"location": [], "message": "invalid request"}
    where = ".".join(str(p) for p in first["location"])
    return problem_response(
        422,
        "Invalid request",
        detail=f"{where}: {first['message']}" if where else str(first["message"]),
        instance=request.url.path,
        type_uri=PROBLEM_TYPE_BASE + "invalid-request",
        errors=errors,
    )


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    exc = cast(StarletteHTTPException, exc)
    from http import HTTPStatus

    try:
        title = HTTPStatus(exc.status_code).phrase
    except ValueError:
        title = "Error"
    detail = exc.detail if isinstance(exc.detail, str) else None
    return problem_response(
        exc.status_code,
        title,
        detail=detail,
        instance=request.url.path,
        headers=dict(exc.headers) if exc.headers else None,
    )


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.exception("request.failed", path=request.url.path)
    return problem_response(
        500,
        "Internal server error",
        detail="An unexpected error occurred; it has been logged.",
        instance=request.url.path,
    )


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(AppError, _app_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected)
