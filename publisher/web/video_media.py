"""A video episode's files, behind the same checks as its audio.

`publisher.web.media` has already checked the token and the member's access (or that the
episode is public, for `/media/teaser/`) before anything here runs, on every request: the
MP4, each playlist and each segment range. So a revoked member's next playlist request is
refused at once; a player that already holds a segment URL loses it at the next range it
asks for, and on S3 a presigned redirect it was given lasts `PRESIGNED_SECONDS` at most.

The multivariant and subtitles playlists are written from the row; a rendition's media
playlist is the packager's stored file, read once per process (its key is never reused:
every upload gets a fresh prefix).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from flask import Response, abort

from audio.hls_playlists import MIME, subtitles_playlist
from audio.storage import Storage
from publisher.listening.media_names import (
    HLS,
    HLS_PLAYLIST,
    POSTER,
    SUBTITLES,
    VIDEO,
    MediaName,
    transcript_type,
)
from publisher.listening.playlists import multivariant_text
from publisher.models import Episode
from publisher.web.stored_files import serve_stored

MP4 = "video/mp4"


def video_format(name: MediaName) -> str | None:
    """The stats format a request counts under: the MP4 ("video"), a rendition's media
    playlist ("hls": one per viewing, see `lovetv stats`), or None (not counted)."""
    if name.kind == VIDEO:
        return "video"
    if name.kind == HLS_PLAYLIST and name.label.isdigit():
        return "hls"
    return None


def video_file(
    storage: Storage, episode: Episode, name: MediaName, cache_control: str, language: str
) -> Response:
    """The MP4, a playlist or a rendition's segments; 404 for anything the episode lacks."""
    video: dict[str, Any] | None = episode.video
    if not video or not episode.video_key:
        abort(404)
    if name.kind == VIDEO:
        return serve_stored(storage, episode.video_key, MP4, episode.video_size, cache_control)
    if name.kind == POSTER:
        if not video.get("poster_key"):
            abort(404)
        return serve_stored(storage, video["poster_key"], "image/jpeg", None, cache_control)
    if name.kind == HLS:
        text = multivariant_text(
            episode.guid, video, episode.transcript_key, episode.transcript_mime, language
        )
        return _playlist(text, cache_control)
    if name.kind == HLS_PLAYLIST and name.label == SUBTITLES:
        if not _vtt(episode):
            abort(404)
        vtt = f"{episode.guid}.transcript.vtt"
        return _playlist(subtitles_playlist(video["duration"], vtt), cache_control)
    rendition = next((r for r in video["renditions"] if str(r["height"]) == name.label), None)
    if rendition is None:
        abort(404)
    if name.kind == HLS_PLAYLIST:
        return _playlist(_stored_playlist(storage, rendition["playlist_key"]), cache_control)
    size = rendition.get("segments_size")
    return serve_stored(storage, rendition["segments_key"], MP4, size, cache_control)


def _vtt(episode: Episode) -> bool:
    kind = transcript_type(episode.transcript_mime) if episode.transcript_key else None
    return kind is not None and kind[1] == "vtt"


def _playlist(text: str, cache_control: str) -> Response:
    response = Response(text, mimetype=MIME)
    response.headers["Cache-Control"] = cache_control
    return response


@lru_cache(maxsize=512)
def _cached_playlist(storage: Storage, key: str) -> str:
    return storage.get_bytes(key).decode("utf-8")


def _stored_playlist(storage: Storage, key: str) -> str:
    try:
        return _cached_playlist(storage, key)  # type: ignore[arg-type]  # stores hash by identity
    except FileNotFoundError:
        abort(404)
