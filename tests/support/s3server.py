"""moto's standalone S3 server in a child process, reached by boto3 over real HTTP."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager

from support.network import free_port, wait_for_http


@contextmanager
def running_s3_server() -> Iterator[str]:
    """Start `moto.server` on a free loopback port; yield its endpoint URL."""
    for _attempt in range(3):
        port = free_port()
        proc = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        endpoint = f"http://127.0.0.1:{port}"
        try:
            wait_for_http(endpoint + "/moto-api/", timeout=30)
        except RuntimeError:
            proc.kill()
            proc.wait()
            continue
        try:
            yield endpoint
        finally:
            proc.terminate()
            proc.wait(timeout=10)
        return
    raise RuntimeError("moto S3 server did not start on three free ports")
