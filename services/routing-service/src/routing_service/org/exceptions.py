from kit_core import AppError, Conflict, Forbidden, NotFound


class OrgNotFound(NotFound):
    title = "Agency not found"
    code = "org-not-found"


class OrgCodeTaken(Conflict):
    title = "Agency code already in use"
    code = "org-code-taken"


class UnknownParent(Conflict):
    title = "Unknown parent agency"
    code = "unknown-parent"


class ParentCycle(Conflict):
    title = "Agency cannot be placed inside its own subtree"
    code = "parent-cycle"


class TierOrder(Conflict):
    title = "Agency tier does not fit its place in the tree"
    code = "tier-order"


class MalformedAgencyCode(AppError):
    status = 422
    title = "Malformed agency code"
    code = "malformed-agency-code"


class ImportRejected(AppError):
    """Carries ``errors``: one entry per problem, with its row, column and message."""

    status = 422
    title = "CSV import rejected; nothing was changed"
    code = "import-rejected"


class UploadTooLarge(AppError):
    status = 413
    title = "Upload too large"
    code = "upload-too-large"


class UnsupportedUpload(AppError):
    status = 415
    title = "Unsupported upload"
    code = "unsupported-upload"


class ContactDetailsOnly(Forbidden):
    """Carries ``fields``: those sent that only a system administrator may change."""

    title = "Agency administrators may change contact details only"
    code = "contact-details-only"
