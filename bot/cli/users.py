"""`concierge users`: the people who log in to the dashboard (the first admin starts here)."""

from __future__ import annotations

import os
from typing import Annotated, NoReturn

import typer
from pydantic import ValidationError

from bot.cli.support import LANG_HELP, cli_language, fail, run_unit, settings_or_fail
from concierge.context import DomainContext
from concierge.errors import NotFound
from concierge.i18n import t
from concierge.settings import Language
from concierge.team.editing import operator_by_phone
from concierge.team.users import (
    MIN_PASSWORD_LENGTH,
    Role,
    UserInput,
    UserRefused,
    add_user,
    all_users,
    set_password,
)

users_app = typer.Typer(
    help="Dashboard users: admins, coordinators, operators, company HR.", no_args_is_help=True
)
PASSWORD_VARIABLE = "CONCIERGE_USER_PASSWORD"


def _password(language: Language) -> str:
    # A script can give the password in the environment; a person types it twice, unseen.
    given = os.environ.get(PASSWORD_VARIABLE)
    if given:
        return given
    return str(
        typer.prompt(
            t(language, "cli.users.password_prompt"),
            hide_input=True,
            confirmation_prompt=t(language, "cli.users.password_again"),
        )
    )


def _refused(exc: UserRefused, language: Language) -> NoReturn:
    fail(t(language, exc.key, **exc.params))


def _invalid(exc: ValidationError, language: Language) -> NoReturn:
    field = str(exc.errors()[0]["loc"][0])
    if field == "password":
        fail(t(language, "error.user.short_password", min=MIN_PASSWORD_LENGTH))
    given = repr(exc.errors()[0]["input"])
    if field == "username":
        fail(t(language, "cli.users.bad_username", given=given))
    fail(t(language, "cli.users.invalid", field=field, given=given))


@users_app.command("add")
def add(
    username: Annotated[str, typer.Argument(help="The name to log in with, e.g. anna.rossi.")],
    role: Annotated[
        Role, typer.Option(help="admin, coordinator, operator or company (a company's HR).")
    ] = Role.ADMIN,
    name: Annotated[str, typer.Option(help="The name shown in the dashboard.")] = "",
    cooperative: Annotated[
        str | None, typer.Option(help="The cooperative's name (coordinators).")
    ] = None,
    operator_phone: Annotated[
        str | None, typer.Option(help="The operator's phone number (operators).")
    ] = None,
    company: Annotated[
        str | None, typer.Option(help="The company's enrolment code (company HR).")
    ] = None,
    language: Annotated[str, typer.Option(help="The user's language: it or en.")] = "it",
    lang: Annotated[str | None, typer.Option(help=LANG_HELP)] = None,
) -> None:
    """Create a user; the password is asked twice (or read from CONCIERGE_USER_PASSWORD)."""
    settings = settings_or_fail()
    said = cli_language(settings, lang)
    password = _password(said)

    async def work(ctx: DomainContext) -> str:
        operator_id = None
        if operator_phone is not None:
            try:
                operator_id = (await operator_by_phone(ctx, operator_phone)).id
            except NotFound as exc:
                fail(t(said, "cli.users.no_operator", phone=exc.params["what"]))
        company_id = None
        if company is not None:
            # Imported here: only a company user needs the welfare domain loaded.
            from concierge.welfare.companies import company_with_code

            company_id = (await company_with_code(ctx, company)).id
        try:
            new = UserInput(
                username=username,
                display_name=name,
                password=password,
                role=role,
                cooperative=cooperative,
                operator_id=operator_id,
                company_id=company_id,
                language=language,
            )
        except ValidationError as exc:
            _invalid(exc, said)
        try:
            user = await add_user(ctx, new)
        except UserRefused as exc:
            _refused(exc, said)
        return t(said, "cli.users.added", username=user.username, role=_role(user.role, said))

    typer.echo(run_unit(settings, work))


def _role(role: str, language: Language) -> str:
    return t(language, f"dash.role.{role}")


@users_app.command("list")
def list_users(lang: Annotated[str | None, typer.Option(help=LANG_HELP)] = None) -> None:
    """Every user with their role and cooperative."""
    settings = settings_or_fail()
    said = cli_language(settings, lang)
    active, disabled = t(said, "cli.users.active"), t(said, "cli.users.disabled")

    async def work(ctx: DomainContext) -> list[str]:
        return [
            f"{user.username:<20} {_role(user.role, said):<15} "
            f"{user.cooperative.name if user.cooperative else '-':<30} "
            f"{active if user.active else disabled}"
            for user in await all_users(ctx)
        ]

    lines = run_unit(settings, work)
    typer.echo("\n".join(lines) if lines else t(said, "cli.users.none"))


@users_app.command("password")
def password(
    username: Annotated[str, typer.Argument(help="The user whose password changes.")],
    lang: Annotated[str | None, typer.Option(help=LANG_HELP)] = None,
) -> None:
    """Set a user's password; asked twice (or read from CONCIERGE_USER_PASSWORD)."""
    settings = settings_or_fail()
    said = cli_language(settings, lang)
    new = _password(said)

    async def work(ctx: DomainContext) -> str:
        try:
            user = await set_password(ctx, username, new)
        except UserRefused as exc:
            _refused(exc, said)
        return t(said, "cli.users.password_changed", username=user.username)

    typer.echo(run_unit(settings, work))
