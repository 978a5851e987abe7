"""Video episodes: publishing a large video, and a member's HLS playlist under load.

Targets (issue "Watch, listen, learn"):
- publishing a `VIDEO_MB` (default 1,000 MB) 1080p H.264 file with `moov` last takes at most
  1.5x the time of PyAV copying its streams into a fast-start MP4 plus HLS segments of the
  same file and uploading both with boto3 to the same S3 test server, side by side,
  alternately, medians compared (interpreter starts on both sides);
- its peak resident memory, the FFmpeg child included, stays under 200 MB;
- a member's multivariant HLS playlist is answered at no less than 0.8x the rate of the
  member's feed of the same season, on one `lovetv serve --workers 2` (1,000 members).

The source is ten seconds of 1080p noise encoded once (noise keeps the bitrate, and so the
file, large), its packets repeated with shifted timestamps up to the size: a real file
FFmpeg reads end to end, made in seconds instead of an hour of encoding.
"""

from __future__ import annotations

import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import update

from bench.feeds import PORT, _environment, _serve, _wrk
from bench.feeds_data import _services, add_members, prepare_catalog
from bench.publish import BUCKET, PEAK_RSS_LAUNCHER, _delete, _lovetv, _s3_server, _set_up
from bench.publish import _environment as _s3_environment
from bench.video_source import large_video

MB = 1000 * 1000
VIDEO_MB = int(os.environ.get("BENCH_VIDEO_MB", "1000"))
TIME_TARGET, MEMORY_TARGET_MB, RATE_TARGET = 1.5, 200, 0.8
ROUNDS = 3
SECONDS = 4

# What a producer's machine would do without us: PyAV copies the streams into a fast-start
# MP4 and into HLS (4 s fMP4 segments in one file), and boto3 uploads both.
BASELINE = """
import sys, os, boto3, av
src, work, bucket, prefix = sys.argv[1:5]
def copy(target, fmt, options):
    with av.open(src) as inp, av.open(target, "w", format=fmt, options=options) as out:
        streams = {s.index: out.add_stream_from_template(s) for s in inp.streams}
        for packet in inp.demux():
            if packet.dts is None:
                continue
            packet.stream = streams[packet.stream.index]
            out.mux(packet)
mp4 = os.path.join(work, "baseline.mp4")
copy(mp4, "mp4", {"movflags": "faststart"})
playlist = os.path.join(work, "baseline.m3u8")
segments = os.path.join(work, "baseline.m4s")
copy(playlist, "hls", {"hls_time": "4", "hls_playlist_type": "vod", "hls_segment_type": "fmp4",
                       "hls_flags": "single_file", "hls_segment_filename": segments})
s3 = boto3.client("s3")
for path in (mp4, playlist, segments):
    s3.upload_file(path, bucket, prefix + os.path.basename(path))
    os.unlink(path)
"""


def main() -> int:
    publish = _publish_figures()
    rate = _playlist_rate()
    return _report(publish, rate)


# --- publishing ----------------------------------------------------------------------------


def _publish_figures() -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="lovetv-bench-video-") as folder, _s3_server() as s3:
        work = Path(folder)
        env = _s3_environment(work, s3)
        _set_up(env, work)
        source = large_video(work, VIDEO_MB * MB)
        size_mb = source.stat().st_size / MB
        peak = _peak_mb(env, source)
        ours, theirs = [], []
        for round_ in range(ROUNDS):
            ours.append(_timed_publish(env, source, round_))
            theirs.append(_timed_baseline(env, source, work, round_))
    return {
        "peak_mb": peak,
        "publish_s": statistics.median(ours),
        "baseline_s": statistics.median(theirs),
        "size_mb": size_mb,
    }


def _publish_args(env: dict[str, str], path: Path, title: str) -> list[str]:
    return _lovetv(env, "episode", "publish", "season-1", str(path), "--title", title, "--json")


def _peak_mb(env: dict[str, str], source: Path) -> float:
    done = subprocess.run(
        [sys.executable, "-c", PEAK_RSS_LAUNCHER, *_publish_args(env, source, "Memory")],
        env=env,
        cwd=source.parent,
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise RuntimeError(f"publish failed: {done.stderr}")
    _delete_episode(env, json.loads(done.stdout))
    return int(done.stderr.strip().splitlines()[-1]) / 1024


def _timed_publish(env: dict[str, str], source: Path, round_: int) -> float:
    start = time.perf_counter()
    done = subprocess.run(
        _publish_args(env, source, f"Timing {round_}"),
        env=env,
        cwd=source.parent,
        check=True,
        capture_output=True,
    )
    took = time.perf_counter() - start
    _delete_episode(env, json.loads(done.stdout))
    return took


def _timed_baseline(env: dict[str, str], source: Path, work: Path, round_: int) -> float:
    prefix = f"baseline/{round_}/"
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-c", BASELINE, str(source), str(work), BUCKET, prefix],
        env=env,
        check=True,
    )
    took = time.perf_counter() - start
    for name in ("baseline.mp4", "baseline.m3u8", "baseline.m4s"):
        _delete(env, prefix + name, prefixed=False)
    return took


def _delete_episode(env: dict[str, str], published: dict) -> None:
    """Free the S3 server's memory (moto keeps objects in memory) and the number."""
    subprocess.run(
        _lovetv(env, "episode", "unpublish", published["guid"]), env=env, capture_output=True
    )
    code = (
        "import boto3; s3 = boto3.client('s3'); "
        f"[s3.delete_object(Bucket={BUCKET!r}, Key=o['Key']) for page in "
        f"s3.get_paginator('list_objects_v2').paginate(Bucket={BUCKET!r}) "
        "for o in page.get('Contents', [])]"
    )
    subprocess.run([sys.executable, "-c", code], env=env, check=True)


# --- the playlist under load -------------------------------------------------------------


def _playlist_rate() -> dict[str, float]:
    from bench.load import requests_per_second

    wrk = _wrk()
    with tempfile.TemporaryDirectory(prefix="lovetv-bench-hls-") as tmp:
        env = _environment(Path(tmp), f"sqlite:///{Path(tmp) / 'bench.db'}")
        prepare_catalog(env, seasons=1, episodes=20)
        _as_videos(env)
        tokens = add_members(env, 1_000)
        feeds = [f"/feeds/{t}/season-01.xml" for t in tokens]
        playlists = [f"/media/{t}/0001-{n:04d}-bench.m3u8" for t in tokens for n in (1, 20)]
        server = _serve(env, Path(tmp))
        try:
            for paths in (feeds, playlists):  # warm up
                requests_per_second(wrk, PORT, paths[:50], 1, Path(tmp))
            pairs = [
                (
                    requests_per_second(wrk, PORT, feeds, SECONDS, Path(tmp)),
                    requests_per_second(wrk, PORT, playlists, SECONDS, Path(tmp)),
                )
                for _ in range(ROUNDS)
            ]
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=30)
    feed, playlist = (statistics.median(side) for side in zip(*pairs, strict=True))
    return {"feed": feed, "playlist": playlist}


def _as_videos(env: dict[str, str]) -> None:
    """Every bench episode with a video of three renditions, as a publish records it."""
    from publisher.models import Episode

    renditions = [
        {
            "height": h,
            "width": h * 16 // 9,
            "bandwidth": h * 6000,
            "average_bandwidth": h * 5000,
            "codecs": "avc1.640028,mp4a.40.2",
            "playlist": f"x.hls.{h}.m3u8",
            "segments": f"x.hls.{h}.m4s",
            "playlist_key": f"video/bench/x.hls.{h}.m3u8",
            "segments_key": f"video/bench/x.hls.{h}.m4s",
            "segments_size": 1,
        }
        for h in (1080, 720, 360)
    ]
    video = {"height": 1080, "width": 1920, "duration": 2400.0, "fps": 25.0, "codec": "h264",
             "codecs": "avc1.640028,mp4a.40.2", "bitrate": 6_000_000, "frames": 60_000,
             "renditions": renditions}  # fmt: skip
    services = _services(env)
    with services.db.session() as session:
        session.execute(
            update(Episode).values(video=video, video_key="video/bench/x.mp4", video_size=1)
        )
    services.db.dispose()


def _report(publish: dict[str, float], rate: dict[str, float]) -> int:
    time_ratio = publish["publish_s"] / publish["baseline_s"]
    rate_ratio = rate["playlist"] / rate["feed"]
    checks = {
        "time": time_ratio <= TIME_TARGET,
        "memory": publish["peak_mb"] < MEMORY_TARGET_MB,
        "rate": rate_ratio >= RATE_TARGET,
    }

    def verdict(ok: bool) -> str:
        return "met" if ok else "MISSED"

    print(
        f"  publish {publish['size_mb']:.0f} MB 1080p video: {publish['publish_s']:.1f}s vs "
        f"PyAV fast-start MP4 + HLS + boto3 upload {publish['baseline_s']:.1f}s, ratio "
        f"{time_ratio:.2f}x (target <= {TIME_TARGET}x: {verdict(checks['time'])})"
    )
    print(
        f"  publish peak RSS {publish['peak_mb']:.0f} MB with the FFmpeg child "
        f"(target < {MEMORY_TARGET_MB} MB: {verdict(checks['memory'])})"
    )
    print(
        f"  member HLS playlist {rate['playlist']:.0f} req/s vs member feed {rate['feed']:.0f} "
        f"req/s, ratio {rate_ratio:.2f}x (target >= {RATE_TARGET}x: {verdict(checks['rate'])})"
    )
    return 0 if all(checks.values()) else 1


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    sys.exit(main())
