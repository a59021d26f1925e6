from kit_core import Conflict, Forbidden, NotFound


class UnknownAgency(Conflict):
    title = "Unknown agency"
    code = "unknown-agency"


class UsernameTaken(Conflict):
    title = "Username already taken"
    code = "username-taken"


class UserNotFound(NotFound):
    title = "User not found"
    code = "user-not-found"


class NotAllowed(Forbidden):
    title = "Not allowed for this administrator"
    code = "not-allowed"


class NotOnYourself(Conflict):
    title = "Not on your own account"
    code = "not-on-yourself"
