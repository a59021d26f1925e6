from kit_core import Conflict, NotFound


class OrgNotFound(NotFound):
    title = "Agency not found"
    code = "org-not-found"


class OrgCodeTaken(Conflict):
    title = "Agency code already in use"
    code = "org-code-taken"


class UnknownParent(Conflict):
    title = "Unknown parent agency"
    code = "unknown-parent"
