"""An outbox row as the RFC 5322 message that goes on the wire (or into an .eml file).

Built with the `compat32` MIME classes rather than `EmailMessage`: the modern policy
parses every header it is given and costs about three times as much per message, which
is most of our overhead when a season announcement goes to ten thousand members. An
internationalised address (`josé@exämple.com`) is the exception: its message is built with
the `SMTPUTF8` policy, whose headers carry UTF-8 as it is, and goes out with the SMTPUTF8
extension (RFC 6531) where the server offers it.
"""

from __future__ import annotations

from email.header import Header
from email.message import EmailMessage, Message
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.policy import SMTPUTF8
from email.utils import format_datetime, parseaddr

from publisher.models import OutboxMessage


def compose(row: OutboxMessage, mail_from: str) -> Message:
    """Plain text with an HTML alternative, carrying the Message-ID fixed at queue time."""
    to_address = ascii_address(row.to_address)
    if not (to_address.isascii() and parseaddr(mail_from)[1].isascii()):
        return _compose_international(row, mail_from)
    message = MIMEMultipart("alternative")
    message["From"] = _header(mail_from)  # type: ignore[assignment]  # typeshed: str only
    message["To"] = to_address
    message["Subject"] = _header(row.subject)  # type: ignore[assignment]  # email takes a Header
    message["Date"] = format_datetime(row.created_at)
    message["Message-ID"] = row.message_id
    # RFC 3834: tells vacation responders not to answer a machine.
    message["Auto-Submitted"] = "auto-generated"
    message.attach(MIMEText(row.body_text, "plain", "utf-8"))
    message.attach(MIMEText(row.body_html, "html", "utf-8"))
    return message


def ascii_address(address: str) -> str:
    """The address as any mail server takes it where it can be: an internationalised domain
    in its ASCII (IDNA) form. Only a non-ASCII part before the @ needs SMTPUTF8."""
    local, at, domain = address.rpartition("@")
    if not at or domain.isascii() or not local.isascii():
        return address
    try:
        return f"{local}@{domain.encode('idna').decode('ascii')}"
    except UnicodeError:
        return address


def needs_smtputf8(address: str) -> bool:
    """Whether mail to the address can only go out with the SMTPUTF8 extension."""
    return not ascii_address(address).isascii()


def _compose_international(row: OutboxMessage, mail_from: str) -> EmailMessage:
    """The same message under the SMTPUTF8 policy (smtplib then asks for the extension)."""
    message = EmailMessage(policy=SMTPUTF8)
    message["From"] = mail_from
    message["To"] = row.to_address
    message["Subject"] = row.subject
    message["Date"] = format_datetime(row.created_at)
    message["Message-ID"] = row.message_id
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(row.body_text, charset="utf-8")
    message.add_alternative(row.body_html, subtype="html", charset="utf-8")
    return message


def _header(value: str) -> str | Header:
    """ASCII as it is; anything else RFC 2047-encoded (a show title with accents, say)."""
    return value if value.isascii() else Header(value, "utf-8")


# RFC 5322: a line is at most 998 octets; longer text stays in its transfer encoding.
MAX_LINE = 998


def readable_bytes(message: Message) -> bytes:
    """The message with its text parts as plain 8-bit UTF-8 instead of base64, so an `.eml`
    file (development's outbox) reads with `cat` and its links are found by `grep`."""
    if isinstance(message, EmailMessage):  # the SMTPUTF8 policy already writes UTF-8 as is
        return message.as_bytes()
    for part in message.walk():
        if part.get_content_maintype() != "text" or part.is_multipart():
            continue
        if str(part.get("Content-Transfer-Encoding", "")).lower() != "base64":
            continue
        body = part.get_payload(decode=True)
        if not isinstance(body, bytes) or any(len(x) > MAX_LINE for x in body.splitlines()):
            continue
        del part["Content-Transfer-Encoding"]
        part.set_payload(body.decode("ascii", "surrogateescape"))  # compat32's 8-bit form
        part["Content-Transfer-Encoding"] = "8bit"
    return message.as_bytes()


def text_of(message: Message) -> str:
    """The plain-text body of a composed message (for logging links in development)."""
    for part in message.walk():
        if part.get_content_type() == "text/plain":
            payload = part.get_payload(decode=True)
            if isinstance(payload, bytes):
                return payload.decode(part.get_content_charset() or "utf-8", "replace")
    return ""
