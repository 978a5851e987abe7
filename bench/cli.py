"""How fast the `lovetv` command starts, against the libraries it cannot do without.

Targets (issue "Producer-side speed"), each the median of several runs, run in turns:
- `lovetv --help` at most 2x `python -c "import click"`;
- `lovetv season list --json` at most 1.5x `python -c "import click, sqlalchemy"`.

Both sides are whole child processes (interpreter start included). The season list runs
against a migrated SQLite database in a temporary folder.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROUNDS = 9
PAIRS = (
    ("lovetv --help", ("--help",), "import click", 2.0),
    ("lovetv season list --json", ("season", "list", "--json"), "import click, sqlalchemy", 1.5),
)


def main() -> int:
    """Time each pair in turns; 0 when every ratio meets its target."""
    lovetv = str(Path(sys.executable).with_name("lovetv"))
    with tempfile.TemporaryDirectory(prefix="lovetv-bench-") as folder:
        env = {
            **os.environ,
            "LOVETV_DATABASE_URL": f"sqlite:///{Path(folder) / 'bench.db'}",
            "LOVETV_STORAGE_URL": f"file://{Path(folder) / 'media'}",
            "LOVETV_SECRET_KEY": "bench-secret-0123456789abcdefghijklmnop",
        }
        _run([lovetv, "db", "upgrade"], env, folder)
        _run([lovetv, "season", "add", "season-1", "--title", "Season 1"], env, folder)
        ok = True
        for label, args, baseline, target in PAIRS:
            ours, bare = _paired([lovetv, *args], [sys.executable, "-c", baseline], env, folder)
            ratio = ours / bare
            met = ratio <= target
            ok &= met
            print(
                f"{label}: {ours * 1000:.0f} ms vs python -c {baseline!r} {bare * 1000:.0f} ms, "
                f"ratio {ratio:.2f}x (target <= {target}x: {'met' if met else 'MISSED'})"
            )
    return 0 if ok else 1


def _run(command: list[str], env: dict[str, str], cwd: str) -> float:
    start = time.perf_counter()
    subprocess.run(command, env=env, cwd=cwd, check=True, capture_output=True)
    return time.perf_counter() - start


def _paired(ours: list[str], bare: list[str], env: dict[str, str], cwd: str) -> tuple[float, float]:
    """Median seconds of each command, alternating so load changes hit both alike."""
    _run(ours, env, cwd)  # warm the file cache for both
    _run(bare, env, cwd)
    times: tuple[list[float], list[float]] = ([], [])
    for _ in range(ROUNDS):
        times[0].append(_run(ours, env, cwd))
        times[1].append(_run(bare, env, cwd))
    return statistics.median(times[0]), statistics.median(times[1])


if __name__ == "__main__":
    sys.exit(main())
