"""SIGTERM ends a real `lovetv episode publish` the way Ctrl-C does: nothing left behind.

Process supervisors, `timeout` and `kill` send SIGTERM. Before, its default action ended
the process mid-upload, leaving a pending multipart upload (billed by S3) and a
`lovetv-publish-*` temporary folder. Now it unwinds through the same clean-up as Ctrl-C.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import boto3
import pytest
from click.testing import CliRunner
from sqlalchemy import func, select
from support.publishing import make_long_mp3

from publisher.cli import main
from publisher.config import load_config
from publisher.models import Episode
from publisher.services import Services

MB = 1024 * 1024


@pytest.fixture
def storage_url(s3_bucket: str) -> str:
    return f"s3://{s3_bucket}/media"


def _pending(bucket: str) -> list[dict]:
    return boto3.client("s3").list_multipart_uploads(Bucket=bucket).get("Uploads", [])


def _parts_sent(bucket: str) -> int:
    uploads = _pending(bucket)
    if not uploads:
        return 0
    upload = uploads[0]
    answer = boto3.client("s3").list_parts(
        Bucket=bucket, Key=upload["Key"], UploadId=upload["UploadId"]
    )
    return len(answer.get("Parts", []))


def _as_a_background_job() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_a_publish_signalled_mid_upload_leaves_no_upload_no_object_and_no_temp_folder(
    sig: signal.Signals,
    env: dict[str, str],
    s3_bucket: str,
    mp3_file: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    runner = CliRunner(env=env)
    for args in (
        ["db", "upgrade"],
        ["show", "set", "--title", "Love TV", "--author", "Ann"],
        ["season", "add", "season-1", "--title", "Closer"],
    ):
        assert runner.invoke(main, args).exit_code == 0
    audio = make_long_mp3(tmp_path / "long.mp3", mp3_file, 96 * MB)
    temp = tmp_path / "tmp"
    temp.mkdir()
    lovetv = Path(sys.executable).parent / "lovetv"
    proc = subprocess.Popen(
        [str(lovetv), "episode", "publish", "season-1", str(audio), "--title", "Long"],
        env={**os.environ, **env, "TMPDIR": str(temp)},
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        # Started as a background shell starts a job (`make test &`): SIGINT ignored. The
        # publish must stop on it all the same, however the suite itself was started.
        preexec_fn=_as_a_background_job,
    )
    deadline = time.monotonic() + 60
    while _parts_sent(s3_bucket) < 2:  # really part way through the upload
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "the upload never started"
        time.sleep(0.02)
    assert [p.name for p in temp.iterdir() if p.name.startswith("lovetv-publish-")]
    proc.send_signal(sig)
    _out, err = proc.communicate(timeout=60)

    assert proc.returncode != 0, err
    assert _pending(s3_bucket) == []
    assert boto3.client("s3").list_objects_v2(Bucket=s3_bucket).get("Contents", []) == []
    assert list(temp.iterdir()) == []
    services = Services.from_config(load_config(env))
    try:
        with services.db.session() as session:
            assert session.scalar(select(func.count(Episode.id))) == 0
    finally:
        services.db.dispose()
