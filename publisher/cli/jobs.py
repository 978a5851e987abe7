"""`lovetv jobs`: the periodic work `lovetv serve` runs itself."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import click

from publisher.cli import CliState, pass_state
from publisher.cli.terminal import moment
from publisher.jobs.schedule import DEFAULT_PERIODS


@click.group()
def jobs() -> None:
    """Periodic jobs run by lovetv serve."""


def _when(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _every(period: timedelta | None) -> str:
    if period is None:
        return "off"
    hours = period.total_seconds() / 3600
    return f"every {hours:g} h" if hours >= 1 else f"every {period.total_seconds() / 60:g} min"


@jobs.command("list", short_help="Each job: how often, its last run and result, its next.")
@click.option("--json", "as_json", is_flag=True, help="Print the jobs as one JSON document.")
@pass_state
def list_jobs(state: CliState, as_json: bool) -> None:
    """Each job: how often it runs, its last run and result, its next run."""
    from publisher.jobs.runner import schedule

    listed = schedule(state.services())
    if as_json:
        rows = [
            {
                "name": job.name,
                "last_run": _when(job.last_run),
                "result": job.result,
                "next_run": _when(job.next_run),
                "period_seconds": int(job.period.total_seconds()) if job.period else None,
            }
            for job in listed
        ]
        click.echo(json.dumps({"jobs": rows}))
        return
    click.echo("JOB\tRUNS\tLAST RUN\tNEXT RUN\tRESULT")
    for job in listed:
        last = moment(job.last_run) if job.last_run else "never"
        upcoming = moment(job.next_run)
        click.echo(f"{job.name}\t{_every(job.period)}\t{last}\t{upcoming}\t{job.result or '-'}")


@jobs.command("run", short_help="Run one job now and print its result.")
@click.argument("name", type=click.Choice(sorted(DEFAULT_PERIODS)))
@pass_state
def run_job(state: CliState, name: str) -> None:
    """Run one job now (recorded as its last run) and print its result."""
    from publisher.jobs.runner import run_now

    result = run_now(state.services(), name)
    click.echo(f"{name}: {result}")
    if result.startswith("failed:"):
        raise SystemExit(1)
