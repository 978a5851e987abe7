"""An outbox row as the RFC 5322 message that goes on the wire (or into an .eml file).

Built with the `compat32` MIME classes rather than `EmailMessage`: the modern policy
parses every header it is given and costs about three times as much per message, which
is most of our overhead when a season announcement goes to ten thousand members.
"""

from __future__ import annotations

from email.header import Header
from email.message import Message
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import format_datetime

from publisher.models import OutboxMessage


def compose(row: OutboxMessage, mail_from: str) -> Message:
    """Plain text with an HTML alternative, carrying the Message-ID fixed at queue time."""
    message = MIMEMultipart("alternative")
    message["From"] = _header(mail_from)
    message["To"] = row.to_address
    message["Subject"] = _header(row.subject)
    message["Date"] = format_datetime(row.created_at)
    message["Message-ID"] = row.message_id
    # RFC 3834: tells vacation responders not to answer a machine.
    message["Auto-Submitted"] = "auto-generated"
    message.attach(MIMEText(row.body_text, "plain", "utf-8"))
    message.attach(MIMEText(row.body_html, "html", "utf-8"))
    return message


def _header(value: str) -> str | Header:
    """ASCII as it is; anything else RFC 2047-encoded (a show title with accents, say)."""
    return value if value.isascii() else Header(value, "utf-8")


def text_of(message: Message) -> str:
    """The plain-text body of a composed message (for logging links in development)."""
    for part in message.walk():
        if part.get_content_type() == "text/plain":
            payload = part.get_payload(decode=True)
            if isinstance(payload, bytes):
                return payload.decode(part.get_content_charset() or "utf-8", "replace")
    return ""
