"""The show's terms and refund policy: Markdown the producer sets, shown at /terms and /refunds.

`lovetv show set --terms FILE --refund-policy FILE` stores each file's text with
`set_policies`; the pages render it with `policy_html`, through the same sanitizer as show
notes plus headings (`feeds.notes`), so a policy can link but never run a script.
"""

from __future__ import annotations

from pathlib import Path

import nh3
from markdown_it import MarkdownIt
from sqlalchemy.orm import Session

from feeds.notes import ALLOWED_ATTRIBUTES, ALLOWED_SCHEMES, ALLOWED_TAGS
from feeds.text import clean_text
from publisher.errors import UserError
from publisher.listening.invalidation import show_changed
from publisher.models import Show, utcnow

TERMS, REFUND_POLICY = "terms", "refund_policy"
POLICY_TITLES = {TERMS: "Terms", REFUND_POLICY: "Refund policy"}
MAX_POLICY_CHARS = 100_000
_PAGE_TAGS = ALLOWED_TAGS | {"h2", "h3", "h4"}
_MARKDOWN = MarkdownIt("commonmark", {"html": True})


def read_policy_file(path: Path, option: str) -> str:
    """A policy file's text, or one clear line saying what is wrong with it."""
    try:
        text = path.read_text(encoding="utf-8-sig").strip()
    except UnicodeDecodeError:
        raise UserError(f"{path.name} is not UTF-8 text ({option})") from None
    except OSError as exc:
        raise UserError(f"cannot read {path} ({option}): {exc.strerror}") from None
    if len(text) > MAX_POLICY_CHARS:
        raise UserError(f"{path.name} is longer than {MAX_POLICY_CHARS} characters ({option})")
    return text


def set_policies(
    session: Session, terms: str | None = None, refund_policy: str | None = None
) -> None:
    """Store the given texts on the show (None: unchanged), in the caller's transaction."""
    show = session.get(Show, 1)
    if show is None:
        raise UserError("set the show's title first (lovetv show set --title T)")
    if terms is not None:
        show.terms = terms
    if refund_policy is not None:
        show.refund_policy = refund_policy
    show.updated_at = utcnow()
    show_changed(session)


def policy_text(session: Session, kind: str) -> str:
    """The stored Markdown of `terms` or `refund_policy` ('' until the producer sets it)."""
    show = session.get(Show, 1)
    if show is None or kind not in POLICY_TITLES:
        return ""
    return getattr(show, kind) or ""


def policy_html(markdown: str) -> str:
    """The policy as sanitized HTML: headings, paragraphs, lists, emphasis and links.

    The page's own title is its h1, so a producer's `#` heading becomes an h2 and `#####` or
    deeper an h4: every heading stays a heading instead of flattening into text."""
    tokens = _MARKDOWN.parse(clean_text(markdown))
    for token in tokens:
        if token.type in ("heading_open", "heading_close"):
            token.tag = f"h{min(max(int(token.tag[1]), 2), 4)}"
    return nh3.clean(
        _MARKDOWN.renderer.render(tokens, _MARKDOWN.options, {}),
        tags=set(_PAGE_TAGS),
        attributes={k: set(v) for k, v in ALLOWED_ATTRIBUTES.items()},
        url_schemes=set(ALLOWED_SCHEMES),
        link_rel="nofollow noopener noreferrer",
        strip_comments=True,
    ).strip()
