from kit_core import Conflict, NotFound


class UnknownAgency(NotFound):
    title = "Unknown agency"
    code = "unknown-agency"


class RegisterNotFound(NotFound):
    title = "Register not found"
    code = "register-not-found"


class RegisterClosed(Conflict):
    title = "Register is closed"
    code = "register-closed"


class RegisterExists(Conflict):
    title = "Register already open"
    code = "register-exists"


class UnknownSeries(Conflict):
    title = "Unknown number series"
    code = "unknown-series"
