from kit_core import NotFound


class UnknownAgency(NotFound):
    title = "Unknown agency"
    code = "unknown-agency"


class RegisterNotFound(NotFound):
    title = "Register not found"
    code = "register-not-found"
