"""`lovetv storage clean`: remove what interrupted publishes left in the store and /tmp."""

from __future__ import annotations

import json

import click

from publisher.cli import CliState, pass_state


@click.group()
def storage() -> None:
    """Look after the audio store."""


@storage.command("clean", short_help="Remove what killed publishes left behind.")
@click.option(
    "--older-than",
    default="1d",
    show_default=True,
    help="Only debris older than this (30m, 12h, 1d): a running publish is never touched.",
)
@click.option("--json", "as_json", is_flag=True, help="Print what was removed as JSON.")
@pass_state
def clean_command(state: CliState, older_than: str, as_json: bool) -> None:
    """Abort pending S3 multipart uploads and remove stray lovetv-publish-* temporary
    folders (and half-written files in a storage folder) left by killed publishes."""
    from publisher.catalog.storage_clean import clean_storage, parse_age

    age = parse_age(older_than)
    report = clean_storage(state.services(migrated=False).storage, age)
    if as_json:
        click.echo(json.dumps(report.as_json()))
        return
    click.echo(
        f"aborted {len(report.aborted_uploads)} pending multipart uploads, removed "
        f"{len(report.removed_temp_folders)} temporary folders and "
        f"{len(report.removed_partial_files)} half-written files older than {older_than}"
    )


def register(group: click.Group) -> None:
    group.add_command(storage)
