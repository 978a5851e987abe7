"""Members' names, the show's opt-in to put them in member feed titles, the producer's
personal episodes (welcome, anniversary, payment problem, lapsed), and an index from which
a feed poll reads a stored feed's state without its body

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07 17:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("members") as batch:
        batch.add_column(sa.Column("name", sa.String(200), nullable=True))
    with op.batch_alter_table("show") as batch:
        batch.add_column(
            sa.Column("name_in_feed_title", sa.Boolean(), nullable=False, server_default=sa.false())
        )

    op.create_table(
        "personal_episodes",
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("guid", sa.String(length=36), nullable=False),
        sa.Column("title", sa.String(length=255), nullable=False),
        sa.Column("audio_key", sa.String(length=512), nullable=False),
        sa.Column("mime", sa.String(length=64), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("duration", sa.Float(), nullable=False),
        sa.Column("days", sa.Integer(), nullable=True),
        sa.Column("after_days", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("kind"),
    )

    # A feed poll reads a stored feed's state from this index, never the row (see models).
    op.create_index(
        "ix_rendered_feeds_state",
        "rendered_feeds",
        ["feed_key", "etag", "last_modified", "valid_until"],
    )


def downgrade() -> None:
    op.drop_index("ix_rendered_feeds_state", table_name="rendered_feeds")
    op.drop_table("personal_episodes")
    with op.batch_alter_table("show") as batch:
        batch.drop_column("name_in_feed_title")
    with op.batch_alter_table("members") as batch:
        batch.drop_column("name")
