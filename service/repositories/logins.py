"""Browser logins (``browser_sessions``) and the users they belong to, looked up by the login id's digest."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session, joinedload

from service.models import BrowserSession, User

# Built once, like the token lookup: every cookie-authenticated request starts here.
_USER_FOR_DIGEST = (select(User, BrowserSession.revoked_at, BrowserSession.expires_at)
                    .join(BrowserSession, BrowserSession.user_id == User.id)
                    .where(BrowserSession.token_hash == bindparam("digest")).options(joinedload(User.role_rows)))


def user_for_digest(session: Session, digest: str) -> tuple[User, datetime | None, datetime] | None:
    """(user, revoked_at, expires_at) of the login with this digest, in one round trip (unit and roles joined)."""
    row = session.execute(_USER_FOR_DIGEST, {"digest": digest}).unique().first()
    return (row[0], row[1], row[2]) if row is not None else None


def revoke(session: Session, digest: str, now: datetime) -> None:
    """End the login with this digest (if still live)."""
    session.execute(update(BrowserSession).where(BrowserSession.token_hash == digest, BrowserSession.revoked_at.is_(None))
                    .values(revoked_at=now).execution_options(synchronize_session=False))
