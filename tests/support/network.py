"""Loopback ports and waiting for servers the tests start."""

from __future__ import annotations

import socket
import time
import urllib.error
import urllib.request


def free_port() -> int:
    """A port on 127.0.0.1 nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_http(url: str, timeout: float = 20.0) -> None:
    """Poll until the URL answers anything over HTTP, or fail with what was last seen."""
    deadline = time.monotonic() + timeout
    last: Exception | None = None
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2).close()
            return
        except urllib.error.HTTPError:
            return  # it answered; the status does not matter here
        except OSError as exc:
            last = exc
            time.sleep(0.1)
    raise RuntimeError(f"server at {url} did not start: {last}")
