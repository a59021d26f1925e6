"""What the domains share besides the session: settings, the clock, the worker's wake-up call, the
live feed's fan-out and the channels. Plain objects: built by create_app, used inside the lifespan."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy import event as sa_event
from sqlalchemy.ext.asyncio import AsyncSession

from kit_core import Clock

from .config import Settings
from .feed.service import FeedHub
from .metrics import NotifyMetrics
from .sms import SmsRouter

_WAKE_ON_COMMIT = "notify.wake_on_commit"


@dataclass
class NotifyState:
    settings: Settings
    clock: Clock
    hub: FeedHub = field(default_factory=FeedHub)
    metrics: NotifyMetrics = field(default_factory=NotifyMetrics)
    wake: asyncio.Event = field(default_factory=asyncio.Event)
    sms: SmsRouter | None = None  # None: SMS deliveries wait in created
    sender: Any = None  # the running worker's Sender (tests force sweeps through it)
    sessionmaker: Any = None  # the app's, set in its lifespan (SMS receipts work without the worker)

    def wake_after_commit(self, session: AsyncSession) -> None:
        """Wake the sending worker once ``session`` commits (a rollback wakes nobody)."""
        on_commit(session, self.wake.set)


def on_commit(session: AsyncSession, callback: Callable[[], None]) -> None:
    if session.info.get(_WAKE_ON_COMMIT):
        return
    session.info[_WAKE_ON_COMMIT] = True

    def fire(_session: Any) -> None:
        session.info.pop(_WAKE_ON_COMMIT, None)
        callback()

    sa_event.listen(session.sync_session, "after_commit", fire, once=True)


def notify_state(request: Request) -> NotifyState:
    state: NotifyState = request.app.state.notify
    return state


StateDep = Annotated[NotifyState, Depends(notify_state)]
