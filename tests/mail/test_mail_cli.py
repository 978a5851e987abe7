"""`lovetv mail send --once` and `lovetv mail list`, through click's runner."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from support.mail_contexts import context_of
from support.mail_env import mail_config, mail_environment
from support.smtp import SmtpTestServer, new_mail_domain, shared_smtp_server

from publisher.cli import main
from publisher.db import Database
from publisher.mail.outbox import queue_email


@pytest.fixture
def domain() -> str:
    return new_mail_domain()


def _runner(database_url: str, tmp_path: Path, smtp_url: str | None, monkeypatch) -> CliRunner:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)
    return CliRunner(env=mail_environment(database_url, tmp_path, smtp_url))


def _queue(database_url: str, tmp_path: Path, smtp_url: str | None, *addresses: str) -> None:
    config = mail_config(database_url, tmp_path, smtp_url)
    db = Database(config.database_url)
    with db.session() as session:
        for to in addresses:
            queue_email(session, config, "sign_in", to, context_of("sign_in"))
    db.dispose()


def test_send_once_delivers_what_is_due_and_list_shows_it_without_bodies(
    database_url: str, tmp_path: Path, domain: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    smtp = shared_smtp_server()
    runner = _runner(database_url, tmp_path, smtp.url, monkeypatch)
    _queue(database_url, tmp_path, smtp.url, f"a@{domain}", f"b@{domain}")
    pending = json.loads(runner.invoke(main, ["mail", "list", "--pending", "--json"]).stdout)
    assert [m["status"] for m in pending["messages"]] == ["pending", "pending"]
    sent = runner.invoke(main, ["mail", "send", "--once"])
    assert sent.exit_code == 0, sent.output
    assert sent.stderr.strip() == "mail: 2 sent, 0 failed of 2 due"
    assert len(smtp.wait_for(domain, 2)) == 2
    listed = runner.invoke(main, ["mail", "list", "--json"])
    document = json.loads(listed.stdout)
    [first, second] = document["messages"]
    assert {first["to"], second["to"]} == {f"a@{domain}", f"b@{domain}"}
    assert first["status"] == "sent" and first["sent_at"] and first["kind"] == "sign_in"
    assert first["subject"] == "Your sign-in link for Love TV" and first["attempts"] == 0
    assert "s1gn1nt0ken" not in listed.stdout  # bodies never printed
    assert (
        json.loads(runner.invoke(main, ["mail", "list", "--pending", "--json"]).stdout)["messages"]
        == []
    )
    text = runner.invoke(main, ["mail", "list"])
    assert text.exit_code == 0 and f"a@{domain}" in text.stdout


def test_send_once_with_smtp_down_fails_in_one_line_and_keeps_mail(
    sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    down = SmtpTestServer()  # never started
    runner = _runner(sqlite_url, tmp_path, down.url, monkeypatch)
    _queue(sqlite_url, tmp_path, down.url, "a@x.test")
    result = runner.invoke(main, ["mail", "send", "--once"])
    assert result.exit_code == 1
    assert (
        result.stderr.startswith("error: mail: 0 sent, 1 failed") and result.stderr.count("\n") == 1
    )
    [message] = json.loads(runner.invoke(main, ["mail", "list", "--json"]).stdout)["messages"]
    assert message["status"] == "pending" and message["attempts"] == 1
    assert message["next_attempt_at"] and "cannot reach" in message["last_error"]
