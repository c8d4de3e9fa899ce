"""Changing a cooperative's catalogue, as its coordinators do from the dashboard and the
command line: retire or activate a service, rename it, add words, set hours, add its own."""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict, Field, field_validator
from sqlalchemy import func, select

from concierge.context import DomainContext
from concierge.errors import InvalidValue, NotFound, refusal
from concierge.intake.catalogue import Service
from concierge.intake.words import fold
from concierge.team.catalogue import CooperativeService
from concierge.team.offered_hours import OfferedHours

_CODE = re.compile(r"^[a-z][a-z0-9_]{1,39}$")
MAX_WORDS = 50  # per service and language: the lexicon is read for every message


class ServiceNames(BaseModel):
    """Names and descriptions in both languages; None keeps what is there, "" goes back to the
    shared default."""

    model_config = ConfigDict(str_strip_whitespace=True)

    name_it: str | None = Field(default=None, max_length=80)
    name_en: str | None = Field(default=None, max_length=80)
    description_it: str | None = Field(default=None, max_length=500)
    description_en: str | None = Field(default=None, max_length=500)


class NewService(BaseModel):
    """A cooperative's own service: a new code, named and described in both languages."""

    model_config = ConfigDict(str_strip_whitespace=True)

    code: str
    name_it: str = Field(min_length=1, max_length=80)
    name_en: str = Field(min_length=1, max_length=80)
    description_it: str = Field(default="", max_length=500)
    description_en: str = Field(default="", max_length=500)
    words_it: list[str] = []
    words_en: list[str] = []

    @field_validator("code")
    @classmethod
    def _code(cls, value: str) -> str:
        if not _CODE.match(value):
            raise refusal(
                "why.service_code",
                "code: lower-case letters, digits and _, 2 to 40, e.g. dog_walking",
            )
        return value


def clean_words(raw: list[str]) -> list[str]:
    """Recognition words as the lexicon holds them: folded, a final * for a stem, no blanks."""
    cleaned = []
    for word in raw:
        stem = word.strip().endswith("*")
        text = " ".join(fold(word.strip().rstrip("*")).split())
        if len(text) >= 2:
            cleaned.append(text + ("*" if stem else ""))
    return list(dict.fromkeys(cleaned))


async def entry_for(ctx: DomainContext, cooperative_id: int, code: str) -> CooperativeService:
    """The cooperative's entry for a service of the shared catalogue or of its own, made with
    the shared defaults when it has none; NotFound for another's own service or no service."""
    service = await ctx.session.get(Service, code)
    if service is None or service.owner_cooperative_id not in (None, cooperative_id):
        raise NotFound(f"no service with code {code!r}", why="why.no_service", what=code)
    entry = await ctx.session.scalar(
        select(CooperativeService).where(
            CooperativeService.cooperative_id == cooperative_id,
            CooperativeService.service_code == code,
        )
    )
    if entry is None:
        entry = CooperativeService(
            cooperative_id=cooperative_id, service_code=code, active=True, words_it=[],
            words_en=[],
        )  # fmt: skip
        ctx.session.add(entry)
    return entry


async def set_offered(
    ctx: DomainContext, cooperative_id: int, code: str, active: bool
) -> CooperativeService:
    """Retire a service from the cooperative's catalogue, or offer it again."""
    entry = await entry_for(ctx, cooperative_id, code)
    entry.active = active
    await ctx.session.flush()
    return entry


async def rename(
    ctx: DomainContext, cooperative_id: int, code: str, names: ServiceNames
) -> CooperativeService:
    """Change the names and descriptions the cooperative's requesters read."""
    entry = await entry_for(ctx, cooperative_id, code)
    service = await ctx.session.get(Service, code)
    assert service is not None
    own = service.owner_cooperative_id is not None
    for field, value in names.model_dump(exclude_none=True).items():
        if own and value:
            setattr(service, field, value)  # an own service's names are its only names
        # The shared default written again is no override: it follows the default.
        setattr(entry, field, None if value in ("", getattr(service, field)) else value)
    await ctx.session.flush()
    return entry


async def add_words(
    ctx: DomainContext, cooperative_id: int, code: str, language: str, words: list[str]
) -> CooperativeService:
    """More words that recognise the service in requests of the cooperative's zone."""
    entry = await entry_for(ctx, cooperative_id, code)
    current = entry.words_en if language == "en" else entry.words_it
    return await set_words(ctx, cooperative_id, code, language, [*(current or []), *words])


async def set_words(
    ctx: DomainContext, cooperative_id: int, code: str, language: str, words: list[str]
) -> CooperativeService:
    """The cooperative's words for a service in one language, replacing those it had."""
    if language not in ("it", "en"):
        raise InvalidValue(
            f"language: expected it or en, got {language!r}", why="why.language", given=language
        )
    cleaned = clean_words(words)
    if len(cleaned) > MAX_WORDS:
        raise InvalidValue(
            f"at most {MAX_WORDS} words per service and language", why="why.words", max=MAX_WORDS
        )
    entry = await entry_for(ctx, cooperative_id, code)
    if language == "en":
        entry.words_en = cleaned
    else:
        entry.words_it = cleaned
    await ctx.session.flush()
    return entry


async def set_hours(
    ctx: DomainContext, cooperative_id: int, code: str, hours: OfferedHours | None
) -> CooperativeService:
    """The days and hours the service is offered; None: whenever the rota has someone."""
    entry = await entry_for(ctx, cooperative_id, code)
    entry.days = list(hours.days) if hours else None
    entry.starts_at = hours.starts_at if hours else None
    entry.ends_at = hours.ends_at if hours else None
    await ctx.session.flush()
    return entry


async def add_own_service(
    ctx: DomainContext, cooperative_id: int, given: NewService
) -> CooperativeService:
    """A service only this cooperative offers, after the shared ones in its menu. Its operators
    need the code among their skills for requests to reach them."""
    if await ctx.session.get(Service, given.code) is not None:
        raise InvalidValue(
            f"a service with code {given.code!r} exists already",
            why="why.service_exists",
            code=given.code,
        )
    last = await ctx.session.scalar(select(func.max(Service.position)))
    ctx.session.add(
        Service(
            code=given.code, position=(last or 0) + 1, active=True,
            name_it=given.name_it, name_en=given.name_en,
            description_it=given.description_it or given.name_it,
            description_en=given.description_en or given.name_en,
            owner_cooperative_id=cooperative_id,
        )
    )  # fmt: skip
    await ctx.session.flush()
    entry = await entry_for(ctx, cooperative_id, given.code)
    entry.words_it, entry.words_en = clean_words(given.words_it), clean_words(given.words_en)
    await ctx.session.flush()
    return entry
