"""Publishing large episodes: peak memory and time against a bare boto3 upload.

Targets (issues "Producers publish episodes from the CLI" and "Producer-side speed"):
- `lovetv episode publish` of a 500 MB MP3 peaks under 150 MB of resident memory;
- `lovetv episode publish` of a 300 MB MP3 to the S3 test server takes at most 1.3x (goal
  1.1x) the time of a bare boto3 `upload_file` of the same file to the same server.

Both sides run as child processes (interpreter start included on both), alternately, and
the medians are compared. Files live in a temporary folder removed afterwards.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MB = 1000 * 1000
MEMORY_SIZE, MEMORY_TARGET_MB = 500 * MB, 150
TIMING_SIZE, TIMING_TARGET, TIMING_GOAL = 300 * MB, 1.3, 1.1
ROUNDS = 5
BUCKET = "lovetv-bench"
BARE_UPLOAD = (
    "import sys, boto3; "
    "boto3.client('s3').upload_file(sys.argv[1], sys.argv[2], sys.argv[3], "
    "ExtraArgs={'ContentType': 'audio/mpeg'})"
)


def main() -> int:
    """Run both measurements; 0 when both targets hold."""
    with tempfile.TemporaryDirectory(prefix="lovetv-bench-") as folder, _s3_server() as endpoint:
        work = Path(folder)
        env = _environment(work, endpoint)
        _set_up(env, work)
        frames = _base_mp3(work)
        peak_mb = _peak_memory_mb(env, _long_mp3(work / "500.mp3", frames, MEMORY_SIZE))
        ratio, publish_s, bare_s = _time_ratio(
            env, _long_mp3(work / "300.mp3", frames, TIMING_SIZE)
        )
    memory_ok, time_ok = peak_mb < MEMORY_TARGET_MB, ratio <= TIMING_TARGET
    print(
        f"publish 500 MB MP3: peak RSS {peak_mb:.0f} MB "
        f"(target < {MEMORY_TARGET_MB} MB: {'met' if memory_ok else 'MISSED'})"
    )
    print(
        f"publish 300 MB MP3: {publish_s:.2f}s vs bare boto3 upload_file {bare_s:.2f}s, "
        f"ratio {ratio:.2f}x (target <= {TIMING_TARGET}x: {'met' if time_ok else 'MISSED'}; "
        f"goal {TIMING_GOAL}x)"
    )
    return 0 if memory_ok and time_ok else 1


@contextmanager
def _s3_server() -> Iterator[str]:
    """The same moto S3 server the tests use."""
    sys.path.insert(0, str(ROOT / "tests"))
    from support.s3server import running_s3_server

    with running_s3_server() as endpoint:
        yield endpoint


def _environment(work: Path, endpoint: str) -> dict[str, str]:
    return {
        **os.environ,
        "AWS_ENDPOINT_URL_S3": endpoint,
        "AWS_ACCESS_KEY_ID": "bench",
        "AWS_SECRET_ACCESS_KEY": "bench",
        "AWS_DEFAULT_REGION": "us-east-1",
        "LOVETV_DATABASE_URL": f"sqlite:///{work / 'bench.db'}",
        "LOVETV_STORAGE_URL": f"s3://{BUCKET}/media",
        "LOVETV_SECRET_KEY": "bench-secret-long-enough-0123456789",
    }


def _lovetv(env: dict[str, str], *args: str) -> list[str]:
    return [str(Path(sys.executable).parent / "lovetv"), *args]


def _set_up(env: dict[str, str], work: Path) -> None:
    """An empty bucket, a migrated database, the show and a season."""
    code = f"import boto3; boto3.client('s3').create_bucket(Bucket={BUCKET!r})"
    subprocess.run([sys.executable, "-c", code], env=env, check=True)
    for args in (
        ("db", "upgrade"),
        ("show", "set", "--title", "Bench", "--author", "Bench"),
        ("season", "add", "season-1", "--title", "Season 1"),
    ):
        subprocess.run(_lovetv(env, *args), env=env, cwd=work, check=True, capture_output=True)


def _base_mp3(work: Path) -> bytes:
    """Ten seconds of real CBR MP3 frames from LAME; repeated, they stay a valid MP3."""
    sys.path.insert(0, str(ROOT / "tests"))
    from support.media import make_mp3

    return make_mp3(work / "base.mp3", seconds=10.0, bitrate=128).read_bytes()


def _long_mp3(path: Path, frames: bytes, size: int) -> Path:
    with open(path, "wb") as out:
        written = 0
        while written < size:
            out.write(frames)
            written += len(frames)
    return path


def _publish_args(env: dict[str, str], path: Path, title: str) -> list[str]:
    return _lovetv(env, "episode", "publish", "season-1", str(path), "--title", title, "--json")


# Runs the command given and prints its peak resident memory (kB) on stderr. A process's
# peak counts the memory of the process it was spawned from (Linux keeps the parent's
# high-water mark across fork and exec), so the publish is spawned from this small launcher,
# not from the benchmark, which by then holds hundreds of MB of earlier benchmarks.
PEAK_RSS_LAUNCHER = (
    "import resource, subprocess, sys; "
    "code = subprocess.run(sys.argv[1:]).returncode; "
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr); "
    "sys.exit(code)"
)


def _peak_memory_mb(env: dict[str, str], path: Path) -> float:
    """Peak resident memory of one `lovetv episode publish`, from the kernel's own count."""
    done = subprocess.run(
        [sys.executable, "-c", PEAK_RSS_LAUNCHER, *_publish_args(env, path, "Memory")],
        env=env,
        cwd=path.parent,
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise RuntimeError(f"publish failed with exit code {done.returncode}: {done.stderr}")
    _delete(env, json.loads(done.stdout)["audio_key"])
    path.unlink()
    return int(done.stderr.strip().splitlines()[-1]) / 1024  # kilobytes on Linux


def _time_ratio(env: dict[str, str], path: Path) -> tuple[float, float, float]:
    """Median publish time over median bare upload time, run alternately."""
    publish_times, bare_times = [], []
    for round_ in range(ROUNDS):
        start = time.perf_counter()
        done = subprocess.run(
            _publish_args(env, path, f"Timing {round_}"),
            env=env,
            cwd=path.parent,
            check=True,
            capture_output=True,
        )
        publish_times.append(time.perf_counter() - start)
        _delete(env, json.loads(done.stdout)["audio_key"])
        start = time.perf_counter()
        key = f"bare/{round_}.mp3"
        subprocess.run(
            [sys.executable, "-c", BARE_UPLOAD, str(path), BUCKET, key], env=env, check=True
        )
        bare_times.append(time.perf_counter() - start)
        _delete(env, key, prefixed=False)
    publish_s, bare_s = statistics.median(publish_times), statistics.median(bare_times)
    return publish_s / bare_s, publish_s, bare_s


def _delete(env: dict[str, str], key: str, prefixed: bool = True) -> None:
    """Free the server's memory between runs (moto keeps objects in memory)."""
    full = f"media/{key}" if prefixed else key
    code = f"import boto3; boto3.client('s3').delete_object(Bucket={BUCKET!r}, Key={full!r})"
    subprocess.run([sys.executable, "-c", code], env=env, check=True)


if __name__ == "__main__":
    sys.exit(main())
