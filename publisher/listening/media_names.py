"""How stored files are named in public URLs: `<guid>.<ext>` for audio, and the companions.

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
    kind: str  # AUDIO, CHAPTERS or TRANSCRIPT
    extension: str


def parse_media_name(filename: str) -> MediaName | None:
    """`<guid>.mp3`, `<guid>.chapters.json` or `<guid>.transcript.vtt`; None otherwise."""
    guid, dot, rest = filename.partition(".")
    if not guid or not dot or not rest:
        return None
    if rest == CHAPTERS_SUFFIX:
        return MediaName(guid, CHAPTERS, "json")
    kind, dot, extension = rest.partition(".")
    if kind == TRANSCRIPT and dot and extension:
        return MediaName(guid, TRANSCRIPT, extension)
    if "." in rest:
        return None
    return MediaName(guid, AUDIO, rest)
