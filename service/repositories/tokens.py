"""API tokens and the users they belong to (looked up by the token's digest)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session, joinedload

from service.models import ApiToken, User

# Built once: constructing the statement is a measurable part of every API request.
_USER_FOR_DIGEST = (select(User, ApiToken.revoked_at, ApiToken.expires_at).join(ApiToken, ApiToken.user_id == User.id)
                    .where(ApiToken.token_hash == bindparam("digest")).options(joinedload(User.role_rows)))


def user_for_digest(session: Session, digest: str) -> tuple[User, datetime | None, datetime] | None:
    """(user, revoked_at, expires_at) of the token with this digest, in one round trip (unit and roles joined)."""
    row = session.execute(_USER_FOR_DIGEST, {"digest": digest}).unique().first()
    return (row[0], row[1], row[2]) if row is not None else None


def token_by_digest(session: Session, digest: str) -> ApiToken | None:
    return session.scalar(select(ApiToken).where(ApiToken.token_hash == digest))


def user_named(session: Session, username: str) -> User | None:
    return session.scalar(select(User).where(User.username == username))


def revoke_live_tokens(session: Session, user_id: int, now: datetime) -> int:
    """Mark every unexpired, unrevoked token of the user revoked now; how many."""
    result = session.execute(update(ApiToken).where(ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None),
                                                    ApiToken.expires_at > now)
                             .values(revoked_at=now).execution_options(synchronize_session=False))
    return int(result.rowcount or 0)
