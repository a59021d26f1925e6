from .base import Base
from .directory_entry import DirectoryEntry
from .exchange import AxisCursor, ExchangePackage, PackageEvidence, PackageParty
from .stats import StatsCompletion, StatsDelivery, StatsPublication, StatusReport

__all__ = [
    "AxisCursor",
    "Base",
    "DirectoryEntry",
    "ExchangePackage",
    "PackageEvidence",
    "PackageParty",
    "StatsCompletion",
    "StatsDelivery",
    "StatsPublication",
    "StatusReport",
]
