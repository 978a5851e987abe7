"""What a member is called: set by the producer (`lovetv member edit EMAIL --name NAME`).

With `lovetv show set --name-in-feed-title`, a named member's feeds end their title with
" (for Ann)", a soft deterrent to sharing a private feed; the producer finds a feed that
turns up in a public directory by that name (`lovetv member list --search`).
"""

from __future__ import annotations

from typing import Any

from publisher.catalog.field_limits import check_text
from publisher.members.members import get_member
from publisher.models import Member, utcnow
from publisher.services import Services


def set_member_name(services: Services, email: str, name: str) -> dict[str, Any]:
    """Store the member's name (an empty one removes it); their feeds show it next poll."""
    cleaned = " ".join(name.split()) or None
    check_text(cleaned, Member, "name", "the name", "--name")
    with services.db.session() as session:
        member = get_member(session, email)
        changed = member.name != cleaned
        if changed:
            # Moves the feeds' Last-Modified, so apps polling with If-Modified-Since refetch.
            member.name, member.updated_at = cleaned, utcnow()
        return {"email": member.email, "name": member.name, "changed": changed}
