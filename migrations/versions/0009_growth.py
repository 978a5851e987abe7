"""Growing the membership: the gifts bought and the emailed links that redeem them, and the
promotion a member's subscription carries

Revision ID: 0009
Revises: 0005
Create Date: 2026-12-02 19:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "gifts",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("plan", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("checkout_session_id", sa.String(255), nullable=True, unique=True),
        sa.Column("payment_intent_id", sa.String(255), nullable=True),
        sa.Column("buyer_email", sa.String(320), nullable=True),
        sa.Column("recipient_name", sa.String(255), nullable=False),
        sa.Column("recipient_email", sa.String(320), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("deliver_on", sa.Date(), nullable=True),
        sa.Column("code_hash", sa.String(64), nullable=True, unique=True),
        sa.Column(
            "member_id",
            sa.Integer(),
            sa.ForeignKey("members.id", ondelete="SET NULL"),
            nullable=True,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("paid_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("redeemed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("voided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("void_reason", sa.String(255), nullable=False),
    )
    op.create_index("ix_gifts_payment_intent_id", "gifts", ["payment_intent_id"])
    op.create_index("ix_gifts_member_id", "gifts", ["member_id"])
    op.create_table(
        "gift_claims",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "gift_id", sa.Integer(), sa.ForeignKey("gifts.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_gift_claims_gift_id", "gift_claims", ["gift_id"])
    op.add_column("members", sa.Column("discount", sa.String(255), nullable=True))
    op.add_column("members", sa.Column("paying_cents", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("members") as batch:
        batch.drop_column("paying_cents")
        batch.drop_column("discount")
    op.drop_table("gift_claims")
    op.drop_table("gifts")
