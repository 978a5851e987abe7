"""A tagged audio file that is never written: new tag bytes, then a range of the source.

`audio.tagging.tagged_stream` describes a tagged MP3 this way and the publisher streams it
into the store. Two ways to read it:
- `chunks(size)`: consecutive blocks, for hashing (the key names the content's hash);
- `open_part(offset, length)`: a seekable file object over one slice, for an S3 part.
  boto3's own `upload_file` hands botocore file objects the same way, so a part is read
  (twice: once for its checksum, once to send) without ever being held in memory, and
  memory stays flat however many parts are in flight.

`fingerprint` (size, modification time, inode of the source when the recipe was made)
lets the uploader refuse to finish when the source changed while it was being published.
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

CHUNK = 1024 * 1024

Fingerprint = tuple[int, int, int]


def file_fingerprint(path: Path) -> Fingerprint:
    """What changes when a file is rewritten: its size, modification time and inode."""
    found = path.stat()
    return (found.st_size, found.st_mtime_ns, found.st_ino)


class SourceChanged(OSError):
    """The source file changed while it was being published."""


@dataclass(frozen=True)
class TaggedStream:
    """A tagged file as a recipe: `head` (bytes in memory), then `source[start:end]`."""

    head: bytes
    source: Path
    start: int
    end: int
    fingerprint: Fingerprint | None = None

    @property
    def size(self) -> int:
        return len(self.head) + self.end - self.start

    def check_unchanged(self) -> None:
        """Raise `SourceChanged` when the source is no longer the file the recipe describes."""
        try:
            now = file_fingerprint(self.source)
        except FileNotFoundError:
            now = None
        if self.fingerprint is not None and now != self.fingerprint:
            raise SourceChanged(f"{self.source.name} changed while it was being published")

    def chunks(self, size: int = CHUNK) -> Iterator[bytes]:
        """The file's bytes in blocks of exactly `size` (the last may be shorter)."""
        with self.open_part(0, self.size) as part:
            while block := part.read(size):
                yield block

    def open_part(self, offset: int, length: int) -> PartReader:
        """A seekable, readable file object over `length` bytes from `offset`."""
        return PartReader(self, offset, min(length, self.size - offset))


class PartReader(io.RawIOBase):
    """Bytes `offset .. offset+length` of a `TaggedStream`, read from the source on demand."""

    def __init__(self, stream: TaggedStream, offset: int, length: int) -> None:
        super().__init__()
        self._stream = stream
        self._offset = offset
        self._length = length
        self._position = 0
        self._file = open(stream.source, "rb")  # noqa: SIM115 - closed with the reader

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._position

    def seek(self, position: int, whence: int = os.SEEK_SET) -> int:
        base = {os.SEEK_SET: 0, os.SEEK_CUR: self._position, os.SEEK_END: self._length}[whence]
        self._position = max(0, min(self._length, base + position))
        return self._position

    def __len__(self) -> int:
        return self._length

    def read(self, size: int = -1) -> bytes:
        left = self._length - self._position
        want = left if size is None or size < 0 else min(size, left)
        if want <= 0:
            return b""
        at = self._offset + self._position  # in the tagged file
        head = self._stream.head
        block = head[at : at + want] if at < len(head) else b""
        rest = want - len(block)
        if rest:
            self._file.seek(self._stream.start + max(0, at - len(head)))
            data = self._file.read(rest)
            if len(data) < rest:
                raise SourceChanged(f"{self._stream.source.name} became shorter while it was read")
            block += data  # b"" + data is data itself: no copy
        self._position += want
        return block

    # io declares any buffer; botocore passes a bytearray or memoryview, which slice-assign.
    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        self._file.close()
        super().close()
