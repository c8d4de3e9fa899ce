"""indexes for scale: the outbox's undelivered rows, the scheduler's window of timers

Revision ID: 0027
Revises: 0026_hr_receipts
Create Date: 2026-11-30 14:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0027"
down_revision: str | None = "0026_hr_receipts"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UNDELIVERED = sa.text("status IN ('pending', 'sending')")


def upgrade() -> None:
    op.create_index(
        "ix_outbox_due", "outbox", ["channel", sa.text("priority DESC"), "id"],
        sqlite_where=UNDELIVERED, postgresql_where=UNDELIVERED,
    )  # fmt: skip
    op.create_index(
        "ix_outbox_undelivered_address", "outbox", ["channel", "address", "id"],
        sqlite_where=UNDELIVERED, postgresql_where=UNDELIVERED,
    )  # fmt: skip
    op.create_index("ix_timers_status_due_at", "timers", ["status", "due_at"])


def downgrade() -> None:
    op.drop_index("ix_timers_status_due_at", table_name="timers")
    op.drop_index("ix_outbox_undelivered_address", table_name="outbox")
    op.drop_index("ix_outbox_due", table_name="outbox")
