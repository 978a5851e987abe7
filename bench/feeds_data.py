"""Bench data: a show with many seasons of episodes, and members inserted in bulk."""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert

from auth.tokens import derive_token, lookup_hash
from publisher.config import load_config
from publisher.models import Episode, FeedToken, Member, Season, Show
from publisher.services import Services

_START = datetime(2025, 1, 1, tzinfo=UTC)


def _services(env: dict[str, str]) -> Services:
    return Services.from_config(load_config(environ=env, instance_path=Path("instance")))


def prepare_catalog(env: dict[str, str], seasons: int, episodes: int) -> None:
    """Migrate, then add the show and `seasons` x `episodes` published episodes."""
    services = _services(env)
    services.db.upgrade()
    with services.db.session() as session:
        session.add(Show(id=1, title="Love TV bench", author="Love TV", owner_email="b@x.test"))
        session.flush()
        for s in range(1, seasons + 1):
            season = Season(slug=f"season-{s:02d}", title=f"Season {s}", number=s)
            session.add(season)
            session.flush()
            session.execute(
                insert(Episode), [_episode(season.id, n) for n in range(1, episodes + 1)]
            )
    services.db.dispose()


def _episode(season_id: int, number: int) -> dict[str, object]:
    return {
        "season_id": season_id,
        "number": number,
        "title": f"Episode {number}: a title of ordinary length & some <markup>",
        "description": "A description of a typical length for an episode. " * 6,
        "publish_at": _START + timedelta(days=number),
        "audio_key": f"audio/bench/{season_id}-{number}.mp3",
        "size": 40_000_000 + number,
        "duration": 2400.0,
        "mime": "audio/mpeg",
        "chapters": [{"startTime": 0, "title": "Start"}],
        "guid": f"{season_id:04d}-{number:04d}-bench",
    }


def _settle(services: Services) -> None:
    """After a bulk write: fold SQLite's write-ahead log back into the file; on PostgreSQL
    vacuum the dead rows and write the pages out, so neither autovacuum nor a checkpoint
    lands inside a measurement; refresh the planner's statistics on both."""
    engine = services.db.engine
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        if engine.dialect.name == "sqlite":
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
            conn.exec_driver_sql("ANALYZE")
        else:
            conn.exec_driver_sql("VACUUM ANALYZE")
            conn.exec_driver_sql("CHECKPOINT")


def add_members(env: dict[str, str], count: int) -> list[str]:
    """Insert `count` active members with one token each, in bulk; return their tokens."""
    services = _services(env)
    secret = services.config.secret_key
    prefix = secrets.token_hex(4)
    tokens: list[str] = []
    with services.db.session() as session:
        start = session.query(Member).count()
        members, rows = [], []
        for i in range(count):
            nonce = secrets.token_urlsafe(32)
            token = derive_token(secret, nonce)
            tokens.append(token)
            members.append({"id": start + i + 1, "email": f"m{prefix}-{i}@bench.test"})
            rows.append(
                {"member_id": start + i + 1, "nonce": nonce, "lookup_hash": lookup_hash(token)}
            )
        session.execute(insert(Member), members)
        session.execute(insert(FeedToken), rows)
    _settle(services)
    services.db.dispose()
    return tokens


def copy_members(env: dict[str, str], count: int, known: int) -> list[str]:
    """Add `count` active members to a PostgreSQL bench database with `COPY` (psycopg's
    copy, not one insert at a time); return the tokens of `known` of them, spread evenly
    over the new ids. The others get random nonces and lookup hashes: rows to search
    through, whose tokens nobody presents."""
    import psycopg

    services = _services(env)
    secret = services.config.secret_key
    url = services.db.engine.url.set(drivername="postgresql").render_as_string(False)
    services.db.dispose()
    prefix, now = secrets.token_hex(4), datetime.now(UTC)
    step = max(1, count // known)
    tokens: list[str] = []
    with psycopg.connect(url) as conn:
        start = conn.execute("SELECT coalesce(max(id), 0) FROM members").fetchone()[0]  # type: ignore[index]
        with conn.cursor().copy(
            "COPY members (id, email, plan, status, status_reason, billing_version,"
            " created_at, updated_at) FROM STDIN"
        ) as copy:
            for i in range(count):
                copy.write_row(
                    (start + i + 1, f"c{prefix}-{i}@bench.test", "comp", "active", "", 0, now, now)
                )
        with conn.cursor().copy(
            "COPY feed_tokens (member_id, nonce, lookup_hash, created_at) FROM STDIN"
        ) as copy:
            for i in range(count):
                if i % step == 0 and len(tokens) < known:
                    nonce = secrets.token_urlsafe(32)
                    token = derive_token(secret, nonce)
                    tokens.append(token)
                    copy.write_row((start + i + 1, nonce, lookup_hash(token), now))
                else:
                    filler = hashlib.sha256(f"{prefix}-{i}".encode()).hexdigest()
                    copy.write_row((start + i + 1, filler[:43], filler, now))
        conn.execute("SELECT setval(pg_get_serial_sequence('members', 'id'), max(id)) FROM members")
        conn.commit()
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE members")
        conn.execute("VACUUM ANALYZE feed_tokens")
        conn.execute("CHECKPOINT")  # the load's writes land now, not during the measurement
    return tokens


def joined_today(env: dict[str, str]) -> None:
    """Every member joined today: a welcome, once set, is in every member's feed."""
    from sqlalchemy import update

    from publisher.models import utcnow

    services = _services(env)
    with services.db.session() as session:
        session.execute(update(Member).values(created_at=utcnow()))
    _settle(services)  # the update's dead rows are vacuumed now, not during a measurement
    services.db.dispose()


def set_welcome(env: dict[str, str], on: bool) -> None:
    """The producer sets the welcome (`lovetv personal set welcome`) or removes it, while
    the service runs: its workers pick the change up as they pick up any other."""
    from publisher.catalog.personal_publishing import remove_personal, set_personal

    services = _services(env)
    if on:
        audio = Path(__file__).resolve().parent.parent / "publisher" / "static" / "notice.mp3"
        set_personal(services, "welcome", audio, "Welcome", 30)
    else:
        remove_personal(services, "welcome")
    _settle(services)  # both sides are measured just after a write, settled
    services.db.dispose()
