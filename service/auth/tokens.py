"""Bearer tokens: random, shown once, stored only as a SHA-256 digest; and revoking all of a person's credentials."""
from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy.orm import Session

from service.catalogue import _
from service import clock
from service.auth.passwords import verify_password
from service.errors import Unauthenticated
from service.models import ApiToken, User
from service.repositories import tokens as repo
from service.repositories import users as user_repo

# A dummy hash so a login for an unknown user costs as much as a real one.
_DUMMY_HASH = "$argon2id$v=19$m=65536,t=3,p=4$c29tZXNhbHRzb21lc2FsdA$0n6h1bWbA2i0m0Vb7uD9o7p6W3N9Q0bHtc0Qz6x1oJQ"


def digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def authenticate_password(session: Session, username: str, password: str) -> User:
    """The active user with these credentials, or Unauthenticated."""
    user = repo.user_named(session, username)
    if user is None or not user.is_active:
        verify_password(_DUMMY_HASH, password)
        raise Unauthenticated(_("用户名或密码错误"))
    if not verify_password(user.password_hash, password):
        raise Unauthenticated(_("用户名或密码错误"))
    return user


def issue_token(session: Session, user: User, ttl: timedelta) -> tuple[str, ApiToken]:
    """Create a token for ``user``; the plain value is returned once."""
    plain = secrets.token_urlsafe(32)
    now = clock.now()
    row = ApiToken(user_id=user.id, token_hash=digest(plain), created_at=now, expires_at=now + ttl)
    session.add(row)
    return plain, row


def user_for_token(session: Session, plain: str) -> User:
    """The user a live token belongs to, or Unauthenticated.

    One round trip: the token, its user, the user's unit and roles are joined,
    since every API request starts here.
    """
    row = repo.user_for_digest(session, digest(plain))
    if row is None:
        raise Unauthenticated(_("令牌无效或已过期"))
    user, revoked_at, expires_at = row
    if revoked_at is not None or expires_at <= clock.now() or not user.is_active:
        raise Unauthenticated(_("令牌无效或已过期"))
    return user


def active_user(session: Session, user_id: int) -> User | None:
    """The user with this id if the account is active (a browser session's login)."""
    user = user_repo.by_id(session, user_id)
    return user if user is not None and user.is_active else None


def revoke_token(session: Session, plain: str) -> None:
    row = repo.token_by_digest(session, digest(plain))
    if row is not None and row.revoked_at is None:
        row.revoked_at = clock.now()


def revoke_all_credentials(session: Session, user: User, *, keep_token: str | None = None,
                           keep_login: str | None = None) -> int:
    """Revoke every live API token and browser login of ``user``; returns how many.

    The one place a person's credentials are withdrawn: one's own password change
    (which may keep the token or login it was made with: ``keep_*`` are plain
    values), the office's password reset and deactivation (all in
    ``workflows.accounts``). Runs in the caller's transaction.
    """
    return repo.revoke_live_credentials(session, user.id, clock.now(),
                                        keep_token_digest=digest(keep_token) if keep_token is not None else None,
                                        keep_login_digest=digest(keep_login) if keep_login is not None else None)
