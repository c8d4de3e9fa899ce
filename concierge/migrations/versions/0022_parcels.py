"""parcels held at the front desk for residents

Revision ID: 0022
Revises: 0021
Create Date: 2026-11-30 12:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "parcels",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("person_id", sa.Integer(), sa.ForeignKey("people.id"), nullable=False),
        sa.Column("cooperative_id", sa.Integer(), sa.ForeignKey("cooperatives.id"), nullable=True),
        sa.Column("carrier", sa.String(60), nullable=False),
        sa.Column("sender", sa.String(120), nullable=False),
        sa.Column("shelf", sa.String(40), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("received_by", sa.Integer(), sa.ForeignKey("users.id"), nullable=True),
        sa.Column("collected_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("collected_by", sa.String(120), nullable=True),
        sa.Column("handed_over_by", sa.Integer(), sa.ForeignKey("users.id"), nullable=True),
        sa.Column("reminded_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_parcels_person_id", "parcels", ["person_id"])
    op.create_index("ix_parcels_cooperative_id", "parcels", ["cooperative_id"])
    op.create_index("ix_parcels_collected_at", "parcels", ["collected_at"])


def downgrade() -> None:
    op.drop_index("ix_parcels_collected_at", "parcels")
    op.drop_index("ix_parcels_cooperative_id", "parcels")
    op.drop_index("ix_parcels_person_id", "parcels")
    op.drop_table("parcels")
