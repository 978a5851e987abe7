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
        source = _large_video(work, VIDEO_MB * MB)
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


def _large_video(work: Path, size: int) -> Path:
    """A 1080p H.264/AAC MP4 of about `size` bytes, `moov` last as a camera writes it."""
    import av

    base = work / "base.mp4"
    _noise_video(base)
    print(f"  (source: {base.stat().st_size / MB:.0f} MB of 1080p noise, repeated)", flush=True)
    loops = max(1, size // base.stat().st_size)
    target = work / "camera.mp4"
    with av.open(str(base)) as first:
        ends = [
            float((p.pts + (p.duration or 0)) * p.time_base)
            for p in first.demux()
            if p.pts is not None
        ]
        span = max(ends) + 0.04  # each copy starts a frame after the last one ends
        spans = {s.index: round(span / s.time_base) for s in first.streams}
    with av.open(str(target), "w", format="mp4") as out:
        copies: dict[int, object] = {}
        for loop in range(loops):
            with av.open(str(base)) as inp:
                if not copies:
                    copies = {s.index: out.add_stream_from_template(s) for s in inp.streams}
                for packet in inp.demux():
                    if packet.dts is None:
                        continue
                    shift = spans[packet.stream.index] * loop
                    packet.pts += shift
                    packet.dts += shift
                    packet.stream = copies[packet.stream.index]
                    out.mux(packet)
    return target


def _noise_video(path: Path, seconds: int = 10, fps: int = 25) -> None:
    """Ten seconds of 1080p with a band of noise (about 25 Mbps: a camera's bitrate, which
    x264 cannot shrink) and a tone, interleaved as cameras write them, encoded once."""
    import math
    from array import array

    import av

    rate, per_frame = 48000, 48000 // fps
    with av.open(str(path), "w", format="mp4") as out:
        video = out.add_stream("libx264", rate=fps)
        video.width, video.height, video.pix_fmt = 1920, 1080, "yuv420p"
        video.options = {"preset": "ultrafast", "crf": "23", "g": str(fps)}
        sound = out.add_stream("aac", rate=rate)
        sound.layout = "mono"
        band = 1920 * 96  # rows of noise at the top of the picture
        grey = bytes([96]) * (1920 * 1080 - band)
        chroma = bytes([128]) * (960 * 540)
        for i in range(seconds * fps):
            frame = av.VideoFrame(1920, 1080, "yuv420p")
            frame.planes[0].update(os.urandom(band) + grey)
            frame.planes[1].update(chroma)
            frame.planes[2].update(chroma)
            frame.pts = i
            for packet in video.encode(frame):
                out.mux(packet)
            tone = array("h", (int(6000 * math.sin(2 * math.pi * 440 * (i * per_frame + n) / rate))
                               for n in range(per_frame)))  # fmt: skip
            samples = av.AudioFrame(format="s16", layout="mono", samples=per_frame)
            samples.planes[0].update(tone.tobytes())
            samples.sample_rate, samples.pts = rate, i * per_frame
            for packet in sound.encode(samples):
                out.mux(packet)
        for stream in (video, sound):
            for packet in stream.encode(None):
                out.mux(packet)


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
        server = _serve(env)
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
