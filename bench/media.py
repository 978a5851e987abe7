"""The media route with download recording against the same route without it.

Two servers (`bench.app`, `lovetv serve`'s gunicorn settings) over one SQLite catalogue (20
episodes with small real files, 1,000 members): one records every request (the default), one
runs with `--no-recording` (`create_app(record_downloads=False)`). `wrk` loads each in turn
with a podcast app's user agent over every member x episode URL; the runs alternate and
pause so the recorder's batch writes land inside its own server's runs. Target: recording >=
0.9x of not recording.
"""

from __future__ import annotations

import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.feeds import _environment, _wrk
from bench.feeds_data import add_members, prepare_catalog
from bench.servers import start_service

PORTS = {"recording": 5078, "without": 5079}
SECONDS = 4
ROUNDS = 3
TARGET = 0.9
AGENT = "User-Agent: AntennaPod/3.2.0"


def main() -> int:
    wrk = _wrk()
    with tempfile.TemporaryDirectory(prefix="lovetv-bench-media-") as tmp:
        env = _environment(Path(tmp), f"sqlite:///{Path(tmp) / 'bench.db'}")
        prepare_catalog(env, seasons=1, episodes=20)
        _write_audio(Path(tmp) / "media")
        tokens = add_members(env, 1_000)
        paths = [f"/media/{t}/0001-{n:04d}-bench.mp3" for t in tokens for n in range(1, 21)]
        servers = {name: _serve(env, name, Path(tmp)) for name in PORTS}
        try:
            figures = _measure(wrk, Path(tmp), paths)
        finally:
            for server in servers.values():
                server.send_signal(signal.SIGTERM)
                server.wait(timeout=30)
    return _report(figures)


def _write_audio(media: Path) -> None:
    """Small files where the bench episodes' keys point (the route, not the disk, is measured)."""
    folder = media / "audio" / "bench"
    folder.mkdir(parents=True, exist_ok=True)
    for n in range(1, 21):
        (folder / f"1-{n}.mp3").write_bytes(b"\xff\xfb\x90\x00" * 4096)


def _serve(env: dict[str, str], name: str, tmp: Path) -> subprocess.Popen[bytes]:
    port = PORTS[name]
    settings = {**env, "LOVETV_BASE_URL": f"http://127.0.0.1:{port}"}
    folder = tmp / name
    folder.mkdir()
    switches = ("--no-recording",) if name == "without" else ()
    return start_service(settings, port, *switches, cwd=folder)


def _measure(wrk: str | None, tmp: Path, paths: list[str]) -> dict[str, float]:
    from bench.load import requests_per_second

    def run(name: str) -> float:
        figure = requests_per_second(wrk, PORTS[name], paths, SECONDS, tmp, AGENT)
        time.sleep(2.5)  # the recorder's last batches are written before the next run
        return figure

    for name in PORTS:  # warm both up
        requests_per_second(wrk, PORTS[name], paths[:50], 1, tmp, AGENT)
    pairs = [(run("without"), run("recording")) for _ in range(ROUNDS)]
    without, recording = zip(*pairs, strict=True)
    return {"without": statistics.median(without), "recording": statistics.median(recording)}


def _report(f: dict[str, float]) -> int:
    ratio = f["recording"] / f["without"]
    print(f"  media route, no recording   {f['without']:9.0f} req/s")
    print(f"  media route, recording      {f['recording']:9.0f} req/s")
    print(f"  recording/no recording      {ratio:.2f}  (target >= {TARGET:.2f})")
    return 0 if ratio >= TARGET else 1


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    sys.exit(main())
