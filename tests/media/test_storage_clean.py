"""`lovetv storage clean`: what SIGKILLed publishes leave is removed once it is old enough,
and nothing younger (a publish running now) is touched."""

from __future__ import annotations

import json
import os
import tempfile
import time
from datetime import timedelta
from pathlib import Path

import boto3
import pytest
from click.testing import CliRunner

from audio.storage import LocalStorage, S3Storage
from publisher.catalog.storage_clean import clean_storage, parse_age
from publisher.cli import main
from publisher.errors import UserError

pytestmark = pytest.mark.every_store  # storage is the subject: a folder and S3


def _old(path: Path, days: float = 2) -> Path:
    then = time.time() - days * 86400
    os.utime(path, (then, then))
    return path


def _debris(temp: Path) -> tuple[Path, Path, Path]:
    """An old and a fresh publish folder (with a tagged copy inside) and an unrelated one."""
    old = temp / "lovetv-publish-old"
    fresh = temp / "lovetv-publish-fresh"
    other = temp / "someone-elses"
    for folder in (old, fresh, other):
        folder.mkdir()
        (folder / "episode.m4a").write_bytes(b"x" * 1000)
    _old(old)
    _old(other)
    return old, fresh, other


def test_old_pending_multipart_uploads_are_aborted_and_young_ones_kept(
    s3_bucket: str, tmp_path: Path
) -> None:
    client = boto3.client("s3")
    storage = S3Storage(s3_bucket, "media")
    started = client.create_multipart_upload(Bucket=s3_bucket, Key="media/audio/ab/ep.mp3")
    client.upload_part(
        Bucket=s3_bucket,
        Key="media/audio/ab/ep.mp3",
        UploadId=started["UploadId"],
        PartNumber=1,
        Body=b"x" * 1000,
    )
    elsewhere = client.create_multipart_upload(Bucket=s3_bucket, Key="not-ours/file")

    # moto reports every upload as started on 2010-11-10, so "young" is judged from then.
    initiated = client.list_multipart_uploads(Bucket=s3_bucket)["Uploads"][0]["Initiated"]
    young = clean_storage(storage, timedelta(days=1), now=initiated, temp_root=tmp_path)
    assert young.aborted_uploads == []
    assert len(client.list_multipart_uploads(Bucket=s3_bucket)["Uploads"]) == 2

    later = initiated + timedelta(days=1, seconds=1)
    report = clean_storage(storage, timedelta(days=1), now=later, temp_root=tmp_path)
    assert report.aborted_uploads == ["audio/ab/ep.mp3"]
    left = client.list_multipart_uploads(Bucket=s3_bucket)["Uploads"]
    assert [u["UploadId"] for u in left] == [elsewhere["UploadId"]]  # outside the prefix


def test_old_temporary_folders_and_half_written_files_are_removed(tmp_path: Path) -> None:
    temp = tmp_path / "tmp"
    temp.mkdir()
    old, fresh, other = _debris(temp)
    media = tmp_path / "media"
    (media / "audio" / "ab").mkdir(parents=True)
    stray = media / "audio" / "ab" / ".upload-x1y2"
    stray.write_bytes(b"half")
    _old(stray)
    young_stray = media / "audio" / ".upload-now"
    young_stray.write_bytes(b"half")
    kept = media / "audio" / "ab" / "ep.mp3"
    kept.write_bytes(b"whole")
    _old(kept)

    report = clean_storage(LocalStorage(media), timedelta(days=1), temp_root=temp)
    assert report.removed_temp_folders == [str(old)]
    assert report.removed_partial_files == [str(stray)]
    assert not old.exists() and fresh.exists() and other.exists()
    assert not stray.exists() and young_stray.exists() and kept.exists()


def test_the_command_cleans_and_reports(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    temp = tmp_path / "tmp"
    temp.mkdir()
    old, fresh, _other = _debris(temp)
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    result = runner.invoke(main, ["storage", "clean", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["removed_temp_folders"] == [str(old)]
    assert fresh.exists()
    result = runner.invoke(main, ["storage", "clean", "--older-than", "0s"])
    assert result.exit_code == 0, result.output
    assert "removed 1 temporary folders" in result.stdout
    assert not fresh.exists()


def test_ages_are_a_number_and_a_unit() -> None:
    assert parse_age("1d") == timedelta(days=1)
    assert parse_age("30m") == timedelta(minutes=30)
    assert parse_age(" 12h ") == timedelta(hours=12)
    for bad in ("", "1", "1w", "-1d", "1.5h", "d"):
        with pytest.raises(UserError):
            parse_age(bad)


def test_a_bad_age_is_one_line(runner: CliRunner) -> None:
    result = runner.invoke(main, ["storage", "clean", "--older-than", "soon"])
    assert result.exit_code == 1
    assert result.stderr == "error: --older-than 'soon' is not an age such as 30m, 12h or 1d\n"
