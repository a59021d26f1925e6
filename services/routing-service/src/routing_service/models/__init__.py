from .assignment import Assignment, AssignmentMember
from .base import Base
from .dispatch import Delivery, DeliveryStatus, Dispatch, IssuedDocument
from .group import RecipientGroup, RecipientGroupMember
from .org import Org

__all__ = [
    "Assignment",
    "AssignmentMember",
    "Base",
    "Delivery",
    "DeliveryStatus",
    "Dispatch",
    "IssuedDocument",
    "Org",
    "RecipientGroup",
    "RecipientGroupMember",
]
