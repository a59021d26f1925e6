from kit_core import Conflict, Forbidden, NotFound


class AssignmentNotFound(NotFound):
    title = "Assignment not found"
    code = "assignment-not-found"


class NotAssignable(Conflict):
    title = "Delivery cannot be assigned"
    code = "not-assignable"


class AlreadyAssigned(Conflict):
    """Carries ``assignment_id``."""

    title = "Delivery already assigned"
    code = "already-assigned"


class IllegalAssignmentStep(Conflict):
    """Carries ``state``: where the assignment is."""

    title = "Assignment step not allowed"
    code = "illegal-assignment-step"


class NotTheLead(Forbidden):
    title = "Only the lead handler or a leader reports progress"
    code = "not-the-lead"


class ExtensionConflict(Conflict):
    title = "Deadline extension not possible"
    code = "extension-conflict"
