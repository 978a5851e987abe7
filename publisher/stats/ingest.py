"""Writing a batch of media requests, deciding which are IAB downloads as they go in.

The decision needs the raw client address for 24 hours (the deduplication window), so it
is made here, while the address is still stored; afterwards `scrub` sets the address to
NULL and deletes the day's salt two days on, leaving only a hash nobody can reverse.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from publisher.db import serialise_on
from publisher.models import Episode, FeedToken, MediaRequest, StatsSalt, utcnow
from publisher.services import Services
from publisher.stats import sharing
from publisher.stats.iab import DEDUP_WINDOW, minimum_bytes, network_of, requested_bytes
from publisher.stats.recorder import MediaHit
from publisher.stats.user_agents import classify

RAW_IP_KEPT = DEDUP_WINDOW + timedelta(hours=1)  # the window, and an hour for late batches
SALT_DAYS_KEPT = 2
SCRUB_EVERY = 600.0  # seconds between scrubs in one process
_last_scrub = 0.0

Key = tuple[int, str, str | None, str]  # episode, format, client address (erased later), user agent


def write_batch(services: Services, hits: Sequence[MediaHit], now: datetime | None = None) -> None:
    """Store `hits` (with their IAB decision) and check their tokens for sharing."""
    global _last_scrub
    hits = sorted(hits, key=lambda h: h.at)
    with services.db.session() as session:
        rows = _rows(session, hits)
        # Decided where every machine meets: one listener's requests may reach several
        # machines within a second, and each batch reads what is stored before it inserts.
        serialise_on(session, _keys(rows))
        _decide(session, rows)
        if rows:  # an empty executemany would insert one row of defaults
            session.execute(insert(MediaRequest), rows)
            sharing.check(session, services, rows)
        if time.monotonic() - _last_scrub > SCRUB_EVERY:
            scrub(session, now or utcnow())
            _last_scrub = time.monotonic()


def _rows(session: Session, hits: Sequence[MediaHit]) -> list[dict]:
    """The table rows of `hits`: bytes asked for, app or bot, the hashed network."""
    wanted = {h.episode_id for h in hits}
    episodes = {e.id: e for e in session.scalars(select(Episode).where(Episode.id.in_(wanted)))}
    hashes = {h.token_hash for h in hits if h.token_hash}
    tokens = (
        dict(
            session.execute(
                select(FeedToken.lookup_hash, FeedToken.id).where(FeedToken.lookup_hash.in_(hashes))
            ).all()
        )
        if hashes
        else {}
    )
    rows = []
    for hit in hits:
        episode = episodes.get(hit.episode_id)
        if episode is None:  # deleted since: nothing to count it against
            continue
        if hit.token_hash and hit.token_hash not in tokens:
            continue  # its member was erased since (`member delete`): nothing of them is kept
        agent = classify(hit.user_agent, hit.client_ip)
        size, minimum = _measure(episode, hit.media_format)
        rows.append(
            {
                "at": hit.at,
                "episode_id": hit.episode_id,
                "member_id": hit.member_id,
                "token_id": tokens.get(hit.token_hash) if hit.token_hash else None,
                "method": hit.method,
                "bytes_requested": requested_bytes(hit.method, hit.range_header, size),
                "client_ip": hit.client_ip,
                "network_hash": network_hash(session, hit.client_ip, hit.at),
                "user_agent": hit.user_agent[:512],
                "app": agent.app[:120] if agent.app else None,
                "bot": agent.bot,
                "fetcher": agent.fetcher,
                "counted": False,
                "media_format": hit.media_format,
                "_minimum": minimum,
            }
        )
    return rows


def _measure(episode: Episode, media_format: str) -> tuple[int, int]:
    """The file's size and the bytes that make a download, per format.

    The MP4 follows the IAB rule like the audio (its first minute). An HLS viewing is a
    player fetching one rendition's media playlist: it asks for the playlist once per
    viewing, and its segments are not counted, so the playlist's GET is the request
    that counts (once per client, app and episode in 24 hours, bots left out).
    """
    if media_format == "video" and episode.video_size:
        video = episode.video or {}
        size = episode.video_size
        return size, minimum_bytes(size, episode.duration, video.get("bitrate") or None)
    if media_format == "hls":
        return 1, 1
    return episode.size, minimum_bytes(episode.size, episode.duration, episode.bitrate)


def _keys(rows: list[dict]) -> set[str]:
    """What a batch decides about: each listener's episode (IAB) and each token (sharing)."""
    keys = {
        f"iab:{r['episode_id']}:{r['media_format']}:{r['client_ip']}:{r['user_agent']}"
        for r in rows
    }
    return keys | {f"sharing:{r['token_id']}" for r in rows if r["token_id"] is not None}


def _decide(session: Session, rows: list[dict]) -> None:
    """Mark the IAB downloads: enough bytes (ranges added up), not a bot, once in 24 h."""
    candidates = [r for r in rows if r["method"] == "GET" and not r["bot"]]
    if candidates:
        last_counted, pending = _recent(session, candidates)
        for row in candidates:
            key = (row["episode_id"], row["media_format"], row["client_ip"], row["user_agent"])
            counted_at = last_counted.get(key)
            if counted_at is not None and row["at"] - counted_at < DEDUP_WINDOW:
                continue
            pending[key] = pending.get(key, 0) + row["bytes_requested"]
            if pending[key] >= row["_minimum"]:
                row["counted"] = True
                last_counted[key] = row["at"]
                pending[key] = 0
    for row in rows:
        del row["_minimum"]


def _recent(session: Session, rows: list[dict]) -> tuple[dict[Key, datetime], dict[Key, int]]:
    """What the database already holds for these clients: last download, bytes so far."""
    keys = {(r["episode_id"], r["media_format"], r["client_ip"], r["user_agent"]) for r in rows}
    since = min(r["at"] for r in rows) - DEDUP_WINDOW
    same_clients = (
        MediaRequest.at > since,
        MediaRequest.method == "GET",
        MediaRequest.bot.is_(False),
        MediaRequest.episode_id.in_({k[0] for k in keys}),
        MediaRequest.client_ip.in_({k[2] for k in keys}),
    )
    key_columns = (
        MediaRequest.episode_id,
        MediaRequest.media_format,
        MediaRequest.client_ip,
        MediaRequest.user_agent,
    )
    last_counted = {
        (e, f, ip, ua): at
        for e, f, ip, ua, at in session.execute(
            select(*key_columns, func.max(MediaRequest.at))
            .where(*same_clients, MediaRequest.counted.is_(True))
            .group_by(*key_columns)
        )
        if (e, f, ip, ua) in keys
    }
    open_keys = keys - set(last_counted)
    pending: dict[Key, int] = {}
    if open_keys:
        for e, f, ip, ua, total in session.execute(
            select(*key_columns, func.sum(MediaRequest.bytes_requested))
            .where(*same_clients, MediaRequest.counted.is_(False))
            .group_by(*key_columns)
        ):
            if (e, f, ip, ua) in open_keys:
                pending[(e, f, ip, ua)] = int(total or 0)
    return last_counted, pending


def network_hash(session: Session, address: str, at: datetime) -> str:
    """The client's /24 or /48 hashed with the day's salt: countable that day, then opaque."""
    salt = day_salt(session, at.date().isoformat())
    return hashlib.sha256(f"{salt}:{network_of(address)}".encode()).hexdigest()


_salts: dict[tuple[str, str], str] = {}


def day_salt(session: Session, day: str) -> str:
    """The random salt of one UTC day, shared by every worker through the database."""
    cache_key = (str(session.get_bind().engine.url), day)
    if cache_key in _salts:
        return _salts[cache_key]
    salt = session.scalar(select(StatsSalt.salt).where(StatsSalt.day == day))
    if salt is None:
        try:
            with session.begin_nested():
                session.add(StatsSalt(day=day, salt=secrets.token_hex(32)))
        except IntegrityError:  # another worker made it first: use theirs
            pass
        salt = session.scalar(select(StatsSalt.salt).where(StatsSalt.day == day))
    if len(_salts) > 64:
        _salts.clear()
    _salts[cache_key] = salt or ""
    return _salts[cache_key]


def scrub(session: Session, now: datetime) -> int:
    """Forget raw addresses after the 24-hour window and salts after two days; how many
    addresses were erased."""
    erased = cast(
        CursorResult[Any],
        session.execute(
            update(MediaRequest)
            .where(MediaRequest.at < now - RAW_IP_KEPT, MediaRequest.client_ip.is_not(None))
            .values(client_ip=None)
        ),
    ).rowcount
    oldest_kept = (now - timedelta(days=SALT_DAYS_KEPT)).date().isoformat()
    for row in session.scalars(select(StatsSalt).where(StatsSalt.day < oldest_kept)):
        session.delete(row)
    for key in [k for k in _salts if k[1] < oldest_kept]:
        del _salts[key]
    return erased or 0
