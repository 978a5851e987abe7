"""`lovetv stripe …`: reconcile members with Stripe."""

from __future__ import annotations

import json

import click

from auth.stripe_api import StripeFailure
from publisher.billing.gateway import billing_unavailable, make_gateway
from publisher.cli import CliState, pass_state
from publisher.errors import UserError


@click.group("stripe")
def stripe_group() -> None:
    """Memberships sold through Stripe."""


@stripe_group.command(short_help="Correct members whose state drifted from Stripe's.")
@click.option("--json", "as_json", is_flag=True, help="Print the changes as one JSON document.")
@click.option("--no-email", is_flag=True, help="Do not email the members it creates.")
@pass_state
def sync(state: CliState, as_json: bool, no_email: bool) -> None:
    """Correct every member whose state drifted from Stripe's (safe from cron, any time).

    Lists the account's subscriptions and lifetime payments, prints one line per member it
    changed and a summary; a second run changes nothing. Members it creates are emailed
    the welcome with their links, unless --no-email.
    """
    from publisher.billing.sync import sync_members

    services = state.services()
    problem = billing_unavailable(services.config)
    if problem:
        raise UserError(f"{problem}; nothing was synced")
    try:
        report = sync_members(
            services.db, make_gateway(services.config), services.config, welcome=not no_email
        )
    except StripeFailure as exc:
        raise UserError(str(exc)) from exc
    if as_json:
        changes = [{"email": c.email, "summary": c.describe()} for c in report.changes]
        click.echo(json.dumps({"checked": report.checked, "changed": changes}))
        return
    for change in report.changes:
        click.echo(change.describe())
    click.echo(report.line())


def register(group: click.Group) -> None:
    group.add_command(stripe_group)
