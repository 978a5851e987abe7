"""The access log of `lovetv serve` never carries a feed token, sign-in link or checkout id."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import requests
from support.network import free_port, wait_for_http

from publisher.members.members import add_member, current_token
from publisher.services import Services
from publisher.web.redaction import redact

SECRET = "access-log-secret-key-long-enough-0123456789"


def test_redact_hides_every_kind_of_bearer_secret_and_keeps_public_paths() -> None:
    token = "A" * 32
    line = (
        f'"GET /feeds/{token}/season-1.xml HTTP/1.1" "GET /media/{token}/ep.mp3" '
        f'"POST /account/sign-in/{"b" * 43} HTTP/1.1" "GET /welcome?session_id=cs_test_9&x=1" '
        f'"GET /account/billing?token={token}"'
    )
    cleaned = redact(line)
    assert token not in cleaned and "b" * 43 not in cleaned and "cs_test_9" not in cleaned
    assert "session_id=[redacted]&x=1" in cleaned
    public = "GET /feeds/teaser.xml /media/teaser/ep.mp3 /media/notice/lapsed.mp3"
    assert redact(public) == public


@pytest.mark.parametrize(
    "path",
    [
        "/%66eeds/{t}/season-1.xml",  # an escaped letter
        "/feeds/{t}%2Fseason-1.xml",  # an escaped slash
        "/media/{t}%2Fep.mp3",
        "/FEEDS/{t}/season-1.xml",  # another case
        "/feeds//{t}/season-1.xml",  # a doubled slash
        "/%2Ffeeds/{t}/season-1.xml",
        "/gift/redeem/{t}",  # gift codes and their emailed links
        "/Gift/Card/{t}",
        "/gift/claim/{t}",
        "/gift/redeem?code={t}",
    ],
)
def test_redact_reads_the_path_as_the_router_does(path: str) -> None:
    token = "GIFT7K2MAB12CD34" + "x" * 20
    cleaned = redact(f'"GET {path.format(t=token)} HTTP/1.1"')
    assert token not in cleaned and token.lower() not in cleaned.lower(), cleaned


def test_redact_keeps_a_request_from_forging_a_log_line() -> None:
    cleaned = redact("GET /x%0A127.0.0.1 - - forged%0D HTTP/1.1")
    assert "\n" not in cleaned and "\r" not in cleaned and r"\x0a127.0.0.1" in cleaned


def test_lovetv_serve_logs_requests_without_their_secrets(
    sqlite_url: str, local_storage_url: str, tmp_path: Path
) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "LOVETV_DATABASE_URL": sqlite_url,
        "LOVETV_STORAGE_URL": local_storage_url,
        "LOVETV_SECRET_KEY": SECRET,
        "LOVETV_ENV": "production",
        "LOVETV_BASE_URL": base,  # production names its public address
    }
    from publisher.config import load_config

    services = Services.from_config(load_config(environ=env, instance_path=tmp_path / "i"))
    with services.db.session() as session:
        token = current_token(session, add_member(session, SECRET, "ann@example.com"), SECRET)
    services.db.dispose()
    log = tmp_path / "access.log"
    lovetv = Path(sys.executable).parent / "lovetv"
    with log.open("w") as sink:
        process = subprocess.Popen(
            [str(lovetv), "serve", "--port", str(port), "--workers", "1"],
            cwd=tmp_path,
            env=env,
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
        try:
            wait_for_http(f"{base}/healthz")
            secrets = [token, "s" * 43, "cs_test_secret_session"]
            for path in (
                f"/feeds/{token}/season-1.xml",
                f"/media/{token}/nothing.mp3",
                f"/account/sign-in/{'s' * 43}",
                "/welcome?session_id=cs_test_secret_session",
                f"/account/billing?token={token}",
            ):
                requests.get(base + path, timeout=10, allow_redirects=False)
        finally:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=30)
    logged = log.read_text()
    assert "/feeds/[token]/season-1.xml" in logged  # the requests were logged...
    for secret in secrets:
        assert secret not in logged  # ...without their secrets
