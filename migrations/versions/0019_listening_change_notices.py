"""PostgreSQL tells every worker when what a member feed's hot statement reads has changed

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-07 19:10:00

Each worker keeps the hot statement's rows (`publisher.listening.hot_rows`) and drops them
on `NOTIFY lovetv_listening`. The notice is sent by triggers, so every writer of members,
tokens, seasons and stored feeds sends it (the CLI, webhooks, jobs, another machine, a
hand-run UPDATE) without any code path having to remember; PostgreSQL delivers it at
commit and folds repeats within one transaction into one. SQLite keeps no rows: nothing to do.
"""

from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

TABLES = ("members", "feed_tokens", "seasons", "rendered_feeds")


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        """
        CREATE OR REPLACE FUNCTION lovetv_listening_changed() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            PERFORM pg_notify('lovetv_listening', '');
            RETURN NULL;
        END
        $$
        """
    )
    for table in TABLES:
        op.execute(
            f"CREATE TRIGGER lovetv_listening_changed AFTER INSERT OR UPDATE OR DELETE "
            f"OR TRUNCATE ON {table} FOR EACH STATEMENT EXECUTE FUNCTION lovetv_listening_changed()"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in TABLES:
        op.execute(f"DROP TRIGGER IF EXISTS lovetv_listening_changed ON {table}")
    op.execute("DROP FUNCTION IF EXISTS lovetv_listening_changed()")
