"""outbox media, templates and delivery: attachments that go out with a message (a request's
photos in its offer), a template for WhatsApp, the text's language, and the provider's id and
delivery status (Twilio's status callbacks)

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-22 03:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("media", sa.JSON(), server_default="[]", nullable=False))
        batch_op.add_column(sa.Column("template", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("language", sa.String(length=5), nullable=True))
        batch_op.add_column(sa.Column("provider_id", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("delivery_status", sa.String(length=20), nullable=True))
        batch_op.create_index(batch_op.f("ix_outbox_provider_id"), ["provider_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outbox_provider_id"))
        batch_op.drop_column("delivery_status")
        batch_op.drop_column("provider_id")
        batch_op.drop_column("language")
        batch_op.drop_column("template")
        batch_op.drop_column("media")
