"""Remove what interrupted publishes leave behind: pending multipart uploads and temp files.

A publish cleans up after itself on every exit path it gets to run (errors, Ctrl-C,
SIGTERM), but SIGKILL, a power cut or a lost machine leave debris: an S3 multipart upload
whose parts are billed until it is aborted, a `lovetv-publish-*` folder in the temporary
directory (an M4A's or Ogg's tagged copy), a half-written `.upload-*` file in a storage
folder. `lovetv storage clean` removes each of them once it is older than `--older-than`
(default one day, far longer than any publish takes, so a running publish is never
touched). S3's own lifecycle rule `AbortIncompleteMultipartUpload` does the first part on
the bucket side; docs/cli.md shows it.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from audio.storage import LocalStorage, S3Storage, Storage
from audio.storage_errors import s3_errors
from publisher.errors import UserError

TEMP_PREFIX = "lovetv-publish-"
PARTIAL_PREFIX = ".upload-"
_AGE = re.compile(r"^\s*(\d+)\s*([smhd])\s*$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}


@dataclass
class CleanReport:
    """What was removed, for the command's output."""

    aborted_uploads: list[str] = field(default_factory=list)
    removed_temp_folders: list[str] = field(default_factory=list)
    removed_partial_files: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, list[str]]:
        return dict(self.__dict__)


def parse_age(text: str) -> timedelta:
    """`30m`, `12h`, `1d`: a number and one unit (s, m, h or d)."""
    found = _AGE.match(text)
    if found is None:
        raise UserError(f"--older-than {text!r} is not an age such as 30m, 12h or 1d")
    return timedelta(**{_UNITS[found.group(2)]: int(found.group(1))})


def clean_storage(
    storage: Storage,
    older_than: timedelta,
    *,
    now: datetime | None = None,
    temp_root: Path | None = None,
) -> CleanReport:
    """Abort old pending multipart uploads and remove old temporary folders and files."""
    cutoff = (now or datetime.now(UTC)) - older_than
    report = CleanReport()
    if isinstance(storage, S3Storage):
        report.aborted_uploads = _abort_old_uploads(storage, cutoff)
    if isinstance(storage, LocalStorage):
        report.removed_partial_files = _remove_old(storage.root, f"{PARTIAL_PREFIX}*", cutoff)
    root = temp_root or Path(tempfile.gettempdir())
    report.removed_temp_folders = _remove_old(root, f"{TEMP_PREFIX}*", cutoff, recursive=False)
    return report


def _abort_old_uploads(storage: S3Storage, cutoff: datetime) -> list[str]:
    """Every multipart upload under the store's prefix started before `cutoff`, aborted."""
    aborted: list[str] = []
    client = storage.client
    with s3_errors(storage.bucket, storage.prefix):
        pages = client.get_paginator("list_multipart_uploads").paginate(
            Bucket=storage.bucket, Prefix=storage.prefix
        )
        for page in pages:
            for upload in page.get("Uploads", []):
                if upload["Initiated"] < cutoff:
                    client.abort_multipart_upload(
                        Bucket=storage.bucket, Key=upload["Key"], UploadId=upload["UploadId"]
                    )
                    aborted.append(upload["Key"][len(storage.prefix) :])
    return aborted


def _remove_old(root: Path, pattern: str, cutoff: datetime, *, recursive: bool = True) -> list[str]:
    """Files or folders matching `pattern` under `root` last changed before `cutoff`."""
    if not root.is_dir():
        return []
    removed: list[str] = []
    found = root.rglob(pattern) if recursive else root.glob(pattern)
    for path in sorted(found):
        try:
            changed = datetime.fromtimestamp(path.lstat().st_mtime, UTC)
        except FileNotFoundError:
            continue
        if changed >= cutoff:
            continue
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
        removed.append(str(path))
    return removed
