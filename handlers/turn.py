"""One turn of a dialogue: who is talking, in which language, and what they sent."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from concierge.context import DomainContext
from concierge.i18n import t
from concierge.intake import words
from concierge.messages import Inbound, Reply
from concierge.people import Person


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
}


def command_of(text: str | None) -> Command | None:
    """The command a whole message is, if it is one ("Aiuto!", "/status", "in servizio")."""
    if not text:
        return None
    phrase = " ".join(words(text.strip().lstrip("/")))
    return _COMMAND_WORDS.get(phrase)


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

    def reply(self, key: str, **params: Any) -> Reply:
        """A plain reply from the catalogue."""
        return Reply(text=self.text(key, **params))


State = dict[str, Any]
Outcome = tuple[State, list[Reply]]
