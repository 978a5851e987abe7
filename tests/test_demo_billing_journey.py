"""The first hour as a member, on `make run`'s own commands: demo billing end to end.

`lovetv demo` then `lovetv serve` (no Stripe key, development: what `make run` does) in a
folder of the test's own; Chromium, at a phone's and a desktop's width, goes from the home
page through the demo Checkout to the welcome page's feed link; a podcast app's request
fetches that feed and an episode's audio; the welcome email is read from its `.eml`; the
member signs in by the emailed link, cancels in the demo Customer Portal and moves the demo
clock past the period's end, and the same feed turns into the lapsed notice; joining again
while signed in brings the same feed back.
"""

from __future__ import annotations

import email
import email.policy
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
from support.browser import (
    assert_accessible,
    assert_fits_the_screen,
    chromium_fixture,  # noqa: F401
    labelled_field,
    page_fixture,  # noqa: F401
    press,
)
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
    folder = tmp_path_factory.mktemp("make-run")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = development_env(url)
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
    return podcastparser.parse(url, __import__("io").BytesIO(answer.content))


def submit(page, button) -> None:  # type: ignore[no-untyped-def]
    """Press a form's button with the keyboard and wait for the page it leads to."""
    with page.expect_navigation():
        press(page, button)


def test_joining_listening_cancelling_on_make_runs_server(made_run: MadeRun, page) -> None:  # type: ignore[no-untyped-def]
    buyer = f"fan-{page.viewport_size['width']}@example.com"
    page.goto(made_run.url + "/")
    assert "charges nothing" in page.text_content("#plans")
    press(page, page.get_by_role("link", name="Join monthly"))
    page.wait_for_url(f"{made_run.url}/join/monthly")
    press(page, page.get_by_role("button", name="Continue to payment"))
    page.wait_for_url(re.compile(r"/c/pay/cs_"))

    # The demo Checkout: says it is a demo, asks for an address, charges nothing.
    assert "charges nothing" in page.text_content("main")
    assert_accessible(page)
    field = labelled_field(page, "Email")
    assert_fits_the_screen(page, field)
    field.fill(buyer)
    press(page, page.get_by_role("button", name="Pay (demo)"))
    page.wait_for_url(re.compile(r"/welcome\?session_id=cs_"))
    assert page.url.startswith(made_run.url)

    feed_url = page.get_by_label(re.compile("^Private feed link for")).first.input_value()
    assert feed_url.startswith(f"{made_run.url}/feeds/")

    # The podcast app: the feed, then one episode's audio.
    feed = app_fetch(feed_url)
    assert feed["episodes"], "the member's feed has no episodes"
    audio_url = feed["episodes"][0]["enclosures"][0]["url"]
    audio = requests.get(audio_url, headers={**APP_HEADERS, "Range": "bytes=0-9"}, timeout=30)
    assert audio.status_code == 206 and audio.content[:3] in (b"ID3", b"\xff\xfb"[:3])

    welcome = made_run.mail(buyer, "Welcome")
    assert feed_url in plain_text(welcome)

    # Signing in by the emailed link.
    page.goto(f"{made_run.url}/account/sign-in")
    labelled_field(page, "Your email address").fill(buyer)
    press(page, page.get_by_role("button", name=re.compile("sign-in link", re.I)))
    link = re.search(
        r"http://\S+/account/sign-in/\S+", plain_text(made_run.mail(buyer, "sign-in link"))
    )
    assert link is not None
    page.goto(link.group(0))
    press(page, page.get_by_role("button", name=re.compile("^Sign in")))
    page.wait_for_url(f"{made_run.url}/account")

    # The demo Customer Portal: cancel, then let the period end on the demo clock.
    press(page, page.get_by_role("button", name="Manage billing"))
    page.wait_for_url(re.compile(r"/p/session/"))
    assert_accessible(page)
    submit(page, page.get_by_role("button", name="Cancel membership"))
    assert "Cancelled: your membership ends on" in page.text_content("main")
    assert app_fetch(feed_url)["episodes"][0]["title"] == feed["episodes"][0]["title"]
    submit(page, page.get_by_role("button", name=re.compile(r"^Skip to .* \(demo clock\)$")))
    assert "Ended" in page.text_content("main")

    lapsed = app_fetch(feed_url)
    assert [e["title"] for e in lapsed["episodes"]] == [
        "Your membership has ended: renew to keep listening"
    ]
    assert made_run.mail(buyer, "membership has lapsed")
    press(page, page.get_by_role("link", name="Return to your account"))
    page.wait_for_url(f"{made_run.url}/account")

    # Coming back: signed in, joining again uses their own customer and the same feed resumes.
    page.goto(f"{made_run.url}/join/monthly")
    submit(page, page.get_by_role("button", name="Continue to payment"))
    assert f"Paying as {buyer}" in page.text_content("main")
    submit(page, page.get_by_role("button", name="Pay (demo)"))
    assert "Your membership is updated" in page.text_content("main")
    back = app_fetch(feed_url)
    assert [e["title"] for e in back["episodes"]] == [e["title"] for e in feed["episodes"]]
