"""Shared-link detection: a token used from more networks in a day than a household uses.

Per token and UTC day, the distinct client networks (IPv4 /24, IPv6 /48, as hashed with
the day's salt) are counted, leaving out the big apps' fetching servers, which download
for many listeners from one place. Above `LOVETV_SHARING_NETWORKS` the member is flagged
once for that token and day, with the evidence; with `LOVETV_SHARING_AUTO_ROTATE=1` the
token is also replaced, the member's browser sessions end and the new links are emailed.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime, timedelta
from typing import cast

from sqlalchemy import distinct, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from publisher.accounts.sessions import end_sessions
from publisher.members.emails import queue_links_replaced
from publisher.members.members import issue_token
from publisher.models import FeedToken, MediaRequest, Member, SharingFlag, utcnow
from publisher.services import Services


def check(session: Session, services: Services, rows: list[dict]) -> list[SharingFlag]:
    """Flag the tokens of this batch that crossed the threshold on the days it covers."""
    days: dict[str, set[int]] = defaultdict(set)
    for row in rows:
        if row["token_id"] is not None and not row["fetcher"]:
            days[row["at"].date().isoformat()].add(row["token_id"])
    flags = []
    for day, token_ids in days.items():
        for token_id, networks, requests in _usage(session, day, token_ids):
            if networks > services.config.sharing_networks:
                flag = _flag(session, services, day, token_id, networks, requests)
                if flag is not None:
                    flags.append(flag)
    return flags


def _usage(session: Session, day: str, token_ids: set[int]) -> list[tuple[int, int, int]]:
    start = datetime.fromisoformat(day).replace(tzinfo=UTC)
    return [
        (cast(int, token_id), networks, requests)  # token_id is IN token_ids, so set
        for token_id, networks, requests in session.execute(
            select(
                MediaRequest.token_id,
                func.count(distinct(MediaRequest.network_hash)),
                func.count(MediaRequest.id),
            )
            .where(
                MediaRequest.token_id.in_(token_ids),
                MediaRequest.fetcher.is_(False),
                MediaRequest.at >= start,
                MediaRequest.at < start + timedelta(days=1),
            )
            .group_by(MediaRequest.token_id)
        )
    ]


def _apps(session: Session, day: str, token_id: int) -> list[str]:
    start = datetime.fromisoformat(day).replace(tzinfo=UTC)
    names = session.scalars(
        select(MediaRequest.app)
        .distinct()
        .where(
            MediaRequest.token_id == token_id,
            MediaRequest.fetcher.is_(False),
            MediaRequest.at >= start,
            MediaRequest.at < start + timedelta(days=1),
        )
    )
    return sorted(name or "unknown app" for name in names)


def _flag(
    session: Session, services: Services, day: str, token_id: int, networks: int, requests: int
) -> SharingFlag | None:
    """Record the flag once per token and day (a racing worker's insert wins quietly)."""
    existing = session.scalar(
        select(SharingFlag).where(SharingFlag.token_id == token_id, SharingFlag.day == day)
    )
    if existing is not None:
        existing.networks = max(existing.networks, networks)
        existing.requests = max(existing.requests, requests)
        return None
    token = session.get_one(FeedToken, token_id)
    flag = SharingFlag(
        member_id=token.member_id,
        token_id=token_id,
        day=day,
        networks=networks,
        apps=_apps(session, day, token_id),
        requests=requests,
    )
    try:
        with session.begin_nested():
            session.add(flag)
    except IntegrityError:
        return None
    if services.config.sharing_auto_rotate and token.retired_at is None:
        _rotate(session, services, token, networks)
        flag.rotated_at = utcnow()
    return flag


def rotation_reason(networks: int) -> str:
    """The sentence the member reads in their 'new links' email."""
    return (
        f"Your private feed links were used from {networks} different networks in one day, "
        "more than one household's phones and computers use, so we replaced them to keep "
        "them yours. Add the new links to your apps; if you did share them, please don't."
    )


def _rotate(session: Session, services: Services, token: FeedToken, networks: int) -> None:
    member = session.get_one(Member, token.member_id)
    issue_token(session, services.config.secret_key, member)
    end_sessions(session, member.id)
    queue_links_replaced(session, services.config, member, rotation_reason(networks))
