"""An outbox row as the RFC 5322 message that goes on the wire (or into an .eml file)."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import format_datetime

from publisher.models import OutboxMessage


def compose(row: OutboxMessage, mail_from: str) -> EmailMessage:
    """Plain text with an HTML alternative, carrying the Message-ID fixed at queue time."""
    message = EmailMessage()
    message["From"] = mail_from
    message["To"] = row.to_address
    message["Subject"] = row.subject
    message["Date"] = format_datetime(row.created_at)
    message["Message-ID"] = row.message_id
    # RFC 3834: tells vacation responders not to answer a machine.
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(row.body_text)
    message.add_alternative(row.body_html, subtype="html")
    return message
