"""`lovetv member …`: comp and manual members, their feed links, rotation and revocation."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import click

from auth.plans import Plan
from publisher.cli import CliState, OneLineUsageError, pass_state
from publisher.cli.member_import import import_command
from publisher.cli.member_list import list_command
from publisher.cli.member_privacy import delete_command, export_command
from publisher.cli.terminal import moment, printable
from publisher.members.members import MEMBER_PLANS

json_option = click.option("--json", "as_json", is_flag=True, help="Print one JSON document.")


@click.group()
def member() -> None:
    """Add members by hand and manage their private feed links."""


def _print(summary: dict[str, Any], as_json: bool, headline: str) -> None:
    if as_json:
        click.echo(json.dumps(summary, indent=2))
        return
    click.echo(printable(headline))
    click.echo(f"  status: {summary['status']}  plan: {summary['plan']}")
    for slug, url in summary["feeds"].items():
        click.echo(f"  {slug}: {url}")
    if not summary["feeds"]:
        click.echo("  (no seasons yet: lovetv season add creates one)")


def _run(state: CliState, action: Callable[..., dict[str, Any]], *args: str) -> dict[str, Any]:
    return action(state.services(), *args)


@member.command("add", short_help="Add a member without Stripe and email them their links.")
@click.argument("email")
@click.option(
    "--plan",
    type=click.Choice(MEMBER_PLANS),
    default=Plan.COMP.value,
    show_default=True,
    help="Plan.",
)
@click.option("--no-email", is_flag=True, help="Do not email the member their links.")
@json_option
@pass_state
def add(state: CliState, email: str, plan: str, no_email: bool, as_json: bool) -> None:
    """Add a member without Stripe (comp or manual), email them the welcome with their
    links, and print the links."""
    from publisher.members import admin as membership_admin

    summary = membership_admin.add(state.services(), email, plan, email_them=not no_email)
    told = "emailed the welcome" if summary["emailed"] else "not emailed (--no-email)"
    _print(summary, as_json, f"added {summary['email']}; {told}")


@member.command("show", short_help="A member's status, plan, dates, feeds and last requests.")
@click.argument("email")
@json_option
@pass_state
def show(state: CliState, email: str, as_json: bool) -> None:
    """Show a member (EMAIL or a unique part of it): status, plan, Stripe, dates, feed
    links, downloads and their last 10 media requests by app.

    Times print as every command prints them (`2026-12-09 09:00 UTC`), `-` when there is
    none; sharing flags are named by their UTC day. `--json` keeps ISO 8601 times."""
    from publisher.members import admin as membership_admin

    summary = _run(state, membership_admin.show, email)
    _print(summary, as_json, summary["email"])
    if as_json:
        return
    renewal = (
        f"renews {moment(summary['renews'])}"
        if summary.get("renews")
        else f"ends {moment(summary.get('ends'))}"
    )
    stripe = summary["stripe_customer"] or "-"
    click.echo(f"  joined {moment(summary['joined'])}  {renewal}  stripe: {stripe}")
    if summary.get("discount"):
        paying = summary.get("paying_cents")
        period = {Plan.MONTHLY: " a month", Plan.YEARLY: " a year"}.get(summary["plan"], "")
        pays = f", pays ${paying / 100:.2f}{period}" if paying is not None else ""
        click.echo(f"  discount: {printable(summary['discount'])}{pays}")
    click.echo(f"  downloads (30 days): {summary['downloads_30d']}")
    for flag in summary["sharing"]:
        apps = ", ".join(flag["apps"])
        click.echo(f"  flagged {flag['day']}: {flag['networks']} networks, apps {apps}")
    for r in summary["last_requests"]:
        counted = "download" if r["download"] else r["method"]
        click.echo(f"  {moment(r['at'])}  {r['app']}  {counted}  {r['title']}")


@member.command("rotate", short_help="Give a member new feed links; the old ones stop at once.")
@click.argument("email")
@json_option
@pass_state
def rotate(state: CliState, email: str, as_json: bool) -> None:
    """Give a member new feed links; the old ones stop giving episodes at once."""
    from publisher.members import admin as membership_admin

    summary = _run(state, membership_admin.rotate, email)
    _print(summary, as_json, f"new feed links for {summary['email']} (the old ones now say so)")


@member.command("revoke", short_help="Withdraw a member's access; their feeds become a notice.")
@click.argument("email")
@click.option("--cancel-subscription", is_flag=True, help="Also end their Stripe subscription now.")
@click.option("--refund-last", is_flag=True, help="Also refund their newest payment in full.")
@json_option
@pass_state
def revoke(
    state: CliState, email: str, cancel_subscription: bool, refund_last: bool, as_json: bool
) -> None:
    """Withdraw a member's access: their feeds turn into a notice, their audio into 403.

    The member is emailed. Stripe calls are idempotent: after a failure, run it again."""
    # standing talks to Stripe: imported only by the commands that may need it.
    from publisher.members import standing

    money = standing.MoneyActions(cancel_subscription, refund_last)
    summary = standing.revoke(state.services(), email, money)
    _print(summary, as_json, f"revoked {summary['email']}")
    if not as_json:
        if summary["stripe"]["subscription_cancelled"]:
            click.echo(f"  subscription {summary['stripe']['subscription_cancelled']} ended")
        if refund_last:
            refunded = summary["stripe"]["refunded_payment"]
            click.echo(f"  refunded {refunded}" if refunded else "  no payment to refund")


@member.command("restore", short_help="Undo a revoke: access follows Stripe again.")
@click.argument("email")
@json_option
@pass_state
def restore(state: CliState, email: str, as_json: bool) -> None:
    """Undo a revoke: access follows Stripe again (comp members are active); emails them."""
    from publisher.members import standing

    summary = standing.restore(state.services(), email)
    _print(summary, as_json, f"restored {summary['email']}")


@member.command("edit", short_help="Change a member's email address or name.")
@click.argument("email")
@click.option("--email", "new_email", help="The member's new address.")
@click.option("--name", help="What the member is called ('' removes it).")
@json_option
@pass_state
def edit(
    state: CliState, email: str, new_email: str | None, name: str | None, as_json: bool
) -> None:
    """Change the address of the member at EMAIL (exactly) to NEW: both addresses are
    emailed, every signed-in browser is signed out, the feed links stay the same, and a
    Stripe customer's email is changed too. --name sets what the member is called, which
    their feed titles end with under `show set --name-in-feed-title`."""
    from publisher.members.address_change import change_address
    from publisher.members.names import set_member_name

    if new_email is None and name is None:
        raise OneLineUsageError("give --email NEW or --name NAME (see lovetv member edit --help)")
    if name is not None:
        named = set_member_name(state.services(), email, name)
        if new_email is None:
            headline = f"{named['email']} is now called {named['name'] or '(no name)'}"
            click.echo(json.dumps(named) if as_json else printable(headline))
            return
    assert new_email is not None  # only a new name was asked for: done above
    summary = change_address(state.services(), email, new_email)
    if name is not None:
        summary["name"] = named["name"]
    if not summary["changed"]:
        headline = f"{summary['email']} is already the address; nothing changed here"
    else:
        headline = f"{summary['previous_email']} is now {summary['email']}; both were emailed"
    _print(summary, as_json, headline)
    if not as_json and summary["stripe_customer"]:
        click.echo(f"  Stripe customer {summary['stripe_customer']} has the new address")


member.add_command(list_command)
member.add_command(import_command)
member.add_command(export_command)
member.add_command(delete_command)


def register(group: click.Group) -> None:
    group.add_command(member)
