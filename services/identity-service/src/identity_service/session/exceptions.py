from identity_service.audit.exceptions import RecordedFailure
from kit_core import Conflict, Forbidden, Unauthorized

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
