"""Bearer tokens: random, shown once, stored only as a SHA-256 digest."""
from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session, joinedload

from service import clock
from service.auth.passwords import verify_password
from service.errors import Unauthenticated
from service.models import ApiToken, User

# A dummy hash so a login for an unknown user costs as much as a real one.
_DUMMY_HASH = "$argon2id$v=19$m=65536,t=3,p=4$c29tZXNhbHRzb21lc2FsdA$0n6h1bWbA2i0m0Vb7uD9o7p6W3N9Q0bHtc0Qz6x1oJQ"


def digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def authenticate_password(session: Session, username: str, password: str) -> User:
    """The active user with these credentials, or Unauthenticated."""
    user = session.scalar(select(User).where(User.username == username))
    if user is None or not user.is_active:
        verify_password(_DUMMY_HASH, password)
        raise Unauthenticated("invalid username or password")
    if not verify_password(user.password_hash, password):
        raise Unauthenticated("invalid username or password")
    return user


def issue_token(session: Session, user: User, ttl: timedelta) -> tuple[str, ApiToken]:
    """Create a token for ``user``; the plain value is returned once."""
    plain = secrets.token_urlsafe(32)
    now = clock.now()
    row = ApiToken(user_id=user.id, token_hash=digest(plain), created_at=now, expires_at=now + ttl)
    session.add(row)
    return plain, row


# Built once: constructing the statement is a measurable part of every API request.
_USER_FOR_TOKEN = (select(User, ApiToken.revoked_at, ApiToken.expires_at).join(ApiToken, ApiToken.user_id == User.id)
                   .where(ApiToken.token_hash == bindparam("digest")).options(joinedload(User.role_rows)))


def user_for_token(session: Session, plain: str) -> User:
    """The user a live token belongs to, or Unauthenticated.

    One round trip: the token, its user, the user's unit and roles are joined,
    since every API request starts here.
    """
    row = session.execute(_USER_FOR_TOKEN, {"digest": digest(plain)}).unique().first()
    if row is None:
        raise Unauthenticated("token is invalid or expired")
    user, revoked_at, expires_at = row
    if revoked_at is not None or expires_at <= clock.now() or not user.is_active:
        raise Unauthenticated("token is invalid or expired")
    return user


def active_user(session: Session, user_id: int) -> User | None:
    """The user with this id if the account is active (a browser session's login)."""
    user = session.get(User, user_id)
    return user if user is not None and user.is_active else None


def revoke_token(session: Session, plain: str) -> None:
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == digest(plain)))
    if row is not None and row.revoked_at is None:
        row.revoked_at = clock.now()
