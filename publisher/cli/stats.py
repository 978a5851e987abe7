"""`lovetv stats`: downloads counted by the IAB rules, by day, app or episode."""

from __future__ import annotations

import json

import click

from publisher.catalog.episodes import resolve_guid
from publisher.cli import CliState, pass_state
from publisher.stats.report import stats_report


@click.command("stats", short_help="Downloads by the IAB rules, by episode, app or day.")
@click.option("--season", help="Only this season's episodes (its slug).")
@click.option("--episode", help="Only this episode (its GUID or a unique start of it).")
@click.option("--days", type=int, default=30, show_default=True, help="How many days back.")
@click.option(
    "--by",
    type=click.Choice(("episode", "app", "day")),
    default="episode",
    show_default=True,
    help="How the lines are grouped.",
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document.")
@pass_state
def stats(
    state: CliState, season: str | None, episode: str | None, days: int, by: str, as_json: bool
) -> None:
    """Downloads by the IAB Podcast Measurement rules (v2.2): at least a minute of audio,
    once per client address, app and episode in 24 hours, bots left out.

    A video episode's downloads are counted per format: the audio, the MP4 (the same
    rule as the audio) and HLS viewings (a player's fetch of a rendition's playlist, once
    per client, app and episode in 24 hours)."""
    services = state.services()
    if episode is not None:
        episode = resolve_guid(services, episode)
    report = stats_report(services, season=season, episode=episode, days=days)
    if as_json:
        click.echo(json.dumps({**report, "by": by}))
        return
    click.echo(
        f"{_counted(report['downloads'], 'download')} in the last {_counted(days, 'day')}",
        err=True,
    )
    if by == "episode":
        click.echo("DOWNLOADS\tAUDIO\tVIDEO\tHLS\tSEASON\tGUID\tTITLE")
        for e in report["episodes"]:
            formats = "\t".join(str(e["formats"][f]) for f in ("audio", "video", "hls"))
            click.echo(f"{e['downloads']}\t{formats}\t{e['season']}\t{e['guid']}\t{e['title']}")
    else:
        click.echo(f"DOWNLOADS\t{by.upper()}")
        for name, count in report["apps" if by == "app" else "days"].items():
            click.echo(f"{count}\t{name}")


def _counted(number: int, noun: str) -> str:
    """'1 download', '2 downloads': a count with its noun in the right number."""
    return f"{number} {noun}{'' if number == 1 else 's'}"


def register(group: click.Group) -> None:
    group.add_command(stats)
