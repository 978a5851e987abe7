"""`lovetv member …`: comp and manual members, their feed links, rotation and revocation."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import click

from publisher.cli import CliState, OneLineUsageError, pass_state
from publisher.cli.member_import import import_command
from publisher.cli.member_list import list_command
from publisher.cli.terminal import moment, printable
from publisher.members.members import MEMBER_PLANS

if TYPE_CHECKING:
    from publisher.members.erasure import Target
    from publisher.services import Services

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
    "--plan", type=click.Choice(MEMBER_PLANS), default="comp", show_default=True, help="Plan."
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
        period = {"monthly": " a month", "yearly": " a year"}.get(summary["plan"], "")
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


@member.command("export", short_help="Everything held about a member, as one JSON document.")
@click.argument("email")
@click.option(
    "--output",
    type=click.Path(dir_okay=False, writable=True),
    help="Write the JSON to this file instead of stdout.",
)
@pass_state
def export(state: CliState, email: str, output: str | None) -> None:
    """Everything the service holds about the member at exactly EMAIL (found as member
    delete finds them, never by a part of the address), as one JSON document: profile,
    checkouts, feed tokens' and sessions' times (never their values), downloads, emails,
    gifts and sharing flags. For a privacy request."""
    from publisher.members.privacy import export_member

    exported = export_member(state.services(), email)
    document = json.dumps(exported, indent=2, ensure_ascii=False)
    if output is None:
        click.echo(document)
        return
    with open(output, "w", encoding="utf-8") as file:
        file.write(document + "\n")
    whose = printable(exported["profile"]["email"])
    click.echo(f"wrote everything held about {whose} to {printable(output)}")


@member.command("delete", short_help="Erase a member's personal data; accounting stays.")
@click.argument("email")
@click.option(
    "--cancel-subscription", is_flag=True, help="First end their Stripe subscription now."
)
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@json_option
@pass_state
def delete(
    state: CliState, email: str, cancel_subscription: bool, yes: bool, as_json: bool
) -> None:
    """Erase the member at EMAIL (exactly) for a privacy request: their address becomes a
    placeholder, their feeds answer 404, their sessions, downloads, flags and emails' contents
    go; Stripe ids, plan and dates stay for accounting. Running it again changes nothing."""
    from publisher.errors import UserError
    from publisher.members import erasure

    if "@" not in email:  # other commands take part of an address; erasing takes it whole
        raise UserError(
            f"delete needs the full address, not {printable(email)!r} "
            f"(lovetv member list --search {printable(email)} shows the addresses)"
        )
    services = state.services()
    target = erasure.look_up(services, email)
    if target.already_deleted:
        _already_deleted(services, target, cancel_subscription, as_json)
        return
    if not yes:
        what = (
            "Erase member" if target.member_id else "No member has this address; erase its traces:"
        )
        _confirm(f"{what} {printable(target.address)}?")
    cancelled = None
    if cancel_subscription:
        cancelled = erasure.cancel_subscription(services, target)
    done = erasure.erase(services, target.address)
    summary = {
        "deleted": done.address,
        "placeholder": done.placeholder,
        "member": done.placeholder is not None,
        "subscription_cancelled": cancelled,
        "erased": done.touched,
    }
    if done.placeholder is None:
        headline = f"no member has {done.address} (already deleted, or never one); "
        headline += f"erased {sum(done.touched.values())} other records of the address"
    else:
        headline = f"deleted {done.address}: now {done.placeholder}, revoked"
        if cancelled:
            headline += f"; subscription {cancelled} ended"
    _say(summary, as_json, headline)
    if target.still_billed and not cancel_subscription:
        again = f"lovetv member delete {done.placeholder} --cancel-subscription"
        click.echo(
            f"note: Stripe subscription {target.subscription} goes on ({again} ends it)", err=True
        )


def _confirm(question: str) -> None:
    """Ask; anything but yes (or no answer at all) is one `error:` line, not click's "Aborted!"."""
    from publisher.errors import UserError

    try:
        agreed = click.confirm(question, err=True)
    except click.Abort:  # no answer (end of input, Ctrl-C): end the question's line first
        click.echo(err=True)
        agreed = False
    if not agreed:
        raise UserError("nothing was deleted (answered no; --yes deletes without asking)")


def _already_deleted(
    services: Services, target: Target, cancel_subscription: bool, as_json: bool
) -> None:
    """A second delete changes nothing, but may still end the subscription it left."""
    from publisher.members import erasure

    summary: dict[str, Any] = {"deleted": target.address, "already_deleted": True}
    headline = f"{target.address} was already deleted; nothing more to erase"
    if cancel_subscription:
        summary["subscription_cancelled"] = erasure.cancel_subscription(services, target)
        if summary["subscription_cancelled"]:
            headline += f"; subscription {summary['subscription_cancelled']} ended"
    _say(summary, as_json, headline)


def _say(summary: dict[str, Any], as_json: bool, headline: str) -> None:
    click.echo(json.dumps(summary, indent=2) if as_json else printable(headline))


member.add_command(list_command)
member.add_command(import_command)


def register(group: click.Group) -> None:
    group.add_command(member)
