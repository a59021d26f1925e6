from kit_core import AppError, NotFound


class NoRecipients(AppError):
    status = 422
    title = "The request names nobody"
    code = "no-recipients"


class OverrideNeedsOneRecipient(AppError):
    status = 422
    title = "A phone or e-mail override is for one recipient"
    code = "override-needs-one-recipient"


class NotificationNotFound(NotFound):
    title = "Notification not found"
    code = "notification-not-found"


class RecipientOutsideAgency(AppError):
    status = 403
    title = "Recipient outside your agency"
    code = "recipient-outside-agency"


class AgencyRequired(AppError):
    status = 422
    title = "An agency administrator notifies within their agency"
    code = "agency-required"


class TooManyRequests(AppError):
    status = 429
    title = "Too many notifications"
    code = "too-many-notifications"

    def response_headers(self) -> dict[str, str] | None:
        retry_after = self.extra.get("retry_after")
        return {"Retry-After": str(retry_after)} if retry_after is not None else None
