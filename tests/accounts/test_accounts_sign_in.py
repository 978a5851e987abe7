"""Sign-in by emailed link: same answer for strangers, single use, 15 minutes, rate limits."""

from __future__ import annotations

import hashlib
import re
import secrets
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
import requests
from sqlalchemy import select, update
from support.accounts import ask_for_link, finish_sign_in, link_in, queued, sign_in
from support.catalog_factory import make_show
from support.stripe_app import Shop, csrf_token_of

from publisher.accounts import sign_in as sign_in_module
from publisher.accounts.rate_limits import key_hash
from publisher.accounts.sign_in import (
    LINK_LIFETIME,
    answer_requests,
    link_usable,
    request_link,
    use_link,
)
from publisher.app import create_app
from publisher.members.members import add_member
from publisher.models import AccountSession, Member, RateLimitHit, SignInLink
from publisher.services import Services, services_of

pytestmark = pytest.mark.stripe


def add(shop: Shop, email: str, **fields: object) -> int:
    return add_to(shop.services, email, **fields)


def add_to(services: Services, email: str, **fields: object) -> int:
    """A member with `fields` stored; their id."""
    with services.db.session() as session:
        member = add_member(session, services.config.secret_key, email)
        for name, value in fields.items():
            setattr(member, name, value)
        return member.id


def test_the_form_has_a_labelled_email_field(shop: Shop) -> None:
    page = shop.browser.get(f"{shop.url}/account/sign-in", timeout=30)
    assert page.status_code == 200
    assert '<label for="email">' in page.text and 'id="email" name="email"' in page.text
    assert 'name="csrf_token"' in page.text


def test_a_member_and_a_stranger_get_the_same_answer_and_only_the_member_an_email(
    shop: Shop,
) -> None:
    add(shop, "ann@example.com")
    member = ask_for_link(shop.url, shop.browser, "Ann@Example.com ")
    stranger = ask_for_link(shop.url, requests.Session(), "nobody@example.com")
    assert member.status_code == stranger.status_code == 200
    assert member.text.replace("ann@example.com", "X") == stranger.text.replace(
        "nobody@example.com", "X"
    ).replace(csrf_token_of(stranger.text), csrf_token_of(member.text))
    (email,) = queued(shop.services, "sign_in")
    assert email.to_address == "ann@example.com"
    assert link_in(email.body_text).startswith(f"{shop.url}/account/sign-in/")
    with shop.services.db.session() as session:
        (link,) = session.scalars(select(SignInLink))
    token = link_in(email.body_text).rsplit("/", 1)[1]
    assert token not in link.token_hash and len(link.token_hash) == 64  # only a hash is kept
    assert link.expires_at - link.created_at == timedelta(minutes=15)


def test_opening_the_link_does_not_use_it_and_pressing_the_button_signs_in_once(
    shop: Shop,
) -> None:
    add(shop, "bea@example.com")
    ask_for_link(shop.url, shop.browser, "bea@example.com")
    link = link_in(queued(shop.services, "sign_in")[-1].body_text)
    for _ in range(3):  # a mail scanner's prefetches
        looked = requests.get(link, timeout=30)
        assert looked.status_code == 200 and "Sign in</button>" in looked.text
        assert looked.headers["Referrer-Policy"] == "no-referrer"
        assert looked.headers["Cache-Control"] == "no-store"
    signed_in = finish_sign_in(shop.browser, link)
    assert signed_in.status_code == 303 and signed_in.headers["Location"] == "/account"
    assert "bea@example.com" in shop.browser.get(f"{shop.url}/account", timeout=30).text
    again = finish_sign_in_or_page(requests.Session(), link)
    assert again.status_code == 410 and "expired or was already used" in again.text


def finish_sign_in_or_page(browser: requests.Session, link: str) -> requests.Response:
    """Open a used link: the expired page (with a form to ask again); post it anyway."""
    page = browser.get(link, timeout=30)
    assert page.status_code == 410 and 'name="email"' in page.text
    return browser.post(
        link, data={"csrf_token": csrf_token_of(page.text)}, allow_redirects=False, timeout=30
    )


def test_an_expired_link_does_not_sign_in(shop: Shop) -> None:
    add(shop, "cy@example.com")
    ask_for_link(shop.url, shop.browser, "cy@example.com")
    link = link_in(queued(shop.services, "sign_in")[-1].body_text)
    with shop.services.db.session() as session:
        session.execute(
            update(SignInLink).values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
        )
    answer = finish_sign_in_or_page(shop.browser, link)
    assert answer.status_code == 410
    assert shop.browser.get(f"{shop.url}/account", allow_redirects=False).status_code == 303


def test_a_link_is_used_up_by_exactly_one_of_two_racing_posts(shop: Shop) -> None:
    add(shop, "dee@example.com")
    ask_for_link(shop.url, shop.browser, "dee@example.com")
    token = link_in(queued(shop.services, "sign_in")[-1].body_text).rsplit("/", 1)[1]
    now = datetime.now(UTC)
    with shop.services.db.session() as first, shop.services.db.session() as second:
        won = sign_in_module.use_link(first, token, now)
        first.commit()
        lost = sign_in_module.use_link(second, token, now)
    assert won is not None and lost is None


def test_a_revoked_member_gets_no_link_but_an_email_saying_whom_to_ask(shop: Shop) -> None:
    add(shop, "eve@example.com", status="revoked")
    answer = ask_for_link(shop.url, shop.browser, "eve@example.com")
    stranger = ask_for_link(shop.url, shop.browser, "nobody@example.com")
    assert answer.status_code == 200 and "on its way" in answer.text

    # The page says nothing about who is a member: the same words but for the address (and
    # the form's CSRF token, which carries the second it was made).
    def words(page: str) -> str:
        return re.sub(r'name="csrf_token" value="[^"]+"', "", page.replace("eve@", "nobody@"))

    assert words(answer.text) == words(stranger.text)
    assert queued(shop.services, "sign_in") == []
    (mail,) = queued(shop.services, "revoked_sign_in")
    assert mail.to_address == "eve@example.com"
    assert "/account/sign-in/" not in mail.body_text and "/account/sign-in/" not in mail.body_html
    assert "has been ended" in mail.body_text and "To ask about it" in mail.body_text


def test_a_malformed_address_gets_one_clear_line_and_changes_nothing(shop: Shop) -> None:
    answer = ask_for_link(shop.url, shop.browser, "not an address")
    assert answer.status_code == 400 and "not an email address" in answer.text
    with shop.services.db.session() as session:
        assert session.scalars(select(RateLimitHit)).all() == []


def test_asking_too_often_for_one_address_is_refused_for_members_and_strangers_alike(
    shop: Shop,
) -> None:
    add(shop, "fay@example.com")
    for address in ("fay@example.com", "stranger@example.com"):
        answers = [ask_for_link(shop.url, shop.browser, address) for _ in range(4)]
        assert [a.status_code for a in answers] == [200, 200, 200, 429]
        refused = answers[-1]
        assert refused.text.count("\n") == 1 and "try again in 15 minutes" in refused.text
        assert 890 <= int(refused.headers["Retry-After"]) <= 900
    assert len(queued(shop.services, "sign_in", "fay@example.com")) == 3


def test_one_client_asking_for_many_addresses_is_refused(shop: Shop) -> None:
    answers = [ask_for_link(shop.url, shop.browser, f"n{i}@example.com") for i in range(11)]
    assert [a.status_code for a in answers] == [200] * 10 + [429]


def test_old_hits_are_deleted_and_no_longer_count(shop: Shop) -> None:
    old = datetime.now(UTC) - timedelta(minutes=16)
    with shop.services.db.session() as session:
        for _ in range(3):
            session.add(
                RateLimitHit(
                    bucket="sign_in_address",
                    key_hash=key_hash("gus@example.com", shop.services.config.secret_key),
                    at=old,
                )
            )
    assert ask_for_link(shop.url, shop.browser, "gus@example.com").status_code == 200
    with shop.services.db.session() as session:
        hits = session.scalars(select(RateLimitHit)).all()
    # One per bucket (client, address, address per day), the old ones gone.
    assert len(hits) == 3 and all(h.at > old for h in hits)
    plain = hashlib.sha256(b"gus@example.com").hexdigest()
    assert all("gus" not in h.key_hash and h.key_hash != plain for h in hits)


def test_the_session_cookie_is_httponly_lax_and_lasts_30_days(shop: Shop) -> None:
    add(shop, "hal@example.com")
    ask_for_link(shop.url, shop.browser, "hal@example.com")
    link = link_in(queued(shop.services, "sign_in")[-1].body_text)
    answer = finish_sign_in(shop.browser, link)
    cookie = answer.headers["Set-Cookie"]
    assert cookie.startswith("lovetv_account=")
    for flag in ("HttpOnly", "SameSite=Lax", "Max-Age=2592000", "Path=/"):
        assert flag in cookie
    assert "Secure" not in cookie  # the test base URL is http; https adds Secure
    value = shop.browser.cookies["lovetv_account"]
    with shop.services.db.session() as session:
        (row,) = session.scalars(select(AccountSession))
    assert value not in row.id_hash and row.expires_at - row.created_at == timedelta(days=30)


def test_posting_without_the_csrf_token_is_refused(shop: Shop) -> None:
    add(shop, "ida@example.com")
    answer = shop.browser.post(
        f"{shop.url}/account/sign-in", data={"email": "ida@example.com"}, timeout=30
    )
    assert answer.status_code == 400
    assert queued(shop.services, "sign_in") == []


def test_a_revoked_members_session_shows_nothing(shop: Shop) -> None:
    member_id = add(shop, "jo@example.com")
    sign_in(shop.url, shop.browser, shop.services, "jo@example.com")
    with shop.services.db.session() as session:
        session.get(Member, member_id).status = "revoked"
    answer = shop.browser.get(f"{shop.url}/account", allow_redirects=False, timeout=30)
    assert answer.status_code == 303 and answer.headers["Location"] == "/account/sign-in"


def test_an_expired_session_shows_nothing(shop: Shop) -> None:
    add(shop, "kim@example.com")
    sign_in(shop.url, shop.browser, shop.services, "kim@example.com")
    with shop.services.db.session() as session:
        session.execute(
            update(AccountSession).values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
        )
    answer = shop.browser.get(f"{shop.url}/account", allow_redirects=False, timeout=30)
    assert answer.status_code == 303 and answer.headers["Location"] == "/account/sign-in"


def _ask(client, address: str, forwarded: str) -> int:  # type: ignore[no-untyped-def]
    form = client.get("/account/sign-in")
    answer = client.post(
        "/account/sign-in",
        data={"email": address, "csrf_token": csrf_token_of(form.get_data(as_text=True))},
        headers={"X-Forwarded-For": forwarded},
    )
    return answer.status_code


def test_a_forged_forwarded_for_does_not_escape_the_client_limit(config) -> None:  # type: ignore[no-untyped-def]
    app = create_app(config=config)
    codes = [_ask(app.test_client(), f"p{i}@example.com", f"10.0.0.{i}") for i in range(11)]
    services_of(app).db.dispose()
    assert codes == [200] * 10 + [429]


def test_behind_a_trusted_proxy_each_forwarded_client_is_counted_apart(config) -> None:  # type: ignore[no-untyped-def]
    app = create_app(config=replace(config, trusted_proxies=1))
    client = app.test_client()
    codes = [_ask(client, f"q{i}@example.com", f"10.0.0.{i}") for i in range(11)]
    same = [_ask(client, f"r{i}@example.com", "10.0.0.99") for i in range(11)]
    services_of(app).db.dispose()
    assert codes == [200] * 11 and same[-1] == 429


# --- the link functions themselves, with the time passed in ---------------------------------

# Long before the wall clock: a request counted at the wall clock's time instead would show.
ASKED = datetime(2020, 2, 3, 4, 5, 6, tzinfo=UTC)
TICK = timedelta(microseconds=1)


def request_at(
    services: Services, address: str, now: datetime, client: str = "192.0.2.1"
) -> int | None:
    """Ask for a link as of `now` (and let the sender answer); seconds to wait, else None."""
    with services.db.session() as session:
        wait = request_link(session, services.config, address, client, now).retry_after
    with services.db.session() as session:
        answer_requests(session, services.config, now)
    return wait


def token_sent_to(services: Services, address: str, now: datetime = ASKED) -> str:
    """Ask for a link as of `now` and read its token from the queued email."""
    assert request_at(services, address, now) is None
    return link_in(queued(services, "sign_in", address)[-1].body_text).rsplit("/", 1)[1]


def used_by(services: Services, token: str, now: datetime = ASKED) -> int | None:
    with services.db.session() as session:
        return use_link(session, token, now)


def usable(services: Services, token: str, now: datetime = ASKED) -> bool:
    with services.db.session() as session:
        return link_usable(session, token, now)


def test_each_limit_counts_requests_at_the_time_they_were_asked(services: Services) -> None:
    later = ASKED + timedelta(minutes=1)
    assert [request_at(services, "ann@example.com", ASKED) for _ in range(3)] == [None] * 3
    assert request_at(services, "ann@example.com", later) == 14 * 60
    assert request_at(services, "ann@example.com", ASKED + timedelta(minutes=15)) is None
    office = "203.0.113.9"
    asked = [request_at(services, f"n{i}@example.com", ASKED, office) for i in range(10)]
    assert asked == [None] * 10
    assert request_at(services, "n10@example.com", later, office) == 14 * 60


@pytest.mark.parametrize(
    ("show_title", "named"),
    [("Night Radio", "Night Radio"), (None, "Love TV")],
    ids=["the-shows-title", "no-show-yet"],
)
def test_the_email_names_the_show_and_carries_a_fresh_link_for_15_minutes(
    services: Services, show_title: str | None, named: str
) -> None:
    if show_title is not None:
        with services.db.session() as session:
            make_show(session, title=show_title)
    member_id = add_to(services, "ann@example.com")
    token = token_sent_to(services, "ann@example.com")
    (email,) = queued(services, "sign_in")
    assert email.subject == f"Your sign-in link for {named}"
    assert f"sign in to {named} with this address" in email.body_text
    assert "It works once, for 15 minutes." in email.body_text
    assert re.fullmatch(r"[A-Za-z0-9_-]{43}", token)  # token_urlsafe(32): 256 random bits
    assert email.member_id == member_id


def test_a_link_works_until_its_expiry_and_not_at_it(services: Services) -> None:
    member_id = add_to(services, "ann@example.com")
    token = token_sent_to(services, "ann@example.com")
    expiry = ASKED + LINK_LIFETIME
    assert usable(services, token, expiry - TICK) and not usable(services, token, expiry)
    assert used_by(services, token, expiry) is None
    assert used_by(services, token, expiry - TICK) == member_id


def test_a_malformed_or_unknown_link_is_neither_usable_nor_used(services: Services) -> None:
    add_to(services, "ann@example.com")
    token = token_sent_to(services, "ann@example.com")
    for stranger in ("short", "not/a/token" * 3, token + "!", secrets.token_urlsafe(32)):
        assert not usable(services, stranger) and used_by(services, stranger) is None
    assert usable(services, token)


def test_using_one_link_never_uses_up_another(services: Services) -> None:
    ann, bea = add_to(services, "ann@example.com"), add_to(services, "bea@example.com")
    anns = token_sent_to(services, "ann@example.com")
    assert used_by(services, secrets.token_urlsafe(32)) is None  # a guess uses nothing up
    beas = token_sent_to(services, "bea@example.com")
    assert used_by(services, anns) == ann
    assert used_by(services, beas) == bea


def test_a_member_revoked_after_asking_cannot_use_the_link(services: Services) -> None:
    member_id = add_to(services, "ann@example.com")
    token = token_sent_to(services, "ann@example.com")
    with services.db.session() as session:
        session.get(Member, member_id).status = "revoked"
    assert used_by(services, token) is None


@pytest.mark.parametrize("answer", ["reset", "rotate", "revoke"])
def test_a_link_sent_before_a_reset_rotation_or_revocation_no_longer_signs_in(
    services: Services, answer: str
) -> None:
    from publisher.accounts.account_page import reset_links
    from publisher.members import admin

    member_id = add_to(services, "ann@example.com")
    token = token_sent_to(services, "ann@example.com")
    if answer == "reset":  # from the account page of another browser
        with services.db.session() as session:
            member = session.get(Member, member_id)
            reset_links(session, services.config, member, "another-browser", ASKED)
    else:
        getattr(admin, answer)(services, "ann@example.com")
    assert not usable(services, token) and used_by(services, token) is None


def test_sixteen_simultaneous_requests_for_one_address_send_at_most_three(
    services: Services,
) -> None:
    add_to(services, "ivy@example.com")

    def ask(n: int) -> int | None:
        return request_at(services, "ivy@example.com", ASKED, client=f"192.0.2.{n}")

    with ThreadPoolExecutor(16) as pool:
        answers = list(pool.map(ask, range(16)))
    assert answers.count(None) == 3
    assert len(queued(services, "sign_in", "ivy@example.com")) == 3


def test_one_ipv6_network_counts_as_one_client(services: Services) -> None:
    waits = [
        request_at(services, f"v6-{n}@example.com", ASKED, client=f"2001:db8:0:7::{n + 1:x}")
        for n in range(11)
    ]
    assert waits[:10] == [None] * 10 and waits[10] is not None
    assert request_at(services, "v6-other@example.com", ASKED, client="2001:db8:0:8::1") is None


def test_an_address_gets_at_most_ten_links_a_day(services: Services) -> None:
    add_to(services, "day@example.com")
    times = [ASKED + timedelta(minutes=16 * n) for n in range(11)]
    waits = [
        request_at(services, "day@example.com", at, client=f"192.0.2.{n}")
        for n, at in enumerate(times)
    ]
    assert waits[:10] == [None] * 10 and waits[10] is not None
    assert waits[10] > 16 * 60  # the daily limit, not the 15-minute one
    assert request_at(services, "day@example.com", ASKED + timedelta(days=1, minutes=1)) is None


def test_asking_does_the_same_work_for_a_member_and_a_stranger(shop: Shop, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Timing cannot tell members apart when the request runs the same statements for
    both: who is a member is looked up afterwards, by the mail sender."""
    from sqlalchemy import event

    from publisher.accounts.sign_in import answer_pending
    from publisher.web import sign_in as sign_in_view

    monkeypatch.setattr(sign_in_view, "running_here", lambda: True)  # as under lovetv serve
    add(shop, "kim@example.com")
    statements: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany) -> None:  # type: ignore[no-untyped-def]
        statements.append(statement)

    engine = shop.services.db.engine
    work = {}
    for address in ("kim@example.com", "stranger@example.com", "kim@example.com"):
        form = shop.browser.get(f"{shop.url}/account/sign-in", timeout=30)
        event.listen(engine, "before_cursor_execute", record)
        try:
            answer = shop.browser.post(
                f"{shop.url}/account/sign-in",
                data={"email": address, "csrf_token": csrf_token_of(form.text)},
                timeout=30,
            )
        finally:
            event.remove(engine, "before_cursor_execute", record)
        assert answer.status_code == 200
        work.setdefault(address, list(statements))
        statements.clear()
    assert work["kim@example.com"] == work["stranger@example.com"]
    assert queued(shop.services, "sign_in") == []  # nothing decided inside the request
    answer_pending(shop.services.db, shop.services.config)
    assert [m.to_address for m in queued(shop.services, "sign_in")] == ["kim@example.com"] * 2
