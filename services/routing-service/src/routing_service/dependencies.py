"""What the dispatch, delivery and assignment endpoints share besides the session: the clock."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from typing import Annotated, Final

from fastapi import Depends, Request

from kit_core import Clock, SystemClock

# Deadlines are calendar days in Vietnam (UTC+7 all year, no daylight saving).
VIETNAM: Final = timezone(timedelta(hours=7), "ICT")


def today(now: datetime) -> date:
    return now.astimezone(VIETNAM).date()


def clock(request: Request) -> Clock:
    found = getattr(request.app.state, "clock", None)
    return found if found is not None else SystemClock()


ClockDep = Annotated[Clock, Depends(clock)]
