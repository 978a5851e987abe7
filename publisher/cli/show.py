"""`lovetv show set|get`: the show's details, shown at the top of every feed."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from publisher.catalog.show import set_show
from publisher.cli import CliState, pass_state
from publisher.cli.terminal import printable

_FILE = click.Path(exists=True, dir_okay=False, path_type=Path)


@click.group()
def show() -> None:
    """Set and read the show every season belongs to."""


@show.command("set", short_help="Create the show or change the given details.")
@click.option("--title", help="The show's name.")
@click.option("--author", help="Who makes it (itunes:author; the artist in episode tags).")
@click.option("--owner-email", help="Contact address for podcast directories (itunes:owner).")
@click.option("--description", help="What the show is about.")
@click.option("--image", type=_FILE, help="Artwork: square JPEG or PNG, 1400-3000 px.")
@click.option("--language", help="Language code, e.g. en or en-US.")
@click.option("--category", help="Apple Podcasts category, e.g. 'Health & Fitness'.")
@click.option("--website", help="The show's web page.")
@click.option("--explicit/--clean", default=None, help="Whether episodes are explicit.")
@click.option("--terms", type=_FILE, help="Terms page text (Markdown), shown at /terms.")
@click.option(
    "--refund-policy", type=_FILE, help="Refund policy text (Markdown), shown at /refunds."
)
@click.option(
    "--regular-price",
    "regular_prices",
    metavar="PLAN=DOLLARS,…",
    help="Regular prices shown struck through beside the plans' prices, e.g. "
    "monthly=199,yearly=499,lifetime=799 (an empty value removes them).",
)
@click.option(
    "--name-in-feed-title/--no-name-in-feed-title",
    default=None,
    help="End each member feed's title with the member's name, e.g. '(for Ann)'.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the show as JSON.")
@pass_state
def set_command(
    state: CliState,
    image: Path | None,
    terms: Path | None,
    refund_policy: Path | None,
    as_json: bool,
    **fields: object,
) -> None:
    """Create the show or change the given details; unnamed ones stay as they are."""
    from publisher.catalog.show_policies import read_policy_file

    changes = {name: value for name, value in fields.items() if value is not None}
    policies = {
        "terms": read_policy_file(terms, "--terms") if terms else None,
        "refund_policy": read_policy_file(refund_policy, "--refund-policy")
        if refund_policy
        else None,
    }
    result = set_show(state.services(), changes, image, policies)
    if as_json:
        click.echo(json.dumps({f: getattr(result, f) for f in (*fields, "image_key")}))
    else:
        click.echo(f"show {result.title!r} saved")


@show.command("get")
@click.option("--json", "as_json", is_flag=True, help="Print the settings as JSON.")
@pass_state
def get_command(state: CliState, as_json: bool) -> None:
    """Print the show's settings: every detail show set sets."""
    from publisher.catalog.show_settings import show_settings

    settings = show_settings(state.services())
    if as_json:
        click.echo(json.dumps(settings))
        return
    for label, value in _readable(settings):
        click.echo(f"{label:<15}{printable(value)}")


def _readable(settings: dict[str, Any]) -> list[tuple[str, str]]:
    """(label, one-line value) for each setting, named as `show set`'s options name them."""

    def text(value: str) -> str:
        return " ".join(value.split()) or "(not set)"

    def policy(value: str, page: str) -> str:
        return f"{len(value)} characters, shown at {page}" if value else "(not set)"

    return [
        ("title", text(settings["title"])),
        ("author", text(settings["author"])),
        ("owner email", text(settings["owner_email"])),
        ("description", text(settings["description"])),
        ("image", settings["image_key"] or "(not set)"),
        ("language", text(settings["language"])),
        ("category", text(settings["category"])),
        ("website", text(settings["website"])),
        ("explicit", "yes (--explicit)" if settings["explicit"] else "no (--clean)"),
        ("regular prices", _regular(settings["regular_prices"])),
        (
            "name in title",
            "yes (--name-in-feed-title)"
            if settings["name_in_feed_title"]
            else "no (--no-name-in-feed-title)",
        ),
        ("terms", policy(settings["terms"], "/terms")),
        ("refund policy", policy(settings["refund_policy"], "/refunds")),
    ]


def _regular(stored: str) -> str:
    """ "monthly $199, yearly $499 (struck through beside the prices)"."""
    if not stored:
        return "(not set)"
    shown = ", ".join(
        f"{plan} ${amount}" for plan, _, amount in (p.partition("=") for p in stored.split(","))
    )
    return f"{shown} (struck through beside the prices)"


def register(group: click.Group) -> None:
    group.add_command(show)
