"""The storage interface both backends keep: what the publisher needs from a store.

Kept apart from `audio.storage` (which chooses a backend) so that each backend module can
import it without importing the other backend.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Protocol

# Stored objects never change (keys carry a content hash), so caches may keep them a year.
IMMUTABLE = "public, max-age=31536000, immutable"

ProgressCallback = Callable[[int], None]


class Storage(Protocol):
    """What the publisher needs from a store of immutable objects."""

    def put_file(
        self,
        key: str,
        path: Path,
        *,
        content_type: str,
        cache_control: str = IMMUTABLE,
        progress: ProgressCallback | None = None,
    ) -> None: ...

    def put_bytes(
        self, key: str, data: bytes, *, content_type: str, cache_control: str = IMMUTABLE
    ) -> None: ...

    def get_bytes(self, key: str) -> bytes: ...

    def size(self, key: str) -> int: ...

    def delete(self, key: str) -> None: ...

    def keys(self, prefix: str = "") -> list[str]: ...

    def presigned_url(self, key: str, expires_in: int = 300) -> str | None: ...

    def local_path(self, key: str) -> Path | None: ...

    def check(self) -> None: ...


def check_key(key: str) -> str:
    """A relative key of plain parts: no backend may be led outside its folder or prefix."""
    if not key or key.startswith("/") or any(p in ("", ".", "..") for p in key.split("/")):
        raise ValueError(f"invalid storage key {key!r}")
    return key
