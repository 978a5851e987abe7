"""Queueing email: every kind renders text and HTML with its links, and "once ever" holds."""

from __future__ import annotations

import re
from datetime import timedelta
from html.parser import HTMLParser
from pathlib import Path

import pytest
from jinja2 import UndefinedError
from sqlalchemy import event, func, select
from sqlalchemy.orm import ORMExecuteState, Session
from support.mail_contexts import BASE, CONTEXTS, FEEDS, context_of
from support.mail_env import mail_config

from publisher.config import Config
from publisher.db import Database
from publisher.mail.claim import claim_due
from publisher.mail.outbox import CHUNK, Message, queue_email, queue_many
from publisher.mail.render import KINDS, render_email
from publisher.models import Member, OutboxMessage, utcnow


@pytest.fixture
def config(database_url: str, tmp_path: Path) -> Config:
    """Mail needs no store: one local folder instead of conftest's every-store matrix."""
    return mail_config(database_url, tmp_path, None)


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []
        self.images: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "a" and values.get("href"):
            self.hrefs.append(values["href"] or "")
        if tag == "img":
            self.images.append(values.get("src") or "")


def _links_of(html: str) -> _Links:
    parser = _Links()
    parser.feed(html)
    return parser


def _expected_links(kind: str) -> set[str]:
    context = CONTEXTS[kind]
    links = {v for v in context.values() if isinstance(v, str) and v.startswith(BASE)}
    if "feeds" in context:
        links |= {feed["url"] for feed in FEEDS}
    return links


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_each_kind_renders_text_and_html_with_every_link_absolute(kind: str) -> None:
    email = render_email(kind, context_of(kind))
    assert email.subject and "\n" not in email.subject and "Love TV" in email.subject + email.text
    expected = _expected_links(kind)
    assert expected and all(link in email.text for link in expected)
    parsed = _links_of(email.html)
    assert expected <= set(parsed.hrefs)
    assert all(href.startswith(BASE + "/") for href in parsed.hrefs)
    assert parsed.images == []  # nothing fetched from elsewhere when the mail is opened
    assert 'name="viewport"' in email.html and "max-width:560px" in email.html
    assert "You get this email because" in email.text and "You get this email because" in (
        email.html
    )


@pytest.mark.parametrize("kind", ["welcome", "links_replaced"])
def test_feed_emails_list_each_season_by_title_and_ask_not_to_share(kind: str) -> None:
    email = render_email(kind, context_of(kind))
    for feed in FEEDS:
        assert feed["title"] in email.text
        assert feed["url"] in email.text
    assert "Season Two: Push &amp; Pull" in email.html
    assert "don't share" in email.text and "don’t share" in email.html


def test_hostile_titles_are_escaped_in_html_and_cannot_inject_headers() -> None:
    context = context_of("season_out", show_title="Evil\r\nBcc: victim@example.com <script>")
    context["season_title"] = "<img src=http://evil.test/x.png>"
    email = render_email("season_out", context)
    assert "\n" not in email.subject and "\r" not in email.subject
    assert "<script>" not in email.html and "<img" not in email.html
    assert "&lt;img src=http://evil.test/x.png&gt;" in email.html


def test_a_missing_context_key_fails_at_queue_time() -> None:
    context = context_of("sign_in")
    del context["minutes"]
    with pytest.raises(UndefinedError):
        render_email("sign_in", context)
    with pytest.raises(ValueError, match="unknown email kind"):
        render_email("postcard", context_of("sign_in"))


def test_queued_email_has_a_stable_message_id_on_the_base_host(
    database: Database, config: Config
) -> None:
    with database.session() as session:
        message = queue_email(session, config, "sign_in", "ann@example.com", context_of("sign_in"))
        assert message is not None
    with database.session() as session:
        stored = session.scalars(select(OutboxMessage)).one()
    assert re.fullmatch(r"<[^<>@\s]+@podcasts\.lovetv\.test>", stored.message_id)
    assert stored.status == "pending" and stored.attempts == 0
    assert stored.subject == "Your sign-in link for Love TV"
    assert f"{BASE}/account/sign-in/s1gn1nt0ken" in stored.body_text


def test_an_address_with_a_newline_is_refused(database: Database, config: Config) -> None:
    with database.session() as session, pytest.raises(ValueError):
        queue_email(session, config, "sign_in", "a@x.test\r\nBcc: b@x.test", context_of("sign_in"))


def test_dedupe_key_queues_once_and_keeps_the_callers_transaction(
    database: Database, config: Config
) -> None:
    context = context_of("season_out")
    with database.session() as session:
        first = queue_email(session, config, "season_out", "a@x.test", context, dedupe_key="s3:1")
        assert first is not None
    with database.session() as session:
        session.add(Member(email="kept@x.test"))
        session.flush()
        again = queue_email(session, config, "season_out", "a@x.test", context, dedupe_key="s3:1")
        assert again is None
        session.add(Member(email="kept-too@x.test"))
    with database.session() as session:
        emails = set(session.scalars(select(Member.email)))
        assert {"kept@x.test", "kept-too@x.test"} <= emails
        assert session.scalar(select(func.count()).select_from(OutboxMessage)) == 1


def test_rolled_back_cause_takes_its_email_with_it(database: Database, config: Config) -> None:
    with pytest.raises(RuntimeError), database.session() as session:
        queue_email(session, config, "sign_in", "a@x.test", context_of("sign_in"))
        raise RuntimeError("the cause failed")
    with database.session() as session:
        assert session.scalar(select(func.count()).select_from(OutboxMessage)) == 0


def test_queue_many_skips_keys_already_queued(database: Database, config: Config) -> None:
    context = context_of("season_out")
    with database.session() as session:
        queue_email(session, config, "season_out", "m1@x.test", context, dedupe_key="s:1")
    batch = [(f"m{i}@x.test", context, None, f"s:{i}") for i in range(1, 6)]
    batch.append(("m5@x.test", context, None, "s:5"))  # twice in one batch, still once
    with database.session() as session:
        assert queue_many(session, config, "season_out", batch) == 4
    with database.session() as session:
        assert queue_many(session, config, "season_out", batch) == 0
        keys = sorted(session.scalars(select(OutboxMessage.dedupe_key)))
    assert keys == [f"s:{i}" for i in range(1, 6)]


def test_queue_many_queues_ten_thousand_each_with_its_own_message_id(
    database: Database, config: Config
) -> None:
    messages = [
        (f"member{i}@x.test", context_of("season_out"), None, f"season-3:{i}")
        for i in range(10_000)
    ]
    with database.session() as session:
        assert queue_many(session, config, "season_out", messages) == 10_000
    with database.session() as session:
        ids = set(session.scalars(select(OutboxMessage.message_id)))
    assert len(ids) == 10_000  # its speed is measured by make bench, not asserted here


def announcements(count: int) -> list[Message]:
    """A season's announcement to `count` members, each once ever (its own dedupe key)."""
    context = context_of("season_out")
    return [(f"member{i}@x.test", context, None, f"season-3:{i}") for i in range(count)]


class OutboxTraffic:
    """What queueing asks of the database in one session: the dedupe keys each lookup asks
    about and each INSERT carries (keys are how messages are told apart here)."""

    def __init__(self, session: Session) -> None:
        self.lookups: list[list[str]] = []
        self.inserts: list[list[str | None]] = []
        event.listen(session, "do_orm_execute", self._record)

    def _record(self, state: ORMExecuteState) -> None:
        if state.is_select:
            (keys,) = state.statement.compile().params.values()
            self.lookups.append(list(keys))
        elif state.is_insert:
            self.inserts.append([row["dedupe_key"] for row in state.parameters or []])


def test_one_message_over_a_chunk_goes_in_two_chunks_all_counted_and_held_until_send_after(
    database: Database, config: Config
) -> None:
    """Chunks keep each statement's bind parameters under the drivers' limits."""
    later = utcnow() + timedelta(days=1)
    with database.session() as session:
        traffic = OutboxTraffic(session)
        messages = announcements(CHUNK + 1)
        queued = queue_many(session, config, "season_out", messages, send_after=later)
    assert queued == CHUNK + 1
    assert [len(keys) for keys in traffic.lookups] == [CHUNK, 1]
    assert [len(keys) for keys in traffic.inserts] == [CHUNK, 1]
    assert claim_due(database, later - timedelta(seconds=1), CHUNK + 1) == []
    assert len(claim_due(database, later, CHUNK + 1)) == CHUNK + 1


def test_keys_already_queued_or_repeated_are_dropped_before_the_insert(
    database: Database, config: Config
) -> None:
    """One lookup per chunk; only new rows are rendered and sent, the first of a repeat kept."""
    context = context_of("season_out")
    with database.session() as session:
        queue_email(session, config, "season_out", "m1@x.test", context, dedupe_key="s:1")
    batch: list[Message] = [(f"m{i}@x.test", context, None, f"s:{i}") for i in (1, 2, 3)]
    batch += [("again@x.test", context, None, "s:3"), ("any@x.test", context, None, None)]
    with database.session() as session:
        traffic = OutboxTraffic(session)
        assert queue_many(session, config, "season_out", batch) == 3
    assert [sorted(set(keys)) for keys in traffic.lookups] == [["s:1", "s:2", "s:3"]]
    assert traffic.inserts == [["s:2", "s:3", None]]
    with database.session() as session:
        rows = session.execute(select(OutboxMessage.dedupe_key, OutboxMessage.to_address))
        assert dict(rows.all()) == {
            "s:1": "m1@x.test",
            "s:2": "m2@x.test",
            "s:3": "m3@x.test",
            None: "any@x.test",
        }


def test_a_key_queued_by_another_process_meanwhile_is_skipped_and_the_callers_work_kept(
    database: Database, config: Config
) -> None:
    """The key appears after this call's lookup and before its INSERT, as when two
    announcement runs race: ON CONFLICT DO NOTHING skips it instead of failing the caller."""
    context = context_of("season_out")

    def race_in_first(state: ORMExecuteState) -> None:
        if state.is_insert and not racers:
            racers.append("racer@x.test")
            with database.session() as other:
                queue_email(other, config, "season_out", "racer@x.test", context, dedupe_key="s:1")

    racers: list[str] = []
    batch: list[Message] = [("a@x.test", context, None, "s:1"), ("b@x.test", context, None, "s:2")]
    with database.session() as session:
        event.listen(session, "do_orm_execute", race_in_first)
        assert queue_many(session, config, "season_out", batch) == 1
        session.add(Member(email="kept@x.test"))
    assert racers == ["racer@x.test"]
    with database.session() as session:
        rows = session.execute(select(OutboxMessage.dedupe_key, OutboxMessage.to_address))
        assert dict(rows.all()) == {"s:1": "racer@x.test", "s:2": "b@x.test"}
        assert session.scalar(select(Member.email)) == "kept@x.test"


def test_queue_many_records_each_messages_member(database: Database, config: Config) -> None:
    with database.session() as session:
        member = Member(email="ann@x.test")
        session.add(member)
        session.flush()
        message = ("ann@x.test", context_of("season_out"), member.id, "s:ann")
        assert queue_many(session, config, "season_out", [message]) == 1
    with database.session() as session:
        assert session.scalar(select(OutboxMessage.member_id)) == member.id
