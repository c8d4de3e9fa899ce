"""APScheduler 3 set-up: an asyncio scheduler whose jobs persist in the service's own database."""

from __future__ import annotations

from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy import create_engine
from sqlalchemy.engine import Engine

from concierge.settings import Settings

JOBS_TABLE = "scheduler_jobs"
PERSISTENT = "default"
VOLATILE = "volatile"

# The job store is synchronous: the same database through a synchronous driver.
_SYNC_DRIVERS = {"sqlite+aiosqlite": "sqlite+pysqlite", "postgresql+asyncpg": "postgresql+psycopg"}

# Every job must keep the promise it stands for, however late: a job due while the service
# was down runs once when it comes back (no misfire grace limit), and several missed runs of
# the same job collapse into one (coalesce). max_instances=1 keeps a slow run from overlapping.
JOB_DEFAULTS = {"misfire_grace_time": None, "coalesce": True, "max_instances": 1}


def job_store_engine(settings: Settings) -> Engine:
    """A synchronous engine on the service's database, for APScheduler's job store."""
    url = settings.url
    sync_url = url.set(drivername=_SYNC_DRIVERS[url.drivername])
    if settings.is_sqlite:
        return create_engine(sync_url, connect_args={"timeout": 15})
    return create_engine(sync_url, pool_pre_ping=True)


def build_scheduler(settings: Settings, engine: Engine) -> AsyncIOScheduler:
    """A scheduler with a persistent store for promises and a volatile one for housekeeping."""
    return AsyncIOScheduler(
        jobstores={
            PERSISTENT: SQLAlchemyJobStore(engine=engine, tablename=JOBS_TABLE),
            VOLATILE: MemoryJobStore(),
        },
        job_defaults=JOB_DEFAULTS,
        timezone=settings.zone,
    )
