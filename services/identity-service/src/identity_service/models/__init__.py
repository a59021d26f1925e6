from .agency import Agency, AgencyChange
from .base import Base
from .user import User

__all__ = ["Agency", "AgencyChange", "Base", "User"]
