class WebhookVerificationError(ValueError):
    """A delivery whose signature, timestamp or headers do not check out."""


class TargetRefused(ValueError):
    """A webhook URL that must not be called: wrong scheme, or a host in a non-public network."""
