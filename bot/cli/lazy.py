"""Commands imported when they run: `concierge --help` lists every command from its line in
`bot/cli/main.py` and imports none of them, so each command pays only for its own imports
(the web stack, the database, the reading of texts load where they are used, not at start)."""

from __future__ import annotations

from dataclasses import dataclass
from importlib import import_module
from typing import Any, ClassVar

import typer
from typer.core import TyperCommand

from bot.cli.help_text import PlainGroup, make_plain


@dataclass(frozen=True)
class Lazy:
    """A command of the root: where it lives, "module:attribute" (a Typer app, or a command
    function), and its line in `concierge --help` (the first line of its own help)."""

    target: str
    help: str


def load(name: str, entry: Lazy) -> Any:
    """Import a lazy command and build it as Typer would have at start."""
    module, _, attribute = entry.target.partition(":")
    found = getattr(import_module(module), attribute)
    if isinstance(found, typer.Typer):  # a group, even of one command (`telegram set-webhook`)
        command: Any = typer.main.get_group(found)
    else:  # a command function
        single = typer.Typer()
        single.command(name=name)(found)
        command = typer.main.get_command(single)
    command.name = name
    make_plain(command)
    return command


class LazyGroup(PlainGroup):
    """The root group: lazy commands are listed by their `Lazy` line, imported only to run
    (or to show their own help)."""

    lazy: ClassVar[dict[str, Lazy]] = {}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._listing = False
        self._loaded: set[str] = set()
        for name, entry in self.lazy.items():
            # Stands in the listing (and typo suggestions) until the command is loaded.
            self.commands[name] = TyperCommand(name, help=entry.help)

    def format_help(self, ctx: Any, formatter: Any) -> None:
        """The root's help: every command by its line, none of them imported."""
        self._listing = True
        try:
            super().format_help(ctx, formatter)
        finally:
            self._listing = False

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        """The command named, imported now when it is lazy and about to be used."""
        if cmd_name in self.lazy and cmd_name not in self._loaded and not self._listing:
            self.commands[cmd_name] = load(cmd_name, self.lazy[cmd_name])
            self._loaded.add(cmd_name)
        return super().get_command(ctx, cmd_name)


def lazy_root(entries: dict[str, Lazy]) -> type[LazyGroup]:
    """The class of a root group with these lazy commands (Typer builds the group itself)."""
    return type("LazyRoot", (LazyGroup,), {"lazy": entries})
