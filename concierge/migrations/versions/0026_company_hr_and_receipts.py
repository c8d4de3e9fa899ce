"""company HR users, receipts: a user linked to a company, a cooperative's VAT number, a person's
fiscal code, and the receipts of paid services (with the date and method of a person's payment)

Revision ID: 0026_hr_receipts
Revises: 0025
Create Date: 2026-11-30 14:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0026_hr_receipts"
down_revision: str | None = "0025"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("company_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key("fk_users_company_id", "companies", ["company_id"], ["id"])
    with op.batch_alter_table("cooperatives", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("vat_number", sa.String(length=20), server_default="", nullable=False)
        )
    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("fiscal_code", sa.String(length=16), server_default="", nullable=False)
        )
    op.create_table(
        "receipts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("movement_id", sa.Integer(), nullable=False),
        sa.Column("payment_id", sa.Integer(), nullable=True),
        sa.Column("paid_on", sa.Date(), nullable=False),
        sa.Column("method", sa.String(length=20), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("by", sa.String(length=120), nullable=False),
        sa.ForeignKeyConstraint(["movement_id"], ["ledger_movements.id"]),
        sa.ForeignKeyConstraint(["payment_id"], ["ledger_movements.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("movement_id"),
    )


def downgrade() -> None:
    op.drop_table("receipts")
    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.drop_column("fiscal_code")
    with op.batch_alter_table("cooperatives", schema=None) as batch_op:
        batch_op.drop_column("vat_number")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_constraint("fk_users_company_id", type_="foreignkey")
        batch_op.drop_column("company_id")
