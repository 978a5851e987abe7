"""Downloads: media requests (IAB counting), daily salts, shared-link flags

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27 10:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "media_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("episode_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=True),
        sa.Column("token_id", sa.Integer(), nullable=True),
        sa.Column("method", sa.String(length=8), nullable=False),
        sa.Column("bytes_requested", sa.BigInteger(), nullable=False),
        sa.Column("client_ip", sa.String(length=45), nullable=True),
        sa.Column("network_hash", sa.String(length=64), nullable=False),
        sa.Column("user_agent", sa.String(length=512), nullable=False),
        sa.Column("app", sa.String(length=120), nullable=True),
        sa.Column("bot", sa.Boolean(), nullable=False),
        sa.Column("fetcher", sa.Boolean(), nullable=False),
        sa.Column("counted", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["episode_id"], ["episodes.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["member_id"], ["members.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["token_id"], ["feed_tokens.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("media_requests", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_media_requests_at"), ["at"], unique=False)
        batch_op.create_index("ix_media_requests_episode_id_at", ["episode_id", "at"])
        batch_op.create_index("ix_media_requests_token_id_at", ["token_id", "at"])
        batch_op.create_index("ix_media_requests_member_id_at", ["member_id", "at"])

    op.create_table(
        "stats_salts",
        sa.Column("day", sa.String(length=10), nullable=False),
        sa.Column("salt", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("day"),
    )

    op.create_table(
        "sharing_flags",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("token_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.String(length=10), nullable=False),
        sa.Column("networks", sa.Integer(), nullable=False),
        sa.Column("apps", sa.JSON(), nullable=False),
        sa.Column("requests", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("rotated_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["member_id"], ["members.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["token_id"], ["feed_tokens.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_id", "day", name="uq_sharing_flags_token_day"),
    )
    with op.batch_alter_table("sharing_flags", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sharing_flags_member_id"), ["member_id"], unique=False)


def downgrade() -> None:
    op.drop_table("sharing_flags")
    op.drop_table("stats_salts")
    op.drop_table("media_requests")
