"""The signed-in browser's cookie: HttpOnly, SameSite=Lax, Secure on https, 30 days.

The cookie carries a random session id; only its SHA-256 is stored
(`publisher.accounts.sessions`), so a copy of the database signs nobody in.
"""

from __future__ import annotations

from flask import Response, current_app, request
from sqlalchemy.orm import Session

from publisher.accounts.sessions import SESSION_LIFETIME, hash_session_id, signed_in_member
from publisher.models import Member, utcnow
from publisher.services import services_of

COOKIE_NAME = "lovetv_account"


def cookie_value() -> str | None:
    return request.cookies.get(COOKIE_NAME)


def current_member(db: Session) -> Member | None:
    """The member this browser is signed in as, or None."""
    return signed_in_member(db, cookie_value(), utcnow())


def current_id_hash() -> str:
    return hash_session_id(cookie_value() or "")


def set_session_cookie(response: Response, session_id: str) -> None:
    response.set_cookie(
        COOKIE_NAME,
        session_id,
        max_age=int(SESSION_LIFETIME.total_seconds()),
        path="/",
        secure=_secure(),
        httponly=True,
        samesite="Lax",
    )


def clear_session_cookie(response: Response) -> None:
    response.delete_cookie(COOKIE_NAME, path="/", secure=_secure(), httponly=True, samesite="Lax")


def _secure() -> bool:
    return services_of(current_app).config.base_url.startswith("https://")
