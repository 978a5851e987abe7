"""Debian's nginx running the shipped site file (deploy/nginx/lovetv.conf) on loopback ports.

The site file is used as shipped, with only its example ports, certificate and log paths
replaced; each replacement must find its text, so a reshaped file fails the test rather
than testing something else. A self-signed certificate for 127.0.0.1 stands in for the
real one.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from support.network import free_port

SITE = Path(__file__).resolve().parents[2] / "deploy" / "nginx" / "lovetv.conf"


def _listening(port: int, timeout: float) -> bool:
    """Whether something accepts connections on the port within `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return True
        except OSError:
            time.sleep(0.1)
    return False


def nginx_binary() -> str:
    """Debian's nginx (`make install` installs it as root); a missing one fails the test."""
    found = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else "")
    assert found, "nginx is missing: `make install` (as root) installs Debian's nginx"
    return found


@dataclass
class Nginx:
    https_port: int
    http_port: int
    folder: Path
    certificate: Path
    process: subprocess.Popen

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.https_port}"

    @property
    def access_log(self) -> Path:
        return self.folder / "lovetv.access.log"


def self_signed(folder: Path) -> tuple[Path, Path]:
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )
    return cert, key


def site_config(folder: Path, upstreams: list[int], https: int, http: int) -> str:
    """The shipped site file with this test's ports and paths."""
    cert, key = self_signed(folder)
    text = SITE.read_text()
    replacements = [
        ("127.0.0.1:8000", f"127.0.0.1:{upstreams[0]}"),
        ("127.0.0.1:8001", f"127.0.0.1:{upstreams[1]}"),
        ("listen 443 ssl;", f"listen 127.0.0.1:{https} ssl;"),
        ("listen 80;", f"listen 127.0.0.1:{http};"),
        ("/etc/letsencrypt/live/podcasts.example.com/fullchain.pem", str(cert)),
        ("/etc/letsencrypt/live/podcasts.example.com/privkey.pem", str(key)),
        ("/var/log/nginx/lovetv.access.log", str(folder / "lovetv.access.log")),
        ("/var/log/nginx/lovetv.error.log", str(folder / "lovetv.error.log")),
        ("/var/cache/nginx/lovetv", str(folder / "cache")),
    ]
    for old, new in replacements:
        assert text.count(old) == 1, f"the shipped site file no longer has {old!r} once"
        text = text.replace(old, new)
    return text


def main_config(folder: Path) -> str:
    """What /etc/nginx/nginx.conf gives a site on Debian, in a folder of the test's own."""
    temp = {name: folder / name for name in ("body", "proxy", "fastcgi", "uwsgi", "scgi")}
    for path in temp.values():
        path.mkdir(exist_ok=True)
    return f"""
user root;
worker_processes 1;
pid {folder / "nginx.pid"};
error_log {folder / "main.error.log"} warn;
events {{ worker_connections 512; }}
http {{
    client_body_temp_path {temp["body"]};
    proxy_temp_path {temp["proxy"]};
    fastcgi_temp_path {temp["fastcgi"]};
    uwsgi_temp_path {temp["uwsgi"]};
    scgi_temp_path {temp["scgi"]};
    access_log off;
    include {folder / "lovetv.conf"};
}}
"""


@contextmanager
def running_nginx(
    folder: Path, upstreams: list[int], https_port: int | None = None
) -> Iterator[Nginx]:
    """nginx in front of the two upstream ports until the block ends."""
    binary = nginx_binary()
    folder.mkdir(parents=True, exist_ok=True)
    https, http = https_port or free_port(), free_port()
    while http == https:  # the https port is not bound yet, so the kernel may offer it again
        http = free_port()
    (folder / "lovetv.conf").write_text(site_config(folder, upstreams, https, http))
    (folder / "nginx.conf").write_text(main_config(folder))
    command = [binary, "-p", str(folder), "-c", str(folder / "nginx.conf")]
    checked = subprocess.run([*command, "-t"], capture_output=True, text=True, timeout=30)
    assert checked.returncode == 0, checked.stderr
    process = subprocess.Popen(
        [*command, "-g", "daemon off;"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    try:
        if not _listening(https, timeout=20):
            process.kill()
            raise AssertionError(f"nginx did not start: {process.communicate()[1]!r}")
        yield Nginx(https, http, folder, folder / "cert.pem", process)
    finally:
        process.send_signal(signal.SIGQUIT)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.kill(process.pid, signal.SIGKILL)
            process.wait()
