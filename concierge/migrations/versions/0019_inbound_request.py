"""each received message belongs to the request it was about (none: not about one), so a
request's history shows its own messages, not those of a time window

Revision ID: 0019
Revises: 0017
Create Date: 2026-11-30 11:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("inbound_messages", schema=None) as batch_op:
        batch_op.add_column(sa.Column("request_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_inbound_messages_request_id"), ["request_id"])
        batch_op.create_foreign_key(
            "fk_inbound_messages_request_id", "requests", ["request_id"], ["id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("inbound_messages", schema=None) as batch_op:
        batch_op.drop_constraint("fk_inbound_messages_request_id", type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_inbound_messages_request_id"))
        batch_op.drop_column("request_id")
