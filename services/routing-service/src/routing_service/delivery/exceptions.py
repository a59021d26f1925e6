from kit_core import Conflict, NotFound


class DeliveryNotFound(NotFound):
    title = "Delivery not found"
    code = "delivery-not-found"


class IllegalTransition(Conflict):
    """Carries ``current`` and ``requested``: the delivery's status and the one refused."""

    title = "Status change not allowed"
    code = "illegal-status-transition"


class NotARecall(Conflict):
    title = "Not a recall delivery"
    code = "not-a-recall"
