"""`lovetv member export|delete`: a member's privacy requests, answered from the command line.

Export finds a member exactly as delete does (the whole address, in any case), so what a
producer exports is what a delete would erase (docs/cli.md, privacy requests).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import click

from publisher.cli import CliState, pass_state
from publisher.cli.terminal import printable

if TYPE_CHECKING:
    from publisher.members.erasure import Target
    from publisher.services import Services


@click.command("export", short_help="Everything held about a member, as one JSON document.")
@click.argument("email")
@click.option(
    "--output",
    type=click.Path(dir_okay=False, writable=True),
    help="Write the JSON to this file instead of stdout.",
)
@pass_state
def export_command(state: CliState, email: str, output: str | None) -> None:
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


@click.command("delete", short_help="Erase a member's personal data; accounting stays.")
@click.argument("email")
@click.option(
    "--cancel-subscription", is_flag=True, help="First end their Stripe subscription now."
)
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document.")
@pass_state
def delete_command(
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
