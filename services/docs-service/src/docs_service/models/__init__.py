from .agency import Agency
from .base import Base
from .document import Direction, Document, DocumentStatus
from .document_flag import DocumentFlag
from .document_type import DocumentType, UrgencyCode
from .document_version import DocumentVersion
from .file import Blob, DocumentFile
from .register import Register, RegisterKind, RegisterSeries

__all__ = [
    "Agency",
    "Base",
    "Blob",
    "Direction",
    "Document",
    "DocumentFile",
    "DocumentFlag",
    "DocumentStatus",
    "DocumentType",
    "DocumentVersion",
    "Register",
    "RegisterKind",
    "RegisterSeries",
    "UrgencyCode",
]
