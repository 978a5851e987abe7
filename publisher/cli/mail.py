"""`lovetv mail send` and `lovetv mail list`: deliver the outbox, or look at it."""

from __future__ import annotations

import json
import signal
import threading
from functools import partial
from typing import Any

import click
from sqlalchemy import func, select

from publisher.cli import CliState, pass_state
from publisher.cli.terminal import moment, printable
from publisher.errors import UserError
from publisher.models import OutboxMessage


@click.group()
def mail() -> None:
    """Deliver and inspect transactional email (the outbox)."""


@mail.command("send", short_help="Deliver pending email; loop until Ctrl-C unless --once.")
@click.option("--once", is_flag=True, help="Send what is due now, print a summary and exit.")
@click.option(
    "--interval",
    default=2.0,
    show_default=True,
    type=click.FloatRange(0.1, 3600),
    help="Seconds between looks at the outbox when looping.",
)
@pass_state
def send(state: CliState, once: bool, interval: float) -> None:
    """Deliver pending email with retries; loop until Ctrl-C unless --once."""
    from publisher.accounts.sign_in import answer_pending
    from publisher.mail.sender import SendReport, run_sender, send_pending, show_mail_log
    from publisher.mail.transports import open_transport

    services = state.services()
    show_mail_log()
    if once:
        transport = open_transport(services.config)
        total = SendReport()
        try:
            while True:
                answer_pending(services.db, services.config)
                report = send_pending(services.db, services.config, transport)
                total.claimed += report.claimed
                total.sent += report.sent
                total.failed += report.failed
                total.stopped_early, total.error = report.stopped_early, report.error
                if not report.claimed or report.stopped_early:
                    break
        finally:
            transport.close()
        if total.stopped_early:
            raise UserError(total.line())
        click.echo(total.line(), err=True)
        return
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    click.echo("sending mail; Ctrl-C stops", err=True)
    try:
        run_sender(
            services,
            stop,
            interval,
            on_report=lambda r: click.echo(r.line(), err=True),
            prepare=partial(answer_pending, services.db, services.config),
        )
    except KeyboardInterrupt:
        stop.set()


@mail.command("list", short_help="Show the outbox, newest first (never the bodies).")
@click.option("--pending", is_flag=True, help="Only messages not sent yet.")
@click.option("--limit", default=500, show_default=True, type=click.IntRange(1), help="At most.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document.")
@pass_state
def list_messages(state: CliState, pending: bool, limit: int, as_json: bool) -> None:
    """Show the outbox, newest first (never the bodies: they hold private links)."""
    services = state.services()
    query = select(OutboxMessage)
    counting = select(func.count()).select_from(OutboxMessage)
    if pending:
        query = query.where(OutboxMessage.status == "pending")
        counting = counting.where(OutboxMessage.status == "pending")
    with services.db.session() as session:
        rows = list(session.scalars(query.order_by(OutboxMessage.id.desc()).limit(limit)))
        total = session.scalar(counting) or 0
    messages = [_summary(row) for row in rows]
    if as_json:
        click.echo(json.dumps({"messages": messages, "total": total}, indent=2))
        return
    if messages:
        click.echo(f"{'CREATED':<20}  {'STATUS':<7}  {'KIND':<16}  TO")
    for m in messages:
        retry = f"  attempts {m['attempts']}: {m['last_error']}" if m["last_error"] else ""
        to = printable(m["to"])
        click.echo(f"{moment(m['created_at'])}  {m['status']:<7}  {m['kind']:<16}  {to}{retry}")
    click.echo(f"{len(messages)} of {total} messages", err=True)


def _summary(row: OutboxMessage) -> dict[str, Any]:
    def iso(value: Any) -> str | None:
        return value.isoformat() if value is not None else None

    return {
        "to": row.to_address,
        "subject": row.subject,
        "status": row.status,
        "kind": row.kind,
        "attempts": row.attempts,
        "created_at": iso(row.created_at),
        "sent_at": iso(row.sent_at),
        "next_attempt_at": iso(row.next_attempt_at) if row.status == "pending" else None,
        "last_error": row.last_error,
    }


def register(group: click.Group) -> None:
    group.add_command(mail)
