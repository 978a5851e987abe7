"""Periodic jobs run inside the service: each once per period across every worker and
machine, on a schedule `LOVETV_JOBS` can change, visible in `lovetv jobs list`."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import re
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from support.catalog_factory import make_episode, make_member, make_season, make_show
from support.served import lovetv_serve
from support.service_env import service_env

from publisher.cli import main
from publisher.config import ConfigError, load_config
from publisher.jobs.catalog import BY_NAME
from publisher.jobs.runner import run_due, schedule
from publisher.models import AccountSession, JobState, MediaRequest, SignInLink, utcnow
from publisher.services import Services
from publisher.stats.ingest import write_batch
from publisher.stats.recorder import MediaHit

EVERY_JOB = ["stripe-sync", "storage-clean", "privacy-scrub", "sign-in-cleanup"]


def test_each_due_job_runs_once_then_again_after_its_period(services: Services) -> None:
    now = utcnow()
    ran = dict(run_due(services, now))
    assert sorted(ran) == sorted(EVERY_JOB)
    assert ran["stripe-sync"].startswith("skipped: ")  # no Stripe key on this server
    assert run_due(services, now + timedelta(minutes=59)) == []
    hourly = [name for name, _ in run_due(services, now + timedelta(hours=1, seconds=1))]
    assert sorted(hourly) == ["privacy-scrub", "sign-in-cleanup"]


def test_workers_asking_at_once_run_each_job_once(services: Services) -> None:
    now = utcnow()
    with ThreadPoolExecutor(4) as pool:
        answers = list(pool.map(lambda _: run_due(services, now), range(4)))
    names = sorted(name for ran in answers for name, _ in ran)
    assert names == sorted(EVERY_JOB)


def test_raw_addresses_older_than_25_hours_go_without_any_traffic(
    services: Services, mp3_file: Path
) -> None:
    with services.db.session() as session:
        make_show(session)
        episode = make_episode(session, services.storage, make_season(session), mp3_file)
        member, _ = make_member(session, services.config.secret_key, "ann@example.com")
        episode_id, member_id = episode.id, member.id
    now = utcnow()
    hits = [
        MediaHit(now - age, episode_id, member_id, None, "GET", None, f"10.0.0.{n}", "Overcast/3")
        for n, age in enumerate((timedelta(hours=30), timedelta(hours=26), timedelta(hours=2)))
    ]
    write_batch(services, hits, now - timedelta(hours=30))
    ran = dict(run_due(services, now))
    assert ran["privacy-scrub"] == "erased 2 raw client addresses"
    with services.db.session() as session:
        kept = session.scalars(select(MediaRequest.client_ip).order_by(MediaRequest.at)).all()
    assert kept == [None, None, "10.0.0.2"]


def test_sign_in_cleanup_deletes_what_has_expired(services: Services) -> None:
    from publisher.accounts.sessions import start_session

    now = utcnow()
    with services.db.session() as session:
        member, _ = make_member(session, services.config.secret_key, "bo@example.com")
        start_session(session, member.id, now - timedelta(days=31))
        start_session(session, member.id, now)
        session.add(
            SignInLink(
                member_id=member.id,
                token_hash="0" * 64,
                created_at=now - timedelta(hours=1),
                expires_at=now - timedelta(minutes=45),
            )
        )
    assert dict(run_due(services, now))["sign-in-cleanup"] == (
        "deleted 1 expired sign-in links and 1 expired sessions"
    )
    with services.db.session() as session:
        assert len(session.scalars(select(AccountSession)).all()) == 1
        assert session.scalars(select(SignInLink)).all() == []


def test_a_failing_job_records_its_failure_and_is_retried_sooner(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    from publisher.jobs import catalog

    def broken(_services: Services) -> str:
        raise RuntimeError("the store did not answer\nsecond line")

    monkeypatch.setitem(
        catalog.BY_NAME, "storage-clean", replace(catalog.BY_NAME["storage-clean"], run=broken)
    )
    now = utcnow()
    ran = dict(run_due(services, now))
    assert ran["storage-clean"] == "failed: RuntimeError: the store did not answer"
    with services.db.session() as session:
        row = session.get(JobState, "storage-clean")
        assert row.next_run == now + timedelta(minutes=10) and row.lease_until is None


def test_lovetv_jobs_turns_jobs_off_and_retimes_them(tmp_path: Path) -> None:
    config = load_config(
        environ={"LOVETV_JOBS": "stripe-sync=off, privacy-scrub=15m"}, instance_path=tmp_path
    )
    assert config.jobs["stripe-sync"] is None
    assert config.jobs["privacy-scrub"] == timedelta(minutes=15)
    assert config.jobs["storage-clean"] == timedelta(days=1)
    for bad in ("scrub=1h", "privacy-scrub=hourly", "privacy-scrub=0h"):
        with pytest.raises(ConfigError, match=r"^LOVETV_JOBS: "):
            load_config(environ={"LOVETV_JOBS": bad}, instance_path=tmp_path)


def test_jobs_list_and_run_from_the_command_line(runner, services: Services) -> None:  # type: ignore[no-untyped-def]
    listed = json.loads(runner.invoke(main, ["jobs", "list", "--json"]).stdout)
    assert [j["name"] for j in listed["jobs"]] == EVERY_JOB
    assert all(j["last_run"] is None and j["result"] is None for j in listed["jobs"])
    ran = runner.invoke(main, ["jobs", "run", "privacy-scrub"])
    assert ran.exit_code == 0 and ran.stdout == "privacy-scrub: erased 0 raw client addresses\n"
    listed = json.loads(runner.invoke(main, ["jobs", "list", "--json"]).stdout)
    (scrub,) = [j for j in listed["jobs"] if j["name"] == "privacy-scrub"]
    assert scrub["result"] == "erased 0 raw client addresses" and scrub["next_run"]
    table = runner.invoke(main, ["jobs", "list"]).stdout.splitlines()
    assert table[0] == "JOB\tRUNS\tLAST RUN\tNEXT RUN\tRESULT"
    assert table[3].startswith("privacy-scrub\tevery 1 h\t")
    unknown = runner.invoke(main, ["jobs", "run", "backup"])
    assert unknown.exit_code == 2 and schedule(services)[0].last_run is None


def test_jobs_run_waits_for_a_serve_workers_lease_and_leaves_it_alone(
    runner, services: Services
) -> None:  # type: ignore[no-untyped-def]
    now = utcnow()
    held = now + timedelta(minutes=20)
    with services.db.session() as session:  # a serve worker is running the job now
        session.add(JobState(name="privacy-scrub", next_run=now, lease_until=held))
    refused = runner.invoke(main, ["jobs", "run", "privacy-scrub"])
    assert refused.exit_code == 1 and refused.stdout == ""
    assert refused.stderr.startswith("error: privacy-scrub is running in a lovetv serve worker")
    with services.db.session() as session:
        row = session.get_one(JobState, "privacy-scrub")
        assert row.lease_until == held and row.last_run is None
    with services.db.session() as session:  # the worker finished and released it
        session.get_one(JobState, "privacy-scrub").lease_until = None
    ran = runner.invoke(main, ["jobs", "run", "privacy-scrub"])
    assert ran.exit_code == 0, ran.output
    with services.db.session() as session:
        row = session.get_one(JobState, "privacy-scrub")
        assert row.lease_until is None and row.result == "erased 0 raw client addresses"


def test_a_run_that_outlived_its_lease_does_not_free_the_next_holders(
    services: Services,
) -> None:
    now = utcnow()
    taken = now + timedelta(hours=2)

    def slow_scrub(services: Services) -> str:  # meanwhile, another worker takes it over
        with services.db.session() as session:
            session.get_one(JobState, "privacy-scrub").lease_until = taken
        return "done"

    scrub = replace(BY_NAME["privacy-scrub"], run=slow_scrub)
    with pytest.MonkeyPatch.context() as patch:
        patch.setitem(BY_NAME, "privacy-scrub", scrub)
        run_due(services, now)
    with services.db.session() as session:
        assert session.get_one(JobState, "privacy-scrub").lease_until == taken


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_three_servers_on_one_postgresql_run_each_job_once_per_period(
    database_url: str, local_storage_url: str, tmp_path: Path
) -> None:
    env = {
        **service_env(database_url, local_storage_url),
        "LOVETV_JOBS": "sign-in-cleanup=2s,privacy-scrub=off,stripe-sync=off,storage-clean=off",
    }
    Services.from_config(load_config(environ=env, instance_path=tmp_path / "i")).db.upgrade()
    logs = []
    with ExitStack() as stack:
        for n in range(3):
            workdir = tmp_path / f"server-{n}"
            workdir.mkdir()
            logs.append(stack.enter_context(lovetv_serve(env, workdir)).log)
        time.sleep(9)
    runs = sorted(
        float(stamp)
        for log in logs
        for stamp in re.findall(r"(\d+\.\d+) job sign-in-cleanup: ", _stamped(log))
    )
    # Once per 2-second period across the three (three servers each running it would put
    # runs a fraction of a second apart), and it did run, repeatedly.
    assert len(runs) >= 3, runs
    gaps = [b - a for a, b in itertools.pairwise(runs)]
    assert all(gap >= 1.9 for gap in gaps), gaps


def _stamped(log: Path) -> str:
    """The log with each jobs line's asctime turned into seconds since the epoch."""

    def seconds(match: re.Match[str]) -> str:
        when = dt.datetime.strptime(match.group(1), "%Y-%m-%d %H:%M:%S,%f")
        return f"{when.timestamp():.3f}"

    return re.sub(r"(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}) \[jobs\]", seconds, log.read_text())
