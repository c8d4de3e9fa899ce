"""reference versions: one row whose value changes with every write to the rota, so caches of
reference data in every process know when they are stale

Revision ID: 0029
Revises: 0028
Create Date: 2026-11-30 17:30:00
"""

import secrets
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0029"
down_revision: str | None = "0028"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    table = op.create_table(
        "reference_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reference_versions")),
    )
    op.bulk_insert(table, [{"id": 1, "token": secrets.randbits(62)}])


def downgrade() -> None:
    op.drop_table("reference_versions")
