"""What every domain's endpoints need besides the session: settings, the clock, who is calling from where."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

from fastapi import Depends, Request

from kit_core import Clock, SystemClock

from .config import Settings


@dataclass(frozen=True)
class Context:
    settings: Settings
    clock: Clock
    ip: str | None = None
    user_agent: str | None = None

    def now(self) -> datetime:
        return self.clock.now()

    @classmethod
    def offline(cls, settings: Settings, clock: Clock | None = None) -> Context:
        """For commands and the demo seed, which act outside any request."""
        return cls(settings=settings, clock=clock or SystemClock())


def request_context(request: Request) -> Context:
    return Context(
        settings=request.app.state.settings,
        clock=request.app.state.clock,
        ip=request.client.host if request.client else None,
        user_agent=(request.headers.get("user-agent") or "")[:200] or None,
    )


ContextDep = Annotated[Context, Depends(request_context)]
