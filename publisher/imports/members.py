"""`lovetv member import FILE.csv`: members from another platform's export, all or none.

The file has a header row naming its columns: `email` (required), and optionally `plan`
(comp, monthly, yearly, lifetime; else `--plan`), `ends` (the date a prepaid membership
ends, `YYYY-MM-DD`: access until then, as a gift's) and `stripe_customer` (`cus_…`, so
`lovetv stripe sync` follows their subscription from then on). Every row is checked before
any is written: one bad row names itself and nothing is imported. Addresses that are already
members are reported and skipped, so running the same file again imports nobody twice.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any

from sqlalchemy import select

from auth.access import PREPAID
from auth.plans import Plan
from publisher.errors import UserError
from publisher.members.emails import queue_welcome
from publisher.members.members import MEMBER_PLANS, add_member, normalize_email
from publisher.models import Member
from publisher.services import Services

COLUMNS = ("email", "plan", "ends", "stripe_customer")


@dataclass(frozen=True)
class ImportRow:
    line: int
    email: str
    plan: str
    ends: datetime | None
    stripe_customer: str | None


class BadRows(UserError):
    """Rows that cannot be imported, one sentence each; nothing was written."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__(problems[0] if len(problems) == 1 else f"{len(problems)} bad rows")
        self.problems = problems


def read_rows(path: Path, default_plan: str, today: date) -> list[ImportRow]:
    """Every row, checked; `BadRows` naming each bad one (by its line in the file)."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise UserError(f"cannot read {path}: {exc}") from exc
    reader = csv.DictReader(text.splitlines())
    header = [c.strip().lower() for c in reader.fieldnames or []]
    if "email" not in header:
        raise UserError(f"{path}: the first row must name the columns, `email` among them")
    unknown = [c for c in header if c not in COLUMNS]
    if unknown:
        raise UserError(f"{path}: unknown column {unknown[0]!r} (columns: {', '.join(COLUMNS)})")
    rows, problems = [], []
    seen: dict[str, int] = {}  # address: the line it was first on
    for record in reader:
        line = reader.line_num
        fields = {k.strip().lower(): (v or "").strip() for k, v in record.items() if k}
        try:
            row = _row(line, fields, default_plan, today)
        except UserError as exc:
            problems.append(f"line {line}: {exc}")
            continue
        if row.email in seen:
            problems.append(f"line {line}: {row.email} is also on line {seen[row.email]}")
            continue
        seen[row.email] = line
        rows.append(row)
    if problems:
        raise BadRows(problems)
    return rows


def _row(line: int, fields: dict[str, Any], default_plan: str, today: date) -> ImportRow:
    email = normalize_email(fields.get("email", ""))
    plan = fields.get("plan") or default_plan
    if plan not in MEMBER_PLANS:
        raise UserError(f"unknown plan {plan!r} (one of {', '.join(MEMBER_PLANS)})")
    ends = None
    if fields.get("ends"):
        try:
            day = date.fromisoformat(fields["ends"])
        except ValueError:
            raise UserError(f"ends {fields['ends']!r} is not a date such as 2027-01-31") from None
        if day <= today:
            raise UserError(f"ends {day} is not in the future")
        ends = datetime.combine(day, time(0, 0), tzinfo=UTC)
    customer = fields.get("stripe_customer") or None
    if customer is not None and not customer.startswith("cus_"):
        raise UserError(f"stripe_customer {customer!r} is not a Stripe customer id (cus_…)")
    return ImportRow(line, email, plan, ends, customer)


def import_members(
    services: Services, path: Path, default_plan: str = Plan.COMP, email_them: bool = True
) -> dict[str, Any]:
    """Import the file's new members in one transaction; `{"imported", "skipped"}`."""
    rows = read_rows(path, default_plan, datetime.now(UTC).date())
    skipped: list[dict[str, str]] = []
    imported = 0
    with services.db.session() as session:
        existing = set(
            session.scalars(select(Member.email).where(Member.email.in_([r.email for r in rows])))
        )
        customers = {r.stripe_customer for r in rows if r.stripe_customer}
        taken = (
            set(
                session.scalars(
                    select(Member.stripe_customer_id).where(
                        Member.stripe_customer_id.in_(customers)
                    )
                )
            )
            if customers
            else set()
        )
        for row in rows:
            if row.email in existing:
                skipped.append({"email": row.email, "reason": "already a member"})
                continue
            if row.stripe_customer in taken:
                skipped.append(
                    {"email": row.email, "reason": "its Stripe customer is another member's"}
                )
                continue
            member = add_member(
                session, services.config.secret_key, row.email, row.plan, row.stripe_customer
            )
            if row.ends is not None:
                member.billing_state, member.grace_until, member.period_end = (
                    PREPAID,
                    row.ends,
                    row.ends,
                )
            if email_them:
                queue_welcome(session, services.config, member)
            imported += 1
    return {"imported": imported, "skipped": skipped}
