"""The giver's name on a gift, so the recipient learns who it is from

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07 17:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("gifts") as batch:
        batch.add_column(sa.Column("giver_name", sa.String(255), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("gifts") as batch:
        batch.drop_column("giver_name")
