"""Video episodes in the publish pipeline: find the video, package it, tag and store it.

A video episode is an audio episode with more files, never another kind of episode: its
`<enclosure>` (downloads, notices, stats, every app) stays the audio, made from the video's
own sound or given beside it (`--video`), and the fast-start MP4 and HLS renditions ride
along as `podcast:alternateEnclosure`s. The FFmpeg work runs in a bounded child process
(`audio.video_jobs`); this module decides what to ask of it and where its files go.

Stored keys share one fresh prefix per upload, `video/<16 hex>/`, and keep the names the
packager gave them (`<guid>.mp4`, `<guid>.hls.<height>.m3u8` and `.m4s`), because a media
playlist names its segment file relatively: the member's `/media/<token>/` URL of a
playlist resolves to the member's URL of its segments.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from audio.storage import ProgressCallback
from audio.tagging import EpisodeTags, tag_video
from audio.video_jobs import inspect, package
from audio.video_package import PackagedVideo, check_renditions
from audio.video_probe import VideoInfo, looks_like_video
from publisher.catalog.refusals import refusals
from publisher.catalog.uploads import Uploads
from publisher.errors import UserError

MP4_MIME = "video/mp4"
PLAYLIST_MIME = "application/vnd.apple.mpegurl"
# A studio mix and the video it goes with must be one recording: apps switch between the
# two at the same position.
SAME_LENGTH_SECONDS = 2.0


@dataclass(frozen=True)
class VideoSource:
    """The file holding an episode's video, checked, and whether it also gives the audio."""

    path: Path
    info: VideoInfo
    gives_audio: bool


@dataclass(frozen=True)
class PackagedParts:
    """What the packager made in the publish's work folder."""

    source: VideoSource
    made: PackagedVideo
    workdir: Path

    @property
    def audio_path(self) -> Path | None:
        return self.workdir / self.made.audio if self.made.audio else None


def video_source(
    main: Path | None, video: Path | None, renditions: tuple[int, ...] = ()
) -> VideoSource | None:
    """The `--video` file, or the main file when it is itself a video; None for audio.

    `main` is the audio given with it (None when an edit adds a video to stored audio).

    Asked-for renditions are checked against it here, before anything is packaged.
    """
    source = _video_source(main, video)
    if source is not None:
        try:
            check_renditions(renditions, source.info)
        except ValueError as exc:
            raise UserError(str(exc)) from None
    return source


def _video_source(main: Path | None, video: Path | None) -> VideoSource | None:
    with refusals():
        if video is not None:
            if main is not None and looks_like_video(main):
                raise UserError(
                    f"{main.name} is a video too: give the studio audio (MP3, M4A or Ogg) "
                    "first and the video after --video, or publish the video alone"
                )
            return VideoSource(video, inspect(video), gives_audio=False)
        if main is not None and looks_like_video(main):
            return VideoSource(main, inspect(main), gives_audio=True)
    return None


def check_same_length(audio_seconds: float, source: VideoSource) -> None:
    """Refuse a studio mix that is not the video's recording."""
    if abs(audio_seconds - source.info.duration) > SAME_LENGTH_SECONDS:
        raise UserError(
            f"the audio lasts {_clock(audio_seconds)} but {source.path.name} lasts "
            f"{_clock(source.info.duration)}: give the mix of this video, so apps can switch "
            "between listening and watching at the same moment"
        )


def package_parts(
    source: VideoSource, workdir: Path, guid: str, renditions: tuple[int, ...]
) -> PackagedParts:
    """Make the MP4, the HLS renditions and (when the video gives it) the audio M4A."""
    with refusals():
        made = package(source.path, workdir, guid, source.info, renditions, source.gives_audio)
    return PackagedParts(source, made, workdir)


def tag_packaged(parts: PackagedParts, tags: EpisodeTags) -> None:
    """Tag the packaged MP4 with mutagen, as an M4A episode is tagged."""
    with refusals():
        tag_video(parts.workdir / parts.made.mp4, tags)


def upload_size(parts: PackagedParts | None) -> int:
    """The bytes `store_video` will upload (for the progress bar)."""
    if parts is None:
        return 0
    names = [parts.made.mp4, *(n for r in parts.made.renditions for n in (r.playlist, r.segments))]
    names += [parts.made.poster] if parts.made.poster else []
    return sum((parts.workdir / name).stat().st_size for name in names)


def store_video(
    uploads: Uploads, parts: PackagedParts, progress: ProgressCallback | None = None
) -> dict[str, Any]:
    """Upload every packaged file (tagged first: `tag_packaged`) and return the episode's
    video columns."""
    mp4 = parts.workdir / parts.made.mp4
    prefix = f"video/{secrets.token_hex(8)}/"
    video_key = uploads.put_file(prefix + parts.made.mp4, mp4, MP4_MIME, progress)
    renditions = []
    for rendition in parts.made.renditions:
        segments = parts.workdir / rendition.segments
        renditions.append(
            {
                **rendition.as_json(),
                "playlist_key": uploads.put_file(
                    prefix + rendition.playlist,
                    parts.workdir / rendition.playlist,
                    PLAYLIST_MIME,
                    progress,
                ),
                "segments_key": uploads.put_file(
                    prefix + rendition.segments, segments, MP4_MIME, progress
                ),
                "segments_size": segments.stat().st_size,
            }
        )
    poster = None
    if parts.made.poster:
        path = parts.workdir / parts.made.poster
        poster = uploads.put_file(prefix + parts.made.poster, path, "image/jpeg", progress)
    info = parts.source.info
    return {
        "video_key": video_key,
        "video_size": mp4.stat().st_size,
        "video": {
            "height": info.height,
            "width": info.width,
            "duration": info.duration,
            "fps": info.fps,
            "codec": info.codec,
            "codecs": parts.made.renditions[0].codecs,
            "bitrate": int(mp4.stat().st_size * 8 / info.duration) if info.duration else 0,
            "frames": info.video_frames,
            "poster_key": poster,
            "renditions": renditions,
        },
    }


def stored_video_keys(video: dict[str, Any] | None, video_key: str | None) -> list[str]:
    """Every object a video episode's video holds, to delete when it is replaced."""
    keys = [video_key] if video_key else []
    if video and video.get("poster_key"):
        keys.append(video["poster_key"])
    for rendition in (video or {}).get("renditions", []):
        keys += [rendition["playlist_key"], rendition["segments_key"]]
    return keys


def looks_like_a_video(path: Path) -> bool:
    """Whether the main file of a publish is a video (the CLI's progress says so)."""
    with refusals():
        return looks_like_video(path)


def _clock(seconds: float) -> str:
    whole = round(seconds)
    return f"{whole // 60}:{whole % 60:02d}"
