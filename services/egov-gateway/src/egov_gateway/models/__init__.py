from .base import Base
from .directory_entry import DirectoryEntry
from .exchange import AxisCursor, ExchangePackage, PackageEvidence, PackageParty

__all__ = ["AxisCursor", "Base", "DirectoryEntry", "ExchangePackage", "PackageEvidence", "PackageParty"]
