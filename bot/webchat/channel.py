"""The local web chat channel: HTTP in (a neutral Inbound), outbox rows out (read by polling)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, Header, HTTPException, Query, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.channels import ChannelParts, OnInbound, on_inbound_of, runtime_of
from bot.runtime import Runtime
from concierge.database import transaction
from concierge.errors import InvalidPhoneNumber
from concierge.i18n import LANGUAGES, catalogue, format_number, language_or_default, t
from concierge.messages import (
    TEXT_LIMIT,
    Channel,
    Choice,
    IdentityKind,
    Inbound,
    OutboundMessage,
)
from concierge.outbox import delivered_to
from concierge.people.person import Person, normalise_phone
from concierge.team.coordinators import Coordinator
from concierge.team.operators import Operator

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).parent.parent / "templates"))
# Who reads their messages travels in this header, never in the URL: URLs reach access logs.
ADDRESS_HEADER = "X-Chat-Address"


class WebChatMessageIn(BaseModel):
    """What the chat page posts: who writes (a phone number), and a text or a chosen option."""

    address: str = Field(min_length=1, max_length=40)
    message_id: str = Field(min_length=8, max_length=100)
    # Longer texts are read in order to tell by how much they are over TEXT_LIMIT.
    text: str | None = Field(default=None, max_length=16 * TEXT_LIMIT)
    choice: str | None = Field(default=None, max_length=64)


class WebChatMessageOut(BaseModel):
    """A delivered message as the chat page shows it."""

    id: int
    text: str
    choices: list[Choice]
    sent_at: datetime | None


class DemoContact(BaseModel):
    """Someone the chat page offers to talk as."""

    name: str
    phone: str
    language: str


class WebChatSender:
    """Delivery to the web chat is the row becoming visible to the page that polls for it."""

    async def send(self, message: OutboundMessage) -> None:
        return None


def _address(raw: str, runtime: Runtime, language: str) -> str:
    try:
        return normalise_phone(raw, runtime.settings.default_region)
    except InvalidPhoneNumber as exc:
        raise HTTPException(status_code=422, detail=t(language, exc.key, **exc.params)) from exc


def _too_long(text: str, language: str) -> str:
    """ "Too long: 4,216 characters, the most is 4,096 (120 too many)", in the page's language."""
    return t(
        language,
        "webchat.too_long",
        length=format_number(len(text), language),
        limit=format_number(TEXT_LIMIT, language),
        over=format_number(len(text) - TEXT_LIMIT, language),
    )


RuntimeDep = Annotated[Runtime, Depends(runtime_of)]
OnInboundDep = Annotated[OnInbound, Depends(on_inbound_of)]

router = APIRouter(prefix="/chat")


def webchat_channel(
    runtime: Runtime, on_inbound: OnInbound, wake: Callable[[], None]
) -> ChannelParts | None:
    """The web chat's parts: its routes, and a sender that lets the page read what is due; only
    with WEBCHAT_DEMO, since it talks as anyone (a local demo tool)."""
    if not runtime.settings.webchat_demo:
        return None
    return ChannelParts(routers=[router], senders={Channel.WEBCHAT: WebChatSender()})


@router.get("", response_class=HTMLResponse)
async def chat_page(request: Request, runtime: RuntimeDep, lang: str | None = None) -> HTMLResponse:
    """The chat page, in the language asked for (or the service's)."""
    language = language_or_default(lang, runtime.settings.default_language)
    other = next(code for code in LANGUAGES if code != language)
    texts = {
        k.removeprefix("webchat."): v
        for k, v in catalogue(language).items()
        if k.startswith("webchat.")
    }
    return TEMPLATES.TemplateResponse(
        request, "chat.html", {"t": texts, "language": language, "other": other}
    )


async def _staff_people(session: AsyncSession) -> list[Person]:
    operators = await session.scalars(
        select(Operator).where(Operator.active.is_(True)).order_by(Operator.id)
    )
    coordinators = await session.scalars(
        select(Coordinator).where(Coordinator.active.is_(True)).order_by(Coordinator.id)
    )
    return [op.person for op in operators.unique().all()] + [
        c.person for c in coordinators.unique().all()
    ]


def _contact(person: Person, default_language: str) -> DemoContact | None:
    phone = person.address_for(IdentityKind.PHONE)
    if phone is None or not person.first_name:
        return None
    return DemoContact(
        name=person.display_name, phone=phone, language=person.language or default_language
    )


@router.get("/api/people")
async def people(runtime: RuntimeDep) -> dict[str, list[DemoContact]]:
    """The residents and the staff the page offers to talk as."""
    default_language = runtime.settings.default_language
    async with runtime.sessions() as session:
        staff_people = await _staff_people(session)
        staff_ids = {person.id for person in staff_people}
        everyone = (await session.scalars(select(Person).order_by(Person.id))).all()
        residents = [
            c for p in everyone if p.id not in staff_ids if (c := _contact(p, default_language))
        ]
        staff = [c for p in staff_people if (c := _contact(p, default_language))]
    return {"residents": residents, "operators": staff}


@router.post("/api/messages", status_code=202)
async def post_message(
    body: WebChatMessageIn, runtime: RuntimeDep, on_inbound: OnInboundDep, lang: str | None = None
) -> dict[str, bool]:
    """A message typed or a choice tapped on the page, handed to the dialogue as an Inbound."""
    language = language_or_default(lang, runtime.settings.default_language)
    address = _address(body.address, runtime, language)
    if not (body.text and body.text.strip()) and not body.choice:
        raise HTTPException(status_code=422, detail=t(language, "webchat.empty"))
    if body.text is not None and len(body.text) > TEXT_LIMIT:
        raise HTTPException(status_code=422, detail=_too_long(body.text, language))
    inbound = Inbound(
        channel=Channel.WEBCHAT,
        provider_message_id=body.message_id,
        sender=address,
        text=body.text,
        choice=body.choice,
        received_at=runtime.clock.now(),
    )
    handled = await on_inbound(inbound)
    return {"duplicate": handled.duplicate}


@router.get("/api/messages")
async def get_messages(
    runtime: RuntimeDep,
    address: str = Header(alias=ADDRESS_HEADER, min_length=1, max_length=40),
    after: int = Query(default=0, ge=0),
    lang: str | None = None,
) -> dict[str, list[WebChatMessageOut]]:
    """What was delivered to one person on the web chat after a given message."""
    language = language_or_default(lang, runtime.settings.default_language)
    phone = _address(address, runtime, language)
    async with transaction(runtime.sessions) as session:
        rows = await delivered_to(session, Channel.WEBCHAT, phone, after)
        messages = [
            WebChatMessageOut(
                id=row.id,
                text=row.text,
                choices=[Choice.model_validate(c) for c in row.choices],
                sent_at=row.sent_at,
            )
            for row in rows
        ]
    return {"messages": messages}
