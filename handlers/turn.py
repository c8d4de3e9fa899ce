"""One turn of a dialogue: who is talking, in which language, and what they sent."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from concierge.context import DomainContext
from concierge.i18n import language_or_default, t
from concierge.intake.language import detect_language
from concierge.intake.words import words
from concierge.messages import Inbound, Reply
from concierge.people.person import Person
from concierge.settings import Language


class Command(StrEnum):
    """Words understood in any state, typed plainly or as /commands."""

    HELP = "help"
    MENU = "menu"
    STATUS = "status"
    CANCEL = "cancel"
    TASKS = "tasks"
    ON_DUTY = "on_duty"
    OFF_DUTY = "off_duty"
    YES = "yes"
    NO = "no"
    CHANGE = "change"
    LANGUAGE = "language"
    PAUSE = "pause"
    RESUME = "resume"
    QUEUE = "queue"


_COMMAND_WORDS: dict[str, Command] = {
    "aiuto": Command.HELP,
    "help": Command.HELP,
    "menu": Command.MENU,
    "start": Command.MENU,
    "inizio": Command.MENU,
    "ciao": Command.MENU,
    "buongiorno": Command.MENU,
    "salve": Command.MENU,
    "hi": Command.MENU,
    "hello": Command.MENU,
    "stato": Command.STATUS,
    "status": Command.STATUS,
    "annulla": Command.CANCEL,
    "cancel": Command.CANCEL,
    "attivita": Command.TASKS,
    "tasks": Command.TASKS,
    "compiti": Command.TASKS,
    "in servizio": Command.ON_DUTY,
    "on duty": Command.ON_DUTY,
    "onduty": Command.ON_DUTY,
    "fuori servizio": Command.OFF_DUTY,
    "off duty": Command.OFF_DUTY,
    "offduty": Command.OFF_DUTY,
    "si": Command.YES,
    "ok": Command.YES,
    "yes": Command.YES,
    "confermo": Command.YES,
    "conferma": Command.YES,
    "confirm": Command.YES,
    "no": Command.NO,
    "modifica": Command.CHANGE,
    "cambia": Command.CHANGE,
    "change": Command.CHANGE,
    "edit": Command.CHANGE,
    "lingua": Command.LANGUAGE,
    "language": Command.LANGUAGE,
    "lang": Command.LANGUAGE,
    "pausa": Command.PAUSE,
    "pause": Command.PAUSE,
    "disponibile": Command.RESUME,
    "riprendo": Command.RESUME,
    "available": Command.RESUME,
    "resume": Command.RESUME,
    "coda": Command.QUEUE,
    "queue": Command.QUEUE,
}

# Naming a language switches to it: "english", "/lang en", "italiano".
LANGUAGE_WORDS: dict[str, Language] = {
    "english": "en",
    "inglese": "en",
    "lang en": "en",
    "language en": "en",
    "in english": "en",
    "italiano": "it",
    "italian": "it",
    "lang it": "it",
    "lingua it": "it",
    "in italiano": "it",
}


def _phrase(text: str) -> str:
    return " ".join(words(text.strip().lstrip("/")))


def command_of(text: str | None) -> Command | None:
    """The command a whole message is, if it is one ("Aiuto!", "/status", "in servizio").

    Telegram's deep links arrive as "/start PAYLOAD": still the start of a conversation.
    """
    if not text:
        return None
    if text.strip().lower().startswith("/start"):
        return Command.MENU
    return _COMMAND_WORDS.get(_phrase(text))


def language_named(text: str | None) -> Language | None:
    """The language a whole message asks to switch to ("English", "/lang it"), if any."""
    return LANGUAGE_WORDS.get(_phrase(text)) if text else None


def turn_language(person: Person, text: str | None, default: Language) -> Language:
    """The person's setting, else the language of the message, else the service's default."""
    return language_or_default(person.language, detect_language(text or "") or default)


@dataclass(frozen=True)
class Turn:
    """Everything a dialogue reads in one turn."""

    ctx: DomainContext
    person: Person
    language: str
    inbound: Inbound

    def text(self, key: str, **params: Any) -> str:
        """A catalogue text in the speaker's language."""
        return t(self.language, key, **params)

    def text_in(self, language: str, key: str, **params: Any) -> str:
        """A catalogue text in another language (right after the person switched to it)."""
        return t(language, key, **params)

    def reply(self, key: str, **params: Any) -> Reply:
        """A plain reply from the catalogue."""
        return Reply(text=self.text(key, **params))


State = dict[str, Any]
Outcome = tuple[State, list[Reply]]
M = TypeVar("M", bound=BaseModel)


def state_as(model: type[M], state: State) -> M | None:
    """The conversation state read as one dialogue's model, or None when it is another's."""
    try:
        return model.model_validate(state)
    except ValidationError:
        return None


MAX_NUMBER_DIGITS = 9  # a request's number, a rating: longer is text, and past SQL's integers


def number_in(text: str) -> int | None:
    """A plain number sent back (a request's number in a button, a typed rating); None for
    anything else — "²" and "①" (digits to `isdigit()`, not to `int()`) and numbers too long to
    be one of ours included."""
    if text.isascii() and text.isdigit() and len(text) <= MAX_NUMBER_DIGITS:
        return int(text)
    return None
