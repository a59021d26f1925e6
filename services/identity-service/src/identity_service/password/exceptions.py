from identity_service.audit.exceptions import RecordedFailure
from kit_core import AppError


class WeakPassword(AppError):
    status = 422
    title = "Password does not meet the policy"
    code = "weak-password"


class WrongPassword(RecordedFailure):
    status = 403
    title = "Current password is wrong"
    code = "wrong-password"


class ResetTokenInvalid(AppError):
    status = 400
    title = "Password reset link is invalid or has expired"
    code = "invalid-reset-token"


class NoPasswordToChange(AppError):
    status = 409
    title = "User has no password yet"
    code = "no-password"
