"""Where audio, artwork and transcripts live: one small interface, two backends.

`open_storage` chooses the backend. `LocalStorage` (here) is the embedded default (a
folder); `S3Storage` (`audio.s3_storage`) talks to S3 or any S3-compatible store through
boto3, configured by boto3's own variables (`AWS_ENDPOINT_URL_S3`, credentials, region),
every call bounded in time. Both keep `Storage` (`audio.storage_protocol`). Missing objects
raise `FileNotFoundError` on both, so callers never see a backend's own errors; a store that
cannot be reached or does not answer in time raises `StorageUnavailable` (see
`audio.storage_errors`).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import BinaryIO
from urllib.parse import unquote, urlsplit

from audio.s3_storage import MIN_PART_SIZE, S3Storage
from audio.storage_errors import StorageError, StorageUnavailable
from audio.storage_protocol import IMMUTABLE, ProgressCallback, Storage, check_key

__all__ = [
    "IMMUTABLE",
    "MIN_PART_SIZE",
    "LocalStorage",
    "ProgressCallback",
    "S3Storage",
    "Storage",
    "StorageError",
    "StorageUnavailable",
    "open_storage",
]


def open_storage(url: str) -> Storage:
    """Choose the backend from `LOVETV_STORAGE_URL`: `file:///dir` or `s3://bucket/prefix`."""
    parts = urlsplit(url)
    if parts.scheme == "file":
        return LocalStorage(Path(unquote(parts.netloc + parts.path)))
    if parts.scheme == "s3":
        if not parts.netloc:
            raise StorageError(f"storage URL {url!r} names no bucket")
        return S3Storage(parts.netloc, parts.path.strip("/"))
    raise StorageError(f"unsupported storage URL {url!r} (use file:///dir or s3://bucket/prefix)")


class LocalStorage:
    """A folder on this machine; files are written to a temporary name and renamed into place."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, key: str) -> Path:
        return self.root / check_key(key)

    def put_file(
        self,
        key: str,
        path: Path,
        *,
        content_type: str,
        cache_control: str = IMMUTABLE,
        progress: ProgressCallback | None = None,
    ) -> None:
        with open(path, "rb") as src:
            self._write(key, src, progress)

    def put_bytes(
        self, key: str, data: bytes, *, content_type: str, cache_control: str = IMMUTABLE
    ) -> None:
        import io

        self._write(key, io.BytesIO(data), None)

    def _write(self, key: str, src: BinaryIO, progress: ProgressCallback | None) -> None:
        target = self._path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".upload-")
        try:
            with os.fdopen(fd, "wb") as dst:
                for chunk in iter(lambda: src.read(1024 * 1024), b""):
                    dst.write(chunk)
                    if progress:
                        progress(len(chunk))
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def get_bytes(self, key: str) -> bytes:
        return self._path(key).read_bytes()

    def size(self, key: str) -> int:
        return self._path(key).stat().st_size

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def keys(self, prefix: str = "") -> list[str]:
        if not self.root.is_dir():
            return []
        found = (
            p.relative_to(self.root).as_posix()
            for p in self.root.rglob("*")
            if p.is_file() and not p.name.startswith(".upload-")
        )
        return sorted(k for k in found if k.startswith(prefix))

    def presigned_url(self, key: str, expires_in: int = 300) -> str | None:
        return None  # the web app serves local files itself

    def local_path(self, key: str) -> Path | None:
        return self._path(key)

    def check(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        if not os.access(self.root, os.W_OK):
            raise StorageError(f"storage folder {self.root} is not writable")
