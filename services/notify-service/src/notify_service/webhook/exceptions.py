from kit_core import AppError, Forbidden, NotFound


class WebhookVerificationError(ValueError):
    """A delivery whose signature, timestamp or headers do not check out."""


class TargetRefused(ValueError):
    """A webhook URL that must not be called: wrong scheme, or a host in a non-public network."""


# API errors (problem+json).


class SubscriptionNotFound(NotFound):
    title = "Webhook subscription not found"
    code = "webhook-not-found"


class TargetNotAllowed(AppError):
    status = 422
    title = "Webhook target refused"
    code = "webhook-target-refused"


class AllowPrivateNeedsSystemAdmin(Forbidden):
    title = "Only a system administrator allows non-public targets"
    code = "webhook-allow-private-forbidden"


class WebhookAgencyRequired(AppError):
    status = 422
    title = "Give the agency the subscription belongs to"
    code = "webhook-agency-required"
