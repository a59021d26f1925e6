from .base import Base
from .group import RecipientGroup, RecipientGroupMember
from .org import Org

__all__ = ["Base", "Org", "RecipientGroup", "RecipientGroupMember"]
