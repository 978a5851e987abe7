"""Video episodes: a fast-start MP4 and HLS renditions beside the audio enclosure, seasons
that put the video in the enclosure, and downloads counted per format

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07 16:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("episodes") as batch:
        batch.add_column(sa.Column("video_key", sa.String(512), nullable=True))
        batch.add_column(sa.Column("video_size", sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column("video", sa.JSON(), nullable=True))
    with op.batch_alter_table("seasons") as batch:
        batch.add_column(
            sa.Column("enclosure", sa.String(8), nullable=False, server_default="audio")
        )
    with op.batch_alter_table("media_requests") as batch:
        batch.add_column(
            sa.Column("media_format", sa.String(8), nullable=False, server_default="audio")
        )


def downgrade() -> None:
    with op.batch_alter_table("media_requests") as batch:
        batch.drop_column("media_format")
    with op.batch_alter_table("seasons") as batch:
        batch.drop_column("enclosure")
    with op.batch_alter_table("episodes") as batch:
        batch.drop_column("video")
        batch.drop_column("video_size")
        batch.drop_column("video_key")
