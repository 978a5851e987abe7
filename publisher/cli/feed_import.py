"""`lovetv import feed URL_OR_FILE --season SLUG [--announce]`: move an existing podcast in."""

from __future__ import annotations

import json
import sys
from typing import Any

import click

from publisher.cli import CliState, pass_state
from publisher.cli.progress import ProgressBar
from publisher.cli.signals import sigterm_as_interrupt
from publisher.cli.terminal import printable


@click.group("import")
def import_group() -> None:
    """Move an existing podcast's episodes in from its RSS feed."""


@import_group.command("feed", short_help="Import every episode of an RSS feed into a season.")
@click.argument("url_or_file")
@click.option("--season", required=True, help="The season (its slug) the episodes go into.")
@click.option(
    "--teaser",
    "teasers",
    multiple=True,
    metavar="GUID",
    help="Also put this episode (its GUID in the feed) in the free teaser feed; repeatable.",
)
@click.option(
    "--timeout",
    type=click.FloatRange(min=1),
    default=600,
    show_default=True,
    help="Seconds one episode's audio may take to download before it counts as failed.",
)
@click.option(
    "--announce",
    is_flag=True,
    help="Email every member who can hear SEASON that it is out (once per member); "
    "without it nobody is emailed.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the result as one JSON document.")
@pass_state
def feed_command(
    state: CliState,
    url_or_file: str,
    season: str,
    teasers: tuple[str, ...],
    timeout: float,
    announce: bool,
    as_json: bool,
) -> None:
    """Import the episodes of the podcast feed at URL_OR_FILE (http, https or a file) into
    SEASON, oldest first, each published as `episode publish` would, keeping its GUID,
    title, notes, date, number, type, chapters and transcript, so apps that followed the
    old feed do not list the back catalogue as new. Episodes imported before are skipped:
    after a failure or an interruption, the same command continues where it stopped.
    Nobody is emailed unless --announce."""
    from publisher.imports.feed import FeedImport, import_feed
    from publisher.imports.fetching import local_path

    path = local_path(url_or_file)
    if path is not None and not path.is_file():
        raise click.BadParameter(f"no feed file {str(path)!r}", param_hint="URL_OR_FILE")
    request = FeedImport(url_or_file, season, frozenset(teasers), timeout, announce)
    progress = _Progress(show=not as_json)
    try:
        with sigterm_as_interrupt():
            result = import_feed(state.services(), request, progress)
    finally:
        progress.finish()
    if as_json:
        click.echo(json.dumps(result.as_json()))
    else:
        _report(result, season, announce)
    if result.failed:
        click.echo(
            f"{_count(result.failed, 'episode')} not imported: run the same command again "
            "to retry (the episodes imported are skipped then)",
            err=True,
        )
        sys.exit(1)


def _report(result: Any, season: str, announce: bool) -> None:
    """One line: what came in, what was there already, what is not an episode."""
    if result.imported:
        line = f"imported {_count(result.imported, 'episode')} into {season}"
    else:
        line = "nothing new to import"
    if result.skipped:
        line += (
            f"; {_count(result.skipped, 'episode')} imported before, left where they are "
            "(lovetv episode list shows them)"
        )
    if result.without_audio:
        line += f"; {_count(result.without_audio, 'item')} without audio left out"
    if result.emailed:
        line += f"; emailed {_count(result.emailed, 'member')} that {season} is out"
    else:
        line += "; emailed nobody" + ("" if announce else " (--announce emails the members)")
    click.echo(line)


def _count(things: list[Any] | int, noun: str) -> str:
    number = things if isinstance(things, int) else len(things)
    return f"{number} {noun}{'s' * (number != 1)}"


class _Progress:
    """One line per episode and a download bar on stderr (the bar only on a terminal)."""

    def __init__(self, show: bool) -> None:
        self._show = show
        self._bar = ProgressBar("downloading") if show and sys.stderr.isatty() else None
        self._shown = 0

    def starting(self, episode: Any, position: int, count: int) -> None:
        self.finish()
        if self._show:
            click.echo(f"[{position}/{count}] {printable(episode.title)}", err=True)

    def downloaded(self, done: int, total: int | None) -> None:
        if self._bar is None or total is None:
            return
        if not self._bar.started:
            self._bar.begin(total)
            self._shown = 0
        self._bar.advance(done - self._shown)
        self._shown = done

    def warn(self, text: str) -> None:
        self.finish()
        click.echo(f"warning: {printable(text)}", err=True)

    def failed(self, episode: Any, why: str) -> None:
        """Said at once (an import may run for an hour), whether or not --json."""
        self.finish()
        click.echo(f"error: {printable(episode.guid)}: {printable(why)}", err=True)

    def finish(self) -> None:
        if self._bar is not None:
            self._bar.finish()
