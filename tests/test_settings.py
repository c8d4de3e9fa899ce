"""Settings: sensible defaults, async drivers chosen for plain URLs, wrong values named."""

from __future__ import annotations

from datetime import time
from pathlib import Path

import pytest

from concierge.settings import DEFAULT_DATABASE_URL, Settings, SettingsError, load_settings


def test_defaults() -> None:
    settings = load_settings(_env_file=None)
    assert settings.database_url == DEFAULT_DATABASE_URL
    assert settings.time_zone == "Europe/Rome"
    assert settings.default_language == "it"
    assert settings.is_sqlite
    assert settings.telegram_bot_token is None


@pytest.mark.parametrize(
    ("given", "used"),
    [
        ("sqlite:///var/x.db", "sqlite+aiosqlite:///var/x.db"),
        ("postgresql://u:p@db/concierge", "postgresql+asyncpg://u:p@db/concierge"),
        ("postgres://u@db/c", "postgresql+asyncpg://u@db/c"),
        ("postgresql+asyncpg://u@db/c", "postgresql+asyncpg://u@db/c"),
    ],
)
def test_database_urls_get_async_drivers(given: str, used: str) -> None:
    assert load_settings(DATABASE_URL=given, _env_file=None).database_url == used


@pytest.mark.parametrize(
    ("setting", "value", "named"),
    [
        ("DATABASE_URL", "mysql://root@localhost/x", "DATABASE_URL: unsupported database 'mysql'"),
        ("DATABASE_URL", "not a url", "DATABASE_URL: not a database URL"),
        ("DATABASE_URL", "sqlite://", "DATABASE_URL: a SQLite URL needs a file path"),
        ("TIME_ZONE", "Europe/Rom", "TIME_ZONE: unknown time zone 'Europe/Rom'"),
        ("DEFAULT_LANGUAGE", "fr", "DEFAULT_LANGUAGE:"),
        ("HTTP_PORT", "99999", "HTTP_PORT:"),
        ("DEFAULT_PHONE_REGION", "ITA", "DEFAULT_PHONE_REGION: expected a two-letter"),
        ("QUIET_HOURS", "21-8:75", "QUIET_HOURS: expected a time of day such as 08:00, got '8:75'"),
        ("QUIET_HOURS", "night", "QUIET_HOURS: expected a span such as 21:00-08:00"),
        ("DAILY_DIGEST_TIME", "25:00", "DAILY_DIGEST_TIME: expected a time of day"),
        ("HOLIDAY_COUNTRY", "XQ", "HOLIDAY_COUNTRY: no public holidays known for 'XQ'"),
    ],
)
def test_wrong_settings_are_named(
    monkeypatch: pytest.MonkeyPatch, setting: str, value: str, named: str
) -> None:
    monkeypatch.setenv(setting, value)
    with pytest.raises(SettingsError) as raised:
        load_settings(_env_file=None)
    assert str(raised.value).startswith(named)
    assert "\n" not in str(raised.value)


def test_times_of_day_and_off() -> None:
    settings = load_settings(_env_file=None, QUIET_HOURS="22.30 - 7", DAILY_DIGEST_TIME="7:45")
    assert settings.quiet_hours == "22:30-07:00"
    assert (settings.digest_at, settings.quiet_span) == (
        time(7, 45),
        (time(22, 30), time(7, 0)),
    )
    off = load_settings(_env_file=None, QUIET_HOURS="off", DAILY_DIGEST_TIME="OFF")
    assert (off.quiet_span, off.digest_at) == (None, None)


def test_settings_come_from_the_env_file(tmp_path: pytest.TempPathFactory) -> None:
    env = tmp_path / ".env"  # type: ignore[operator]
    env.write_text("TIME_ZONE=Europe/London\nDEFAULT_LANGUAGE=en\n")
    settings = load_settings(_env_file=env)
    assert (settings.time_zone, settings.default_language) == ("Europe/London", "en")


def test_env_example_documents_every_setting() -> None:
    example = (Path(__file__).resolve().parent.parent / ".env.example").read_text()
    for info in Settings.model_fields.values():
        assert f"{info.validation_alias}=" in example, info.validation_alias
    assert load_settings(_env_file=None).model_dump() == {
        **load_settings(
            _env_file=Path(__file__).resolve().parent.parent / ".env.example"
        ).model_dump(),
    }


def test_holiday_countries_are_the_registrys_own() -> None:
    # Read from the registry's source (importing `holidays` costs every command ~0.1 s); the
    # same codes, aliases included, as the registry gives.
    from holidays.registry import EntityLoader

    from concierge.settings import holiday_country_codes

    assert holiday_country_codes() == frozenset(EntityLoader.get_country_codes())
    assert {"IT", "ITA", "GB", "UK"} <= holiday_country_codes()
    assert load_settings(HOLIDAY_COUNTRY="gb", _env_file=None).holiday_country == "GB"
