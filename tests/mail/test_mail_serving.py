"""The sender inside the service: a thread per gunicorn worker, woken when mail is queued."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from support.mail_contexts import context_of
from support.mail_env import mail_config, mail_environment
from support.network import free_port
from support.smtp import new_mail_domain, shared_smtp_server

from publisher.mail.outbox import queue_email
from publisher.mail.sender import running_here, start_sender_thread
from publisher.mail.wake import nudge
from publisher.services import Services


def _mail_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "lovetv-mail" and t.is_alive()]


def test_email_queued_in_this_process_goes_out_at_once_not_at_the_next_poll(
    sqlite_url: str, tmp_path: Path
) -> None:
    smtp, domain = shared_smtp_server(), new_mail_domain()
    services = Services.from_config(mail_config(sqlite_url, tmp_path, smtp.url))
    stop = start_sender_thread(services, interval=60.0)
    try:
        time.sleep(0.3)  # the sender has looked once and now waits for up to a minute
        assert running_here()  # so a sign-in view leaves the answering to it
        with services.db.session() as session:
            queue_email(session, services.config, "sign_in", f"a@{domain}", context_of("sign_in"))
        smtp.wait_for(domain, 1, timeout=5)  # the next poll would be a minute away
    finally:
        stop.set()
        nudge()  # out of its minute's wait, so it ends now: a later test's sign-in view
        for thread in _mail_threads():  # must answer its own requests (running_here False)
            thread.join(timeout=10)
        services.db.dispose()
    assert not running_here()


def test_the_app_factory_starts_no_sender(sqlite_url: str, tmp_path: Path) -> None:
    from publisher.app import create_app

    before = set(_mail_threads())  # another test's sender may still be winding down
    create_app(config=mail_config(sqlite_url, tmp_path, None))
    assert set(_mail_threads()) <= before


def test_lovetv_serve_delivers_mail_queued_before_it_started(
    sqlite_url: str, tmp_path: Path
) -> None:
    smtp, domain = shared_smtp_server(), new_mail_domain()
    config = mail_config(sqlite_url, tmp_path, smtp.url)
    services = Services.from_config(config)
    with services.db.session() as session:
        queue_email(session, config, "welcome", f"new@{domain}", context_of("welcome"))
    services.db.dispose()
    lovetv = Path(sys.executable).parent / "lovetv"
    env = {**os.environ, **mail_environment(sqlite_url, tmp_path, smtp.url)}
    process = subprocess.Popen(
        [str(lovetv), "serve", "--port", str(free_port()), "--workers", "2"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        [received] = smtp.wait_for(domain, 1, timeout=30)
        assert received.rcpt_tos == (f"new@{domain}",)
        time.sleep(0.5)  # two workers, one claim: still exactly one
        assert len(smtp.received(domain)) == 1
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)


def test_with_no_logging_configured_the_mail_log_shows_with_its_time_and_a_mail_tag() -> None:
    """As under gunicorn or the CLI, where nothing configures Python's root logger."""
    code = (
        "from publisher.mail.sender import log, show_mail_log\n"
        "show_mail_log()\n"
        "log.info('sign-in email written to the outbox')\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert re.fullmatch(
        r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} \[mail\] sign-in email written to the outbox\n",
        result.stderr,
    ), result.stderr
