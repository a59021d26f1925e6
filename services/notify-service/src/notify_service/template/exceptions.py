from kit_core import AppError, NotFound


class UnknownKind(NotFound):
    title = "Unknown notification kind"
    code = "unknown-kind"


class ChannelNotAllowed(NotFound):
    title = "This kind has no text for this channel"
    code = "channel-not-allowed"


class TemplateInvalid(AppError):
    status = 422
    title = "Template does not render"
    code = "template-invalid"


class TemplateVersionNotFound(NotFound):
    title = "Template version not found"
    code = "template-version-not-found"
