"""How stored files are named in public URLs: `<guid>.<ext>` for audio, and the companions.

A video episode adds `<guid>.mp4` (the fast-start MP4), `<guid>.m3u8` (the HLS multivariant
playlist, written per request from the episode's row), `<guid>.hls.<height>.m3u8` (a
rendition's stored media playlist), `<guid>.hls.<height>.m4s` (its segments, one file read
by byte ranges) and `<guid>.hls.subtitles.m3u8` (the WebVTT transcript as subtitles). All
sit beside each other under one `/media/<who>/`, so the relative names inside playlists
resolve to URLs checked for the same member.

The enclosure URL ends in the real file extension (Apple and several apps decide what to
play from it), so the extension comes from the stored audio key or MIME type.
"""

from __future__ import annotations

from dataclasses import dataclass

AUDIO_EXTENSIONS = {
    "audio/mpeg": "mp3",
    "audio/mp3": "mp3",
    "audio/mp4": "m4a",
    "audio/x-m4a": "m4a",
    "audio/aac": "m4a",
    "audio/ogg": "ogg",
    "audio/opus": "opus",
}
# podcast:transcript types and the extension each is served under.
TRANSCRIPT_TYPES = {
    "text/vtt": ("text/vtt", "vtt"),
    "application/x-subrip": ("application/x-subrip", "srt"),
    "application/srt": ("application/x-subrip", "srt"),
    "text/srt": ("application/x-subrip", "srt"),
    "application/json": ("application/json", "json"),
    "text/html": ("text/html", "html"),
}
CHAPTERS_SUFFIX = "chapters.json"
AUDIO, CHAPTERS, TRANSCRIPT = "audio", "chapters", "transcript"
VIDEO, HLS, HLS_PLAYLIST, HLS_SEGMENTS = "video", "hls", "hls-playlist", "hls-segments"
POSTER = "poster"  # `<guid>.poster.jpg`: a still of the video for players
SUBTITLES = "subtitles"  # the label of the subtitles playlist, `<guid>.hls.subtitles.m3u8`


def audio_extension(audio_key: str, mime: str) -> str:
    """`mp3`, `m4a`, `ogg` or `opus`: the stored key's own suffix when it is one of those."""
    suffix = audio_key.rsplit(".", 1)[-1].lower() if "." in audio_key else ""
    if suffix in AUDIO_EXTENSIONS.values():
        return suffix
    return AUDIO_EXTENSIONS.get(mime.lower(), "mp3")


def transcript_type(mime: str | None) -> tuple[str, str] | None:
    """(feed MIME type, URL extension) of a stored transcript, or None if unknown."""
    return TRANSCRIPT_TYPES.get((mime or "").lower())


@dataclass(frozen=True)
class MediaName:
    """What a `/media/<who>/<filename>` request asks for."""

    guid: str
    kind: str  # AUDIO, CHAPTERS, TRANSCRIPT, VIDEO, HLS, HLS_PLAYLIST or HLS_SEGMENTS
    extension: str
    label: str = ""  # an HLS rendition's height, or SUBTITLES


def parse_media_name(filename: str) -> MediaName | None:
    """`<guid>.mp3`, `<guid>.chapters.json`, `<guid>.transcript.vtt` or a video's names
    (see the module's docstring); None otherwise."""
    guid, dot, rest = filename.partition(".")
    if not guid or not dot or not rest:
        return None
    if rest == CHAPTERS_SUFFIX:
        return MediaName(guid, CHAPTERS, "json")
    if rest in ("mp4", "m3u8"):
        return MediaName(guid, VIDEO if rest == "mp4" else HLS, rest)
    kind, dot, extension = rest.partition(".")
    if kind == TRANSCRIPT and dot and extension:
        return MediaName(guid, TRANSCRIPT, extension)
    if kind == "hls":
        return _hls_name(guid, extension)
    if kind == POSTER and extension == "jpg":
        return MediaName(guid, POSTER, extension)
    if "." in rest:
        return None
    return MediaName(guid, AUDIO, rest)


def _hls_name(guid: str, rest: str) -> MediaName | None:
    label, dot, extension = rest.partition(".")
    if not dot or not (label.isdigit() or label == SUBTITLES):
        return None
    if extension == "m3u8":
        return MediaName(guid, HLS_PLAYLIST, extension, label)
    if extension == "m4s" and label.isdigit():
        return MediaName(guid, HLS_SEGMENTS, extension, label)
    return None


def video_names(guid: str) -> dict[str, str]:
    """The URL names of a video episode's MP4 and multivariant playlist."""
    return {"mp4": f"{guid}.mp4", "hls": f"{guid}.m3u8"}
