"""Emails rendered from templates: a one-line subject, plain text and phone-readable HTML.

Each kind has three templates under `templates/` (`<kind>.subject.txt`, `<kind>.txt`,
`<kind>.html`). HTML is autoescaped (show and season titles are producer text); text is
not. `StrictUndefined` turns a missing context key into an error at queue time, in the
caller's transaction, instead of an email with a hole in it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

# Every kind and the context keys its templates need (besides `show_title`).
KINDS: dict[str, tuple[str, ...]] = {
    "welcome": ("plan", "feeds", "account_url", "sign_in_url", "trial"),
    "sign_in": ("link", "minutes"),
    "links_replaced": ("feeds", "account_url", "reason"),
    "foreign_purchase": ("plan", "refunded", "sign_in_url", "join_url"),
    "membership_ended": ("reason", "detail", "join_url", "account_url", "explanation"),
    "revoked_sign_in": ("explanation", "home_url"),
    "membership_restored": ("plan", "feeds", "account_url", "sign_in_url"),
    "season_out": ("season_title", "feed_url", "account_url"),
    "gift_receipt": ("recipient_name", "gift_words", "code", "card_url", "deliver_on"),
    "gift_delivery": (
        "recipient_name",
        "giver_name",
        "gift_words",
        "message",
        "code",
        "redeem_url",
        "claim_url",
    ),
    "gift_claim": ("gift_words", "link", "minutes"),
    "address_changed": ("new_address", "owner_email", "home_url"),
    "address_now_yours": ("account_url", "sign_in_url"),
}


class UnknownEmailKind(ValueError):
    """A caller asked for an email kind that has no templates."""


@dataclass(frozen=True)
class RenderedEmail:
    """What one email says, ready to be stored in the outbox."""

    subject: str
    text: str
    html: str


@cache
def _environment() -> Environment:
    from publisher.members.plans import plan_name

    env = Environment(
        loader=PackageLoader("publisher.mail", "templates"),
        autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["plan_name"] = lambda plan: plan_name(str(plan)).lower()
    return env


def render_email(kind: str, context: Mapping[str, Any]) -> RenderedEmail:
    """Render one email of `kind`; raise `UnknownEmailKind` or jinja2's `UndefinedError`."""
    if kind not in KINDS:
        raise UnknownEmailKind(f"unknown email kind {kind!r} (one of {', '.join(KINDS)})")
    env = _environment()
    values = dict(context)
    subject = env.get_template(f"{kind}.subject.txt").render(values)
    return RenderedEmail(
        subject=one_line(subject),
        text=env.get_template(f"{kind}.txt").render(values),
        html=env.get_template(f"{kind}.html").render(values),
    )


def one_line(text: str, limit: int = 200) -> str:
    """Collapse whitespace (a newline in a title must never become a header injection)."""
    return re.sub(r"\s+", " ", text).strip()[:limit]
