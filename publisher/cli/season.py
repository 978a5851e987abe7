"""`lovetv season add|list`: the seasons, each a private feed for every member."""

from __future__ import annotations

import json
from pathlib import Path

import click

from publisher.cli import CliState, pass_state


@click.group()
def season() -> None:
    """Add, edit and list seasons."""


@season.command("add")
@click.argument("slug")
@click.option("--title", required=True, help="The season's name as podcast apps show it.")
@click.option("--number", type=click.IntRange(min=1), help="Season number.")
@click.option("--description", default="", help="What the season is about.")
@click.option(
    "--image",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Artwork: square JPEG or PNG, 1400-3000 px.",
)
@pass_state
def add_command(
    state: CliState,
    slug: str,
    title: str,
    number: int | None,
    description: str,
    image: Path | None,
) -> None:
    """Add a season; SLUG (e.g. season-2) names it in feed URLs."""
    from publisher.catalog.seasons import add_season

    added = add_season(state.services(), slug, title, number, description, image)
    click.echo(f"season {added.slug!r} added")


@season.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print the seasons as a JSON list.")
@pass_state
def list_command(state: CliState, as_json: bool) -> None:
    """List the seasons with their episode counts."""
    from datetime import UTC, datetime

    from publisher.catalog.season_list import list_seasons

    seasons = list_seasons(state.services().db, datetime.now(UTC))
    if as_json:
        click.echo(json.dumps(seasons))
        return
    if not seasons:
        click.echo("no seasons yet (lovetv season add SLUG --title T adds one)", err=True)
    else:
        click.echo("SLUG\tNUMBER\tEPISODES\tTITLE")
    for s in seasons:
        number = s["number"] if s["number"] is not None else "-"
        click.echo(
            f"{s['slug']}\t{number}\t{s['published']} published, {s['scheduled']} scheduled, "
            f"{s['unpublished']} unpublished\t{s['title']}"
        )


@season.command("edit", short_help="Change a season; its slug and feed URLs stay.")
@click.argument("slug")
@click.option("--title", help="A new name.")
@click.option("--description", help="A new description.")
@click.option("--number", type=click.IntRange(min=1), help="A new season number.")
@click.option(
    "--image",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="New artwork: square JPEG or PNG, 1400-3000 px.",
)
@click.option(
    "--enclosure",
    type=click.Choice(("audio", "video")),
    help="What video episodes put in <enclosure>: audio (default) or video (the MP4).",
)
@pass_state
def edit_command(
    state: CliState,
    slug: str,
    title: str | None,
    description: str | None,
    number: int | None,
    image: Path | None,
    enclosure: str | None,
) -> None:
    """Change a season; its feeds are re-rendered (the slug, and so its URLs, stay).

    --enclosure video makes the season video-first: its video episodes' <enclosure> is the
    MP4 (for apps that show video only from there) and the audio an alternate. Audio-only
    episodes keep their audio enclosure.
    """
    from publisher.catalog.seasons import edit_season

    edit_season(
        state.services(),
        slug,
        title=title,
        description=description,
        number=number,
        image=image,
        enclosure=enclosure,
    )
    if enclosure is not None:
        click.echo(f"season {slug!r} changed: video episodes' enclosure is now their {enclosure}")
    else:
        click.echo(f"season {slug!r} changed")


def register(group: click.Group) -> None:
    group.add_command(season)
