from kit_core import AppError, Conflict


class NoPendingEnrolment(Conflict):
    title = "No TOTP enrolment to confirm"
    code = "no-pending-enrolment"


class WrongCode(AppError):
    status = 400
    title = "Code is wrong"
    code = "wrong-code"
