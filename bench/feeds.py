"""Member feeds under load, against a bare Flask app serving the same bytes (the ceiling).

For each database (SQLite, then PostgreSQL in a bench database created on the machine's
server at 127.0.0.1:5432 as user postgres, dropped afterwards) it prepares 20 seasons of 100
episodes and 1,000 members, serves them with the service under `lovetv serve`'s gunicorn
settings (`bench.app --routes`) and, beside it, `bench.bare_app` (a bare Flask app with the
member feed's bytes, ETag and a 304 branch, under the same gunicorn settings). `wrk` loads
one server at a time, in turns: the member feed against the bare app, their 304s, and the
in-app constant route as a second figure. On SQLite it then also measures the naive figure
(feedgen on every request) and 100,000 members with each worker's resident memory.
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
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from bench.feeds_data import add_members, prepare_catalog
from bench.servers import start_service, wait_for

PORT = 5077
BARE_PORT = 5078
SECONDS = 4
ROUNDS = 3
PG_ADMIN = "host=127.0.0.1 port=5432 user=postgres dbname=postgres"
TARGETS = {"member/bare": 0.7, "member 304/bare 304": 0.7}


def main() -> int:
    wrk = _wrk()
    sqlite = _bench_database(wrk, "sqlite", full=True)
    postgres = _bench_database(wrk, "postgresql", full=False)
    return _report(sqlite, postgres)


def _bench_database(wrk: str | None, kind: str, *, full: bool) -> dict[str, float]:
    """Prepare, serve (service and bare app side by side) and measure one database."""
    with (
        tempfile.TemporaryDirectory(prefix="lovetv-bench-") as tmp,
        _database(kind, Path(tmp)) as url,
    ):
        env = _environment(Path(tmp), url)
        prepare_catalog(env, seasons=20, episodes=100)
        tokens = add_members(env, 1_000)
        server = _serve(env, Path(tmp))
        bare = None
        try:
            body, etag = _member_feed(tokens[0])
            (Path(tmp) / "feed.xml").write_bytes(body)
            bare = _serve_bare(Path(tmp) / "feed.xml", etag)
            return _measure(wrk, Path(tmp), env, tokens, server, full=full)
        finally:
            for proc in (server, bare):
                if proc is not None:
                    proc.send_signal(signal.SIGTERM)
                    proc.wait(timeout=30)


@contextmanager
def _database(kind: str, tmp: Path) -> Iterator[str]:
    """A SQLite file, or a PostgreSQL database created for the bench and dropped after."""
    if kind == "sqlite":
        yield f"sqlite:///{tmp / 'bench.db'}"
        return
    import psycopg

    name = f"lovetv_bench_{os.getpid()}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {name}")
        admin.execute(f"CREATE DATABASE {name}")
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    finally:
        with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def _environment(tmp: Path, database_url: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        LOVETV_DATABASE_URL=database_url,
        LOVETV_STORAGE_URL=f"file://{tmp / 'media'}",
        LOVETV_BASE_URL=f"http://127.0.0.1:{PORT}",
        LOVETV_SECRET_KEY="bench-secret-0123456789abcdefghijklmnop",
        LOVETV_ENV="production",
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


def _serve(env: dict[str, str], folder: Path) -> subprocess.Popen[bytes]:
    """The service with the bench's routes on PORT."""
    return start_service(env, PORT, "--routes", cwd=folder)


def _serve_bare(body_file: Path, etag: str) -> subprocess.Popen[bytes]:
    """`bench.bare_app` on BARE_PORT with the member feed's bytes and ETag."""
    bare = subprocess.Popen(
        [sys.executable, "-m", "bench.bare_app", str(BARE_PORT), str(body_file), etag],
        cwd=Path(__file__).resolve().parent.parent,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    wait_for(BARE_PORT, "/feeds/t/s.xml", bare)
    return bare


def _get(
    path: str, headers: dict[str, str] | None = None, port: int = PORT
) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers=headers or {})
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.status, dict(response.headers), response.read()


def _member_feed(token: str) -> tuple[bytes, str]:
    status, headers, body = _get(f"/feeds/{token}/season-01.xml")
    assert status == 200, status
    return body, headers["ETag"]


def _measure(
    wrk: str | None,
    tmp: Path,
    env: dict[str, str],
    tokens: list[str],
    server: subprocess.Popen[bytes],
    *,
    full: bool,
) -> dict[str, float]:
    from bench.load import requests_per_second

    token, feed = tokens[0], "season-01.xml"
    member, constant = f"/feeds/{token}/{feed}", f"/bench/constant/{token}/{feed}"
    for path in (member, constant, f"/bench/naive/{token}/{feed}"):
        for _ in range(4):  # every worker renders and caches before the clock starts
            _get(path)
    etag = _get(member)[1]["ETag"]
    constant_etag = _get(constant)[1]["ETag"]
    assert _get(member, port=BARE_PORT)[2] == _get(member)[2]  # the same bytes

    def run(
        paths: list[str], header: str | None = None, port: int = PORT, seconds: int = SECONDS
    ) -> float:
        return requests_per_second(wrk, port, paths, seconds, tmp, header)

    def paired(first: Callable[[], float], second: Callable[[], float]) -> tuple[float, float]:
        """Alternate the two runs (the machine is shared): the median of each, side by side."""
        a, b = zip(*((first(), second()) for _ in range(ROUNDS)), strict=True)
        return statistics.median(a), statistics.median(b)

    members_1k = [f"/feeds/{t}/{feed}" for t in tokens]
    if_match = f"If-None-Match: {etag}"
    figures: dict[str, float] = {}
    figures["bare"], figures["member"] = paired(
        lambda: run(members_1k, port=BARE_PORT), lambda: run(members_1k)
    )
    figures["bare 304"], figures["member 304"] = paired(
        lambda: run([member], if_match, port=BARE_PORT), lambda: run([member], if_match)
    )
    figures["constant"], figures["constant 304"] = paired(
        lambda: run([constant]), lambda: run([constant], f"If-None-Match: {constant_etag}")
    )
    if not full:
        return figures
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


def _report(sq: dict[str, float], pg: dict[str, float]) -> int:
    ratios = {
        "member/bare": sq["member"] / sq["bare"],
        "member 304/bare 304": sq["member 304"] / sq["bare 304"],
    }
    print(f"  {'req/s':28} {'SQLite':>9} {'PostgreSQL':>11}")
    for name in ("bare", "member", "constant", "bare 304", "member 304", "constant 304"):
        label = {"bare": "bare Flask, same bytes", "constant": "in-app constant route"}.get(
            name.split()[0], "member feed (1k members)"
        )
        label += " 304" if name.endswith("304") else ""
        print(f"  {label:28} {sq[name]:9.0f} {pg[name]:11.0f}")
    for key, target in TARGETS.items():
        top, bottom = key.split("/")
        print(
            f"  {key:28} {ratios[key]:9.2f} {pg[top] / pg[bottom]:11.2f}  (target on SQLite >= "
            f"{target}: {'met' if ratios[key] >= target else 'MISSED'})"
        )
    print(
        f"  member/constant (in app)     {sq['member'] / sq['constant']:9.2f} "
        f"{pg['member'] / pg['constant']:11.2f}"
    )
    print(
        f"  member 304/constant 304      {sq['member 304'] / sq['constant 304']:9.2f} "
        f"{pg['member 304'] / pg['constant 304']:11.2f}"
    )
    print(
        f"  member feed (100k, SQLite)   {sq['member 100k']:9.0f} req/s (1k beside it: "
        f"{sq['member 1k again']:.0f}); naive (feedgen per request) {sq['naive']:.0f} req/s"
    )
    scale = sq["member 100k"] / sq["member 1k again"]
    print(f"  100k/1k members          {scale:.2f}  (target >= 0.85)")
    growth = sq["rss 100k"] - sq["rss 1k"]
    print(
        f"  worker RSS               {sq['rss 1k']:.1f} MB -> {sq['rss 100k']:.1f} MB "
        f"(+{growth:.1f} MB; target < 10 MB)"
    )
    met = all(ratios[k] >= v for k, v in TARGETS.items()) and scale >= 0.85 and growth < 10
    return 0 if met else 1
