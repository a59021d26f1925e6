from uuid import UUID

import uuid6


def new_id() -> UUID:
    """A UUIDv7: time-ordered, so primary keys and event ids sort by creation."""
    return UUID(int=uuid6.uuid7().int)
