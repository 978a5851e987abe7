"""What one command stored, so that a failure can take it all back.

A publish uploads audio, artwork and a transcript before it records the episode; if
anything fails after the first upload, every object this command created is deleted again,
and the store looks as if the command never ran. Artwork is stored under its content hash
and shared between show, seasons and episodes, so an image that was already there is never
deleted by a failing command.
"""

from __future__ import annotations

import contextlib
import hashlib
from pathlib import Path
from types import TracebackType

from audio.storage import IMMUTABLE, ProgressCallback, Storage, StorageError
from audio.streaming_upload import ByteStream, put_stream

CHUNK = 1024 * 1024


def sha256_file(path: Path) -> str:
    """The file's SHA-256, read in chunks so a large episode never sits in memory."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def artwork_key(data: bytes, extension: str) -> str:
    """Artwork lives under its content hash: the same image is stored once."""
    return f"art/{hashlib.sha256(data).hexdigest()}.{extension}"


class Uploads:
    """A context manager that deletes what it stored when its block raises."""

    def __init__(self, storage: Storage) -> None:
        self.storage = storage
        self.created: list[str] = []

    def __enter__(self) -> Uploads:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc is not None:
            self.remove_all()

    def put_file(
        self,
        key: str,
        path: Path,
        content_type: str,
        progress: ProgressCallback | None = None,
    ) -> str:
        """Upload a file and check the store holds exactly its bytes."""
        self.created.append(key)  # a failed multipart upload may still leave an object
        self.storage.put_file(
            key, path, content_type=content_type, cache_control=IMMUTABLE, progress=progress
        )
        stored, expected = self.storage.size(key), path.stat().st_size
        if stored != expected:
            raise StorageError(f"{key}: the store holds {stored} bytes, expected {expected}")
        return key

    def put_stream(
        self,
        key: str,
        stream: ByteStream,
        content_type: str,
        progress: ProgressCallback | None = None,
    ) -> str:
        """Stream bytes into the store (refused if their source changes meanwhile), then check
        the store holds exactly as many as were sent."""
        self.created.append(key)
        put_stream(
            self.storage,
            key,
            stream,
            content_type=content_type,
            cache_control=IMMUTABLE,
            progress=progress,
        )
        stored, expected = self.storage.size(key), stream.size
        if stored != expected:
            raise StorageError(f"{key}: the store holds {stored} bytes, expected {expected}")
        return key

    def put_bytes(self, key: str, data: bytes, content_type: str) -> str:
        self.created.append(key)
        self.storage.put_bytes(key, data, content_type=content_type, cache_control=IMMUTABLE)
        return key

    def put_shared(self, key: str, data: bytes, content_type: str) -> str:
        """Store content-addressed bytes unless they are there already (then never delete)."""
        try:
            if self.storage.size(key) == len(data):
                return key
        except FileNotFoundError:
            pass
        return self.put_bytes(key, data, content_type)

    def remove_all(self) -> None:
        """Delete every object this command created; keep going past individual failures."""
        for key in reversed(self.created):
            with contextlib.suppress(StorageError, OSError):
                self.storage.delete(key)
        self.created.clear()
