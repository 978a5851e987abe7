"""`lovetv serve` as a real process, with its worker's memory read from /proc."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from support.network import free_port, wait_for_http


@dataclass
class Served:
    url: str
    port: int
    process: subprocess.Popen
    log: Path

    def worker_pids(self) -> list[int]:
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(p) for p in children.read_text().split()]

    def worker_rss_kib(self) -> int:
        """The resident memory of the (single) worker, in KiB."""
        (pid,) = self.worker_pids()
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        raise AssertionError("no VmRSS line")


@contextmanager
def lovetv_serve(env: dict[str, str], workdir: Path, workers: int = 1) -> Iterator[Served]:
    """Run `lovetv serve` on a free port until the block ends (SIGTERM, then wait)."""
    port = free_port()
    log = workdir / "serve.log"
    lovetv = Path(sys.executable).parent / "lovetv"
    with log.open("w") as sink:
        process = subprocess.Popen(
            [str(lovetv), "serve", "--port", str(port), "--workers", str(workers)],
            cwd=workdir,
            env={**os.environ, **env},
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
        try:
            wait_for_http(f"http://127.0.0.1:{port}/healthz", timeout=30)
            yield Served(f"http://127.0.0.1:{port}", port, process, log)
        finally:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
