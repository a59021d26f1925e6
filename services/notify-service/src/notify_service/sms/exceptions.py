from kit_core import AppError, Unauthorized


class ReceiptNotAuthenticated(Unauthorized):
    """The receipt did not carry the provider's receipt secret (or names no provider we use)."""

    title = "Receipt sender not authenticated"
    code = "sms-receipt-not-authenticated"
    bearer_error = "invalid_token"


class MalformedReceipt(AppError):
    status = 422
    title = "Malformed delivery receipt"
    code = "sms-receipt-malformed"
