"""The member feed with metrics against the same server without them, side by side.

`/metrics` counts every feed answer and times every request and statement; that must not
slow the route podcast apps poll all day. Two `lovetv serve --workers 2` on one SQLite
catalog (5 seasons of 20 episodes, 200 members), one as shipped and one started with
`bench.app --no-metrics` (`create_app(timed=False)`: no timing middleware, no statement timing), are
loaded in turns with wrk (alternating which goes first); the ratio of the medians is the
figure. Target: >= 0.95.
"""

from __future__ import annotations

import signal
import statistics
import tempfile
from pathlib import Path

from bench.feeds import _database, _environment, _wrk
from bench.feeds_data import add_members, prepare_catalog
from bench.load import requests_per_second
from bench.servers import start_service

WITH_PORT, WITHOUT_PORT = 5081, 5082
SECONDS, ROUNDS = 3, 8
TARGET = 0.95


def main() -> int:
    wrk = _wrk()
    with (
        tempfile.TemporaryDirectory(prefix="lovetv-bench-") as tmp,
        _database("sqlite", Path(tmp)) as url,
    ):
        env = _environment(Path(tmp), url)
        prepare_catalog(env, seasons=5, episodes=20)
        tokens = add_members(env, 200)
        servers = []
        try:
            for port, switches in ((WITH_PORT, ()), (WITHOUT_PORT, ("--no-metrics",))):
                folder = Path(tmp) / str(port)
                folder.mkdir()
                servers.append(start_service(env, port, *switches, cwd=folder))
            paths = [f"/feeds/{t}/season-01.xml" for t in tokens]
            for port in (WITH_PORT, WITHOUT_PORT):  # every worker renders before the clock
                requests_per_second(wrk, port, paths[:4], 1, Path(tmp))
            runs = []
            for round_ in range(ROUNDS):  # ABBA: neither side always runs first
                order = (WITH_PORT, WITHOUT_PORT) if round_ % 2 else (WITHOUT_PORT, WITH_PORT)
                rates = {p: requests_per_second(wrk, p, paths, SECONDS, Path(tmp)) for p in order}
                runs.append((rates[WITH_PORT], rates[WITHOUT_PORT]))
        finally:
            for server in servers:
                server.send_signal(signal.SIGTERM)
                server.wait(timeout=30)
    with_metrics = statistics.median(r[0] for r in runs)
    without = statistics.median(r[1] for r in runs)
    ratio = with_metrics / without
    print(f"  member feed with metrics     {with_metrics:9.0f} req/s")
    print(f"  member feed without metrics  {without:9.0f} req/s")
    verdict = "met" if ratio >= TARGET else "MISSED"
    print(f"  with/without                 {ratio:9.2f}  (target >= {TARGET}: {verdict})")
    return 0 if ratio >= TARGET else 1
