from sqlalchemy.orm import DeclarativeBase

from kit_db import new_metadata


class Base(DeclarativeBase):
    metadata = new_metadata()
