"""Members' names, and the show's opt-in to put them in member feed titles

Revision ID: 0017
Revises: 0015
Create Date: 2026-12-07 17:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("members") as batch:
        batch.add_column(sa.Column("name", sa.String(200), nullable=True))
    with op.batch_alter_table("show") as batch:
        batch.add_column(
            sa.Column("name_in_feed_title", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    with op.batch_alter_table("show") as batch:
        batch.drop_column("name_in_feed_title")
    with op.batch_alter_table("members") as batch:
        batch.drop_column("name")
