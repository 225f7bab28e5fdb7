"""Browser logins kept on the server.

The browser's (signed) session cookie carries a random login id; only its
SHA-256 is stored, in ``browser_sessions``, with whose it is, when it expires and
whether it was revoked. Logging out revokes the row, so a copy of the cookie
stops working at once; ``tokens.revoke_all_credentials`` revokes every row of a
person (password change, deactivation). Other session data (language, the CSRF
secret, flashed messages) stays in the cookie: anonymous visitors cost no row.
"""
from __future__ import annotations

import secrets
from datetime import timedelta

from sqlalchemy.orm import Session

from service import clock
from service.auth.tokens import digest
from service.models import BrowserSession, User
from service.repositories import logins as repo


def start(session: Session, user: User, ttl: timedelta) -> str:
    """A new login for ``user``; the plain id (for the cookie) is returned once."""
    plain = secrets.token_urlsafe(32)
    now = clock.now()
    session.add(BrowserSession(user_id=user.id, token_hash=digest(plain), created_at=now, expires_at=now + ttl))
    return plain


def user_for(session: Session, plain: str) -> User | None:
    """The active user of a live login, or None (unknown, expired, revoked, or the account deactivated)."""
    row = repo.user_for_digest(session, digest(plain))
    if row is None:
        return None
    user, revoked_at, expires_at = row
    if revoked_at is not None or expires_at <= clock.now() or not user.is_active:
        return None
    return user


def end(session: Session, plain: str) -> None:
    """Log out: this login stops working, wherever its cookie was copied to."""
    repo.revoke(session, digest(plain), clock.now())
