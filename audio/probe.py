"""What an uploaded file really is: its format, length and encoding, read with mutagen.

The format is decided by the file's first bytes, never by its name, so a renamed text file
or a WAV called `.mp3` is refused before anything is stored. Only mutagen's headers are
read: a 500 MB file costs a few kilobytes of memory here. An MP3's ID3 tag is checked
against `audio.id3_limits` before mutagen parses it, and its declared length against its
bytes afterwards (`audio.mpeg_checks`), so a tag bomb or a truncated or forged VBR header
is refused in one line. Whatever mutagen raises on a malformed file (not only its own
errors: fuzzing found struct and index errors) is a refusal, never a crash.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import mutagen
from mutagen import FileType
from mutagen.mp3 import MP3
from mutagen.mp4 import MP4
from mutagen.oggopus import OggOpus
from mutagen.oggvorbis import OggVorbis

from audio.id3_limits import TagRefused, check_id3_tag
from audio.mp4_atoms import truncation
from audio.mpeg_checks import LengthRefused, check_declared_length

# Shorter than this is not an episode but the remains of a cut-off upload.
MIN_SECONDS = 1.0

# Formats podcast apps play that we store as they are. Apple lists audio/mpeg and
# audio/x-m4a: https://podcasters.apple.com/support/893-audio-requirements
MP3_FORMAT = ("mp3", "audio/mpeg", "mp3")
M4A_FORMAT = ("m4a", "audio/x-m4a", "m4a")
OPUS_FORMAT = ("opus", "audio/ogg", "opus")
VORBIS_FORMAT = ("vorbis", "audio/ogg", "ogg")

# Audio we recognise but do not publish, so the refusal can say what to do instead.
_KNOWN_UNSUPPORTED = (
    (b"RIFF", "WAV"),
    (b"fLaC", "FLAC"),
    (b"FORM", "AIFF"),
    (b"\x30\x26\xb2\x75", "WMA"),
)


# What mutagen's parsers raise besides MutagenError on malformed input.
_MALFORMED = (ValueError, IndexError, KeyError, struct.error, OverflowError, EOFError, OSError)


class AudioError(ValueError):
    """The file cannot be published as an episode; the message is one plain line."""


@dataclass(frozen=True)
class AudioInfo:
    """The facts about an audio file that feeds and tags need."""

    format: str  # "mp3", "m4a", "opus" or "vorbis"
    mime: str
    extension: str
    duration: float
    bitrate: int | None
    sample_rate: int | None


def probe_audio(path: Path) -> AudioInfo:
    """Read the real format, duration, bitrate and sample rate, or raise `AudioError`."""
    name = path.name
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise AudioError(f"{name}: no such file") from None
    if size == 0:
        raise AudioError(f"{name} is empty")
    with open(path, "rb") as fh:
        head = fh.read(64)
    kind = _sniff(head, name)
    try:
        info = _read(kind, path)
    except (TagRefused, LengthRefused) as exc:
        raise AudioError(f"{name} is refused: {exc}") from None
    except AudioError:
        raise
    except (mutagen.MutagenError, *_MALFORMED) as exc:
        raise AudioError(f"{name} is damaged or truncated ({_reason(exc)})") from None
    if info.duration < MIN_SECONDS:
        raise AudioError(
            f"{name} holds only {info.duration:.2f}s of audio: it is truncated or damaged"
        )
    return info


def _sniff(head: bytes, name: str) -> tuple[str, str, str]:
    """The format of a file from its magic bytes."""
    if head.startswith(b"ID3") or (len(head) > 1 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0):
        return MP3_FORMAT
    if head[4:8] == b"ftyp":
        return M4A_FORMAT
    if head.startswith(b"OggS"):
        if b"OpusHead" in head:
            return OPUS_FORMAT
        if b"\x01vorbis" in head:
            return VORBIS_FORMAT
        raise AudioError(f"{name} is an Ogg file without Opus or Vorbis audio: not supported")
    for magic, label in _KNOWN_UNSUPPORTED:
        if head.startswith(magic):
            raise AudioError(
                f"{name} is {label} audio, which podcast apps do not all play: "
                "convert it to MP3 or M4A (AAC)"
            )
    raise AudioError(f"{name} is not an audio file (publish MP3, M4A/AAC or Ogg Opus)")


def _read(kind: tuple[str, str, str], path: Path) -> AudioInfo:
    fmt, mime, extension = kind
    loader: type[FileType] = {"mp3": MP3, "m4a": MP4, "opus": OggOpus, "vorbis": OggVorbis}[fmt]
    audio_start = 0
    if fmt == "mp3":
        with open(path, "rb") as fh:
            audio_start = check_id3_tag(fh)
    info: Any = loader(path).info  # mutagen types `info` as None; each format has its own
    if fmt == "mp3":
        with open(path, "rb") as fh:
            check_declared_length(fh, audio_start, path.stat().st_size, float(info.length or 0))
    if fmt == "m4a":
        _check_mp4_atoms(path)
        codec = getattr(info, "codec", "")
        if not codec.startswith("mp4a"):
            raise AudioError(
                f"{path.name} is an MP4 without AAC audio ({codec or 'no audio track'}): "
                "export it as AAC in an .m4a"
            )
    bitrate = getattr(info, "bitrate", None) or None
    if fmt == "opus" and bitrate is None:
        bitrate = _average_bitrate(path, info.length)
    return AudioInfo(
        format=fmt,
        mime=mime,
        extension=extension,
        duration=float(info.length or 0.0),
        bitrate=int(bitrate) if bitrate else None,
        # Opus always decodes at 48 kHz (RFC 7845 section 5.1), whatever the input rate was.
        sample_rate=48000 if fmt == "opus" else (getattr(info, "sample_rate", None) or None),
    )


def _check_mp4_atoms(path: Path) -> None:
    """An MP4 whose top-level atoms run past the end of the file lost its tail in transit."""
    cut = truncation(path)
    if cut is not None:
        raise AudioError(f"{path.name} is truncated: {cut}")


def _average_bitrate(path: Path, duration: float) -> int | None:
    """Opus headers carry no bitrate; the average is the file's bits over its length."""
    return int(path.stat().st_size * 8 / duration) if duration else None


def _reason(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__
