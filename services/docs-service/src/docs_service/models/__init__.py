from .agency import Agency
from .base import Base
from .register import Register, RegisterKind, RegisterSeries

__all__ = ["Agency", "Base", "Register", "RegisterKind", "RegisterSeries"]
