"""A podcast's old host: an HTTP server on a loopback port serving a feed and its files.

Tests make it fail the ways real hosts do: a file that is gone (404), and a file that
hangs until the test lets it go (to stop an import half-way, or to trip its timeout).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class OldHost:
    url: str
    files: dict[str, tuple[bytes, str]] = field(default_factory=dict)  # path: (body, type)
    gone: set[str] = field(default_factory=set)
    hanging: set[str] = field(default_factory=set)
    requested: list[str] = field(default_factory=list)
    redirects: dict[str, str] = field(default_factory=dict)  # path: where it moved
    release: threading.Event = field(default_factory=threading.Event)
    hung: threading.Event = field(default_factory=threading.Event)

    def put(self, path: str, body: bytes, mime: str) -> str:
        """Serve `body` at `path`; return its URL."""
        self.files[path] = (body, mime)
        return f"{self.url}{path}"


@contextmanager
def old_host(address: str = "127.0.0.1") -> Iterator[OldHost]:
    """Serve on a loopback `address` until the block ends; hanging requests are released
    then."""
    host: OldHost

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            path = self.path
            host.requested.append(path)
            if path in host.redirects:
                self.send_response(302)
                self.send_header("Location", host.redirects[path])
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            if path in host.hanging:
                host.hung.set()
                host.release.wait(30)
            if path in host.gone or path not in host.files:
                self.send_error(404)
                return
            body, mime = host.files[path]
            self.send_response(200)
            self.send_header("Content-Type", mime)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            with suppress(BrokenPipeError, ConnectionResetError):  # the importer gave up
                self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer((address, 0), Handler)
    server.daemon_threads = True
    host = OldHost(url=f"http://{address}:{server.server_address[1]}")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield host
    finally:
        host.release.set()
        server.shutdown()
        server.server_close()
