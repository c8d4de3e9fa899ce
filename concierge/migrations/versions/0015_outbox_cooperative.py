"""outbox rows carry their cooperative: undelivered messages are shown to that cooperative's
coordinators only (rows of no cooperative to admins only)

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-30 11:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Rows written before: the cooperative of their request, else of the person they went to
# (an operator's, a coordinator's, or the one watching a resident's check-ins).
_BACKFILL = (
    "UPDATE outbox SET cooperative_id = (SELECT requests.cooperative_id FROM requests"
    " WHERE requests.id = outbox.request_id) WHERE request_id IS NOT NULL",
    "UPDATE outbox SET cooperative_id = (SELECT operators.cooperative_id FROM operators"
    " WHERE operators.person_id = outbox.person_id)"
    " WHERE cooperative_id IS NULL AND person_id IS NOT NULL",
    "UPDATE outbox SET cooperative_id = (SELECT coordinators.cooperative_id FROM coordinators"
    " WHERE coordinators.person_id = outbox.person_id)"
    " WHERE cooperative_id IS NULL AND person_id IS NOT NULL",
    "UPDATE outbox SET cooperative_id = (SELECT min(checkin_plans.cooperative_id)"
    " FROM checkin_plans WHERE checkin_plans.person_id = outbox.person_id)"
    " WHERE cooperative_id IS NULL AND person_id IS NOT NULL",
)


def upgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("cooperative_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_outbox_cooperative_id"), ["cooperative_id"])
        batch_op.create_foreign_key(
            "fk_outbox_cooperative_id", "cooperatives", ["cooperative_id"], ["id"]
        )
    for statement in _BACKFILL:
        op.execute(statement)


def downgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_constraint("fk_outbox_cooperative_id", type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_outbox_cooperative_id"))
        batch_op.drop_column("cooperative_id")
