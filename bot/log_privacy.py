"""Logs hold no phone number in clear: every record is masked as it is made (`+39 340 ***4567`),
whichever library logs it and whichever handler writes it. Message texts are never logged by
the service; this is the net under that rule for numbers that slip into errors and URLs."""

from __future__ import annotations

import logging
import re
from typing import Any

import phonenumbers

# E.164, also inside URLs (%2B) and channel prefixes (whatsapp:+39...).
_PHONE = re.compile(r"(?:\+|%2B)(\d{8,15})\b", re.IGNORECASE)
_installed: list[bool] = []
# Database drivers log every statement's parameters at DEBUG: message texts, notes, numbers.
QUIET_LOGGERS = ("aiosqlite", "sqlalchemy.engine", "asyncpg")


def mask_phone(number: str) -> str:
    """`+393401234567` as `+39 340 ***4567`: enough to tell numbers apart, not to call one."""
    digits = number.lstrip("+")
    try:
        country = str(phonenumbers.parse(f"+{digits}").country_code)
    except phonenumbers.NumberParseException:
        country = digits[:2]
    national = digits[len(country) :]
    return f"+{country} {national[:3]} ***{national[-4:]}"


def mask_text(text: str) -> str:
    """`text` with every phone number masked."""
    return _PHONE.sub(lambda found: mask_phone(found[1]), text)


def _masked_arg(value: Any) -> Any:
    if isinstance(value, str):
        return mask_text(value)
    if isinstance(value, int | float) or value is None:
        return value
    shown = str(value)
    masked = mask_text(shown)
    return value if masked == shown else masked


def _mask_record(record: logging.LogRecord) -> None:
    if isinstance(record.msg, str):
        record.msg = mask_text(record.msg)
    if isinstance(record.args, dict):
        record.args = {key: _masked_arg(value) for key, value in record.args.items()}
    elif isinstance(record.args, tuple):
        record.args = tuple(_masked_arg(value) for value in record.args)
    if record.exc_info and record.exc_info[1] is not None and not record.exc_text:
        record.exc_text = mask_text(logging.Formatter().formatException(record.exc_info))


def install_log_masking() -> None:
    """Mask every log record this process makes from now on, and keep the database drivers'
    statement logs (which hold texts) off even at LOG_LEVEL=DEBUG (once per process)."""
    if _installed:
        return
    _installed.append(True)
    make = logging.getLogRecordFactory()

    def masked(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = make(*args, **kwargs)
        _mask_record(record)
        return record

    logging.setLogRecordFactory(masked)
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)
