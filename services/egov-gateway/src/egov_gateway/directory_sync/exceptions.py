from typing import ClassVar

from kit_core import AppError, NotFound


class AgencyNotFound(NotFound):
    title = "Unknown agency"
    code = "agency-not-found"


class MalformedAgencyCode(AppError):
    status: ClassVar[int] = 422
    title: ClassVar[str] = "Malformed agency code"
    code: ClassVar[str] = "malformed-agency-code"
