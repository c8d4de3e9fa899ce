"""the scheduler's job store

APScheduler 3 keeps its persistent jobs in this table (the layout of its SQLAlchemyJobStore);
creating it here keeps every schema change in a migration.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 01:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JOBS_TABLE = "scheduler_jobs"


def upgrade() -> None:
    op.create_table(
        JOBS_TABLE,
        sa.Column("id", sa.Unicode(191), nullable=False),
        sa.Column("next_run_time", sa.Float(25), nullable=True),
        sa.Column("job_state", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scheduler_jobs")),
    )
    op.create_index("ix_scheduler_jobs_next_run_time", JOBS_TABLE, ["next_run_time"])


def downgrade() -> None:
    op.drop_index("ix_scheduler_jobs_next_run_time", table_name=JOBS_TABLE)
    op.drop_table(JOBS_TABLE)
