"""What a dashboard route is served with, as FastAPI dependencies: the service's runtime and
what to call once a change is committed (the outbox sender and the live queues wake up)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, FastAPI, Request

from bot.dashboard.auth import runtime_of
from bot.runtime import Runtime


def when_committed(app: FastAPI, callback: Callable[[], None]) -> None:
    """Remember what the app's dashboard routes call after a change commits."""
    app.state.dashboard_committed = callback


def committed_of(request: Request) -> Callable[[], None]:
    """What to call after a change commits (set by `when_committed`)."""
    callback: Callable[[], None] = request.app.state.dashboard_committed
    return callback


Served = Annotated[Runtime, Depends(runtime_of)]
OnCommit = Annotated[Callable[[], None], Depends(committed_of)]
