"""The one explanation a revoked member reads, wherever they meet it.

A revoke is the producer's decision, not a payment problem: renewing or signing in cannot
undo it, so every place a revoked member lands (the sign-in email, their feed's page, the
403 on audio, the feed's notice) says the same thing and names the one next step, writing
to the show's owner.
"""

from __future__ import annotations


def revoked_explanation(show_title: str, owner_email: str) -> str:
    """One or two sentences: who ended the membership and how to reach them."""
    ended = f"Your membership was ended by {show_title or 'the show'}."
    if owner_email:
        return f"{ended} To ask about it, write to {owner_email}."
    return f"{ended} To ask about it, reply to any email from the show."
