"""Service settings, read from the environment and `.env`; a wrong one names itself."""

from __future__ import annotations

import ast
import json
import re
from datetime import date, time
from decimal import Decimal
from functools import cache
from importlib.util import find_spec
from pathlib import Path
from typing import Any, Literal, NamedTuple
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, ValidationError, field_validator
from pydantic_core import PydanticCustomError
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

Language = Literal["it", "en"]

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///./var/concierge.sqlite3"

# Synchronous or driver-less URLs people commonly paste, mapped to the async drivers we ship.
_ASYNC_DRIVERS = {
    "sqlite": "sqlite+aiosqlite",
    "sqlite+pysqlite": "sqlite+aiosqlite",
    "sqlite+aiosqlite": "sqlite+aiosqlite",
    "postgresql": "postgresql+asyncpg",
    "postgres": "postgresql+asyncpg",
    "postgresql+psycopg2": "postgresql+asyncpg",
    "postgresql+asyncpg": "postgresql+asyncpg",
}


class SettingProblem(NamedTuple):
    """One wrong setting: its name, the catalogue key of what is wrong, the key's params."""

    name: str
    key: str
    params: dict[str, str]


class SettingsError(Exception):
    """A setting is missing or wrong; the message names it and says what is expected.
    `problems` say the same by catalogue key, for whoever reads it in another language."""

    def __init__(self, message: str, problems: tuple[SettingProblem, ...] = ()) -> None:
        super().__init__(message)
        self.problems = problems


def _wrong(what: str, message: str, given: str) -> PydanticCustomError:
    """A validator's refusal that names its catalogue key (`settings.<what>`) and the value."""
    return PydanticCustomError(f"settings.{what}", message, {"given": repr(given)})


@cache
def holiday_country_codes() -> frozenset[str]:
    """The country codes `holidays` knows, aliases included (its `get_country_codes()`), read
    from its registry's source: importing even `holidays.registry` first runs the package's
    `__init__` (about 0.1 s of every command's start; issue 20, target 7). When the source no
    longer reads as expected, the registry itself is asked."""
    spec = find_spec("holidays")
    try:
        assert spec is not None and spec.origin is not None
        source = Path(spec.origin).with_name("registry.py").read_text(encoding="utf-8")
        countries = next(
            ast.literal_eval(node.value)
            for node in ast.parse(source).body
            if isinstance(node, ast.AnnAssign)
            and isinstance(node.target, ast.Name)
            and node.target.id == "COUNTRIES"
            and node.value is not None
        )
        return frozenset(
            code for entities in countries.values() for code in entities[1:] if 2 <= len(code) <= 3
        )
    except (AssertionError, OSError, SyntaxError, ValueError, StopIteration, AttributeError):
        from holidays.registry import EntityLoader

        return frozenset(EntityLoader.get_country_codes())


class Settings(BaseSettings):
    """Everything the service reads from its environment; see `.env.example`."""

    model_config = SettingsConfigDict(
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        frozen=True,
        populate_by_name=True,
        env_ignore_empty=True,
    )

    database_url: str = Field(default=DEFAULT_DATABASE_URL, validation_alias="DATABASE_URL")
    time_zone: str = Field(default="Europe/Rome", validation_alias="TIME_ZONE")
    default_language: Language = Field(default="it", validation_alias="DEFAULT_LANGUAGE")
    default_region: str = Field(default="IT", validation_alias="DEFAULT_PHONE_REGION")
    http_host: str = Field(default="127.0.0.1", validation_alias="HTTP_HOST")
    http_port: int = Field(default=8000, ge=1, le=65535, validation_alias="HTTP_PORT")
    outbox_poll_seconds: float = Field(
        default=1.0, gt=0, le=60, validation_alias="OUTBOX_POLL_SECONDS"
    )
    outbox_max_attempts: int = Field(
        default=8, ge=1, le=100, validation_alias="OUTBOX_MAX_ATTEMPTS"
    )
    # How long a claimed row is its sender's alone: longer than a send may take (the provider's
    # time-out, and the wait for its pace), or a slow send could be claimed and sent again.
    outbox_lease_seconds: float = Field(
        default=120.0, gt=0, le=3600, validation_alias="OUTBOX_LEASE_SECONDS"
    )
    # Rows of one channel on their way at once, each to a different address.
    outbox_lane_concurrency: int = Field(
        default=8, ge=1, le=100, validation_alias="OUTBOX_LANE_CONCURRENCY"
    )
    manual_duty_hours: float = Field(default=8.0, gt=0, le=24, validation_alias="MANUAL_DUTY_HOURS")
    offer_timeout_seconds: int = Field(
        default=120, ge=10, le=86400, validation_alias="OFFER_TIMEOUT_SECONDS"
    )
    reminder_lead_minutes: int = Field(
        default=30, ge=0, le=1440, validation_alias="REMINDER_LEAD_MINUTES"
    )
    parcel_reminder_days: int = Field(
        default=3, ge=1, le=60, validation_alias="PARCEL_REMINDER_DAYS"
    )
    scheduler_sync_seconds: float = Field(
        default=5.0, gt=0, le=300, validation_alias="SCHEDULER_SYNC_SECONDS"
    )
    leader_retry_seconds: float = Field(
        default=5.0, gt=0, le=300, validation_alias="LEADER_RETRY_SECONDS"
    )
    conversation_expiry_minutes: int = Field(
        default=60, ge=1, le=10080, validation_alias="CONVERSATION_EXPIRY_MINUTES"
    )
    # Flood control: past this many messages in a minute, one sender gets one "please slow down"
    # and the rest are stored without an answer each.
    messages_per_minute_per_sender: int = Field(
        default=20, ge=1, le=10000, validation_alias="MESSAGES_PER_MINUTE_PER_SENDER"
    )
    offer_timeout_urgent_seconds: int = Field(
        default=60, ge=10, le=86400, validation_alias="OFFER_TIMEOUT_URGENT_SECONDS"
    )
    holiday_country: str = Field(default="IT", validation_alias="HOLIDAY_COUNTRY")
    local_holidays: str = Field(default="", validation_alias="LOCAL_HOLIDAYS")
    follow_up_delay_minutes: int = Field(
        default=60, ge=0, le=10080, validation_alias="FOLLOW_UP_DELAY_MINUTES"
    )
    follow_up_window_hours: float = Field(
        default=24, gt=0, le=720, validation_alias="FOLLOW_UP_WINDOW_HOURS"
    )
    quiet_hours: str = Field(default="21:00-08:00", validation_alias="QUIET_HOURS")
    daily_digest_time: str = Field(default="08:00", validation_alias="DAILY_DIGEST_TIME")
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field(
        default="INFO", validation_alias="LOG_LEVEL"
    )
    # Check-ins due at the same minute are spread to this many a second (a phone number's
    # sending rate), so none is refused and each gets its full time to answer.
    checkins_per_second: float = Field(
        default=1.0, gt=0, le=100, validation_alias="CHECKINS_PER_SECOND"
    )
    # Keys sealing sensitive notes (Fernet, comma-separated: the first seals, all open, so keys
    # rotate). Unset: one is made at first use and kept in SEALING_KEY_FILE.
    sealing_keys: str | None = Field(default=None, validation_alias="SEALING_KEYS")
    sealing_key_file: Path | None = Field(default=None, validation_alias="SEALING_KEY_FILE")
    # Message texts, inbound logs and voicemail links older than this are redacted.
    retention_days: int = Field(default=365, ge=1, le=3650, validation_alias="RETENTION_DAYS")
    telegram_bot_token: str | None = Field(default=None, validation_alias="TELEGRAM_BOT_TOKEN")
    telegram_library: Literal["aiogram", "ptb"] = Field(
        default="ptb", validation_alias="TELEGRAM_LIBRARY"
    )
    telegram_mode: Literal["polling", "webhook"] = Field(
        default="polling", validation_alias="TELEGRAM_MODE"
    )
    telegram_webhook_secret: str | None = Field(
        default=None, validation_alias="TELEGRAM_WEBHOOK_SECRET"
    )
    telegram_api_base: str = Field(
        default="https://api.telegram.org", validation_alias="TELEGRAM_API_BASE"
    )
    telegram_request_timeout_seconds: int = Field(
        default=20, ge=1, le=300, validation_alias="TELEGRAM_REQUEST_TIMEOUT_SECONDS"
    )
    # Telegram's limits for a bot: about 30 messages a second overall, one a second per chat.
    telegram_messages_per_second: float = Field(
        default=30.0, gt=0, le=1000, validation_alias="TELEGRAM_MESSAGES_PER_SECOND"
    )
    telegram_chat_messages_per_second: float = Field(
        default=1.0, gt=0, le=100, validation_alias="TELEGRAM_CHAT_MESSAGES_PER_SECOND"
    )
    # Telegram groups the service reads and writes to (chat ids, negative numbers); others are
    # ignored. Staff write there as they would in private; answers go to their private chat.
    telegram_operators_group: int | None = Field(
        default=None, validation_alias="TELEGRAM_OPERATORS_GROUP"
    )
    telegram_coordinators_group: int | None = Field(
        default=None, validation_alias="TELEGRAM_COORDINATORS_GROUP"
    )
    twilio_account_sid: str | None = Field(default=None, validation_alias="TWILIO_ACCOUNT_SID")
    twilio_auth_token: str | None = Field(default=None, validation_alias="TWILIO_AUTH_TOKEN")
    twilio_phone_number: str | None = Field(default=None, validation_alias="TWILIO_PHONE_NUMBER")
    twilio_whatsapp_number: str | None = Field(
        default=None, validation_alias="TWILIO_WHATSAPP_NUMBER"
    )
    # The REST API's address; only a local test double changes it.
    twilio_api_base: str = Field(
        default="https://api.twilio.com", validation_alias="TWILIO_API_BASE"
    )
    # Approved WhatsApp templates by name, as JSON: {"follow_up": "HX…", "check_in": "HX…"}.
    twilio_whatsapp_templates: dict[str, str] = Field(
        default_factory=dict, validation_alias="TWILIO_WHATSAPP_TEMPLATES"
    )
    twilio_messages_per_second: float = Field(
        default=1.0, gt=0, le=100, validation_alias="TWILIO_MESSAGES_PER_SECOND"
    )
    twilio_speech: bool = Field(default=False, validation_alias="TWILIO_SPEECH")
    twilio_dial_timeout_seconds: int = Field(
        default=20, ge=5, le=120, validation_alias="TWILIO_DIAL_TIMEOUT_SECONDS"
    )
    public_base_url: str | None = Field(default=None, validation_alias="PUBLIC_BASE_URL")
    # Signs the dashboard's session cookies. Unset: a random key per start, so log-ins end at
    # each restart and are not shared between processes.
    session_secret: str | None = Field(
        default=None, min_length=16, validation_alias="SESSION_SECRET"
    )
    session_hours: float = Field(default=12, gt=0, le=720, validation_alias="SESSION_HOURS")
    # Lets a Prometheus scraper read /metrics with `Authorization: Bearer <token>`.
    metrics_token: str | None = Field(default=None, min_length=16, validation_alias="METRICS_TOKEN")
    # The share of every welfare purchase that flows into the solidarity fund, in per cent.
    welfare_fund_share_percent: Decimal = Field(
        default=Decimal("2"), ge=0, le=100, decimal_places=2,
        validation_alias="WELFARE_FUND_SHARE_PERCENT",
    )  # fmt: skip
    # The web chat talks as anyone by phone number: a local demo tool, off unless asked for.
    webchat_demo: bool = Field(default=False, validation_alias="WEBCHAT_DEMO")
    # /docs, /redoc and /openapi.json describe every route to whoever asks: off unless asked for.
    api_docs: bool = Field(default=False, validation_alias="API_DOCS")
    # Proxies whose X-Forwarded-For / X-Forwarded-Proto are believed (uvicorn's setting):
    # comma-separated addresses or networks, or * behind a proxy that is the only way in.
    forwarded_allow_ips: str = Field(default="127.0.0.1", validation_alias="FORWARDED_ALLOW_IPS")

    @property
    def twilio_enabled(self) -> bool:
        """Whether Twilio's account and a number are configured."""
        return bool(
            self.twilio_account_sid
            and self.twilio_auth_token
            and (self.twilio_phone_number or self.twilio_whatsapp_number)
        )

    @property
    def is_public(self) -> bool:
        """Whether the service says it is served on the internet (an https PUBLIC_BASE_URL)."""
        return (self.public_base_url or "").lower().startswith("https://")

    @field_validator("twilio_whatsapp_templates", mode="before")
    @classmethod
    def _templates_as_json(cls, value: object) -> object:
        # From .env it arrives as text; a JSON object of name → content SID.
        if isinstance(value, str):
            return json.loads(value) if value.strip() else {}
        return value

    @field_validator("database_url")
    @classmethod
    def _async_database_url(cls, value: str) -> str:
        try:
            url = make_url(value)
        except ArgumentError as exc:
            raise _wrong("database_url", "not a database URL: {given}", value) from exc
        driver = _ASYNC_DRIVERS.get(url.drivername)
        if driver is None:
            raise _wrong(
                "database_driver",
                "unsupported database {given}; use sqlite:///path or postgresql://...",
                url.drivername,
            )
        if driver.startswith("sqlite") and not url.database:
            raise _wrong(
                "sqlite_path",
                "a SQLite URL needs a file path, e.g. sqlite:///./var/concierge.sqlite3",
                value,
            )
        return url.set(drivername=driver).render_as_string(hide_password=False)

    @field_validator("time_zone")
    @classmethod
    def _known_time_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise _wrong("time_zone", "unknown time zone {given}, e.g. Europe/Rome", value) from exc
        return value

    @field_validator("default_region")
    @classmethod
    def _region_code(cls, value: str) -> str:
        if len(value) != 2 or not value.isalpha():
            raise _wrong(
                "region", "expected a two-letter country code such as IT, got {given}", value
            )
        return value.upper()

    @field_validator("quiet_hours")
    @classmethod
    def _quiet_hours(cls, value: str) -> str:
        if value.strip().lower() == "off":
            return "off"
        start, sep, end = value.partition("-")
        if not sep:
            raise _wrong(
                "quiet_hours", "expected a span such as 21:00-08:00, or off; got {given}", value
            )
        return f"{_time_of_day(start):%H:%M}-{_time_of_day(end):%H:%M}"

    @field_validator("holiday_country")
    @classmethod
    def _holiday_country(cls, value: str) -> str:
        code = value.strip().upper()
        if code not in holiday_country_codes():
            raise _wrong(
                "holidays", "no public holidays known for {given}; use a code such as IT", value
            )
        return code

    @field_validator("local_holidays")
    @classmethod
    def _local_holidays(cls, value: str) -> str:
        days = [part.strip() for part in value.replace(";", ",").split(",") if part.strip()]
        for day in days:
            try:
                date.fromisoformat(f"2000-{day}")  # a leap year: 02-29 is a valid day
            except ValueError:
                raise _wrong(
                    "local_holidays", "expected days as MM-DD, e.g. 06-24,12-07; got {given}", day
                ) from None
        return ",".join(days)

    @property
    def local_holiday_days(self) -> tuple[tuple[int, int], ...]:
        """Local closing days (month, day), such as the patron saint's."""
        return tuple((int(day[:2]), int(day[3:])) for day in self.local_holidays.split(",") if day)

    @field_validator("daily_digest_time")
    @classmethod
    def _digest_time(cls, value: str) -> str:
        if value.strip().lower() == "off":
            return "off"
        return f"{_time_of_day(value):%H:%M}"

    @property
    def quiet_span(self) -> tuple[time, time] | None:
        """When not to text people (start, end in local time), or None to text at any hour."""
        if self.quiet_hours == "off":
            return None
        start, end = self.quiet_hours.split("-")
        return _time_of_day(start), _time_of_day(end)

    @property
    def digest_at(self) -> time | None:
        """The local time of the coordinators' daily digest, or None when it is off."""
        return None if self.daily_digest_time == "off" else _time_of_day(self.daily_digest_time)

    @property
    def zone(self) -> ZoneInfo:
        """The service's time zone, in which people read every time."""
        return ZoneInfo(self.time_zone)

    @property
    def url(self) -> URL:
        """The database URL as SQLAlchemy reads it."""
        return make_url(self.database_url)

    @property
    def is_sqlite(self) -> bool:
        """Whether storage is a SQLite file (one process) rather than PostgreSQL."""
        return self.url.get_backend_name() == "sqlite"

    @property
    def sqlite_path(self) -> Path | None:
        """The SQLite file, when storage is SQLite."""
        return Path(self.url.database or "") if self.is_sqlite else None


_TIME_OF_DAY = re.compile(r"(\d{1,2})(?:[:.](\d{2}))?")


def _time_of_day(text: str) -> time:
    """'8', '08:00', '7.30' or '21:15' as a time; ValueError naming what was given."""
    found = _TIME_OF_DAY.fullmatch(text.strip())
    hour, minute = (int(found[1]), int(found[2] or 0)) if found else (99, 0)
    if hour > 23 or minute > 59:
        raise _wrong(
            "time_of_day", "expected a time of day such as 08:00, got {given}", text.strip()
        )
    return time(hour, minute)


def _setting_name(loc: tuple[int | str, ...]) -> str:
    field = str(loc[0]) if loc else "?"
    info = Settings.model_fields.get(field)
    alias = info.validation_alias if info is not None else None
    return alias if isinstance(alias, str) else field.upper()


def load_settings(**overrides: object) -> Settings:
    """Read settings; raise SettingsError whose message names each wrong setting."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        lines, problems = [], []
        for error in exc.errors():
            name, message = _setting_name(error["loc"]), str(error["msg"])
            lines.append(f"{name}: {message.removeprefix('Value error, ')}")
            problems.append(_problem(name, error["type"], error.get("ctx"), error.get("input")))
        raise SettingsError("; ".join(lines), tuple(problems)) from None


def _problem(name: str, kind: str, ctx: dict[str, Any] | None, given: object) -> SettingProblem:
    """A validation error by catalogue key: ours (`settings.…`), else missing or not accepted."""
    if kind.startswith("settings."):
        return SettingProblem(name, kind, {"given": str((ctx or {}).get("given", ""))})
    if kind == "missing":
        return SettingProblem(name, "settings.missing", {})
    return SettingProblem(name, "settings.invalid", {"given": repr(given)})
