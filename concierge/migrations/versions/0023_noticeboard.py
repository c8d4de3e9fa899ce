"""the neighbourhood noticeboard: notices with validity dates, weekly bulletin subscriptions

Revision ID: 0023
Revises: 0022
Create Date: 2026-11-30 12:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0023"
down_revision: str | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "notices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cooperative_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("text_it", sa.Text(), nullable=False),
        sa.Column("text_en", sa.Text(), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("retired_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["cooperative_id"], ["cooperatives.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_notices_cooperative_id", "notices", ["cooperative_id"])
    op.create_index("ix_notices_valid_from", "notices", ["valid_from"])
    op.create_index("ix_notices_valid_until", "notices", ["valid_until"])
    op.create_table(
        "bulletin_subscriptions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("cooperative_id", sa.Integer(), nullable=True),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["cooperative_id"], ["cooperatives.id"]),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("person_id"),
    )
    op.create_index(
        "ix_bulletin_subscriptions_cooperative_id", "bulletin_subscriptions", ["cooperative_id"]
    )
    op.create_index("ix_bulletin_subscriptions_active", "bulletin_subscriptions", ["active"])


def downgrade() -> None:
    op.drop_table("bulletin_subscriptions")
    op.drop_table("notices")
