"""An MP3's declared length checked against the bytes it really holds.

A VBR MP3 states its frame count (and usually its byte count) in a Xing/Info or VBRI header
in its first frame, and mutagen takes the duration from that header without looking at
the rest of the file. A file cut short in transit keeps the header of the whole, and a
forged header can claim any length (2^31-1 frames is 649 days): either would be published
with a duration its bytes cannot play. Three checks, each a lower bound no honest file
breaks:

- the header's byte count is not more than the audio bytes present (1% and 1 KiB slack);
- every declared frame needs at least the bytes of a frame at the lowest bitrate its
  MPEG version allows (32 kbps for MPEG-1, 8 kbps for MPEG-2/2.5);
- the duration implies at least 8 kbps over the audio bytes present, header or not.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import BinaryIO

from mutagen.mp3 import (
    HeaderNotFoundError,
    MPEGFrame,
    VBRIHeader,
    VBRIHeaderError,
    XingHeader,
    XingHeaderError,
    iter_sync,
    skip_id3,
)

LOWEST_BITRATE = 8000  # bits per second: MPEG-2/2.5's lowest; nothing encodes below it
_MPEG1_LOWEST_BITRATE = 32000
_SYNC_SEARCH_BYTES = 64 * 1024


class LengthRefused(ValueError):
    """The declared length cannot be true; the message says why, in one line."""


@dataclass(frozen=True)
class VbrHeader:
    frames: int | None
    bytes: int | None


def first_frame(fh: BinaryIO, start: int) -> MPEGFrame | None:
    """The first valid MPEG audio frame at or after `start`, or None."""
    fh.seek(start)
    skip_id3(fh)  # some writers put more than one tag first
    for _ in iter_sync(fh, _SYNC_SEARCH_BYTES):  # positioned at each sync in turn
        try:
            return MPEGFrame(fh)
        except HeaderNotFoundError:
            continue
    return None


def vbr_header(fh: BinaryIO, frame: MPEGFrame) -> VbrHeader | None:
    """The Xing/Info or VBRI header of the first frame, if it has one (layer III only)."""
    if frame.layer != 3:
        return None  # found by fuzzing: mutagen's header readers assert layer III
    fh.seek(frame.frame_offset + XingHeader.get_offset(frame))
    try:
        xing = XingHeader(fh)
        return VbrHeader(_given(xing.frames), _given(xing.bytes))
    except XingHeaderError:
        pass
    fh.seek(frame.frame_offset + VBRIHeader.get_offset(frame))
    try:
        vbri = VBRIHeader(fh)
        return VbrHeader(vbri.frames, vbri.bytes)
    except VBRIHeaderError:
        return None


def samples_per_frame(frame: MPEGFrame) -> int:
    """384 for layer I, 576 for layer III of MPEG-2/2.5, 1152 otherwise (ISO 11172-3)."""
    if frame.layer == 1:
        return 384
    return 576 if frame.layer == 3 and frame.version != 1 else 1152


def _given(value: int) -> int | None:
    return None if value == -1 else value


def check_declared_length(fh: BinaryIO, audio_start: int, size: int, duration: float) -> None:
    """Raise `LengthRefused` when the header or duration claims more than the bytes hold."""
    frame = first_frame(fh, audio_start)
    if frame is None:
        return  # mutagen found its frame some other way; its own checks stand
    audio_bytes = size - frame.frame_offset
    header = vbr_header(fh, frame)
    declared = header.bytes if header is not None else None
    if declared is not None and declared > audio_bytes * 1.01 + 1024:
        raise LengthRefused(
            f"is truncated: its header declares {declared} bytes of audio, "
            f"the file holds {audio_bytes}"
        )
    if header is not None and header.frames is not None:
        lowest = _MPEG1_LOWEST_BITRATE if frame.version == 1 else LOWEST_BITRATE
        least = header.frames * samples_per_frame(frame) * lowest // (8 * frame.sample_rate)
        if least > audio_bytes:
            raise LengthRefused(
                f"is truncated or forged: its header declares {header.frames} frames, "
                f"which need at least {least} bytes, the file holds {audio_bytes}"
            )
    if duration * LOWEST_BITRATE / 8 > audio_bytes + 1024:
        raise LengthRefused(
            f"declares {duration:.0f}s of audio but holds only {audio_bytes} bytes "
            f"(enough for {audio_bytes * 8 / LOWEST_BITRATE:.0f}s at the lowest bitrate)"
        )
