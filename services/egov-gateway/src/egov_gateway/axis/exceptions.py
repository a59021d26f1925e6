from typing import ClassVar

from kit_core import AppError


class AxisError(AppError):
    """The national axis could not do what was asked."""

    status: ClassVar[int] = 502
    title: ClassVar[str] = "National axis error"
    code: ClassVar[str] = "axis-error"


class AxisUnavailable(AxisError):
    """Network errors, 5xx or 429 answers, still so after every retry: worth trying again later."""

    status: ClassVar[int] = 503
    title: ClassVar[str] = "National axis unavailable"
    code: ClassVar[str] = "axis-unavailable"


class AxisRefused(AxisError):
    """The axis answered 4xx: the request itself is wrong (bad credentials, unknown recipient, ...)."""

    title: ClassVar[str] = "Refused by the national axis"
    code: ClassVar[str] = "axis-refused"

    def __init__(self, detail: str, *, http_status: int) -> None:
        super().__init__(detail, http_status=http_status)
        self.http_status = http_status


class PackageTooLarge(AxisError):
    """A package from the axis is larger than the configured limit; it was not read further."""

    status: ClassVar[int] = 422
    title: ClassVar[str] = "edXML package too large"
    code: ClassVar[str] = "package-too-large"
