"""Imported episodes keep the GUID they had in their old feed, so apps that followed it
do not list the back catalogue as new

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03 10:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("episodes") as batch:
        batch.add_column(sa.Column("imported_guid", sa.String(1024), nullable=True))
        batch.create_unique_constraint("uq_episodes_imported_guid", ["imported_guid"])


def downgrade() -> None:
    with op.batch_alter_table("episodes") as batch:
        batch.drop_constraint("uq_episodes_imported_guid", type_="unique")
        batch.drop_column("imported_guid")
