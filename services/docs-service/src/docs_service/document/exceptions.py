from kit_core import AppError, Conflict, NotFound


class DocumentNotFound(NotFound):
    """Also what another agency's document looks like: its existence is not disclosed."""

    title = "Document not found"
    code = "document-not-found"


class UnknownDocumentType(AppError):
    status = 422
    title = "Unknown document type"
    code = "unknown-document-type"


class RelatedDocumentNotFound(AppError):
    status = 422
    title = "Related document not found"
    code = "related-document-not-found"


class DocumentImmutable(Conflict):
    title = "Issued documents are immutable"
    code = "document-immutable"


class DocumentNotEditable(Conflict):
    title = "Document is not a draft"
    code = "document-not-editable"


class WrongStatus(Conflict):
    """Carries ``document_status`` (the document's) and ``expected`` (what the step needs)."""

    title = "Document is not in the status this step needs"
    code = "wrong-status"


class PersonalSignatureFirst(Conflict):
    title = "The agency seal comes after the personal signature"
    code = "personal-signature-first"


class AlreadySealed(Conflict):
    title = "Document already sealed"
    code = "already-sealed"


class NotSealed(Conflict):
    title = "Document is not sealed"
    code = "not-sealed"


class NotationImpossible(Conflict):
    title = "Cannot build the notation"
    code = "notation-impossible"


class RegisterDoesNotFit(Conflict):
    title = "Register does not fit this document"
    code = "register-does-not-fit"


class NoAgency(AppError):
    status = 403
    title = "The token acts for no agency"
    code = "no-agency"


class IdempotencyKeyReused(AppError):
    status = 422
    title = "Idempotency key reused with another request"
    code = "idempotency-key-reused"


class CodeNotFound(NotFound):
    title = "No such code in the table"
    code = "code-not-found"
