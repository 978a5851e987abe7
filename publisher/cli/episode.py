"""`lovetv episode publish|edit|list|unpublish|republish`: put episodes in (and out of) the
feeds."""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click

from publisher.catalog.drafts import EPISODE_TYPES, EpisodeDraft
from publisher.catalog.episodes import list_episodes, resolve_guid, unpublish_episode
from publisher.catalog.publishing import publish_episode
from publisher.cli import CliState, pass_state
from publisher.cli.episode_video import renditions_option, say_if_video, video_words
from publisher.cli.progress import ProgressBar
from publisher.cli.signals import sigterm_as_interrupt
from publisher.cli.terminal import moment
from publisher.errors import UserError

_FILE = click.Path(exists=True, dir_okay=False, path_type=Path)


@click.group()
def episode() -> None:
    """Publish, edit, list, unpublish and republish episodes."""


@episode.command(
    "publish", short_help="Publish an audio or video file as a new episode of SEASON_SLUG."
)
@click.argument("season_slug")
@click.argument("audio_file", metavar="AUDIO_OR_VIDEO_FILE", type=_FILE)
@click.option("--title", required=True, help="The episode's title.")
@click.option("--number", type=int, help="Episode number (default: the season's next).")
@click.option("--description", help="Show notes, in Markdown (links, lists, emphasis).")
@click.option(
    "--notes", type=_FILE, help="Show notes from a UTF-8 Markdown file (not with --description)."
)
@click.option("--chapters", type=_FILE, help="Podcasting 2.0 JSON chapters or HH:MM:SS lines.")
@click.option("--transcript", type=_FILE, help="Transcript: SRT or WebVTT.")
@click.option("--image", type=_FILE, help="Episode artwork: square JPEG or PNG, 1400-3000 px.")
@click.option("--teaser", is_flag=True, help="Also put it in the free public teaser feed.")
@click.option(
    "--publish-at", help="Keep it out of feeds until this ISO 8601 time (UTC if no offset)."
)
@click.option(
    "--type",
    "episode_type",
    type=click.Choice(EPISODE_TYPES),
    default="full",
    show_default=True,
    help="Apple's episode type; a season's trailer is its `trailer` episode.",
)
@click.option(
    "--video",
    type=_FILE,
    help="A video (MP4, M4V or MOV; H.264 or HEVC) offered beside AUDIO_FILE, a studio mix.",
)
@click.option(
    "--renditions",
    callback=renditions_option,
    help="Lower HLS heights encoded from the video for phones, e.g. 720,360.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the published episode as JSON.")
@pass_state
def publish_command(
    state: CliState,
    season_slug: str,
    audio_file: Path,
    notes: Path | None,
    description: str | None,
    publish_at: str | None,
    as_json: bool,
    **options: Any,
) -> None:
    """Tag AUDIO_OR_VIDEO_FILE, store it and add it to SEASON_SLUG's feeds.

    Audio: MP3, M4A, Ogg Opus or Ogg Vorbis. A video (MP4, M4V or MOV with H.264 or
    HEVC video and sound) becomes an episode whose enclosure is its sound as an M4A, with
    a fast-start MP4 and HLS for apps and pages that play video; with --video, the audio
    file is the enclosure and the video comes from VIDEO.

    All or nothing: on any failure nothing is stored or recorded, and the same command can
    simply be run again.
    """
    draft = EpisodeDraft(
        season=season_slug,
        audio=audio_file,
        description=_description(description, notes),
        publish_at=_publish_time(publish_at),
        **options,
    )
    services = state.services()
    bar = ProgressBar("uploading") if not as_json and sys.stderr.isatty() else None
    if bar is not None:
        say_if_video(draft)
    try:
        with sigterm_as_interrupt():
            published = publish_episode(services, draft, progress=bar)
    finally:
        if bar is not None:
            bar.finish()
    _warn_if_past(publish_at, published)
    if as_json:
        click.echo(json.dumps(published))
        return
    number = f" episode {published['number']}" if published["number"] is not None else ""
    click.echo(
        f"{_verb(published)} {published['title']!r} as {published['season']}{number} "
        f"({published['duration']:.1f}s, {published['size']} bytes{video_words(published)}), "
        f"guid {published['guid']}"
    )


def _verb(summary: dict[str, Any]) -> str:
    """'published', or 'scheduled for <time>' when the episode waits for its time."""
    if datetime.fromisoformat(summary["publish_at"]) > datetime.now(UTC):
        return f"scheduled for {moment(summary['publish_at'])}:"
    return "published"


@episode.command("edit", short_help="Change an episode in place; its GUID stays.")
@click.argument("guid")
@click.option("--title", help="A new title.")
@click.option("--description", help="New show notes, in Markdown.")
@click.option("--notes", type=_FILE, help="New show notes from a UTF-8 Markdown file.")
@click.option("--number", type=int, help="A new episode number.")
@click.option("--type", "episode_type", type=click.Choice(EPISODE_TYPES), help="Episode type.")
@click.option("--teaser/--no-teaser", default=None, help="In the free teaser feed or not.")
@click.option("--publish-at", help="A new publish time, ISO 8601 (UTC if no offset).")
@click.option("--chapters", type=_FILE, help="New chapters (JSON or HH:MM:SS lines).")
@click.option("--transcript", type=_FILE, help="A new transcript: SRT or WebVTT.")
@click.option("--image", type=_FILE, help="New episode artwork.")
@click.option("--audio", type=_FILE, help="Replace the audio file (the GUID stays).")
@click.option("--video", type=_FILE, help="Add or replace the episode's video (MP4, M4V or MOV).")
@click.option(
    "--renditions",
    callback=renditions_option,
    help="With --video: lower HLS heights encoded from it, e.g. 720,360.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the edited episode as JSON.")
@pass_state
def edit_command(
    state: CliState,
    guid: str,
    description: str | None,
    notes: Path | None,
    publish_at: str | None,
    as_json: bool,
    **options: Any,
) -> None:
    """Change a published episode in place: the GUID stays, so apps keep the listener's
    place; feeds are re-rendered and the stored audio re-tagged (all or nothing).

    GUID is the episode's GUID or a unique start of it (6 characters or more).
    """
    from publisher.catalog.episode_edit import EpisodeEdit, edit_episode

    text = None if description is None and notes is None else _description(description, notes)
    edit = EpisodeEdit(description=text, publish_at=_publish_time(publish_at), **options)
    services = state.services()
    with sigterm_as_interrupt():
        edited = edit_episode(services, guid, edit)
    _warn_if_past(publish_at, edited)
    if as_json:
        click.echo(json.dumps(edited))
        return
    number = f" episode {edited['number']}" if edited["number"] is not None else ""
    when = "" if edited["status"] == "unpublished" else f" {moment(edited['publish_at'])}"
    status = "scheduled for" if edited["status"] == "scheduled" else edited["status"]
    click.echo(
        f"edited {edited['title']!r} ({edited['season']}{number}, {edited['episode_type']}), "
        f"{status}{when}{video_words(edited)}, guid {edited['guid']} unchanged"
    )


def _description(description: str | None, notes: Path | None) -> str:
    if description is not None and notes is not None:
        raise UserError("give either --description or --notes, not both")
    if notes is None:
        return description or ""
    try:
        return notes.read_text(encoding="utf-8-sig").strip()
    except UnicodeDecodeError:
        raise UserError(f"{notes.name} is not UTF-8 text (--notes)") from None


def _publish_time(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        return datetime.fromisoformat(value.strip())
    except ValueError:
        raise UserError(
            f"--publish-at {value!r} is not an ISO 8601 time, e.g. 2025-03-01T09:00:00+00:00"
        ) from None


def _warn_if_past(given: str | None, summary: dict[str, Any]) -> None:
    """A --publish-at already gone publishes at once, dated then: say so on stderr.

    A warning, not a refusal: back-dating (an episode first aired elsewhere) is legitimate.
    """
    if given is None or summary.get("status") == "unpublished":
        return
    when = datetime.fromisoformat(summary["publish_at"])
    if when < datetime.now(UTC):
        click.echo(
            f"warning: --publish-at {moment(when)} is in the past, so the episode "
            "is in the feeds now, dated then",
            err=True,
        )


@episode.command("list", short_help="List episodes with their state in the feeds.")
@click.argument("season_slug", required=False)
@click.option("--json", "as_json", is_flag=True, help="Print the episodes as a JSON list.")
@pass_state
def list_command(state: CliState, season_slug: str | None, as_json: bool) -> None:
    """List the episodes of one season (or of all), with their state in the feeds and
    their publish time (`2026-12-09 09:00 UTC`; ISO 8601 with --json)."""
    episodes = list_episodes(state.services(), season_slug)
    if as_json:
        click.echo(json.dumps([e.as_json() for e in episodes]))
        return
    if not episodes:
        click.echo("no episodes yet (lovetv episode publish SEASON FILE --title T)", err=True)
        return
    click.echo("GUID\tSEASON\tNUMBER\tSTATUS\tPUBLISH AT\tTITLE")
    for e in episodes:
        number = e.number if e.number is not None else "-"
        teaser = " teaser" if e.teaser else ""
        click.echo(
            f"{e.guid}\t{e.season}\t{number}\t{e.status}{teaser}\t{moment(e.publish_at)}\t{e.title}"
        )


@episode.command("unpublish")
@click.argument("guid")
@pass_state
def unpublish_command(state: CliState, guid: str) -> None:
    """Take an episode out of every feed; its audio stays stored.

    GUID is the episode's GUID or a unique start of it (6 characters or more).
    """
    services = state.services()
    guid = resolve_guid(services, guid)
    changed = unpublish_episode(services, guid)
    click.echo(f"episode {guid} {'unpublished' if changed else 'was already unpublished'}")


@episode.command("republish", short_help="Put an unpublished episode back in its feeds.")
@click.argument("guid")
@click.option("--publish-at", help="Schedule it for this ISO 8601 time (UTC if no offset).")
@click.option("--json", "as_json", is_flag=True, help="Print the episode as JSON.")
@pass_state
def republish_command(state: CliState, guid: str, publish_at: str | None, as_json: bool) -> None:
    """Put an unpublished episode back in its feeds: same GUID, audio and number.

    GUID is the episode's GUID or a unique start of it (6 characters or more).
    """
    from publisher.catalog.republish import republish_episode

    when = _publish_time(publish_at)
    with sigterm_as_interrupt():
        done = republish_episode(state.services(), guid, when)
    _warn_if_past(publish_at, done)
    if as_json:
        click.echo(json.dumps(done))
        return
    if not done["republished"]:
        click.echo(f"episode {done['guid']} was not unpublished (it is {done['status']})")
        return
    number = f" episode {done['number']}" if done["number"] is not None else ""
    when = datetime.fromisoformat(done["publish_at"])
    state_now = f"scheduled for {moment(when)}" if when > datetime.now(UTC) else "live"
    click.echo(
        f"republished {done['title']!r} as {done['season']}{number} ({state_now}), "
        f"guid {done['guid']}"
    )


def register(group: click.Group) -> None:
    group.add_command(episode)
