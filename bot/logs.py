"""The service's log: one format with the time, LOG_LEVEL for our own lines, and libraries
that talk on every tick kept to their warnings.

What an operator of the service reads at INFO: start and stop, which process runs the
scheduler, each timer fired (an offer timing out, a check-in due), turns that had to start
over; at WARNING: deliveries that failed (and will be retried), settings that weaken the
service; at ERROR: messages given up, rounds that crashed.
"""

from __future__ import annotations

import logging

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
# Chatty at INFO: APScheduler logs two lines per run of every job (the scheduling round runs
# every few seconds), Alembic its migration context, httpx every request with its full URL
# (the Telegram Bot API's carries the bot token).
CHATTY = ("apscheduler", "alembic", "httpx", "httpcore", "aiogram.event")


def configure_logging(level: str) -> None:
    """Log at `level` (LOG_LEVEL); the chatty libraries only from WARNING, unless DEBUG."""
    logging.basicConfig(level=level, format=FORMAT, force=True)
    quiet = logging.DEBUG if level == "DEBUG" else max(logging.WARNING, logging.getLevelName(level))
    for name in CHATTY:
        logging.getLogger(name).setLevel(quiet)
