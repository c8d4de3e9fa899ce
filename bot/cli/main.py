"""The `concierge` command line: serve the service, migrate the database, load demo data.

Every command is one line below: where it lives and its line in `concierge --help`. It is
imported only when it runs, so `--help` and the quick commands start fast. A new command or
group: write it in its own module (a Typer app, or a function) and add its line here."""

from __future__ import annotations

from typing import Annotated

import typer

from bot.cli.language import GIVEN_LANGUAGE, LANG_HELP
from bot.cli.lazy import Lazy, lazy_root

COMMANDS = {
    "doctor": Lazy(
        "bot.cli.posture:doctor",
        "Print the production checklist: what holds, and what to do about each miss.",
    ),
    "demo": Lazy(
        "bot.cli.database:demo",
        "Load demo data: a cooperative, three operators on a Mon–Sat 8:00–18:00 rota, residents.",
    ),
    "jobs": Lazy(
        "bot.cli.jobs:jobs",
        "List the pending scheduled jobs: when (local time), what, which request, for whom.",
    ),
    "request": Lazy(
        "bot.cli.timeline:request",
        "Show one request and its timeline: every change, who made it, the requester's mark.",
    ),
    "parse": Lazy(
        "bot.cli.parse:parse",
        "Print what the bot understands of a request: category, when, urgency (one JSON object).",
    ),
    "serve": Lazy(
        "bot.cli.serve:serve",
        "Start the service: the dashboard, and every channel configured in .env.",
    ),
    "db": Lazy("bot.cli.database:db_app", "Manage the database."),
    "operators": Lazy("bot.cli.team:operators_app", "List and add operators."),
    "rota": Lazy(
        "bot.cli.team:rota_app", "Weekly slots, days off, extra shifts and opening hours."
    ),
    "telegram": Lazy("bot.cli.telegram:telegram_app", "Telegram webhook set-up."),
    "checkins": Lazy(
        "bot.cli.checkins:checkins_app",
        "Daily check-ins of elderly residents: plans, pauses, today's board, history.",
    ),
    "notices": Lazy(
        "bot.cli.notices:notices_app",
        "The neighbourhood noticeboard: markets, events, pharmacies on duty, office hours.",
    ),
    "users": Lazy(
        "bot.cli.users:users_app", "Dashboard users: admins, coordinators, operators, company HR."
    ),
    "people": Lazy(
        "bot.cli.people:people_app",
        "A person's data: export everything held about them, or erase it.",
    ),
    "credit": Lazy(
        "bot.cli.welfare:credit",
        "A worker's welfare credit: what is left, until when, unused vouchers, last movements.",
    ),
    "companies": Lazy("bot.cli.welfare:companies_app", "Member companies and their welfare plans."),
    "report": Lazy("bot.cli.welfare:report_app", "Reports: a company's month."),
    "fund": Lazy(
        "bot.cli.fund:fund",
        "The solidarity fund: its balance and its latest movements (in and out).",
    ),
    "referral": Lazy("bot.cli.fund:referral_app", "Social-services referrals: record and list."),
    "prices": Lazy("bot.cli.prices:prices_app", "Prices of services per cooperative, VAT shown."),
    "parcels": Lazy("bot.cli.parcels:parcels_app", "Parcels held at the desks."),
    "services": Lazy(
        "bot.cli.services:services_app",
        "A cooperative's service catalogue: what it offers, under which names, words, hours.",
    ),
    "receipt": Lazy(
        "bot.cli.receipts:receipt",
        "The receipt of a request's paid service: printed, and as a PDF with --pdf.",
    ),
    "paid": Lazy(
        "bot.cli.receipts:paid",
        "Record that the person paid what a request left due from them (its receipt follows).",
    ),
    "fiscal-code": Lazy(
        "bot.cli.receipts:fiscal_code",
        "Set a person's codice fiscale (checked), printed on their receipts.",
    ),
    "vat-number": Lazy(
        "bot.cli.receipts:vat_number",
        "Set a cooperative's partita IVA (checked), printed on its receipts.",
    ),
}

app = typer.Typer(
    help="Neighbourhood concierge bot: requests by chat and phone, routed to operators on duty.",
    no_args_is_help=True,
    add_completion=False,
    cls=lazy_root(COMMANDS),
)


@app.callback()
def main(lang: Annotated[str | None, typer.Option(help=LANG_HELP)] = None) -> None:
    """Neighbourhood concierge bot: requests by chat and phone, routed to operators on duty."""
    GIVEN_LANGUAGE.set(lang)


if __name__ == "__main__":
    app()
