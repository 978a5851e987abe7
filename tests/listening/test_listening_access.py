"""Listening access from stored member state, as of a given time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from auth.access import AccessDecision, effective_status, listening_access

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def test_an_active_member_listens_without_notice() -> None:
    assert listening_access("active", "active", None, NOW) == AccessDecision(True)


def test_past_due_inside_grace_listens_with_a_payment_notice() -> None:
    decision = listening_access("active", "past_due", NOW + timedelta(days=1), NOW)
    assert decision == AccessDecision(True, "payment_problem")
    assert effective_status("active", "past_due", NOW + timedelta(days=1), NOW) == "active"


def test_past_due_after_grace_is_lapsed_without_any_event() -> None:
    decision = listening_access("active", "past_due", NOW - timedelta(seconds=1), NOW)
    assert decision == AccessDecision(False, "lapsed")
    assert effective_status("active", "past_due", NOW - timedelta(seconds=1), NOW) == "lapsed"


def test_lapsed_revoked_and_rotated_tokens_get_their_notice() -> None:
    assert listening_access("lapsed", "canceled", None, NOW) == AccessDecision(False, "lapsed")
    assert listening_access("revoked", None, None, NOW) == AccessDecision(False, "revoked")
    rotated = listening_access("active", None, None, NOW, token_is_current=False)
    assert rotated == AccessDecision(False, "rotated")
