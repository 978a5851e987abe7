"""Listening: when a member's status last changed (notices dated at the event), and the
show's terms and refund policy (Markdown set by the producer)

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 10:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "members", sa.Column("status_changed_at", sa.DateTime(timezone=True), nullable=True)
    )
    # Members from before: their last change is the best known moment of their status.
    op.execute("UPDATE members SET status_changed_at = updated_at")
    op.add_column("show", sa.Column("terms", sa.Text(), nullable=False, server_default=""))
    op.add_column("show", sa.Column("refund_policy", sa.Text(), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("show") as batch:
        batch.drop_column("refund_policy")
        batch.drop_column("terms")
    with op.batch_alter_table("members") as batch:
        batch.drop_column("status_changed_at")
