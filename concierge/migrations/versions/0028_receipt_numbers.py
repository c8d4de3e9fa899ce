"""receipt numbers per issuer and local year: a receipt keeps the cooperative that issued it,
the year of issue (in the service's time zone) and its sequence in that year, unique together

Receipts issued before keep the number they were printed with (UTC year, the row's id): their
sequence is their id, so a cooperative's new receipts of that year continue after them.

Revision ID: 0028
Revises: 0027
Create Date: 2026-11-30 18:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0028"
down_revision: str | None = "0027"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("receipts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("issuer_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("year", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("sequence", sa.Integer(), nullable=True))
    utc_year = (
        "CAST(strftime('%Y', issued_at) AS INTEGER)"
        if op.get_bind().dialect.name == "sqlite"
        else "CAST(EXTRACT(YEAR FROM issued_at AT TIME ZONE 'UTC') AS INTEGER)"
    )
    op.execute(
        "UPDATE receipts SET sequence = id, year = " + utc_year + ", issuer_id = "
        "(SELECT cooperative_id FROM ledger_movements WHERE ledger_movements.id = movement_id)"
    )
    with op.batch_alter_table("receipts", schema=None) as batch_op:
        batch_op.alter_column("year", existing_type=sa.Integer(), nullable=False)
        batch_op.alter_column("sequence", existing_type=sa.Integer(), nullable=False)
        batch_op.create_foreign_key(
            "fk_receipts_issuer_id_cooperatives", "cooperatives", ["issuer_id"], ["id"]
        )
    # Issuer 0 for receipts of movements with no cooperative: NULLs are never equal, so a plain
    # unique constraint would let two of them share a number.
    op.create_index(
        "uq_receipts_issuer_year_sequence",
        "receipts",
        [sa.text("coalesce(issuer_id, 0)"), "year", "sequence"],
        unique=True,
    )


def downgrade() -> None:
    op.drop_index("uq_receipts_issuer_year_sequence", table_name="receipts")
    with op.batch_alter_table("receipts", schema=None) as batch_op:
        batch_op.drop_constraint("fk_receipts_issuer_id_cooperatives", type_="foreignkey")
        batch_op.drop_column("sequence")
        batch_op.drop_column("year")
        batch_op.drop_column("issuer_id")
