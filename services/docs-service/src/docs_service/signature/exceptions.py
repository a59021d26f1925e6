from kit_core import AppError, Conflict, NotFound


class NoSigningKey(Conflict):
    title = "No signing key"
    code = "no-signing-key"


class SigningUnavailable(AppError):
    """The key's token or file could not be used, or pyHanko refused the PDF: nothing was changed."""

    status = 503
    title = "Signing failed"
    code = "signing-failed"


class CrlUnavailable(NotFound):
    title = "No CRL"
    code = "crl-unavailable"


class UnsignablePdf(AppError):
    """The main file cannot be read as a PDF to sign: replace it before signing."""

    status = 422
    title = "The main PDF cannot be signed"
    code = "unsignable-pdf"
