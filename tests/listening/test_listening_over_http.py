"""Who may listen, asked the way a podcast app asks: the feed route and the media route.

Every stored membership state a member can be in, on SQLite and PostgreSQL, with the
decision read from what the routes answer (the feed's items, the audio's status code),
never from a helper. Time is a `Clock` the routes read, so a grace period runs out on the
next request with no Stripe event and no sleep.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import feedparser
import pytest
import requests
from support.catalog_factory import Catalog
from support.clock import Clock
from support.feed_checks import parse_feed
from support.stripe_app import SECRET_KEY, Shop

from publisher.members.members import current_token, issue_token
from publisher.models import Member

pytestmark = pytest.mark.stripe

PAYMENT_PROBLEM = "Payment problem: update your card"
ENDED = "Your membership has ended: renew to keep listening"
WITHDRAWN = "Access to this feed was withdrawn"
REPLACED = "This private link was replaced by a newer one"
EPISODES = ["Trailer", "Opening up", "Free taste"]  # as the catalog orders them


def set_member(catalog: Catalog, **fields) -> None:  # type: ignore[no-untyped-def]
    with catalog.services.db.session() as session:
        member = session.get(Member, catalog.member.id)
        for name, value in fields.items():
            setattr(member, name, value)


def heard(client, catalog: Catalog, token: str | None = None) -> tuple[list[str], int, int]:  # type: ignore[no-untyped-def]
    """(feed item titles, audio GET status, audio HEAD status) for the member's token."""
    token = token or catalog.token
    feed = client.get(catalog.feed_path(token))
    assert feed.status_code == 200
    titles = [e["title"] for e in parse_feed(feed.data).gpodder["episodes"]]
    audio = f"/media/{token}/{catalog.first.guid}.mp3"
    return titles, client.get(audio).status_code, client.head(audio).status_code


def test_an_active_member_hears_every_published_episode(client, catalog, clock: Clock) -> None:
    assert heard(client, catalog) == (EPISODES, 200, 200)
    chapters = client.get(f"/media/{catalog.token}/{catalog.first.guid}.chapters.json")
    assert chapters.status_code == 200


def test_past_due_within_grace_keeps_listening_with_a_card_notice(
    client, catalog, clock: Clock
) -> None:
    # The renewal failed an hour ago (grace is 7 days): the notice is the newest item.
    grace_until = clock.now + timedelta(days=7, hours=-1)
    set_member(catalog, billing_state="past_due", grace_until=grace_until)
    assert heard(client, catalog) == ([PAYMENT_PROBLEM, *EPISODES], 200, 200)


def test_past_due_grace_ends_at_its_instant_with_no_event(client, catalog, clock: Clock) -> None:
    grace_until = clock.now + timedelta(hours=5)  # before the scheduled episode
    set_member(catalog, billing_state="past_due", grace_until=grace_until)
    clock.now = grace_until - timedelta(microseconds=1)
    # Dated at the failed renewal, seven days before the grace ends: older than the episodes.
    assert heard(client, catalog) == ([*EPISODES, PAYMENT_PROBLEM], 200, 200)
    clock.now = grace_until
    assert heard(client, catalog) == ([ENDED], 403, 403)
    clock.advance(days=30)
    assert heard(client, catalog) == ([ENDED], 403, 403)
    chapters = client.get(f"/media/{catalog.token}/{catalog.first.guid}.chapters.json")
    assert chapters.status_code == 403


def test_a_grace_that_ran_out_while_nobody_listened_is_lapsed(client, catalog) -> None:
    """The stored grace is already over when the first request comes (real clock)."""
    from publisher.models import utcnow

    set_member(catalog, billing_state="past_due", grace_until=utcnow() - timedelta(seconds=1))
    assert heard(client, catalog) == ([ENDED], 403, 403)


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("lapsed", ENDED),
        ("revoked", WITHDRAWN),
        ("paused", ENDED),  # a status this version does not know is never access
        ("", ENDED),
        ("ACTIVE", ENDED),
    ],
)
def test_a_member_without_access_gets_one_notice_and_no_audio(
    client, catalog, status: str, expected: str
) -> None:
    set_member(catalog, status=status)
    assert heard(client, catalog) == ([expected], 403, 403)


def test_a_revoked_past_due_member_stays_revoked_within_grace(client, catalog, clock) -> None:
    set_member(
        catalog,
        status="revoked",
        billing_state="past_due",
        grace_until=clock.now + timedelta(days=3),
    )
    assert heard(client, catalog) == ([WITHDRAWN], 403, 403)


def test_a_replaced_link_says_so_and_the_new_one_works(client, catalog) -> None:
    with catalog.services.db.session() as session:
        member = session.get(Member, catalog.member.id)
        issue_token(session, SECRET_KEY, member)
        new = current_token(session, member, SECRET_KEY)
    assert heard(client, catalog) == ([REPLACED], 403, 403)
    assert heard(client, catalog, new) == (EPISODES, 200, 200)


# --- a Stripe journey, over real HTTP --------------------------------------------------------


def app_listens(shop: Shop, token: str) -> tuple[list[str], list[int]]:
    """Fetch the feed as an app does, then each enclosure it lists (no redirects followed)."""
    answer = requests.get(f"{shop.url}/feeds/{token}/season-1.xml", timeout=30)
    assert answer.status_code == 200
    entries = feedparser.parse(answer.content).entries
    urls = [link.href for e in entries for link in e.links if link.rel == "enclosure"]
    members_audio = [url for url in urls if f"/media/{token}/" in url]
    return [e.title for e in entries], [
        requests.get(url, timeout=30, allow_redirects=False).status_code for url in members_audio
    ]


def test_a_failed_renewal_lapses_when_grace_runs_out_without_any_event(
    shop: Shop, mp3_file: Path, clock: Clock
) -> None:
    shop.add_catalog(mp3_file)
    session_id, events = shop.buy("monthly", "eve@example.com")
    shop.deliver(*events)
    token = shop.token_of("eve@example.com")
    first_audio = app_listens(shop, token)[1]
    assert first_audio == [200]
    sub = shop.stripe.session_subscription(session_id)
    assert all(r.status_code == 200 for r in shop.deliver(*shop.stripe.fail_renewal(sub)))
    assert app_listens(shop, token)[0] == [PAYMENT_PROBLEM, "First Steps"]
    assert app_listens(shop, token)[1][-1] == 200
    clock.advance(days=6, hours=23)
    assert app_listens(shop, token)[0] == [PAYMENT_PROBLEM, "First Steps"]
    clock.advance(hours=2)  # past the seven days of grace; Stripe has said nothing more
    recorded = shop.recorded_events()
    titles, statuses = app_listens(shop, token)
    assert (titles, statuses) == ([ENDED], [])  # the notice's chime is not member audio
    direct = requests.get(f"{shop.url}/media/{token}/{_guid(shop)}.mp3", timeout=30)
    assert direct.status_code == 403
    assert shop.recorded_events() == recorded
    # The card is fixed: the same link brings the episodes back.
    shop.deliver(*shop.stripe.recover(sub))
    assert app_listens(shop, token) == (["First Steps"], [200])


def _guid(shop: Shop) -> str:
    from sqlalchemy import select

    from publisher.models import Episode

    with shop.services.db.session() as session:
        return session.scalar(select(Episode.guid))
