"""Addresses stored in one form, checked by the database; each gift keeps its own days,
payment and span

Every address column is lower-cased (a gift's buyer address was stored as Stripe returned
it, so erasing `ann.buyer@example.com` missed `Ann.Buyer@Example.COM`), and a CHECK keeps
it so. Gifts get their days (from their plan), what was paid and in which currency, when
their days start, whether they were redeemed as time or as a Stripe credit, and the prepaid
time they waited for.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07 16:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

# table: address columns (each gets `ck_<table>_<column>_lower`)
ADDRESSES = {
    "members": ("email",),
    "gifts": ("buyer_email", "recipient_email"),
    "gift_claims": ("email",),
    "pending_sign_ins": ("email",),
}
# Three months is 91 days, a year 365 (round(months * 30.44)); lifetime: no end.
DAYS = {"months-3": 91, "yearly": 365}


def upgrade() -> None:
    for table, columns in ADDRESSES.items():
        for column in columns:
            op.execute(f"UPDATE {table} SET {column} = lower({column}) WHERE {column} IS NOT NULL")
    op.execute("UPDATE outbox SET to_address = lower(to_address)")
    with op.batch_alter_table("gifts") as batch:
        batch.add_column(sa.Column("days", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("paid_cents", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("currency", sa.String(3), nullable=True))
        batch.add_column(sa.Column("starts_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("prepaid_until", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("redeemed_as", sa.String(16), nullable=True))
    for plan, days in DAYS.items():
        op.execute(
            sa.text("UPDATE gifts SET days = :days WHERE plan = :plan").bindparams(
                days=days, plan=plan
            )
        )
    op.execute("UPDATE gifts SET starts_at = redeemed_at WHERE redeemed_at IS NOT NULL")
    # A redeemed gift with no end that was not a lifetime gift became a Stripe credit.
    op.execute(
        "UPDATE gifts SET redeemed_as = CASE WHEN ends_at IS NULL AND plan <> 'lifetime' "
        "THEN 'credit' ELSE 'time' END WHERE redeemed_at IS NOT NULL"
    )
    for table, columns in ADDRESSES.items():
        with op.batch_alter_table(table) as batch:
            for column in columns:
                batch.create_check_constraint(
                    f"ck_{table}_{column}_lower", sa.text(f"{column} = lower({column})")
                )


def downgrade() -> None:
    for table, columns in ADDRESSES.items():
        with op.batch_alter_table(table) as batch:
            for column in columns:
                batch.drop_constraint(f"ck_{table}_{column}_lower", type_="check")
    with op.batch_alter_table("gifts") as batch:
        for column in (
            "redeemed_as",
            "prepaid_until",
            "starts_at",
            "currency",
            "paid_cents",
            "days",
        ):
            batch.drop_column(column)
