import math
from datetime import datetime

from identity_service.audit.exceptions import RecordedFailure
from kit_core import AppError, Conflict, Forbidden, Unauthorized

# One message for an unknown user, a wrong password, a locked or a disabled account (as Keycloak
# does): the answer must not tell an attacker which usernames exist or which accounts are locked.
LOGIN_FAILED = "Tên đăng nhập hoặc mật khẩu không đúng."
CODE_FAILED = "Mã xác thực không đúng hoặc đã được dùng."


class InvalidCredentials(RecordedFailure):
    status = 401
    title = "Invalid credentials"
    code = "invalid-credentials"


class InvalidCode(RecordedFailure):
    status = 401
    title = "Invalid code"
    code = "invalid-code"


class ChallengeExpired(Unauthorized):
    title = "Login challenge expired"
    code = "challenge-expired"


class InvalidRefreshToken(RecordedFailure):
    status = 401
    title = "Invalid refresh token"
    code = "invalid-refresh-token"


class SessionEnded(Unauthorized):
    title = "Session ended"
    code = "session-ended"
    bearer_error = "invalid_token"  # RFC 6750: the token was revoked


class NotAMember(Forbidden):
    title = "Not a member of that agency"
    code = "not-a-member"


class EnrolmentNotAllowed(Conflict):
    title = "TOTP enrolment not allowed here"
    code = "enrolment-not-allowed"


class TooManyAttempts(AppError):
    """The per-address layer: this client address failed too often; it says when to try again."""

    status = 429
    title = "Too many failed logins from this address"
    code = "too-many-attempts"

    def __init__(self, *, until: datetime, now: datetime) -> None:
        self.retry_after = max(1, math.ceil((until - now).total_seconds()))
        minutes = math.ceil(self.retry_after / 60)
        super().__init__(
            f"Có quá nhiều lần đăng nhập không thành công từ địa chỉ mạng này. Vui lòng thử lại sau {minutes} "
            "phút, hoặc liên hệ quản trị hệ thống.",
            retry_after=self.retry_after,
        )

    def response_headers(self) -> dict[str, str] | None:
        return {"Retry-After": str(self.retry_after)}
