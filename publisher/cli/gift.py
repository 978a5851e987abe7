"""`lovetv gift list`: the gifts bought, and what became of each."""

from __future__ import annotations

import json

import click

from publisher.cli import CliState, pass_state
from publisher.cli.terminal import moment, printable


@click.group()
def gift() -> None:
    """Gift memberships bought through Stripe."""


@gift.command("list", short_help="Show every paid gift, newest first, with its state.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document.")
@pass_state
def list_gifts(state: CliState, as_json: bool) -> None:
    """Show every paid gift, newest first: bought, delivered, redeemed or voided.

    Times print as every command prints them (`2026-12-09 09:00 UTC`), `-` when there is
    none; a delivery is the calendar day the buyer chose. `--json` keeps ISO 8601."""
    from publisher.gifts.listing import gift_rows

    services = state.services()
    with services.db.session() as session:
        rows = gift_rows(session)
    if as_json:
        click.echo(json.dumps({"gifts": rows}, indent=2))
        return
    click.echo(f"{'PAID':<20}  {'PLAN':<8}  {'STATUS':<9}  {'BUYER':<28}  RECIPIENT")
    for row in rows:
        detail = ""
        if row["redeemed_by"]:
            ends = moment(row["ends_at"]) if row["ends_at"] else "never"
            detail = f"  redeemed by {printable(row['redeemed_by'])}, ends {ends}"
        elif row["voided"]:
            detail = f"  ({row['voided']})"
        elif row["deliver_on"]:
            detail = f"  delivery {row['deliver_on']}"
        click.echo(
            f"{moment(row['paid_at']):<20}  {row['plan']:<8}  {row['status']:<9}  "
            f"{printable(row['buyer'] or '-'):<28}  {printable(row['recipient'])}{detail}"
        )
    click.echo(f"{len(rows)} gift{'s' * (len(rows) != 1)}", err=True)
