"""`lovetv member import FILE.csv`: members from another platform, all rows or none."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from auth.plans import Plan
from publisher.cli import CliState, pass_state
from publisher.cli.terminal import printable
from publisher.members.members import MEMBER_PLANS


@click.command("import", short_help="Import members from a CSV file, all rows or none.")
@click.argument("csv_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--plan",
    type=click.Choice(MEMBER_PLANS),
    default=Plan.COMP.value,
    show_default=True,
    help="Plan of rows without a plan column.",
)
@click.option("--no-email", is_flag=True, help="Do not email the welcome to imported members.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as one JSON document.")
@pass_state
def import_command(
    state: CliState, csv_file: Path, plan: str, no_email: bool, as_json: bool
) -> None:
    """Import members from a CSV file with a header row: email, and optionally plan, ends
    (YYYY-MM-DD) and stripe_customer. Every row is checked first: one bad row imports
    nothing. Members already here are skipped; the others are emailed the welcome."""
    from publisher.imports.members import BadRows, import_members

    try:
        result = import_members(state.services(), csv_file, plan, email_them=not no_email)
    except BadRows as bad:
        for problem in bad.problems:
            click.echo(f"error: {printable(problem)}", err=True)
        click.echo(f"nothing imported: fix the {len(bad.problems)} row(s) above", err=True)
        sys.exit(1)
    if as_json:
        click.echo(json.dumps(result))
        return
    for skipped in result["skipped"]:
        click.echo(f"skipped {printable(skipped['email'])}: {skipped['reason']}")
    told = "none emailed (--no-email)" if no_email else "each emailed the welcome"
    count = result["imported"]
    click.echo(f"imported {count} member{'s' * (count != 1)}; {told}")
