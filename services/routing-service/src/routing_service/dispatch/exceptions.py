from kit_core import AppError, Conflict, NotFound


class DocumentNotIssued(NotFound):
    title = "Document not issued"
    code = "document-not-issued"


class DocumentWithdrawn(Conflict):
    title = "Document recalled"
    code = "document-recalled"


class DocumentReplacedAlready(Conflict):
    """Carries ``replaced_by_id``."""

    title = "Document replaced"
    code = "document-replaced"


class SecretDocument(Conflict):
    """Carries ``confidentiality``."""

    title = "Secret documents are not exchanged electronically"
    code = "secret-document"


class SenderNotInDirectory(Conflict):
    title = "Sending agency not in the directory"
    code = "sender-not-in-directory"


class DispatchNotFound(NotFound):
    title = "Dispatch not found"
    code = "dispatch-not-found"


class UnknownRecipients(AppError):
    """Carries ``unknown`` (codes or ids not in the directory), ``inactive`` and ``unknown_groups``."""

    status = 422
    title = "Unknown recipients"
    code = "unknown-recipients"


class NoRecipients(AppError):
    status = 422
    title = "No recipients"
    code = "no-recipients"


class OutsideSubtree(AppError):
    """Carries ``outside``: the agency codes that are not below the forwarding agency."""

    status = 422
    title = "Recipients outside the forwarding agency's subtree"
    code = "outside-subtree"


class IdempotencyKeyReused(AppError):
    status = 422
    title = "Idempotency key already used for a different request"
    code = "idempotency-key-reused"


class NotForwardable(Conflict):
    title = "Delivery cannot be forwarded"
    code = "not-forwardable"


class NotUpdatable(Conflict):
    title = "Dispatch cannot be updated"
    code = "not-updatable"


class ReplacementNotYetIssued(Exception):
    """The replacing document's issue has not reached routing yet: the consumer tries again later."""
