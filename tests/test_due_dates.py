"""Reading when a request is for: the cases dateparser alone gets wrong, and what stays no date."""

from __future__ import annotations

from datetime import date, datetime, time

import pytest

from concierge.intake.due_dates import When, extract_when
from concierge.intake.times_of_day import PartOfDay
from tests.conftest import ROME

MONDAY_9 = datetime(2026, 11, 23, 9, 0, tzinfo=ROME)


def _when(text: str, language: str = "it", now: datetime = MONDAY_9) -> When | None:
    found = extract_when(text, now, ROME, language)
    return found.when if found else None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("domani mattina", When(date(2026, 11, 24), part=PartOfDay.MORNING)),
        ("giovedì", When(date(2026, 11, 26))),
        ("giovedi pomeriggio", When(date(2026, 11, 26), part=PartOfDay.AFTERNOON)),
        ("entro il 30", When(date(2026, 11, 30), deadline=True)),
        ("entro l'8", When(date(2026, 12, 8), deadline=True)),
        ("il 3 dicembre alle 10", When(date(2026, 12, 3), at=time(10))),
        ("dopodomani", When(date(2026, 11, 25))),
        ("stasera", When(date(2026, 11, 23), part=PartOfDay.EVENING)),
        ("alle 15", When(date(2026, 11, 23), at=time(15))),
        ("venerdì alle 17:30", When(date(2026, 11, 27), at=time(17, 30))),
        ("questo weekend", When(date(2026, 11, 28))),
        ("la settimana prossima", When(date(2026, 11, 30))),
        ("tra 3 giorni", When(date(2026, 11, 26))),
        ("3/12", When(date(2026, 12, 3))),
        ("dmn", When(date(2026, 11, 24))),
        ("domatina", When(date(2026, 11, 24), part=PartOfDay.MORNING)),
    ],
)
def test_italian(text: str, expected: When) -> None:
    assert _when(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("tomorrow", When(date(2026, 11, 24))),
        ("by Thursday", When(date(2026, 11, 26), deadline=True)),
        ("tomorrow at 10am", When(date(2026, 11, 24), at=time(10))),
        ("at 5pm", When(date(2026, 11, 23), at=time(17))),
        ("day after tomorrow", When(date(2026, 11, 25))),
        ("by the 30th", When(date(2026, 11, 30), deadline=True)),
        ("tonight", When(date(2026, 11, 23), part=PartOfDay.EVENING)),
        ("on December 3rd", When(date(2026, 12, 3))),
    ],
)
def test_english(text: str, expected: When) -> None:
    assert _when(text, "en") == expected


@pytest.mark.parametrize(
    "text",
    [
        "stirare 5 camicie",
        "mia mamma ha 88 anni",
        "pulizie 3 ore",
        "chiamare la nonna ogni mattina",
        "via Roma 12",
        "comprare 2 litri di latte",
        "iron the 5 shirts",
        "urgente",
    ],
)
def test_numbers_and_habits_are_no_date(text: str) -> None:
    assert _when(text) is None


def test_an_hour_already_past_means_tomorrow() -> None:
    evening = datetime(2026, 11, 25, 21, 15, tzinfo=ROME)
    assert _when("alle 15", now=evening) == When(date(2026, 11, 26), at=time(15))


def test_a_day_and_month_near_new_year_is_next_year() -> None:
    new_years_eve = datetime(2026, 12, 30, 10, 0, tzinfo=ROME)
    assert _when("il 3 gennaio", now=new_years_eve) == When(date(2027, 1, 3))
    assert _when("entro il 2", now=new_years_eve) == When(date(2027, 1, 2), deadline=True)


def test_due_moment_and_how_it_was_put() -> None:
    morning = When(date(2026, 11, 24), part=PartOfDay.MORNING)
    assert morning.due(ROME) == datetime(2026, 11, 24, 12, 0, tzinfo=ROME)
    assert morning.iso(ROME) == "2026-11-24T09:00:00+01:00"
    assert morning.kind == "morning"
    day = When(date(2026, 11, 24))
    assert (day.iso(ROME), day.kind, day.due(ROME).hour) == ("2026-11-24", "day", 18)
    assert When(date(2026, 11, 30), deadline=True).kind == "deadline"
    assert When(date(2026, 11, 30), at=time(10), deadline=True).kind == "time"


def test_amounts_are_not_hours_and_afternoon_hours_without_pm() -> None:
    assert _when("pagare la bolletta da 45.50 euro") is None
    assert _when("bolletta di 120.00 €") is None
    assert _when("ritiro pacco alle 5") == When(date(2026, 11, 23), at=time(17))
    assert _when("alle 9") == When(date(2026, 11, 24), at=time(9))  # 9:00 has passed today


def test_leap_day_and_a_saturday_weekend() -> None:
    leap_day = datetime(2028, 2, 29, 10, 0, tzinfo=ROME)
    assert _when("domani", now=leap_day) == When(date(2028, 3, 1))
    saturday = datetime(2026, 11, 28, 10, 0, tzinfo=ROME)
    assert _when("questo weekend", now=saturday) == When(date(2026, 11, 28))
