from .agency import Agency
from .audit import DocumentAudit, DocumentAuditHead
from .base import Base
from .document import Direction, Document, DocumentStatus
from .document_flag import DocumentFlag
from .document_type import DocumentType, UrgencyCode
from .document_version import DocumentVersion
from .file import Blob, DocumentFile
from .register import Register, RegisterKind, RegisterSeries
from .search import FileText, SearchEntry
from .signature import DocumentSignature

__all__ = [
    "Agency",
    "Base",
    "Blob",
    "Direction",
    "Document",
    "DocumentAudit",
    "DocumentAuditHead",
    "DocumentFile",
    "DocumentFlag",
    "DocumentSignature",
    "DocumentStatus",
    "DocumentType",
    "DocumentVersion",
    "FileText",
    "Register",
    "RegisterKind",
    "RegisterSeries",
    "SearchEntry",
    "UrgencyCode",
]
