"""`lovetv serve` and `lovetv demo`: run the service, or fill it with demo content."""

from __future__ import annotations

import json

import click

from publisher.cli import CliState, pass_state


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to bind.")
@click.option("--port", default=5000, show_default=True, type=int, help="Port to bind.")
@click.option(
    "--workers", default=2, show_default=True, type=click.IntRange(1, 64), help="Worker processes."
)
@pass_state
def serve(state: CliState, host: str, port: int, workers: int) -> None:
    """Serve the feeds, media and billing routes with gunicorn (the production server)."""
    from publisher.serving import run_gunicorn

    services = state.services()  # fail here, in one line, before any worker starts
    services.db.dispose()
    click.echo(f"serving on http://{host}:{port} with {workers} workers", err=True)
    run_gunicorn(host=host, port=port, workers=workers)


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print the demo's URLs as JSON.")
@pass_state
def demo(state: CliState, as_json: bool) -> None:
    """Add the demo show, season, episodes and member (idempotent); print their feed URLs."""
    from publisher.demo import ensure_demo

    services = state.services(migrated=False)
    services.db.upgrade()
    summary = ensure_demo(services)
    if as_json:
        click.echo(json.dumps(summary, indent=2))
        return
    click.echo("Love TV demo is ready.")
    for label, url in summary["urls"].items():
        click.echo(f"  {label}: {url}")


def register(group: click.Group) -> None:
    group.add_command(serve)
    group.add_command(demo)
