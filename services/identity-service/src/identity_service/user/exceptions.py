from kit_core import Conflict, NotFound


class UnknownAgency(Conflict):
    title = "Unknown agency"
    code = "unknown-agency"


class UsernameTaken(Conflict):
    title = "Username already taken"
    code = "username-taken"


class UserNotFound(NotFound):
    title = "User not found"
    code = "user-not-found"
