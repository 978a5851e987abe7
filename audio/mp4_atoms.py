"""Whether an MP4 (M4A, M4V, MOV) arrived whole, from its top-level atom headers alone."""

from __future__ import annotations

from pathlib import Path


def truncation(path: Path) -> str | None:
    """Why the file is cut short (a top-level atom runs past its end), or None if whole.

    An upload or copy that lost its tail leaves exactly this; reading the headers costs a
    few bytes per atom, whatever the file's size.
    """
    size = path.stat().st_size
    with open(path, "rb") as fh:
        offset = 0
        while offset + 8 <= size:
            fh.seek(offset)
            header = fh.read(16)
            length = int.from_bytes(header[:4], "big")
            if length == 1 and len(header) == 16:  # a 64-bit size follows the type
                length = int.from_bytes(header[8:16], "big")
            elif length == 0:  # the atom runs to the end of the file
                return None
            if length < 8 or offset + length > size:
                kind = header[4:8].decode("latin-1")
                return f"its {kind!r} atom needs {offset + length - size} more bytes"
            offset += length
    return None
