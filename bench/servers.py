"""Starting the bench's servers: the service (`bench.app`) with the bench's switches.

The processes run from a folder of the bench's own (the service's `instance/` lands
there, not in the repository) and find the `bench` package through `PYTHONPATH`.
"""

from __future__ import annotations

import subprocess
import sys
import time
import urllib.request
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parent.parent


def start_service(
    env: dict[str, str], port: int, *switches: str, cwd: Path, workers: int = 2
) -> subprocess.Popen[bytes]:
    """`python -m bench.app PORT SWITCHES...` on `env`'s database, once it answers."""
    path = [str(REPOSITORY), *filter(None, [env.get("PYTHONPATH")])]
    server = subprocess.Popen(
        [sys.executable, "-m", "bench.app", str(port), "--workers", str(workers), *switches],
        env={**env, "PYTHONPATH": ":".join(path)},
        cwd=cwd,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    wait_for(port, "/healthz", server)
    return server


def wait_for(port: int, path: str, proc: subprocess.Popen[bytes]) -> None:
    """Wait (30 s at most) until `path` answers on `port`; kill `proc` if it never does."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=2).close()
            return
        except OSError:
            if proc.poll() is not None:
                break
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError(f"the server on port {port} did not start")
