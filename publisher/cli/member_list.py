"""`lovetv member list`: members as lines, CSV or JSON, with the summary."""

from __future__ import annotations

import csv
import json
import sys
from typing import Any

import click

from publisher.cli import CliState, pass_state
from publisher.cli.terminal import csv_cell, printable
from publisher.members.listing import STATUSES, list_members
from publisher.members.members import MEMBER_PLANS

CSV_FIELDS = (
    "email",
    "plan",
    "discount",
    "status",
    "joined",
    "renews",
    "ends",
    "stripe_customer",
    "downloads_30d",
    "flagged",
)


@click.command("list", short_help="List members with plan, status, downloads and flags.")
@click.option("--status", type=click.Choice(STATUSES), help="Only members with this status.")
@click.option("--plan", type=click.Choice(MEMBER_PLANS), help="Only members on this plan.")
@click.option("--search", help="Only members whose email or Stripe customer contains this.")
@click.option("--flagged", is_flag=True, help="Only members flagged for sharing their link.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document.")
@click.option("--csv", "as_csv", is_flag=True, help="Print CSV (the summary goes to stderr).")
@pass_state
def list_command(state: CliState, as_json: bool, as_csv: bool, **filters: Any) -> None:
    """List members: plan, status, joined, renews or ends, Stripe customer, downloads in
    the last 30 days, sharing flag; a summary with revenue on stderr (or in the JSON)."""
    if as_json and as_csv:
        raise click.UsageError("choose --json or --csv, not both")
    listing = list_members(state.services(), **filters)
    if as_json:
        click.echo(json.dumps(listing))
        return
    if as_csv:
        writer = csv.DictWriter(sys.stdout, CSV_FIELDS, extrasaction="ignore")
        writer.writeheader()
        for row in listing["members"]:
            writer.writerow({k: csv_cell(v) for k, v in row.items()})
    else:
        for m in listing["members"]:
            when = (
                f"renews {m['renews']:.10}"
                if m["renews"]
                else (f"ends {m['ends']:.10}" if m["ends"] else "-")
            )
            flag = "  FLAGGED " + _evidence(m["sharing"][0]) if m["flagged"] else ""
            plan = f"{m['plan']} ({m['discount']})" if m["discount"] else m["plan"]
            email = printable(m["email"])
            click.echo(
                f"{email}\t{plan}\t{m['status']}\tjoined {m['joined']:.10}\t{when}\t"
                f"{m['stripe_customer'] or '-'}\t{m['downloads_30d']} downloads{flag}"
            )
    _summary(listing["summary"])


def _evidence(flag: dict[str, Any]) -> str:
    rotated = ", link rotated" if flag["rotated"] else ""
    return f"{flag['day']}: {flag['networks']} networks, apps {', '.join(flag['apps'])}{rotated}"


def _summary(summary: dict[str, Any]) -> None:
    plans = ", ".join(f"{k} {v}" for k, v in sorted(summary["by_plan"].items())) or "none"
    statuses = ", ".join(f"{k} {v}" for k, v in summary["by_status"].items())
    click.echo(
        f"{summary['members']} members ({plans}; {statuses}); "
        f"{summary['active_paying']} active paying; MRR ${summary['mrr']}; "
        f"{summary['flagged']} flagged",
        err=True,
    )
