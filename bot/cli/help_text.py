"""Help screens that read like the rest of the command line: arguments by their upper-case
names (`PHONE DATE`), options by what they take (`TEXT`, `INTEGER`), flags by nothing — not
Typer's `{phone}`, `<str>` and `<bool>` placeholders."""

from __future__ import annotations

from typing import Any

from typer.core import TyperArgument, TyperCommand, TyperGroup, TyperOption

# Typer's own type labels, as click always named them.
TYPE_NAMES = {"str": "TEXT", "int": "INTEGER", "float": "NUMBER", "bool": "", "path": "PATH"}


class PlainArgument(TyperArgument):
    """An argument shown by its upper-case name."""

    def _usage_display_name(self) -> str:
        name = self.metavar or (self.name or "").upper()
        return name if self.required else f"[{name}]"

    def display_type_rich(self, ctx: Any) -> str | None:
        return None


class PlainOption(TyperOption):
    """An option shown by what it takes; a flag by nothing."""

    def display_type_rich(self, ctx: Any) -> str | None:
        if self.is_flag or self.count:
            return None
        if self.metavar:
            return self.metavar
        label = self.display_type(ctx).strip("<>")
        return TYPE_NAMES.get(label, label.upper()) or None


def _plain(params: list[Any]) -> list[Any]:
    for param in params:
        if isinstance(param, TyperArgument) and not isinstance(param, PlainArgument):
            if param.metavar is None:
                param.metavar = (param.name or "").upper()
            param.__class__ = PlainArgument
        elif isinstance(param, TyperOption) and not isinstance(param, PlainOption):
            param.__class__ = PlainOption
    return params


class PlainCommand(TyperCommand):
    """A command whose help uses plain placeholders."""

    def get_params(self, ctx: Any) -> list[Any]:
        return _plain(super().get_params(ctx))


class PlainGroup(TyperGroup):
    """A group whose commands, and their commands, use plain placeholders (set on the root)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _plain_commands(self)

    def get_params(self, ctx: Any) -> list[Any]:
        return _plain(super().get_params(ctx))


def _plain_commands(group: TyperGroup) -> None:
    # Typer builds every command with its own classes; they become ours, help and all.
    for command in group.commands.values():
        make_plain(command)


def make_plain(command: object) -> None:
    """A command, or a group and all its commands, with plain placeholders in their help."""
    if isinstance(command, TyperGroup):
        if not isinstance(command, PlainGroup):
            command.__class__ = PlainGroup
        _plain_commands(command)
    elif isinstance(command, TyperCommand) and not isinstance(command, PlainCommand):
        command.__class__ = PlainCommand
