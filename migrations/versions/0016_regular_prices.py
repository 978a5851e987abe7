"""The show's regular prices, shown struck through beside what the plans cost

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07 16:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("show") as batch:
        batch.add_column(
            sa.Column("regular_prices", sa.String(255), nullable=False, server_default="")
        )


def downgrade() -> None:
    with op.batch_alter_table("show") as batch:
        batch.drop_column("regular_prices")
