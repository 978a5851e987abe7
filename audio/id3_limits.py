"""Hostile ID3v2 tags refused before mutagen parses (and inflates) them.

mutagen reads a whole tag and decompresses every compressed frame into memory, so a few
hundred kilobytes of zlib can become hundreds of megabytes, and a tag of 200,000 tiny
frames takes seconds. The tag header and frame headers say how big everything will be,
so they are read here first, and a tag over any limit is refused with one line:

- the tag itself: at most `MAX_TAG_BYTES` (16 MiB: cover art and chapters fit easily);
- one frame, once decompressed: at most `MAX_FRAME_BYTES` (10 MiB);
- all frames, once decompressed: at most `MAX_TAG_BYTES`;
- at most `MAX_FRAMES` frames (a podcast tag has tens; chapters nest inside CHAP frames).

Spec: https://id3.org/id3v2.4.0-structure and https://id3.org/id3v2.3.0 (frame flags).
"""

from __future__ import annotations

import zlib
from typing import BinaryIO

MAX_TAG_BYTES = 16 * 1024 * 1024
MAX_FRAME_BYTES = 10 * 1024 * 1024
MAX_FRAMES = 5000


class TagRefused(ValueError):
    """The tag is over a limit; the message says which, in one line."""


def _syncsafe(data: bytes) -> int:
    value = 0
    for byte in data:
        value = (value << 7) | (byte & 0x7F)
    return value


def check_id3_tag(fh: BinaryIO) -> int:
    """Check the ID3v2 tag at the start of `fh` (if any); return the bytes it occupies."""
    fh.seek(0)
    header = fh.read(10)
    if len(header) < 10 or not header.startswith(b"ID3"):
        return 0
    major, flags = header[3], header[5]
    size = _syncsafe(header[6:10])
    if size > MAX_TAG_BYTES:
        raise TagRefused(f"its ID3 tag is {size} bytes (the limit is {MAX_TAG_BYTES})")
    footer = 10 if major == 4 and flags & 0x10 else 0
    if major not in (2, 3, 4):
        return 10 + size + footer  # an unknown version: mutagen refuses it on its own
    body = fh.read(size)
    if major == 3 and flags & 0x80:  # v2.3 unsynchronises the whole tag
        body = body.replace(b"\xff\x00", b"\xff")
    _check_frames(body, major, flags)
    return 10 + size + footer


def _frames_start(body: bytes, major: int, flags: int) -> int:
    """Skip the extended header (v2.3: its size excludes itself; v2.4: syncsafe, includes)."""
    if not flags & 0x40 or len(body) < 4:
        return 0
    if major == 4:
        return _syncsafe(body[:4])
    return 4 + int.from_bytes(body[:4], "big")


class _Budget:
    """Frames seen and bytes inflated so far, across the tag and its CHAP/CTOC sub-frames."""

    def __init__(self) -> None:
        self.frames = 0
        self.inflated = 0

    def count(self, frame_id: str, full: int) -> None:
        self.frames += 1
        if self.frames > MAX_FRAMES:
            raise TagRefused(f"its ID3 tag has more than {MAX_FRAMES} frames")
        if full > MAX_FRAME_BYTES:
            raise TagRefused(
                f"its ID3 frame {frame_id!r} inflates to more than {MAX_FRAME_BYTES} bytes"
            )
        self.inflated += full
        if self.inflated > MAX_TAG_BYTES:
            raise TagRefused(f"its ID3 frames inflate past {MAX_TAG_BYTES} bytes in all")


def _check_frames(body: bytes, major: int, flags: int) -> None:
    _walk(body, _frames_start(body, major, flags), major, bool(flags & 0x80), _Budget(), 0)


def _walk(body: bytes, offset: int, major: int, unsync: bool, budget: _Budget, depth: int) -> None:
    """Count every frame from `offset`, measuring compressed ones by inflating them boundedly."""
    header_size = 6 if major == 2 else 10
    id_size = 3 if major == 2 else 4
    while offset + header_size <= len(body):
        if body[offset] == 0:  # padding
            return
        frame_id = body[offset : offset + id_size].decode("latin-1")
        size = _frame_size(
            body[offset + id_size : offset + header_size - (0 if major == 2 else 2)], major
        )
        payload = body[offset + header_size : offset + header_size + size]
        full = len(payload)
        if major > 2:
            full = _inflated_size(payload, major, body[offset + 9], unsync)
        budget.count(frame_id, full)
        if frame_id in ("CHAP", "CTOC") and depth < 2:
            _walk(payload, _sub_frames_start(frame_id, payload), major, unsync, budget, depth + 1)
        offset += header_size + size


def _frame_size(raw: bytes, major: int) -> int:
    return _syncsafe(raw) if major == 4 else int.from_bytes(raw, "big")


def _inflated_size(payload: bytes, major: int, format_flags: int, unsync: bool) -> int:
    """The bytes mutagen would hold for this frame: compressed ones inflated up to the limit.

    The declared decompressed length is not trusted (mutagen ignores it too).
    """
    if major == 4:
        compressed = bool(format_flags & 0x08)
        prefix = payload[:4] if format_flags & 0x09 else b""
        data = payload[4:] if format_flags & 0x09 else payload
        if format_flags & 0x02 or unsync:
            data = data.replace(b"\xff\x00", b"\xff")
    else:
        compressed = bool(format_flags & 0x80)
        prefix, data = b"", payload[4:] if compressed else payload
    if not compressed:
        return len(payload)
    for attempt in (data, prefix + data):  # mutagen's own second try includes the prefix
        try:
            return _inflated_length(attempt)
        except zlib.error:
            continue
    return len(payload)  # not zlib at all: mutagen drops it as junk


def _inflated_length(data: bytes) -> int:
    """How many bytes `data` inflates to, counted in 64 KiB pieces and stopped past the limit."""
    inflater = zlib.decompressobj()
    total = 0
    pending = data
    while not inflater.eof:
        piece = inflater.decompress(pending, 64 * 1024)
        total += len(piece)
        if total > MAX_FRAME_BYTES:
            return total
        pending = inflater.unconsumed_tail
        if not piece and not pending:
            break
    return total


def _sub_frames_start(frame_id: str, payload: bytes) -> int:
    """Where the sub-frames of a CHAP or CTOC frame begin (id3v2-chapters-1.0)."""
    end = payload.find(b"\x00")
    if end < 0:
        return len(payload)
    offset = end + 1
    if frame_id == "CHAP":
        return offset + 16  # start and end times and offsets
    if offset + 2 > len(payload):
        return len(payload)
    entries, offset = payload[offset + 1], offset + 2
    for _ in range(entries):
        end = payload.find(b"\x00", offset)
        if end < 0:
            return len(payload)
        offset = end + 1
    return offset
