"""Where composed emails go: SMTP (`LOVETV_SMTP_URL`), or `.eml` files when it is unset.

A transport keeps one connection open across messages (each sender thread has its own
transport, so this is a pool of one per thread) and says how a failure should be taken:
`TransportUnavailable` means nothing can be sent right now (stop the batch), any other
exception concerns only the message at hand.
"""

from __future__ import annotations

import contextlib
import logging
import re
import smtplib
import ssl
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.header import decode_header, make_header
from email.message import Message
from pathlib import Path
from typing import Protocol
from urllib.parse import unquote, urlsplit

from publisher.config import Config
from publisher.mail.compose import readable_bytes, text_of

log = logging.getLogger("publisher.mail")

TIMEOUT_SECONDS = 10.0
_URL = re.compile(r"https?://[^\s<>\"']+")


class TransportUnavailable(RuntimeError):
    """The mail server cannot be reached or refused us as a whole: retry everything later."""


class Transport(Protocol):
    def send(self, message: Message) -> None: ...

    def close(self) -> None: ...


@dataclass(frozen=True)
class SmtpTarget:
    """A parsed `LOVETV_SMTP_URL`; the password never appears in its repr."""

    host: str
    port: int
    implicit_tls: bool
    username: str | None = None
    password: str | None = field(default=None, repr=False)


def parse_smtp_url(url: str) -> SmtpTarget:
    """`smtp://user:pass@host:port` (default 587) or `smtps://…` (default 465)."""
    parts = urlsplit(url)
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        raise ValueError("LOVETV_SMTP_URL must look like smtp://user:pass@host:587 or smtps://…")
    implicit = parts.scheme == "smtps"
    return SmtpTarget(
        host=parts.hostname,
        port=parts.port or (465 if implicit else 587),
        implicit_tls=implicit,
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password is not None else None,
    )


class SmtpTransport:
    """Delivers over one reused SMTP connection, reconnecting once if the server hung up."""

    def __init__(
        self,
        url: str,
        *,
        timeout: float = TIMEOUT_SECONDS,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        self.target = parse_smtp_url(url)
        self.timeout = timeout
        self.ssl_context = ssl_context or ssl.create_default_context()
        self._connection: smtplib.SMTP | None = None

    def send(self, message: Message) -> None:
        # smtplib's exceptions are all OSErrors: the order of these clauses matters.
        for attempt in (1, 2):
            try:
                self._connected().send_message(message)
                return
            except smtplib.SMTPServerDisconnected as exc:
                # Servers close idle connections: one fresh connection, then give up.
                self._drop()
                if attempt == 2:
                    raise TransportUnavailable(f"server disconnected: {exc}") from None
            except smtplib.SMTPResponseException as exc:
                if exc.smtp_code == 421:  # "service not available, closing channel"
                    self._drop()
                    raise TransportUnavailable(_smtp_error(exc)) from None
                self._reset()
                raise
            except smtplib.SMTPException:
                self._reset()  # e.g. every recipient refused: this message only
                raise
            except OSError as exc:
                self._drop()
                raise TransportUnavailable(f"{type(exc).__name__}: {exc}") from None

    def close(self) -> None:
        if self._connection is not None:
            with contextlib.suppress(smtplib.SMTPException, OSError):
                self._connection.quit()
            self._drop()

    def offers(self, extension: str) -> bool:
        """Whether the server announces an ESMTP extension (after STARTTLS and login)."""
        return self._connected().has_extn(extension)

    def _connected(self) -> smtplib.SMTP:
        if self._connection is None:
            self._connection = self._connect()
        return self._connection

    def _connect(self) -> smtplib.SMTP:
        """Open, secure and authenticate one connection; every failure is `TransportUnavailable`."""
        target = self.target
        try:
            if target.implicit_tls:
                conn: smtplib.SMTP = smtplib.SMTP_SSL(
                    target.host, target.port, timeout=self.timeout, context=self.ssl_context
                )
            else:
                conn = smtplib.SMTP(target.host, target.port, timeout=self.timeout)
            try:
                conn.ehlo()
                if not target.implicit_tls and conn.has_extn("starttls"):
                    conn.starttls(context=self.ssl_context)
                    conn.ehlo()
                if target.username is not None:
                    conn.login(target.username, target.password or "")
            except BaseException:
                conn.close()
                raise
        except smtplib.SMTPResponseException as exc:
            raise TransportUnavailable(_smtp_error(exc)) from None
        except (smtplib.SMTPException, OSError) as exc:
            where = f"{target.host}:{target.port}"
            problem = f"{type(exc).__name__}: {exc}"
            raise TransportUnavailable(f"cannot reach {where}: {problem}") from None
        return conn

    def _reset(self) -> None:
        try:
            if self._connection is not None:
                self._connection.rset()
        except (smtplib.SMTPException, OSError):
            self._drop()

    def _drop(self) -> None:
        if self._connection is not None:
            with contextlib.suppress(OSError):
                self._connection.close()
        self._connection = None


def _smtp_error(exc: smtplib.SMTPResponseException) -> str:
    reply = exc.smtp_error.decode("utf-8", "replace") if isinstance(exc.smtp_error, bytes) else ""
    return f"SMTP {exc.smtp_code}: {reply or exc.smtp_error!s}"


class FileTransport:
    """Writes each email as `<folder>/<time>-<id>.eml`, so everything works offline."""

    def __init__(self, folder: Path, *, log_links: bool = False) -> None:
        self.folder = folder
        self.log_links = log_links

    def send(self, message: Message) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
        ident = re.sub(r"[^A-Za-z0-9.]+", "", str(message["Message-ID"]).split("@", 1)[0])
        path = self.folder / f"{stamp}-{ident[:60]}.eml"
        path.write_bytes(readable_bytes(message))
        subject = str(make_header(decode_header(str(message["Subject"]))))
        log.info("mail to file: %s (%s)", subject, path)
        if self.log_links:
            # Development only: sign-in links and feed URLs are secrets in production logs.
            for link in dict.fromkeys(_URL.findall(text_of(message))):
                log.info("  link: %s", link)

    def close(self) -> None:
        """Nothing to close."""


def open_transport(config: Config) -> Transport:
    """The transport `config` asks for: SMTP when `LOVETV_SMTP_URL` is set, files otherwise."""
    if config.smtp_url:
        return SmtpTransport(config.smtp_url)
    return FileTransport(config.instance_path / "mail", log_links=config.dev)
