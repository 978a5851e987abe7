"""`lovetv member list`: members as lines, CSV or JSON, with the summary."""

from __future__ import annotations

import csv
import json
import sys
from typing import Any

import click

from publisher.cli import CliState, pass_state
from publisher.cli.terminal import csv_cell, moment, printable
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
@click.option(
    "--csv",
    "as_csv",
    is_flag=True,
    help="Print CSV, times in ISO 8601 (the summary goes to stderr).",
)
@pass_state
def list_command(state: CliState, as_json: bool, as_csv: bool, **filters: Any) -> None:
    """List members: plan, status, joined, renews or ends, Stripe customer, downloads in
    the last 30 days, sharing flag; a summary with revenue on stderr (or in the JSON).

    Lines print times as every command does (`2026-12-09 09:00 UTC`) and `-` for none.
    `--csv` and `--json` are for programs and spreadsheets: their times (joined, renews,
    ends) stay ISO 8601 in UTC, and a missing one is an empty cell in the CSV (null in
    the JSON)."""
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
        if listing["members"]:
            click.echo(HEADER)
        for member in listing["members"]:
            click.echo(_line(member))
    _summary(listing["summary"])


# The column names of `_line`, printed above the members (never with --json or --csv).
HEADER = "EMAIL\tPLAN\tSTATUS\tJOINED\tRENEWS OR ENDS\tSTRIPE CUSTOMER\tDOWNLOADS (30 DAYS)"


def _line(member: dict[str, Any]) -> str:
    """One member as a tab-separated line, times as every command prints them."""
    if member["renews"]:
        when = f"renews {moment(member['renews'])}"
    else:
        when = f"ends {moment(member['ends'])}" if member["ends"] else "-"
    flag = "  FLAGGED " + _evidence(member["sharing"][0]) if member["flagged"] else ""
    plan = member["plan"] + (f" ({member['discount']})" if member["discount"] else "")
    return (
        f"{printable(member['email'])}\t{plan}\t{member['status']}\t"
        f"joined {moment(member['joined'])}\t{when}\t{member['stripe_customer'] or '-'}\t"
        f"{member['downloads_30d']} download{'s' * (member['downloads_30d'] != 1)}{flag}"
    )


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
