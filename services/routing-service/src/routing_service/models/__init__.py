from .base import Base
from .org import Org

__all__ = ["Base", "Org"]
