"""`lovetv personal set|list|remove`: episodes the producer records for members."""

from __future__ import annotations

import json
from pathlib import Path

import click

from publisher.cli import CliState, pass_state
from publisher.cli.terminal import printable

KIND_NAMES = ("welcome", "anniversary", "payment-problem", "lapsed")


@click.group()
def personal() -> None:
    """Welcome and anniversary episodes, and the producer's voice on notices."""


@personal.command("set", short_help="Publish the recording of one kind for every member.")
@click.argument("kind", type=click.Choice(KIND_NAMES))
@click.argument("audio_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--title", help="The item's title (welcome and anniversary).")
@click.option("--days", type=int, help="Days it stays in a feed (default 30).")
@click.option("--after", help="Anniversary: days after the member's start, e.g. 365d.")
@click.option("--json", "as_json", is_flag=True, help="Print the recording as JSON.")
@pass_state
def set_command(
    state: CliState, kind: str, audio_file: Path, title: str | None, days: int | None,
    after: str | None, as_json: bool,
) -> None:  # fmt: skip
    """welcome: at the top of each feed for a member's first --days days, dated at their
    start. anniversary: for --days days from each --after (365d) since their start.
    payment-problem, lapsed: the audio of those notice items instead of the chime."""
    from publisher.catalog.personal_publishing import set_personal

    row = set_personal(state.services(), kind, audio_file, title, days, after)
    if as_json:
        click.echo(json.dumps(row))
    else:
        click.echo(
            f"{kind} set: {printable(row['title'] or row['kind'])} ({row['duration']:.0f} s)"
        )


@personal.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document.")
@pass_state
def list_command(state: CliState, as_json: bool) -> None:
    """The recordings set, one per kind."""
    from publisher.catalog.personal_publishing import list_personal

    rows = list_personal(state.services())
    if as_json:
        click.echo(json.dumps({"personal": rows}))
        return
    if not rows:
        click.echo("no personal episodes (lovetv personal set KIND FILE adds one)")
    for row in rows:
        window = f"{row['days']} days" if row["days"] else "with the notice"
        after = f" every {row['after_days']} days" if row["after_days"] else ""
        click.echo(f"{row['kind']:<16}{printable(row['title']) or '-':<30}{window}{after}")


@personal.command("remove")
@click.argument("kind", type=click.Choice(KIND_NAMES))
@pass_state
def remove_command(state: CliState, kind: str) -> None:
    """Take the recording of KIND out of every feed."""
    from publisher.catalog.personal_publishing import remove_personal

    remove_personal(state.services(), kind)
    click.echo(f"{kind} removed")


def register(group: click.Group) -> None:
    group.add_command(personal)
