"""Signed-in sessions: the cookie's id, ending one or all of them, and their expiry.

Straight against the session functions on SQLite and PostgreSQL, with the time passed in;
the cookie's flags and the sign-in pages are tested over HTTP in test_accounts_sign_in.py.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from support.service_env import TEST_SECRET

from publisher.accounts.sessions import (
    SESSION_LIFETIME,
    delete_expired_sessions,
    end_session,
    end_sessions,
    hash_session_id,
    signed_in_member,
    start_session,
)
from publisher.db import Database
from publisher.members.members import add_member
from publisher.models import AccountSession, SignInLink

NOW = datetime(2026, 3, 4, 5, 6, 7, tzinfo=UTC)
LONGEST_COOKIE = 100  # the longest cookie value the service reads (sessions._MAX_COOKIE)


def new_member(database: Database, email: str = "ann@example.com") -> int:
    with database.session() as session:
        return add_member(session, TEST_SECRET, email).id


def started(database: Database, member_id: int, at: datetime = NOW) -> str:
    """A session started `at` (so expiring `SESSION_LIFETIME` later); its cookie value."""
    with database.session() as session:
        return start_session(session, member_id, at)


def signed_in(database: Database, cookie: str, now: datetime = NOW) -> int | None:
    """The id of the member the cookie signs in as of `now`, or None."""
    with database.session() as session:
        member = signed_in_member(session, cookie, now)
        return member.id if member is not None else None


def stored_hashes(database: Database) -> set[str]:
    with database.session() as session:
        return set(session.scalars(select(AccountSession.id_hash)))


def test_a_session_id_is_43_url_safe_characters_and_only_its_hash_is_stored(
    database: Database,
) -> None:
    member_id = new_member(database)
    cookie = started(database, member_id)
    assert re.fullmatch(r"[A-Za-z0-9_-]{43}", cookie)  # token_urlsafe(32): 256 random bits
    assert stored_hashes(database) == {hash_session_id(cookie)}
    assert signed_in(database, cookie) == member_id


def test_the_longest_cookie_read_is_also_signed_out(database: Database) -> None:
    member_id = new_member(database)
    longest = "L" * LONGEST_COOKIE
    with database.session() as session:
        session.add(
            AccountSession(
                member_id=member_id,
                id_hash=hash_session_id(longest),
                created_at=NOW,
                expires_at=NOW + SESSION_LIFETIME,
            )
        )
    assert signed_in(database, longest) == member_id
    assert signed_in(database, longest + "L") is None  # longer ones are never looked up
    with database.session() as session:
        end_session(session, longest)
    assert signed_in(database, longest) is None
    assert stored_hashes(database) == set()


def test_ending_a_members_sessions_says_how_many_ended_and_spares_others(
    database: Database,
) -> None:
    ann, bea = new_member(database), new_member(database, "bea@example.com")
    kept, *others = [started(database, ann) for _ in range(3)]
    beas = started(database, bea)
    with database.session() as session:
        assert end_sessions(session, ann, keep_id_hash=hash_session_id(kept)) == 2
    assert [signed_in(database, cookie) for cookie in others] == [None, None]
    assert signed_in(database, kept) == ann
    with database.session() as session:
        assert end_sessions(session, ann) == 1
    with database.session() as session:
        assert end_sessions(session, ann) == 0  # nothing left to end
    assert signed_in(database, beas) == bea


@pytest.mark.parametrize("late", [timedelta(0), timedelta(days=1)], ids=["at-expiry", "a-day-on"])
def test_a_session_is_deleted_from_the_instant_it_expires(
    database: Database, late: timedelta
) -> None:
    member_id = new_member(database)
    expired = started(database, member_id, NOW - SESSION_LIFETIME - late)
    live = started(database, member_id, NOW - SESSION_LIFETIME + timedelta(seconds=1))
    assert signed_in(database, expired) is None  # it stopped signing in at its expiry ...
    with database.session() as session:
        assert delete_expired_sessions(session, NOW) == 1  # ... and goes at the next sign-in
    assert stored_hashes(database) == {hash_session_id(live)}
    assert signed_in(database, live) == member_id


def test_ending_a_members_sessions_voids_only_their_unused_sign_in_links(
    database: Database,
) -> None:
    ann, bea = new_member(database), new_member(database, "bea@example.com")
    links = {
        "ann unused": (ann, None),
        "ann used": (ann, NOW - timedelta(minutes=1)),  # kept: it records a sign-in
        "bea unused": (bea, None),
    }
    with database.session() as session:
        for name, (member_id, used_at) in links.items():
            session.add(
                SignInLink(
                    member_id=member_id,
                    token_hash=hash_session_id(name),
                    expires_at=NOW + timedelta(minutes=15),
                    used_at=used_at,
                )
            )
    with database.session() as session:
        end_sessions(session, ann)
    with database.session() as session:
        left = set(session.scalars(select(SignInLink.token_hash)))
    assert left == {hash_session_id("ann used"), hash_session_id("bea unused")}
