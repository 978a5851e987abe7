"""`lovetv member list`: every member with their money and listening, and a summary.

Statuses are effective ones (a past-due grace that ran out is lapsed). The summary counts
the listed members: by plan and status, the active paying ones, and the monthly recurring
revenue: what each subscriber pays now (a promotion code included; a yearly plan counts a
twelfth), or the listed price from `publisher.members.plans` when Stripe has not said (lifetime
and gifts nothing).
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from auth.access import ACTIVE, effective_status
from auth.plans import PLAN_ROWS, RECURRING_PLANS, MemberStatus, Plan
from publisher.errors import UserError
from publisher.members.members import normalized_or_none
from publisher.members.plans import PAYING_PLANS, monthly_revenue_cents
from publisher.models import MediaRequest, Member, SharingFlag, utcnow
from publisher.services import Services

FLAG_DAYS = 30  # a sharing flag shows in listings this long
MONTHS = {p: PLAN_ROWS[p].months for p in RECURRING_PLANS}  # months one subscription payment covers
STATUSES = tuple(status.value for status in MemberStatus)


def list_members(
    services: Services,
    *,
    status: str | None = None,
    plan: str | None = None,
    search: str | None = None,
    flagged: bool = False,
    now: datetime | None = None,
) -> dict[str, Any]:
    """The members matching every filter given, and the summary of those members."""
    now = now or utcnow()
    with services.db.session() as session:
        query = select(Member).order_by(Member.created_at, Member.id)
        if plan:
            query = query.where(Member.plan == plan)
        if search:
            query = query.where(
                or_(
                    Member.email.like(_contains(search.lower()), escape="\\"),
                    func.lower(Member.name).like(_contains(search.lower()), escape="\\"),
                    Member.stripe_customer_id.like(_contains(search), escape="\\"),
                )
            )
        members = session.scalars(query).all()
        downloads = downloads_by_member(session, now)
        flags = recent_flags(session, now)
        rows = [describe_row(m, now, downloads, flags) for m in members]
    rows = [r for r in rows if (status is None or r["status"] == status)]
    if flagged:
        rows = [r for r in rows if r["flagged"]]
    return {"members": rows, "summary": summarize(rows)}


def describe_row(
    member: Member,
    now: datetime,
    downloads: dict[int, int],
    flags: dict[int, list[dict[str, Any]]],
) -> dict[str, Any]:
    """One member as `member list` and `member show` print them."""
    status = effective_status(member.status, member.billing_state, member.grace_until, now)
    return {
        "email": member.email,
        "plan": member.plan,
        "discount": member.discount,
        "paying_cents": member.paying_cents,
        "status": status,
        "status_reason": member.status_reason,
        "joined": member.created_at.isoformat(),
        **_renewal(member, status),
        "stripe_customer": member.stripe_customer_id,
        "downloads_30d": downloads.get(member.id, 0),
        "flagged": bool(flags.get(member.id)),
        "sharing": flags.get(member.id, []),
        "name": member.name,
    }


def _renewal(member: Member, status: str) -> dict[str, Any]:
    """`renews` for a subscription that goes on, `ends` for one that stops at period end
    (a gift ends at its end date; a lifetime gift, like comp and lifetime, never)."""
    if member.plan == Plan.GIFT and member.period_end is not None:
        return {"renews": None, "ends": member.period_end.isoformat()}
    if member.period_end is None or member.plan not in RECURRING_PLANS:
        return {"renews": None, "ends": None}
    when = member.period_end.isoformat()
    goes_on = status == ACTIVE and member.status_reason != "cancels at period end"
    return {"renews": when if goes_on else None, "ends": None if goes_on else when}


def downloads_by_member(session: Session, now: datetime, days: int = 30) -> dict[int, int]:
    """IAB downloads per member over the last `days` days."""
    return dict(
        session.execute(  # type: ignore[arg-type]  # member_id IS NOT NULL: no None keys
            select(MediaRequest.member_id, func.count(MediaRequest.id))
            .where(
                MediaRequest.counted.is_(True),
                MediaRequest.member_id.is_not(None),
                MediaRequest.at >= now - timedelta(days=days),
            )
            .group_by(MediaRequest.member_id)
        ).all()
    )


def recent_flags(session: Session, now: datetime) -> dict[int, list[dict[str, Any]]]:
    """Sharing flags of the last `FLAG_DAYS` days per member, newest first, as evidence."""
    since = (now - timedelta(days=FLAG_DAYS)).date().isoformat()
    found: dict[int, list[dict[str, Any]]] = {}
    for flag in session.scalars(
        select(SharingFlag).where(SharingFlag.day >= since).order_by(SharingFlag.day.desc())
    ):
        found.setdefault(flag.member_id, []).append(
            {
                "day": flag.day,
                "networks": flag.networks,
                "apps": flag.apps,
                "requests": flag.requests,
                "rotated": flag.rotated_at is not None,
            }
        )
    return found


def summarize(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Counts by plan and status, active paying members, monthly recurring revenue."""
    active = [r for r in rows if r["status"] == ACTIVE]
    revenue = sum((_monthly_cents(r) for r in active), Decimal(0))
    return {
        "members": len(rows),
        "by_plan": dict(Counter(r["plan"] for r in rows)),
        "by_status": {s: sum(1 for r in rows if r["status"] == s) for s in STATUSES},
        "active_paying": sum(1 for r in active if r["plan"] in PAYING_PLANS),
        "mrr": f"{(revenue / 100).quantize(Decimal('0.01'))}",
        "mrr_cents": int(revenue.quantize(Decimal(1))),
        "flagged": sum(1 for r in rows if r["flagged"]),
    }


def _monthly_cents(row: dict[str, Any]) -> Decimal:
    """What one active member brings in a month: what they pay now (a promotion code
    included) when Stripe told us, else the plan's listed price."""
    months = MONTHS.get(row["plan"])
    if months and row.get("paying_cents") is not None:
        return Decimal(row["paying_cents"]) / months
    return monthly_revenue_cents(row["plan"])


def _contains(text: str) -> str:
    """A LIKE pattern matching `text` anywhere, its own % and _ taken literally."""
    escaped = text.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def find_by_part(session: Session, text: str) -> Member:
    """The one member whose email equals or contains `text`; refuse ambiguous parts."""
    needle = text.strip().lower()
    if not needle:
        raise UserError("give an email or a unique part of one")
    exact_address = normalized_or_none(text) or needle
    exact = session.scalar(select(Member).where(Member.email == exact_address))
    if exact is not None:
        return exact
    found = session.scalars(
        select(Member).where(Member.email.like(_contains(needle), escape="\\")).limit(6)
    ).all()
    if not found:
        raise UserError(
            f"no member with email {text.strip()!r} or containing it (lovetv member list)"
        )
    if len(found) > 1:
        shown = ", ".join(m.email for m in found[:5])
        raise UserError(f"{text.strip()!r} matches several members ({shown}…): type more of it")
    return found[0]
