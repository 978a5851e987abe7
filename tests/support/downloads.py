"""Media requests from chosen loopback addresses, for the download-stats tests.

The whole 127.0.0.0/8 range is loopback on Linux, so binding the client socket to
127.0.0.2, 127.0.1.5, … gives the server a distinct peer address per "listener".
"""

from __future__ import annotations

import http.client
import threading
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from werkzeug.serving import make_server

from support.network import free_port


def fetch(
    base_url: str,
    path: str,
    source: str,
    agent: str,
    method: str = "GET",
    byte_range: str | None = None,
    forwarded_for: str | None = None,
) -> int:
    """One request from `source` with user agent `agent` (behind a proxy that says it came
    from `forwarded_for`); the status, body read whole."""
    parts = urlsplit(base_url)
    conn = http.client.HTTPConnection(
        parts.hostname, parts.port, timeout=10, source_address=(source, 0)
    )
    headers = {"User-Agent": agent}
    if byte_range:
        headers["Range"] = byte_range
    if forwarded_for:
        headers["X-Forwarded-For"] = forwarded_for
    try:
        conn.request(method, path, headers=headers)
        response = conn.getresponse()
        response.read()
        return response.status
    finally:
        conn.close()


@pytest.fixture(name="served")
def served_fixture(app) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """The app over real HTTP on a loopback port (any 127.x source may connect)."""
    port = free_port()
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    yield f"http://127.0.0.1:{port}"
    server.shutdown()
    thread.join(timeout=10)
