from typing import ClassVar

from kit_core import AppError


class MalformedPackage(AppError):
    """An edXML package that cannot be accepted: not XML, unsafe, too big or deep, or not QCVN 102 shaped.

    ``element`` names where the problem is (a path such as ``MessageHeader/Code/CodeNumber``), ``reason``
    says why; ``str(exc)`` is both together.
    """

    status: ClassVar[int] = 422
    title: ClassVar[str] = "Malformed edXML package"
    code: ClassVar[str] = "malformed-edxml-package"

    def __init__(self, reason: str, *, element: str | None = None) -> None:
        super().__init__(f"{element}: {reason}" if element else reason, element=element)
        self.element = element
        self.reason = reason


class SigningError(AppError):
    """The package could not be signed: unusable key material, a refused algorithm, or already signed."""

    status: ClassVar[int] = 500
    title: ClassVar[str] = "edXML package could not be signed"
    code: ClassVar[str] = "edxml-signing-failed"


class ExternalKeyRefused(SigningError):
    """An operation an external (HSM-held) key cannot do: it only signs, and never shows its private half."""
