"""Membership emails queued with their cause: a new season's announcement, rotation, revocation."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import insert, select
from support.publishing import set_up_season
from support.service_env import service_env

from auth.tokens import derive_token, lookup_hash, new_nonce
from publisher.accounts.sessions import start_session
from publisher.catalog.publishing import EpisodeDraft, publish_episode
from publisher.members import admin
from publisher.members.members import add_member, current_token, find_member
from publisher.members.season_news import announce_season
from publisher.models import AccountSession, FeedToken, Member, OutboxMessage, Season, utcnow
from publisher.services import Services


@pytest.fixture(name="env")
def env_fixture(database_url: str, local_storage_url: str) -> dict[str, str]:
    """Local storage is enough: these tests are about the database and the outbox."""
    return service_env(database_url, local_storage_url)


def outbox(services: Services, kind: str) -> list[OutboxMessage]:
    with services.db.session() as session:
        query = select(OutboxMessage).where(OutboxMessage.kind == kind)
        return list(session.scalars(query.order_by(OutboxMessage.id)))


def add(services: Services, email: str, **fields: object) -> str:
    """A member (with stored fields overridden); their current token."""
    with services.db.session() as session:
        member = add_member(session, services.config.secret_key, email, plan="monthly")
        for name, value in fields.items():
            setattr(member, name, value)
        return current_token(session, member, services.config.secret_key)


def publish(services: Services, mp3: Path, title: str, **draft: object) -> None:
    publish_episode(services, EpisodeDraft(season="season-1", audio=mp3, title=title, **draft))


def test_a_seasons_first_episode_announces_it_once_to_each_member_who_can_hear_it(
    services: Services, tmp_path: Path, mp3_file: Path
) -> None:
    set_up_season(services, tmp_path)
    now = utcnow()
    ann = add(services, "ann@example.com")
    add(services, "bo@example.com", status="lapsed")
    add(services, "cy@example.com", billing_state="past_due", grace_until=now - timedelta(hours=1))
    dee = add(services, "dee@example.com", billing_state="past_due", grace_until=now + timedelta(1))
    add(services, "eve@example.com", status="revoked")
    # A gift and a prepaid (imported) membership whose end has passed can't hear it either.
    add(
        services,
        "gus@example.com",
        plan="gift",
        billing_state="gift",
        grace_until=now - timedelta(1),
    )
    add(services, "hal@example.com", billing_state="prepaid", grace_until=now - timedelta(1))
    publish(services, mp3_file, "One")
    mails = outbox(services, "season_out")
    assert sorted(m.to_address for m in mails) == ["ann@example.com", "dee@example.com"]
    by_address = {m.to_address: m for m in mails}
    base = services.config.base_url
    assert f"{base}/feeds/{ann}/season-1.xml" in by_address["ann@example.com"].body_text
    assert f"{base}/feeds/{dee}/season-1.xml" in by_address["dee@example.com"].body_text
    assert ann not in by_address["dee@example.com"].body_text
    # A second episode of the season, or a member joining later, queues nothing more.
    add(services, "fay@example.com")
    publish(services, mp3_file, "Two")
    assert len(outbox(services, "season_out")) == 2


def test_announcing_a_season_again_never_emails_a_member_twice(
    services: Services, tmp_path: Path
) -> None:
    set_up_season(services, tmp_path)
    add(services, "ann@example.com")
    with services.db.session() as session:
        season = session.scalar(select(Season))
        assert announce_season(session, services.config, season, utcnow()) == 1
        assert announce_season(session, services.config, season, utcnow()) == 0
    assert len(outbox(services, "season_out")) == 1


def test_a_scheduled_first_episode_announces_the_season_when_it_comes_out(
    services: Services, tmp_path: Path, mp3_file: Path
) -> None:
    set_up_season(services, tmp_path)
    add(services, "ann@example.com")
    when = (utcnow() + timedelta(days=2)).replace(microsecond=0)
    publish(services, mp3_file, "Soon", publish_at=when)
    (mail,) = outbox(services, "season_out")
    assert mail.next_attempt_at == when


def test_ten_thousand_members_are_each_announced_once(services: Services, tmp_path: Path) -> None:
    set_up_season(services, tmp_path)
    secret = services.config.secret_key
    with services.db.session() as session:
        session.execute(
            insert(Member),
            [
                {"email": f"m{n}@example.com", "plan": "monthly", "status": "active"}
                for n in range(10_000)
            ],
        )
        ids = list(session.scalars(select(Member.id)))
        tokens = []
        for member_id in ids:
            nonce = new_nonce()
            tokens.append(
                {
                    "member_id": member_id,
                    "nonce": nonce,
                    "lookup_hash": lookup_hash(derive_token(secret, nonce)),
                }
            )
        session.execute(insert(FeedToken), tokens)
    with services.db.session() as session:
        season = session.scalar(select(Season))
        queued = announce_season(session, services.config, season, utcnow())
    assert queued == 10_000


def test_rotating_emails_the_new_links_and_ends_every_session(
    services: Services, tmp_path: Path, mp3_file: Path
) -> None:
    set_up_season(services, tmp_path)
    publish(services, mp3_file, "One")
    old = add(services, "ann@example.com")
    with services.db.session() as session:
        member = find_member(session, "ann@example.com")
        start_session(session, member.id, utcnow())
        start_session(session, member.id, utcnow())
    summary = admin.rotate(services, "ann@example.com")
    new = summary["feeds"]["season-1"]
    (mail,) = outbox(services, "links_replaced")
    assert mail.to_address == "ann@example.com" and new in mail.body_text
    assert old not in mail.body_text
    with services.db.session() as session:
        assert session.scalars(select(AccountSession)).all() == []


def test_revoking_an_active_member_emails_them_and_ends_their_sessions(
    services: Services,
) -> None:
    add(services, "ann@example.com")
    add(services, "bo@example.com", status="lapsed")
    with services.db.session() as session:
        for email in ("ann@example.com", "bo@example.com"):
            start_session(session, find_member(session, email).id, utcnow())
    admin.revoke(services, "ann@example.com")
    admin.revoke(services, "bo@example.com")
    admin.revoke(services, "ann@example.com")  # already revoked: no second email
    mails = outbox(services, "membership_ended")
    assert [m.to_address for m in mails] == ["ann@example.com"]
    assert "ended" in mails[0].body_text
    with services.db.session() as session:
        assert session.scalars(select(AccountSession)).all() == []
