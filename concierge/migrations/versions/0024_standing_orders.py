"""standing orders: recurring requests, what each occurrence became, and their history;
check-in plans proposed from a chat, waiting for a coordinator to confirm them

Revision ID: 0024
Revises: 0023
Create Date: 2026-11-30 14:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0024"
down_revision: str | None = "0023"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "standing_orders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("requester_id", sa.Integer(), nullable=False),
        sa.Column("service_code", sa.String(length=40), nullable=False),
        sa.Column("details", sa.Text(), nullable=False),
        sa.Column("urgent", sa.Boolean(), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("cooperative_id", sa.Integer(), nullable=True),
        sa.Column("rule", sa.JSON(), nullable=False),
        sa.Column("at_time", sa.String(length=5), nullable=True),
        sa.Column("part", sa.String(length=20), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("next_planned", sa.Date(), nullable=True),
        sa.Column("next_day", sa.Date(), nullable=True),
        sa.Column("skipped", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["cooperative_id"], ["cooperatives.id"]),
        sa.ForeignKeyConstraint(["requester_id"], ["people.id"]),
        sa.ForeignKeyConstraint(["service_code"], ["services.code"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_standing_orders_requester_id", "standing_orders", ["requester_id"])
    op.create_index("ix_standing_orders_cooperative_id", "standing_orders", ["cooperative_id"])
    op.create_index("ix_standing_orders_status", "standing_orders", ["status"])
    op.create_table(
        "standing_occurrences",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("planned", sa.Date(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["order_id"], ["standing_orders.id"]),
        sa.ForeignKeyConstraint(["request_id"], ["requests.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("order_id", "planned"),
    )
    op.create_index("ix_standing_occurrences_order_id", "standing_occurrences", ["order_id"])
    op.create_table(
        "standing_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=60), nullable=False),
        sa.Column("action", sa.String(length=30), nullable=False),
        sa.Column("detail", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(["order_id"], ["standing_orders.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_standing_events_order_id", "standing_events", ["order_id"])
    _proposed_checkin_plans()


def _proposed_checkin_plans() -> None:
    # A proposed plan has nobody to call yet: its person comes with the coordinator's confirmation.
    with op.batch_alter_table("checkin_plans", schema=None) as batch_op:
        batch_op.alter_column("person_id", existing_type=sa.Integer(), nullable=True)
        batch_op.add_column(
            sa.Column("status", sa.String(length=20), nullable=False, server_default="active")
        )
        batch_op.add_column(sa.Column("proposed_by_id", sa.Integer(), nullable=True))
        for name, kind in (
            ("proposed_on", sa.String(length=20)),
            ("proposal_text", sa.Text()),
            ("call_label", sa.String(length=80)),
            ("call_phone", sa.String(length=40)),
            ("decline_reason", sa.Text()),
        ):
            batch_op.add_column(sa.Column(name, kind, nullable=False, server_default=""))
        batch_op.add_column(sa.Column("starts_on", sa.Date(), nullable=True))
        batch_op.create_index(batch_op.f("ix_checkin_plans_proposed_by_id"), ["proposed_by_id"])
        batch_op.create_foreign_key(
            "fk_checkin_plans_proposed_by_id_people", "people", ["proposed_by_id"], ["id"]
        )


def downgrade() -> None:
    op.execute("DELETE FROM checkin_plans WHERE person_id IS NULL")
    with op.batch_alter_table("checkin_plans", schema=None) as batch_op:
        batch_op.drop_constraint("fk_checkin_plans_proposed_by_id_people", type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_checkin_plans_proposed_by_id"))
        for name in (
            "starts_on", "decline_reason", "call_phone", "call_label", "proposal_text",
            "proposed_on", "proposed_by_id", "status",
        ):  # fmt: skip
            batch_op.drop_column(name)
        batch_op.alter_column("person_id", existing_type=sa.Integer(), nullable=False)
    op.drop_table("standing_events")
    op.drop_table("standing_occurrences")
    op.drop_table("standing_orders")
