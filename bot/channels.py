"""What a channel is to the app, and the one way in for all of them.

A channel is one folder under bot/ with one factory: given the runtime, the `on_inbound`
callable and a `wake` hook, it reads the settings and returns None (not configured) or its
parts: the routes of
its input half, the senders of its output half (one per `Channel` it delivers), and hooks to
start and stop it. Every input half turns its provider's request into one `Inbound` and awaits
`on_inbound(inbound)`, which runs the turn in the dialogue layer and returns what became of it
(`Handled`): channels that must answer in their HTTP response (a call's TwiML) find the replies,
or the next step of the call, in it; the others answer through the outbox.

bot/app.py lists the factories in `CHANNELS`; adding a channel is one folder and one line there.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import cast

from fastapi import APIRouter, Request

from bot.outbox_sender import ChannelSender
from bot.runtime import Runtime
from concierge.messages import Channel, Inbound
from handlers.inbound import Handled

OnInbound = Callable[[Inbound], Awaitable[Handled]]


@dataclass
class ChannelParts:
    """A configured channel, as the app mounts and runs it."""

    routers: list[APIRouter] = field(default_factory=list)
    senders: dict[Channel, ChannelSender] = field(default_factory=dict)
    start: Callable[[], None] | None = None  # called once the service is up
    stop: Callable[[], Awaitable[None]] | None = None  # called when it shuts down


# A factory gets the runtime, the one way in, and `wake`: what to call after committing rows
# outside a turn (an update set aside), so the outbox and the timers look at once.
ChannelFactory = Callable[[Runtime, OnInbound, Callable[[], None]], ChannelParts | None]


def runtime_of(request: Request) -> Runtime:
    """FastAPI dependency: the running service's runtime."""
    return cast(Runtime, request.app.state.runtime)


def on_inbound_of(request: Request) -> OnInbound:
    """FastAPI dependency: the one way in for every channel's messages."""
    return cast(OnInbound, request.app.state.on_inbound)
