"""`concierge users`: the people who log in to the dashboard (the first admin starts here)."""

from __future__ import annotations

import os
from typing import Annotated

import typer
from pydantic import ValidationError

from bot.cli.support import fail, run_unit, settings_or_fail
from concierge.context import DomainContext
from concierge.team.editing import operator_by_phone
from concierge.team.users import (
    MIN_PASSWORD_LENGTH,
    Role,
    UserInput,
    add_user,
    all_users,
    set_password,
)

users_app = typer.Typer(
    help="Dashboard users: admins, coordinators, operators, company HR.", no_args_is_help=True
)
PASSWORD_VARIABLE = "CONCIERGE_USER_PASSWORD"


def _password() -> str:
    # A script can give the password in the environment; a person types it twice, unseen.
    given = os.environ.get(PASSWORD_VARIABLE)
    if given:
        return given
    return str(typer.prompt("Password", hide_input=True, confirmation_prompt=True))


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
    language: Annotated[str, typer.Option(help="it or en.")] = "it",
) -> None:
    """Create a user; the password is asked twice (or read from CONCIERGE_USER_PASSWORD)."""
    settings = settings_or_fail()
    password = _password()

    async def work(ctx: DomainContext) -> str:
        operator_id = None
        if operator_phone is not None:
            operator_id = (await operator_by_phone(ctx, operator_phone)).id
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
            field = str(exc.errors()[0]["loc"][0])
            if field == "password":
                fail(f"the password must be at least {MIN_PASSWORD_LENGTH} characters")
            fail(f"{field}: {exc.errors()[0]['msg']}")
        user = await add_user(ctx, new)
        return f"User {user.username} added ({user.role})."

    typer.echo(run_unit(settings, work))


@users_app.command("list")
def list_users() -> None:
    """Every user with their role and cooperative."""
    settings = settings_or_fail()

    async def work(ctx: DomainContext) -> list[str]:
        return [
            f"{user.username:<20} {user.role:<12} "
            f"{user.cooperative.name if user.cooperative else '-':<30} "
            f"{'active' if user.active else 'disabled'}"
            for user in await all_users(ctx)
        ]

    lines = run_unit(settings, work)
    typer.echo(
        "\n".join(lines) if lines else "No users yet: add the first with `concierge users add`."
    )


@users_app.command("password")
def password(
    username: Annotated[str, typer.Argument(help="The user whose password changes.")],
) -> None:
    """Set a user's password; asked twice (or read from CONCIERGE_USER_PASSWORD)."""
    settings = settings_or_fail()
    new = _password()

    async def work(ctx: DomainContext) -> str:
        user = await set_password(ctx, username, new)
        return f"Password of {user.username} changed."

    typer.echo(run_unit(settings, work))
