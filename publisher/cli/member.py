"""`lovetv member …`: comp and manual members, their feed links, rotation and revocation."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import click

from publisher.cli import CliState, pass_state
from publisher.members import admin as membership_admin
from publisher.members.members import MEMBER_PLANS

json_option = click.option("--json", "as_json", is_flag=True, help="Print one JSON document.")


@click.group()
def member() -> None:
    """Add members by hand and manage their private feed links."""


def _print(summary: dict[str, Any], as_json: bool, headline: str) -> None:
    if as_json:
        click.echo(json.dumps(summary, indent=2))
        return
    click.echo(headline)
    click.echo(f"  status: {summary['status']}  plan: {summary['plan']}")
    for slug, url in summary["feeds"].items():
        click.echo(f"  {slug}: {url}")
    if not summary["feeds"]:
        click.echo("  (no seasons yet: lovetv season add creates one)")


def _run(state: CliState, action: Callable[..., dict[str, Any]], *args: str) -> dict[str, Any]:
    return action(state.services(), *args)


@member.command("add")
@click.argument("email")
@click.option(
    "--plan", type=click.Choice(MEMBER_PLANS), default="comp", show_default=True, help="Plan."
)
@json_option
@pass_state
def add(state: CliState, email: str, plan: str, as_json: bool) -> None:
    """Add a member without Stripe (a comp or manual member) and print their feed links."""
    summary = _run(state, membership_admin.add, email, plan)
    _print(summary, as_json, f"added {summary['email']}")


@member.command("show")
@click.argument("email")
@json_option
@pass_state
def show(state: CliState, email: str, as_json: bool) -> None:
    """Show a member's status, plan and private feed links."""
    summary = _run(state, membership_admin.show, email)
    _print(summary, as_json, summary["email"])


@member.command("rotate")
@click.argument("email")
@json_option
@pass_state
def rotate(state: CliState, email: str, as_json: bool) -> None:
    """Give a member new feed links; the old ones stop giving episodes at once."""
    summary = _run(state, membership_admin.rotate, email)
    _print(summary, as_json, f"new feed links for {summary['email']} (the old ones now say so)")


@member.command("revoke")
@click.argument("email")
@json_option
@pass_state
def revoke(state: CliState, email: str, as_json: bool) -> None:
    """Withdraw a member's access: their feeds turn into a notice, their audio into 403."""
    summary = _run(state, membership_admin.revoke, email)
    _print(summary, as_json, f"revoked {summary['email']}")


def register(group: click.Group) -> None:
    group.add_command(member)
