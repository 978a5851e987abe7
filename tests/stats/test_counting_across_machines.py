"""Counting where every machine meets: batches written at the same moment by different
workers (or machines) about one listener, or one token, decide as if written one by one.

Each thread here stands for a machine's recorder flushing its batch: its own connection,
its own transaction, all started together.
"""

from __future__ import annotations

import threading
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from support.catalog_factory import make_episode, make_member, make_season, make_show

from auth.tokens import lookup_hash
from publisher.models import MediaRequest, SharingFlag, utcnow
from publisher.services import Services
from publisher.stats.ingest import write_batch
from publisher.stats.recorder import MediaHit

APP = "Overcast/3.0 (+http://overcast.fm/; iOS podcast app)"


@pytest.fixture
def env(database_url: str, local_storage_url: str) -> dict[str, str]:
    from support.service_env import service_env

    return {**service_env(database_url, local_storage_url), "LOVETV_SHARING_NETWORKS": "3"}


def listener(services: Services, mp3_file: Path) -> tuple[int, int, str]:
    with services.db.session() as session:
        make_show(session)
        episode = make_episode(session, services.storage, make_season(session), mp3_file)
        member, token = make_member(session, services.config.secret_key, "ann@example.com")
        return episode.id, member.id, lookup_hash(token)


def all_at_once(batches: list[list[MediaHit]], services: Services) -> None:
    """Write each batch from its own thread, released together."""
    start = threading.Barrier(len(batches))

    def flush(batch: list[MediaHit]) -> None:
        start.wait()
        write_batch(services, batch)

    threads = [threading.Thread(target=flush, args=(b,)) for b in batches]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)


def test_one_listener_through_three_machines_is_one_download(
    services: Services, mp3_file: Path
) -> None:
    episode_id, member_id, token_hash = listener(services, mp3_file)
    for attempt in range(20):
        at = utcnow() + timedelta(days=2 * attempt)  # a fresh 24-hour window each time
        batches = [
            [
                MediaHit(
                    at + timedelta(seconds=n),
                    episode_id,
                    member_id,
                    token_hash,
                    "GET",
                    None,
                    "198.51.100.7",
                    APP,
                )
            ]
            for n in range(3)
        ]
        all_at_once(batches, services)
        with services.db.session() as session:
            counted = session.scalar(
                select(func.count()).where(
                    MediaRequest.counted.is_(True), MediaRequest.at >= at - timedelta(seconds=1)
                )
            )
        assert counted == 1, f"attempt {attempt}: {counted} downloads counted"


def test_a_link_used_from_many_networks_through_several_machines_is_flagged(
    services: Services, mp3_file: Path
) -> None:
    episode_id, _, _ = listener(services, mp3_file)
    for attempt in range(20):
        with services.db.session() as session:
            member, token = make_member(
                session, services.config.secret_key, f"m{attempt}@example.com"
            )
            member_id, token_hash = member.id, lookup_hash(token)
        at = utcnow()
        batches = [  # five networks, one per machine: none sees more than the threshold alone
            [
                MediaHit(
                    at, episode_id, member_id, token_hash, "GET", "bytes=0-1", f"203.0.{n}.1", APP
                )
            ]
            for n in range(5)
        ]
        all_at_once(batches, services)
        with services.db.session() as session:
            flagged = session.scalar(select(func.count()).where(SharingFlag.member_id == member_id))
        assert flagged == 1, f"attempt {attempt}: not flagged"
