"""Member feeds under load: the cached route against a constant route, and memory per member.

Prepares a SQLite database with 20 seasons of 100 episodes and 1,000 members, serves it
with `lovetv serve --workers 2` (with `LOVETV_BENCH_ROUTES=1`), and loads it with `wrk`:
the member feed against `/bench/constant/…` (the same bytes from memory), the 304 of each,
and the naive figure (feedgen on every request). Then it adds members up to 100,000 and
measures again, with each worker's resident memory before and after.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

from bench.feeds_data import add_members, prepare_catalog

PORT = 5077
SECONDS = 4
ROUNDS = 3
TARGETS = {"member/constant": 0.6, "member 304/constant 304": 0.8}


def main() -> int:
    wrk = _wrk()
    with tempfile.TemporaryDirectory(prefix="lovetv-bench-") as tmp:
        env = _environment(Path(tmp))
        prepare_catalog(env, seasons=20, episodes=100)
        tokens = add_members(env, 1_000)
        server = _serve(env)
        try:
            figures = _measure(wrk, Path(tmp), tokens, server)
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=30)
    return _report(figures)


def _environment(tmp: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        LOVETV_DATABASE_URL=f"sqlite:///{tmp / 'bench.db'}",
        LOVETV_STORAGE_URL=f"file://{tmp / 'media'}",
        LOVETV_BASE_URL=f"http://127.0.0.1:{PORT}",
        LOVETV_SECRET_KEY="bench-secret-0123456789abcdefghijklmnop",
        LOVETV_ENV="production",
        LOVETV_BENCH_ROUTES="1",
    )
    return env


def _wrk() -> str | None:
    """wrk, installing it with apt-get when missing; None means the Python fallback."""
    if shutil.which("wrk") is None and shutil.which("apt-get"):
        subprocess.run(
            ["apt-get", "install", "-y", "-q", "wrk"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            check=False,
        )
    return shutil.which("wrk")


def _serve(env: dict[str, str]) -> subprocess.Popen[bytes]:
    lovetv = Path(sys.executable).with_name("lovetv")
    server = subprocess.Popen(
        [str(lovetv), "serve", "--port", str(PORT), "--workers", "2"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{PORT}/healthz", timeout=2).close()
            return server
        except OSError:
            time.sleep(0.2)
    server.kill()
    raise RuntimeError("lovetv serve did not start")


def _get(path: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str]]:
    request = urllib.request.Request(f"http://127.0.0.1:{PORT}{path}", headers=headers or {})
    with urllib.request.urlopen(request, timeout=30) as response:
        response.read()
        return response.status, dict(response.headers)


def _measure(
    wrk: str | None, tmp: Path, tokens: list[str], server: subprocess.Popen[bytes]
) -> dict[str, float]:
    from bench.load import requests_per_second

    env = _environment(tmp)
    token, feed = tokens[0], "season-01.xml"
    member, constant = f"/feeds/{token}/{feed}", f"/bench/constant/{token}/{feed}"
    for path in (member, constant, f"/bench/naive/{token}/{feed}"):
        for _ in range(4):  # every worker renders and caches before the clock starts
            _get(path)
    etag = _get(member)[1]["ETag"]
    constant_etag = _get(constant)[1]["ETag"]

    def run(paths: list[str], header: str | None = None, seconds: int = SECONDS) -> float:
        return requests_per_second(wrk, PORT, paths, seconds, tmp, header)

    def paired(first: Callable[[], float], second: Callable[[], float]) -> tuple[float, float]:
        """Alternate the two runs (the machine is shared): the median of each, side by side."""
        a, b = zip(*((first(), second()) for _ in range(ROUNDS)), strict=True)
        return statistics.median(a), statistics.median(b)

    members_1k = [f"/feeds/{t}/{feed}" for t in tokens]
    figures: dict[str, float] = {}
    figures["constant"], figures["member"] = paired(
        lambda: run([constant]), lambda: run(members_1k)
    )
    figures["constant 304"], figures["member 304"] = paired(
        lambda: run([constant], f"If-None-Match: {constant_etag}"),
        lambda: run([member], f"If-None-Match: {etag}"),
    )
    figures["naive"] = run([f"/bench/naive/{token}/{feed}"], seconds=3)
    figures["rss 1k"] = _worker_rss_mb(server.pid)
    more = add_members(env, 99_000)
    members_100k = [f"/feeds/{t}/{feed}" for t in [*tokens, *more]]
    figures["member 1k again"], figures["member 100k"] = paired(
        lambda: run(members_1k), lambda: run(members_100k)
    )
    figures["rss 100k"] = _worker_rss_mb(server.pid)
    return figures


def _worker_rss_mb(master: int) -> float:
    """The largest resident set among the gunicorn master's worker processes, in MB."""
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    sizes = []
    for pid in children:
        status = Path(f"/proc/{pid}/status").read_text()
        match = re.search(r"^VmRSS:\s+(\d+) kB", status, flags=re.M)
        if match:
            sizes.append(int(match.group(1)) / 1024)
    return max(sizes)


def _report(f: dict[str, float]) -> int:
    ratios = {
        "member/constant": f["member"] / f["constant"],
        "member 304/constant 304": f["member 304"] / f["constant 304"],
    }
    print(f"  constant route      {f['constant']:9.0f} req/s   304: {f['constant 304']:9.0f} req/s")
    print(f"  member feed (1k)    {f['member']:9.0f} req/s   304: {f['member 304']:9.0f} req/s")
    print(
        f"  member feed (100k)  {f['member 100k']:9.0f} req/s   (1k measured beside it: "
        f"{f['member 1k again']:.0f} req/s)"
    )
    print(f"  naive (feedgen per request) {f['naive']:7.0f} req/s")
    naive_ratio = f["naive"] / f["constant"]
    print(
        f"  member/constant          {ratios['member/constant']:.2f}  (target >= 0.60; "
        f"naive/constant {naive_ratio:.3f})"
    )
    print(f"  member 304/constant 304  {ratios['member 304/constant 304']:.2f}  (target >= 0.80)")
    scale = f["member 100k"] / f["member 1k again"]
    print(f"  100k/1k members          {scale:.2f}  (target >= 0.85)")
    growth = f["rss 100k"] - f["rss 1k"]
    print(
        f"  worker RSS               {f['rss 1k']:.1f} MB -> {f['rss 100k']:.1f} MB "
        f"(+{growth:.1f} MB; target < 10 MB)"
    )
    met = all(ratios[k] >= v for k, v in TARGETS.items()) and scale >= 0.85 and growth < 10
    return 0 if met else 1
