from kit_core import AppError, Conflict


class NoPendingEnrolment(Conflict):
    title = "No TOTP enrolment to confirm"
    code = "no-pending-enrolment"


class WrongCode(AppError):
    status = 400
    title = "Code is wrong"
    code = "wrong-code"


class FactorUnavailable(Conflict):
    title = "This factor is not available for the account"
    code = "factor-unavailable"


class CodeThrottled(AppError):
    """Too many codes sent: for this challenge, or to this user in the last hour. Says when to retry."""

    status = 429
    title = "Too many codes sent"
    code = "code-throttled"

    def __init__(self, detail: str, *, retry_after: int) -> None:
        super().__init__(detail, retry_after=retry_after)
        self.retry_after = retry_after

    def response_headers(self) -> dict[str, str] | None:
        return {"Retry-After": str(self.retry_after)}
