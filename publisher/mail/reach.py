"""Whether the configured mail server can deliver to an address, asked before it is taken.

An address with letters beyond ASCII before the @ (`josé@…`) can only be written to through
the SMTPUTF8 extension (RFC 6531). A server without it would keep that member's every email
pending, so the member could never sign in: such an address is refused where it is typed,
with a sentence saying why, instead. The server's answer is asked once and kept for ten
minutes; a server that cannot be reached is not held against the address (mail waits in
the outbox and is retried, as for any outage).
"""

from __future__ import annotations

import contextlib
import smtplib
import time

from publisher.config import Config
from publisher.mail.compose import needs_smtputf8
from publisher.mail.transports import SmtpTransport, TransportUnavailable

KEEP_SECONDS = 600.0
_answers: dict[str, tuple[float, bool]] = {}


def deliverable(config: Config, address: str) -> bool:
    """False only when the address needs SMTPUTF8 and the SMTP server does not offer it."""
    if not needs_smtputf8(address) or not config.smtp_url:
        return True  # plain ASCII, or written to `.eml` files
    return _offers_smtputf8(config.smtp_url)


def _offers_smtputf8(url: str) -> bool:
    kept = _answers.get(url)
    if kept is not None and time.monotonic() - kept[0] < KEEP_SECONDS:
        return kept[1]
    transport = SmtpTransport(url, timeout=5)
    try:
        offered = transport.offers("smtputf8")
    except (TransportUnavailable, smtplib.SMTPException, OSError):
        return True  # unknown: let the outbox try and retry
    finally:
        with contextlib.suppress(Exception):
            transport.close()
    _answers[url] = (time.monotonic(), offered)
    return offered


REFUSED = (
    "The mail server of this service can't write to an address with accents or other "
    "non-Latin letters before the @ yet: please use another address."
)
