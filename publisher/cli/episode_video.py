"""What `lovetv episode publish|edit` says and reads about a video: `--renditions`, the
packaging line before the upload bar, and the video part of the summary line."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from publisher.catalog.drafts import EpisodeDraft


def renditions_option(
    ctx: click.Context, param: click.Parameter, value: str | None
) -> tuple[int, ...]:
    """`720,360` as heights; anything else is a usage error."""
    if not value:
        return ()
    try:
        heights = tuple(int(part.strip().removesuffix("p")) for part in value.split(","))
    except ValueError:
        raise click.BadParameter("give heights in lines, e.g. 720,360") from None
    if any(h <= 0 for h in heights):
        raise click.BadParameter("heights are positive numbers of lines, e.g. 720,360")
    return heights


def video_words(summary: dict[str, Any]) -> str:
    """`, video 1080p with HLS 1080p, 720p, 360p` for a video episode, else nothing."""
    video = summary.get("video")
    if not video:
        return ""
    heights = ", ".join(f"{h}p" for h in video["renditions"])
    return f", video {video['height']}p with HLS {heights}"


def say_if_video(draft: EpisodeDraft) -> None:
    """Packaging a video takes a while before the upload bar starts: say what is going on."""
    from publisher.catalog.video import looks_like_a_video

    if draft.video is not None or looks_like_a_video(draft.audio):
        count = len(draft.renditions)
        lower = f" and {count} lower rendition{'s' if count > 1 else ''}" if count else ""
        click.echo(f"packaging the video: a fast-start MP4, HLS{lower}...", err=True)
