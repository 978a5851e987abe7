"""`lovetv db …`: schema migrations."""

from __future__ import annotations

import click

from publisher.cli import CliState, pass_state


@click.group()
def db() -> None:
    """Manage the database schema."""


@db.command(short_help="Apply every pending migration (safe on every deploy).")
@pass_state
def upgrade(state: CliState) -> None:
    """Apply every pending migration (safe to run on every deploy)."""
    services = state.services(migrated=False, creates=True)
    services.db.upgrade()
    click.echo(f"database at revision {services.db.current_revision()}")


def register(group: click.Group) -> None:
    group.add_command(db)
