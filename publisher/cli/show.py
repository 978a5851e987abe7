"""`lovetv show set`: the show's details, shown at the top of every feed."""

from __future__ import annotations

import json
from pathlib import Path

import click

from publisher.catalog.catalog import set_show
from publisher.cli import CliState, pass_state

_FILE = click.Path(exists=True, dir_okay=False, path_type=Path)


@click.group()
def show() -> None:
    """The show every season belongs to."""


@show.command("set")
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


def register(group: click.Group) -> None:
    group.add_command(show)
