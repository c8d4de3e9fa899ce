"""a catalogue each cooperative owns: per-cooperative service entries, cooperatives' own services

Revision ID: 0025
Revises: 0024
Create Date: 2026-11-30 14:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0025"
down_revision: str | None = "0024"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("services") as batch_op:
        batch_op.add_column(sa.Column("owner_cooperative_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            "fk_services_owner_cooperative_id_cooperatives",
            "cooperatives",
            ["owner_cooperative_id"],
            ["id"],
        )
    op.create_table(
        "cooperative_services",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cooperative_id", sa.Integer(), nullable=False),
        sa.Column("service_code", sa.String(length=40), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("name_it", sa.String(length=80), nullable=True),
        sa.Column("name_en", sa.String(length=80), nullable=True),
        sa.Column("description_it", sa.Text(), nullable=True),
        sa.Column("description_en", sa.Text(), nullable=True),
        sa.Column("words_it", sa.JSON(), nullable=False),
        sa.Column("words_en", sa.JSON(), nullable=False),
        sa.Column("days", sa.JSON(), nullable=True),
        sa.Column("starts_at", sa.Time(), nullable=True),
        sa.Column("ends_at", sa.Time(), nullable=True),
        sa.ForeignKeyConstraint(["cooperative_id"], ["cooperatives.id"]),
        sa.ForeignKeyConstraint(["service_code"], ["services.code"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint(
            "cooperative_id",
            "service_code",
            name="uq_cooperative_services_cooperative_id_service_code",
        ),
    )
    op.create_index(
        "ix_cooperative_services_cooperative_id", "cooperative_services", ["cooperative_id"]
    )


def downgrade() -> None:
    op.drop_table("cooperative_services")
    with op.batch_alter_table("services") as batch_op:
        batch_op.drop_constraint(
            "fk_services_owner_cooperative_id_cooperatives", type_="foreignkey"
        )
        batch_op.drop_column("owner_cooperative_id")
