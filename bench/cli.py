"""How fast the `lovetv` command starts, against the libraries it cannot do without.

Targets (issue "The production path as fast as the embedded one"), each the median of many
runs, run in turns:
- `lovetv --help` at most 1.2x `python -c "import click"`;
- `lovetv season list --json` at most 1.2x `python -c "import click, sqlalchemy"`.

Both sides are whole child processes (interpreter start included). The season list runs
against a migrated SQLite database in a temporary folder. The target is judged on wall time;
the CPU time (user + system) of each child is printed beside it, because on a machine shared
with other work the wall time of a 0.1 s process swings by more than the margin measured,
while the CPU time a process spends on its own imports hardly does.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROUNDS = 21
PAIRS = (
    ("lovetv --help", ("--help",), "import click", 1.2),
    ("lovetv season list --json", ("season", "list", "--json"), "import click, sqlalchemy", 1.2),
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
            ratio = ours[0] / bare[0]
            met = ratio <= target
            ok &= met
            print(
                f"{label}: {ours[0] * 1000:.0f} ms vs python -c {baseline!r} "
                f"{bare[0] * 1000:.0f} ms, ratio {ratio:.2f}x "
                f"(target <= {target}x: {'met' if met else 'MISSED'}); CPU time "
                f"{ours[1] * 1000:.0f} ms vs {bare[1] * 1000:.0f} ms, {ours[1] / bare[1]:.2f}x"
            )
    return 0 if ok else 1


def _run(command: list[str], env: dict[str, str], cwd: str) -> tuple[float, float]:
    """Wall and CPU seconds of one run of `command`, which must succeed."""
    start = time.perf_counter()
    child = subprocess.Popen(
        command, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    _pid, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - start
    child.returncode = os.waitstatus_to_exitcode(status)
    errors = child.stderr.read() if child.stderr else b""
    if child.stderr:
        child.stderr.close()
    if child.returncode != 0:
        raise subprocess.CalledProcessError(child.returncode, command, stderr=errors)
    return wall, usage.ru_utime + usage.ru_stime


def _paired(
    ours: list[str], bare: list[str], env: dict[str, str], cwd: str
) -> tuple[tuple[float, float], tuple[float, float]]:
    """Median (wall, CPU) seconds of each command, alternating so load changes hit both."""
    _run(ours, env, cwd)  # warm the file cache for both
    _run(bare, env, cwd)
    runs: tuple[list[tuple[float, float]], list[tuple[float, float]]] = ([], [])
    for _ in range(ROUNDS):
        runs[0].append(_run(ours, env, cwd))
        runs[1].append(_run(bare, env, cwd))
    return _medians(runs[0]), _medians(runs[1])


def _medians(runs: list[tuple[float, float]]) -> tuple[float, float]:
    return statistics.median(r[0] for r in runs), statistics.median(r[1] for r in runs)


if __name__ == "__main__":
    sys.exit(main())
