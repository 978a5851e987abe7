"""A real SMTP server for the mail tests: aiosmtpd on a free loopback port.

`shared_smtp_server()` is one server per test process (xdist worker); tests keep apart by
giving each its own recipient domain (`Mailbox`). A test that needs an outage or AUTH
builds its own `SmtpTestServer`, which can stop and start again on the same port.
"""

from __future__ import annotations

import atexit
import threading
import time
import uuid
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from support.network import free_port


@dataclass(frozen=True)
class Received:
    """One message as the server received it: envelope and the parsed bytes."""

    mail_from: str
    rcpt_tos: tuple[str, ...]
    raw: bytes

    @property
    def message(self) -> EmailMessage:
        return message_from_bytes(self.raw, policy=policy.default)  # type: ignore[return-value]


class _Recorder:
    """aiosmtpd handler that keeps every message it accepts; `bounce@…` does not exist."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.messages: list[Received] = []

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        if address.startswith("bounce@"):
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        content = envelope.original_content or envelope.content
        with self.lock:
            self.messages.append(
                Received(envelope.mail_from, tuple(envelope.rcpt_tos), bytes(content))
            )
        return "250 Message accepted for delivery"


class _Credentials:
    """An aiosmtpd authenticator accepting one user name and password; remembers logins."""

    def __init__(self, username: str, password: str) -> None:
        self.expected = (username.encode(), password.encode())
        self.logins: list[str] = []

    def __call__(self, server: Any, session: Any, envelope: Any, mechanism: str, data: Any):  # type: ignore[no-untyped-def]
        if isinstance(data, LoginPassword) and (data.login, data.password) == self.expected:
            self.logins.append(data.login.decode())
            return AuthResult(success=True)
        return AuthResult(success=False, handled=False)


class SmtpTestServer:
    """An aiosmtpd server on 127.0.0.1 that can go down and come back on the same port."""

    def __init__(
        self, *, username: str | None = None, password: str | None = None, smtputf8: bool = False
    ) -> None:
        self.smtputf8 = smtputf8  # offer the SMTPUTF8 extension (RFC 6531)
        self.host = "127.0.0.1"
        self.port = free_port()
        self.recorder = _Recorder()
        self.credentials = _Credentials(username, password or "") if username else None
        self._controller: Controller | None = None

    @property
    def url(self) -> str:
        return f"smtp://{self.host}:{self.port}"

    def start(self) -> SmtpTestServer:
        options: dict[str, Any] = {}
        if self.credentials is not None:
            options = {"authenticator": self.credentials, "auth_require_tls": False}
        options["enable_SMTPUTF8"] = self.smtputf8
        self._controller = Controller(self.recorder, hostname=self.host, port=self.port, **options)
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def received(self, domain: str | None = None) -> list[Received]:
        """Messages received so far, only those to `domain` when given."""
        with self.recorder.lock:
            messages = list(self.recorder.messages)
        if domain is None:
            return messages
        return [m for m in messages if any(r.endswith("@" + domain) for r in m.rcpt_tos)]

    def wait_for(self, domain: str, count: int, timeout: float = 10.0) -> list[Received]:
        """Poll (0.05 s steps) until `count` messages to `domain` arrived; fail otherwise."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.received(domain)
            if len(found) >= count:
                return found
            time.sleep(0.05)
        raise AssertionError(f"{len(self.received(domain))} of {count} emails to {domain} arrived")


_shared: SmtpTestServer | None = None


def shared_smtp_server() -> SmtpTestServer:
    """This process's SMTP server, started on first use and stopped at exit."""
    global _shared
    if _shared is None:
        _shared = SmtpTestServer().start()
        atexit.register(_shared.stop)
    return _shared


def new_mail_domain() -> str:
    """A recipient domain no other test uses, to tell one test's messages apart."""
    return f"m{uuid.uuid4().hex[:10]}.test"
