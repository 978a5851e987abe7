"""MP3s built to lie: truncated and forged VBR headers, ID3 tag bombs and frame floods.

Each starts from a real LAME-encoded MP3 (MPEG-1 layer III, 44.1 kHz, mono, CBR without a
Xing header) and adds exactly the hostile part.
"""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

# MPEG-1 layer III, 64 kbps, 44.1 kHz, no padding, mono: 208-byte frames.
FRAME_HEADER = bytes([0xFF, 0xFB, 0x50, 0xC4])
FRAME_LENGTH = 144 * 64000 // 44100
XING_OFFSET = 4 + 17  # MPEG-1 mono: the side information is 17 bytes


def xing_frame(frames: int | None, total_bytes: int | None) -> bytes:
    """A silent first frame carrying a Xing header with the given counts."""
    flags = (1 if frames is not None else 0) | (2 if total_bytes is not None else 0)
    body = b"Xing" + struct.pack(">I", flags)
    if frames is not None:
        body += struct.pack(">I", frames)
    if total_bytes is not None:
        body += struct.pack(">I", total_bytes)
    frame = FRAME_HEADER + bytes(XING_OFFSET - 4) + body
    return frame + bytes(FRAME_LENGTH - len(frame))


def vbr_mp3(source: Path, target: Path) -> Path:
    """`source`'s audio behind a Xing header that states its true frame and byte counts."""
    audio = source.read_bytes()
    frames = len(audio) // FRAME_LENGTH
    header = xing_frame(frames, len(audio) + FRAME_LENGTH)
    target.write_bytes(header + audio)
    return target


def truncated(source: Path, target: Path, keep: float) -> Path:
    data = source.read_bytes()
    target.write_bytes(data[: int(len(data) * keep)])
    return target


def lying_xing_mp3(source: Path, target: Path, size: int = 4096) -> Path:
    """`size` bytes whose Xing header claims 2^31-1 frames (649 days at 44.1 kHz)."""
    head = xing_frame(2**31 - 1, None)
    target.write_bytes((head + source.read_bytes())[:size])
    return target


def syncsafe(value: int) -> bytes:
    return bytes((value >> shift) & 0x7F for shift in (21, 14, 7, 0))


def id3v24(frames: list[bytes]) -> bytes:
    body = b"".join(frames)
    return b"ID3\x04\x00\x00" + syncsafe(len(body)) + body


def id3_frame(frame_id: bytes, payload: bytes, format_flags: int = 0) -> bytes:
    return frame_id + syncsafe(len(payload)) + bytes([0, format_flags]) + payload


def compressed_frame(inflated_size: int, declared: int | None = None) -> bytes:
    """A PRIV frame whose zlib payload inflates to `inflated_size` zero bytes.

    Compressed in 1 MiB pieces, so building a 200 MB bomb never holds 200 MB here.
    """
    deflater = zlib.compressobj(9)
    pieces = [deflater.compress(b"lovetv-test\x00")]  # PRIV's owner, inflated with the rest
    block = bytes(1024 * 1024)
    left = inflated_size
    while left > 0:
        pieces.append(deflater.compress(block[: min(left, len(block))]))
        left -= len(block)
    pieces.append(deflater.flush())
    data = b"".join(pieces)
    # v2.4: compression (0x08) with its data length indicator (0x01), syncsafe.
    length = syncsafe(inflated_size if declared is None else declared)
    return id3_frame(b"PRIV", length + data, format_flags=0x09)


def tag_bomb_mp3(source: Path, target: Path, inflated: int = 200 * 1024 * 1024) -> Path:
    target.write_bytes(id3v24([compressed_frame(inflated)]) + source.read_bytes())
    return target


def lying_length_bomb_mp3(source: Path, target: Path) -> Path:
    """The data length indicator says 10 bytes; the frame inflates to 200 MB anyway."""
    frame = compressed_frame(200 * 1024 * 1024, declared=10)
    target.write_bytes(id3v24([frame]) + source.read_bytes())
    return target


def chapter_bomb_mp3(source: Path, target: Path) -> Path:
    """The bomb hidden as a sub-frame of a CHAP frame (mutagen parses those too)."""
    chap = b"ch0\x00" + struct.pack(">IIII", 0, 1000, 0xFFFFFFFF, 0xFFFFFFFF)
    chap += compressed_frame(50 * 1024 * 1024)
    target.write_bytes(id3v24([id3_frame(b"CHAP", chap)]) + source.read_bytes())
    return target


def frame_flood_mp3(source: Path, target: Path, count: int = 200_000) -> Path:
    """A tag of `count` tiny text frames (about 3 MB)."""
    tiny = id3_frame(b"TXXX", b"\x00\x00")
    target.write_bytes(id3v24([tiny] * count) + source.read_bytes())
    return target
