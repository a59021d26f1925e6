from typing import ClassVar

from kit_core import AppError


class RecordedFailure(AppError):
    """A refusal whose audit entry and failure counters must outlive it: the request's edge commits
    them before the problem is answered (``AppError.keeps_changes``)."""

    keeps_changes: ClassVar[bool] = True
