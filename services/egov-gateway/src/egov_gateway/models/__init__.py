from .base import Base
from .directory_entry import DirectoryEntry

__all__ = ["Base", "DirectoryEntry"]
