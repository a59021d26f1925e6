from typing import Annotated
from uuid import UUID

from fastapi import Depends

from kit_core import CurrentPrincipal

from .exceptions import NotAPerson


async def feed_owner(principal: CurrentPrincipal) -> UUID:
    """Whose feed a request reads: the token's user (a machine client has none)."""
    if principal.user_id is None:
        raise NotAPerson(f"{principal.subject} is not a user: only people have a notification feed")
    return principal.user_id


FeedOwner = Annotated[UUID, Depends(feed_owner)]
