"""the coordinators' dashboard: staff users who log in (admin, coordinator, operator), the
cooperative each request and each check-in plan belongs to, and coordinators' notes and changes
on a request

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-22 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=60), nullable=False),
        sa.Column("display_name", sa.String(length=120), nullable=False),
        sa.Column("password_hash", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("cooperative_id", sa.Integer(), nullable=True),
        sa.Column("operator_id", sa.Integer(), nullable=True),
        sa.Column("language", sa.String(length=5), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_login_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["cooperative_id"], ["cooperatives.id"]),
        sa.ForeignKeyConstraint(["operator_id"], ["operators.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("operator_id"),
        sa.UniqueConstraint("username"),
    )
    op.create_table(
        "request_notes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["request_id"], ["requests.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_request_notes_request_id"), "request_notes", ["request_id"])
    with op.batch_alter_table("requests", schema=None) as batch_op:
        batch_op.add_column(sa.Column("cooperative_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_requests_cooperative_id"), ["cooperative_id"])
        batch_op.create_foreign_key(
            "fk_requests_cooperative_id", "cooperatives", ["cooperative_id"], ["id"]
        )
    with op.batch_alter_table("checkin_plans", schema=None) as batch_op:
        batch_op.add_column(sa.Column("cooperative_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_checkin_plans_cooperative_id"), ["cooperative_id"])
        batch_op.create_foreign_key(
            "fk_checkin_plans_cooperative_id", "cooperatives", ["cooperative_id"], ["id"]
        )
    op.execute("UPDATE checkin_plans SET cooperative_id = (SELECT min(id) FROM cooperatives)")
    # Requests made before cooperatives were told apart belong to their operator's cooperative,
    # or else to the first cooperative there is.
    op.execute(
        "UPDATE requests SET cooperative_id = (SELECT operators.cooperative_id FROM operators"
        " WHERE operators.id = requests.operator_id) WHERE operator_id IS NOT NULL"
    )
    op.execute(
        "UPDATE requests SET cooperative_id = (SELECT min(id) FROM cooperatives)"
        " WHERE cooperative_id IS NULL"
    )


def downgrade() -> None:
    with op.batch_alter_table("checkin_plans", schema=None) as batch_op:
        batch_op.drop_constraint("fk_checkin_plans_cooperative_id", type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_checkin_plans_cooperative_id"))
        batch_op.drop_column("cooperative_id")
    with op.batch_alter_table("requests", schema=None) as batch_op:
        batch_op.drop_constraint("fk_requests_cooperative_id", type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_requests_cooperative_id"))
        batch_op.drop_column("cooperative_id")
    op.drop_index(op.f("ix_request_notes_request_id"), table_name="request_notes")
    op.drop_table("request_notes")
    op.drop_table("users")
