"""Member feeds under load, against a bare Flask app serving the same bytes (the ceiling).

For each database (SQLite, then PostgreSQL in a bench database created on the machine's
server at 127.0.0.1:5432 as user postgres, dropped afterwards) it prepares a catalogue of
20 seasons of 100 episodes and 1,000 members who joined today, and serves it with the
service under `lovetv serve`'s gunicorn settings (`bench.app`, with the bench's routes),
beside `bench.bare_app` (a bare Flask app with the member feed's bytes, ETag and a 304
branch, under the same gunicorn settings). `wrk` loads one server at a time, in
alternating pairs: the member feed against the bare app, their 304s, the in-app constant
route, then the member feed and its 304 without a welcome against with one that every
member sees (issue 29's personal items), the producer setting and removing it between
runs. Then the number of members grows: to 100,000 on SQLite, to 1,000,000 on PostgreSQL
(added with `COPY`), with the member feed measured against 1,000 members and each
worker's resident memory."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import urllib.request
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from functools import partial
from pathlib import Path

from bench.feeds_data import (
    add_members,
    copy_members,
    joined_today,
    prepare_catalog,
    set_welcome,
)
from bench.feeds_load import Loads
from bench.feeds_report import report
from bench.servers import start_service, wait_for

PORT = 5077
BARE_PORT = 5078
PG_ADMIN = "host=127.0.0.1 port=5432 user=postgres dbname=postgres"
KINDS = ("sqlite", "postgresql")


def main() -> int:
    wrk = _wrk()
    figures = {kind: _bench_database(wrk, kind) for kind in KINDS}
    return report(figures)


def _bench_database(wrk: str | None, kind: str) -> dict[str, float]:
    """Prepare, serve (the catalogue and the bare app side by side) and measure one database."""
    with tempfile.TemporaryDirectory(prefix="lovetv-bench-") as tmp, ExitStack() as stack:
        folder = Path(tmp)
        env = _environment(folder, stack.enter_context(_database(kind, folder)))
        prepare_catalog(env, seasons=20, episodes=100)
        tokens = add_members(env, 1_000)
        joined_today(env)
        servers: list[subprocess.Popen[bytes]] = []
        try:
            servers.append(_serve(env, folder))
            body, etag = _member_feed(tokens[0])
            (folder / "feed.xml").write_bytes(body)
            servers.append(_serve_bare(folder / "feed.xml", etag))
            masters = {PORT: servers[0].pid, BARE_PORT: servers[1].pid}
            loads = Loads(wrk, folder, PORT, BARE_PORT, masters)
            figures = loads.compare(tokens, partial(set_welcome, env))
            figures.update(_scale(kind, loads, env, tokens, servers[0]))
            return figures
        finally:
            for proc in servers:
                proc.send_signal(signal.SIGTERM)
                proc.wait(timeout=30)


def _scale(
    kind: str, loads: Loads, env: dict[str, str], tokens: list[str], server: subprocess.Popen
) -> dict[str, float]:
    """More members in the same database: 100,000 on SQLite, 1,000,000 on PostgreSQL."""
    figures = {"naive": loads.naive(tokens[0])} if kind == "sqlite" else {}
    figures["rss 1k"] = _worker_rss_mb(server.pid)
    if kind == "sqlite":
        polled = [*tokens, *add_members(env, 99_000)]  # every member polls
    else:  # 1,000 members spread over the million poll, as 1,000 did before
        polled = copy_members(env, 999_000, known=1_000)
    Loads.record(figures, "member 1k again", "member more", loads.members_against(tokens, polled))
    figures["rss more"] = _worker_rss_mb(server.pid)
    return figures


@contextmanager
def _database(kind: str, tmp: Path, name: str = "bench") -> Iterator[str]:
    """A SQLite file, or a PostgreSQL database created for the bench and dropped after."""
    if kind == "sqlite":
        yield f"sqlite:///{tmp / name}.db"
        return
    import psycopg

    name = f"lovetv_bench_{os.getpid()}_{name}"
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
