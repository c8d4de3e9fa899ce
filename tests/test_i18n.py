"""The Italian and English catalogues: the same messages, the same placeholders, every service."""

from __future__ import annotations

import re
import string
from datetime import datetime
from pathlib import Path

from concierge.i18n import catalogue, format_moment, t
from concierge.intake.catalogue import DEFAULT_SERVICE_CODES, default_services
from tests.conftest import ROME

ROOT = Path(__file__).resolve().parent.parent


def _placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_both_languages_have_every_message_with_the_same_placeholders() -> None:
    italian, english = catalogue("it"), catalogue("en")
    assert set(italian) == set(english)
    for key in italian:
        assert _placeholders(italian[key]) == _placeholders(english[key]), key


def test_every_key_used_in_the_code_is_in_the_catalogue() -> None:
    used: set[str] = set()
    pattern = re.compile(
        r"""(?:\bt\(\s*\w+,\s*|\.text\(|\.reply\(|(?:key|why)\s*=\s*)"([a-z_]+\.[a-z_.]+)\""""
    )
    for package in ("bot", "handlers", "concierge"):
        for source in (ROOT / package).rglob("*.py"):
            used.update(pattern.findall(source.read_text()))
    assert len(used) > 30
    assert used - set(catalogue("it")) == set()


def test_every_text_of_the_dashboard_pages_is_in_the_catalogue() -> None:
    used: set[str] = set()
    for page in (ROOT / "bot" / "templates" / "dashboard").glob("*.html"):
        used.update(re.findall(r"""_\(\s*["']([a-z_]+\.[a-z_.]+)["']""", page.read_text()))
    assert len(used) > 100
    assert {key for key in used if not key.endswith(".")} - set(catalogue("it")) == set()
    # Keys built from a value: every value they can take.
    for prefix, values in {
        "dash.role.": ("admin", "coordinator", "operator", "company"),
        "dash.channel.": ("webchat", "telegram", "sms", "whatsapp", "voice"),
        "dash.history_kind.": ("event", "message_in", "message_out", "note"),
        "dash.rota.kind.": ("off", "extra"),
        "dash.checkins.state.": (
            *("pending", "well", "help", "escalated", "due", "paused", "off"),
            *("late", "enrolled_after", "missed"),
        ),
        "dash.checkins.mark.": ("well", "help", "escalated", "pending", "none"),
        "dash.done.": ("accept", "decline", "start", "finish"),
    }.items():
        for value in values:
            assert prefix + value in catalogue("en"), prefix + value


def test_default_services_in_both_languages() -> None:
    services = {s.code: s for s in default_services()}
    assert tuple(services) == DEFAULT_SERVICE_CODES
    assert services["parcel"].name("it") == "Ritiro pacchi"
    assert services["parcel"].name("en") == "Parcel pickup"
    for service in services.values():
        assert service.name("it") != service.name("en") or service.code == "other"
        assert service.description("it") and service.description("en")


def test_texts_and_dates_read_naturally() -> None:
    moment = datetime(2026, 11, 24, 9, 0, tzinfo=ROME)
    assert format_moment(moment, "it", ROME) == "martedì 24 novembre, 09:00"
    assert format_moment(moment, "en", ROME) == "Tuesday 24 November, 09:00"
    assert t("en", "request.number", id=12) == "no. 12"
