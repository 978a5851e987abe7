"""`lovetv serve` and `lovetv demo`: run the service, or fill it with demo content."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import TYPE_CHECKING

import click

from publisher.cli import CliState, pass_state

if TYPE_CHECKING:
    from publisher.config import Config


@click.command(short_help="Serve the feeds, media and billing routes with gunicorn.")
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to bind.")
@click.option("--port", default=5000, show_default=True, type=int, help="Port to bind.")
@click.option(
    "--workers", default=2, show_default=True, type=click.IntRange(1, 64), help="Worker processes."
)
@pass_state
def serve(state: CliState, host: str, port: int, workers: int) -> None:
    """Serve the feeds, media and billing routes with gunicorn (the production server).

    In development without STRIPE_API_KEY, joining runs on demo billing: a local stand-in
    for Stripe that charges nothing."""
    from publisher.serving import run_gunicorn

    defaulted = _default_base_url(host, port)
    services = state.services(creates=True)  # fail here, in one line, before any worker starts
    services.db.dispose()
    if state.show_folder is not None:  # the workers load the same show, wherever it was found
        os.environ["LOVETV_HOME"] = str(state.show_folder)
    if defaulted and not services.config.dev:
        from publisher.errors import UserError

        raise UserError(
            "LOVETV_BASE_URL is not set: in production set it to the address members use "
            "(e.g. https://podcasts.example.com); every feed and email carries it"
        )
    _check_exposure(services.config, host)
    _start_demo_billing(services.config, host, port)
    _metrics_folder(services.config.instance_path)
    click.echo(f"serving on http://{host}:{port} with {workers} workers", err=True)
    run_gunicorn(host=host, port=port, workers=workers)


LOOPBACK = ("127.0.0.1", "localhost", "::1")
EVERY_INTERFACE = ("0.0.0.0", "::", "")


def _default_base_url(host: str, port: int) -> bool:
    """Without LOVETV_BASE_URL, links in pages and feeds name the address actually served
    (`--port 5601` writes :5601), never a default that leads nowhere; True if it did so
    (production then refuses to start: only the operator knows the public address)."""
    from publisher.config import read_environment

    if read_environment(None).get("LOVETV_BASE_URL"):
        return False
    shown = "127.0.0.1" if host in EVERY_INTERFACE else host
    shown = f"[{shown}]" if ":" in shown else shown
    os.environ["LOVETV_BASE_URL"] = f"http://{shown}:{port}"
    click.echo(
        f"links name http://{shown}:{port} (set LOVETV_BASE_URL to the address members use)",
        err=True,
    )
    return True


def _metrics_folder(instance: Path) -> None:
    """Where gunicorn's workers write their metric values for a scrape to add up: emptied at
    each start (a new server counts from zero, as Prometheus expects after a restart)."""
    folder = instance / "metrics"
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True, mode=0o700)
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(folder)


def _check_exposure(config: Config, host: str) -> None:
    """Development mode (a generated secret, sign-in links in the log, demo billing) stays
    on this machine; production reachable from others belongs behind a buffering proxy."""
    if host in LOOPBACK:
        return
    from publisher.errors import UserError

    if config.dev:
        raise UserError(
            f"development mode serves only on a loopback address, not {host}: set "
            "LOVETV_ENV=production (with LOVETV_SECRET_KEY) to serve other machines"
        )
    if config.trusted_proxies == 0:
        click.echo(
            f"warning: serving on {host} without LOVETV_TRUSTED_PROXIES: put lovetv serve "
            "behind a proxy that buffers request bodies (README: Running in production), or "
            "slow clients can hold every worker",
            err=True,
        )


def _start_demo_billing(config: Config, host: str, port: int) -> None:
    """Point the workers at the Stripe stand-in when there is no Stripe to talk to."""
    from publisher.demo import STAND_IN_MISSING, stand_in_shipped, stand_in_wanted

    if not stand_in_wanted(config):
        return
    if not stand_in_shipped():
        click.echo(f"demo billing: {STAND_IN_MISSING}", err=True)
        return
    from publisher.demo.billing import server as demo_billing

    running = demo_billing.launch(config, host, port)
    os.environ.update(running.environment())
    click.echo(
        "demo billing: no STRIPE_API_KEY, so joining goes through a local stand-in for "
        f"Stripe that charges nothing ({running.api_base})",
        err=True,
    )


@click.command(short_help="Add the demo show, season, episodes and member; print their URLs.")
@click.option("--json", "as_json", is_flag=True, help="Print the demo's URLs as JSON.")
@pass_state
def demo(state: CliState, as_json: bool) -> None:
    """Add the demo show, season, episodes and member (idempotent); print their feed URLs."""
    from publisher.demo.seed import ensure_demo

    services = state.services(migrated=False, creates=True)
    services.db.upgrade()
    summary = ensure_demo(services)
    if as_json:
        click.echo(json.dumps(summary, indent=2))
        return
    click.echo("Love TV demo is ready.")
    for label, url in summary["urls"].items():
        click.echo(f"  {label}: {url}")
        if label == "home page":
            click.echo(
                f"  demo member: {summary['demo_member']} (sign in as them at /account/sign-in;"
                " the emails are .eml files in instance/mail/)"
            )


def register(group: click.Group) -> None:
    group.add_command(serve)
    group.add_command(demo)
