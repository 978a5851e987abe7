"""`make run`'s own two commands in a folder of a test's own: `lovetv demo`, `lovetv serve`.

In development with no Stripe key, so the service runs on demo billing, as a newcomer's
does; `MadeRun.mail` reads the `.eml` files the service writes instead of sending mail.
"""

from __future__ import annotations

import email
import email.policy
import io
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import podcastparser
import pytest
import requests

from support.browser import press
from support.network import free_port, wait_for_http

LOVETV = Path(sys.executable).parent / "lovetv"
APP_HEADERS = {"User-Agent": "AntennaPod/3.4.0", "Accept": "*/*"}
# Variables of the machine running the tests that would change what `make run` does.
_OURS = re.compile(r"^(LOVETV_|STRIPE_)")


@dataclass
class MadeRun:
    """`make run`'s two commands, running in `folder` on `url`."""

    url: str
    folder: Path
    process: subprocess.Popen[bytes]

    def mail(self, to: str, subject_has: str, timeout: float = 20.0) -> email.message.Message:
        """The newest `.eml` written to `to` whose subject says `subject_has`."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for path in sorted((self.folder / "instance" / "mail").glob("*.eml"), reverse=True):
                message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
                if message["To"] == to and subject_has in message["Subject"]:
                    return message
            time.sleep(0.2)
        raise AssertionError(f"no email to {to} about {subject_has!r} within {timeout} s")


def plain_text(message: email.message.Message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]


def development_env(url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not _OURS.match(k)}
    return {**env, "LOVETV_BASE_URL": url}


@pytest.fixture(scope="module", name="made_run")
def made_run_fixture(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MadeRun]:
    yield from made_run(tmp_path_factory)


def made_run(tmp_path_factory: pytest.TempPathFactory, **extra: str) -> Iterator[MadeRun]:
    """The server of `make run` (with `extra` variables), stopped when the module is done."""
    folder = tmp_path_factory.mktemp("make-run")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = development_env(url) | extra
    demo = subprocess.run([str(LOVETV), "demo"], cwd=folder, env=env, capture_output=True)
    assert demo.returncode == 0, demo.stderr
    log = (folder / "serve.log").open("w")
    process = subprocess.Popen(
        [str(LOVETV), "serve", "--port", str(port), "--workers", "1"],
        cwd=folder,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        wait_for_http(f"{url}/healthz", timeout=30)
        yield MadeRun(url, folder, process)
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def app_fetch(url: str) -> podcastparser.Podcast:  # type: ignore[name-defined]
    answer = requests.get(url, headers=APP_HEADERS, timeout=30)
    assert answer.status_code == 200, answer.text
    assert answer.headers["Content-Type"].startswith("application/rss+xml")
    return podcastparser.parse(url, io.BytesIO(answer.content))


def submit(page, button) -> None:  # type: ignore[no-untyped-def]
    """Press a form's button with the keyboard and wait for the page it leads to."""
    with page.expect_navigation():
        press(page, button)


def link_in_mail(message: email.message.Message, path: str) -> str:
    """The first absolute link to `path` in an email's text."""
    found = re.search(rf"http://\S+{re.escape(path)}\S*", plain_text(message))
    assert found, f"no {path} link in {plain_text(message)!r}"
    return found.group(0)
