"""company welfare: companies, their plans and enrolled workers, prices and the welfare purpose of
each service, vouchers, social-services referrals, and the append-only ledger (movements and
their entries, money in integer cents)

Revision ID: 0020
Revises: 0019
Create Date: 2026-11-30 11:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "companies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("vat_number", sa.String(length=20), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_companies")),
        sa.UniqueConstraint("code", name=op.f("uq_companies_code")),
        sa.UniqueConstraint("name", name=op.f("uq_companies_name")),
    )
    op.create_table(
        "enrolments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("fiscal_code", sa.String(length=16), nullable=False),
        sa.Column("dependent_children", sa.Boolean(), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("confirmed_by", sa.String(length=120), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"], ["companies.id"], name=op.f("fk_enrolments_company_id_companies")
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_enrolments_person_id_people")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_enrolments")),
        sa.UniqueConstraint(
            "company_id", "person_id", name=op.f("uq_enrolments_company_id_person_id")
        ),
    )
    with op.batch_alter_table("enrolments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_enrolments_company_id"), ["company_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_enrolments_person_id"), ["person_id"], unique=False)

    op.create_table(
        "prices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("service_code", sa.String(length=40), nullable=False),
        sa.Column("cooperative_id", sa.Integer(), nullable=False),
        sa.Column("unit", sa.String(length=10), nullable=False),
        sa.Column("net_cents", sa.BigInteger(), nullable=False),
        sa.Column("vat_basis_points", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["cooperative_id"],
            ["cooperatives.id"],
            name=op.f("fk_prices_cooperative_id_cooperatives"),
        ),
        sa.ForeignKeyConstraint(
            ["service_code"], ["services.code"], name=op.f("fk_prices_service_code_services")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_prices")),
        sa.UniqueConstraint(
            "service_code", "cooperative_id", name=op.f("uq_prices_service_code_cooperative_id")
        ),
    )
    with op.batch_alter_table("prices", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_prices_cooperative_id"), ["cooperative_id"], unique=False
        )

    op.create_table(
        "referrals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("municipality", sa.String(length=120), nullable=False),
        sa.Column("rules", sa.Text(), nullable=False),
        sa.Column("budget_cents", sa.BigInteger(), nullable=False),
        sa.Column("services", sa.JSON(), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("recorded_by", sa.String(length=120), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_referrals_person_id_people")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_referrals")),
    )
    with op.batch_alter_table("referrals", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_referrals_person_id"), ["person_id"], unique=False)

    op.create_table(
        "service_purposes",
        sa.Column("service_code", sa.String(length=40), nullable=False),
        sa.Column("purpose", sa.String(length=20), nullable=False),
        sa.ForeignKeyConstraint(
            ["service_code"],
            ["services.code"],
            name=op.f("fk_service_purposes_service_code_services"),
        ),
        sa.PrimaryKeyConstraint("service_code", name=op.f("pk_service_purposes")),
    )
    op.create_table(
        "welfare_plans",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("mode", sa.String(length=20), nullable=False),
        sa.Column("yearly_credit_cents", sa.BigInteger(), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("services", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"], ["companies.id"], name=op.f("fk_welfare_plans_company_id_companies")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_welfare_plans")),
    )
    with op.batch_alter_table("welfare_plans", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_welfare_plans_company_id"), ["company_id"], unique=False
        )

    op.create_table(
        "vouchers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("service_code", sa.String(length=40), nullable=False),
        sa.Column("value_cents", sa.BigInteger(), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_vouchers_person_id_people")
        ),
        sa.ForeignKeyConstraint(
            ["plan_id"], ["welfare_plans.id"], name=op.f("fk_vouchers_plan_id_welfare_plans")
        ),
        sa.ForeignKeyConstraint(
            ["service_code"], ["services.code"], name=op.f("fk_vouchers_service_code_services")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vouchers")),
    )
    with op.batch_alter_table("vouchers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_vouchers_person_id"), ["person_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_vouchers_plan_id"), ["plan_id"], unique=False)

    op.create_table(
        "ledger_movements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("company_id", sa.Integer(), nullable=True),
        sa.Column("request_id", sa.Integer(), nullable=True),
        sa.Column("service_code", sa.String(length=40), nullable=True),
        sa.Column("cooperative_id", sa.Integer(), nullable=True),
        sa.Column("payer", sa.String(length=20), nullable=True),
        sa.Column("purpose", sa.String(length=20), nullable=True),
        sa.Column("minutes", sa.Integer(), nullable=True),
        sa.Column("gross_cents", sa.BigInteger(), nullable=False),
        sa.Column("vat_cents", sa.BigInteger(), nullable=False),
        sa.Column("refund_of", sa.Integer(), nullable=True),
        sa.Column("memo", sa.Text(), nullable=False),
        sa.Column("by", sa.String(length=120), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"], ["companies.id"], name=op.f("fk_ledger_movements_company_id_companies")
        ),
        sa.ForeignKeyConstraint(
            ["cooperative_id"],
            ["cooperatives.id"],
            name=op.f("fk_ledger_movements_cooperative_id_cooperatives"),
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_ledger_movements_person_id_people")
        ),
        sa.ForeignKeyConstraint(
            ["refund_of"],
            ["ledger_movements.id"],
            name=op.f("fk_ledger_movements_refund_of_ledger_movements"),
        ),
        sa.ForeignKeyConstraint(
            ["request_id"], ["requests.id"], name=op.f("fk_ledger_movements_request_id_requests")
        ),
        sa.ForeignKeyConstraint(
            ["service_code"],
            ["services.code"],
            name=op.f("fk_ledger_movements_service_code_services"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_movements")),
        sa.UniqueConstraint("refund_of", name=op.f("uq_ledger_movements_refund_of")),
    )
    with op.batch_alter_table("ledger_movements", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ledger_movements_at"), ["at"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_ledger_movements_company_id"), ["company_id"], unique=False
        )

    op.create_table(
        "ledger_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("movement_id", sa.Integer(), nullable=False),
        sa.Column("account", sa.String(length=60), nullable=False),
        sa.Column("amount_cents", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["movement_id"],
            ["ledger_movements.id"],
            name=op.f("fk_ledger_entries_movement_id_ledger_movements"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_entries")),
    )
    with op.batch_alter_table("ledger_entries", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ledger_entries_account"), ["account"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_ledger_entries_movement_id"), ["movement_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("ledger_entries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ledger_entries_movement_id"))
        batch_op.drop_index(batch_op.f("ix_ledger_entries_account"))

    op.drop_table("ledger_entries")
    with op.batch_alter_table("ledger_movements", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ledger_movements_company_id"))
        batch_op.drop_index(batch_op.f("ix_ledger_movements_at"))

    op.drop_table("ledger_movements")
    with op.batch_alter_table("vouchers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_vouchers_plan_id"))
        batch_op.drop_index(batch_op.f("ix_vouchers_person_id"))

    op.drop_table("vouchers")
    with op.batch_alter_table("welfare_plans", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_welfare_plans_company_id"))

    op.drop_table("welfare_plans")
    op.drop_table("service_purposes")
    with op.batch_alter_table("referrals", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_referrals_person_id"))

    op.drop_table("referrals")
    with op.batch_alter_table("prices", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_prices_cooperative_id"))

    op.drop_table("prices")
    with op.batch_alter_table("enrolments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_enrolments_person_id"))
        batch_op.drop_index(batch_op.f("ix_enrolments_company_id"))

    op.drop_table("enrolments")
    op.drop_table("companies")
