"""API tokens and the users they belong to (looked up by the token's digest); withdrawing all of a person's credentials."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session, joinedload

from service.models import ApiToken, BrowserSession, User

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


def revoke_live_credentials(session: Session, user_id: int, now: datetime, *, keep_token_digest: str | None = None,
                            keep_login_digest: str | None = None) -> int:
    """Revoke the user's live API tokens and browser logins but the kept ones; how many were revoked."""
    count = 0
    for model, keep in ((ApiToken, keep_token_digest), (BrowserSession, keep_login_digest)):
        statement = update(model).where(model.user_id == user_id, model.revoked_at.is_(None), model.expires_at > now)
        if keep is not None:
            statement = statement.where(model.token_hash != keep)
        result = session.execute(statement.values(revoked_at=now).execution_options(synchronize_session=False))
        count += int(result.rowcount or 0)  # type: ignore[attr-defined]
    return count
