"""Users: by id, by name, and who holds a role (the columns a notification needs)."""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session, lazyload

from service.models import User, UserRole

#: What a notification needs of a person (recipients.Addressee), in this order.
CONTACT_COLUMNS = (User.id, User.display_name, User.email, User.phone, User.locale, User.is_active, User.unit_id)


def by_id(session: Session, user_id: int) -> User | None:
    return session.get(User, user_id)


def by_username(session: Session) -> dict[str, User]:
    """Every user, keyed by username."""
    return {u.username: u for u in session.scalars(select(User))}


def active_contacts(session: Session, ids: Sequence[int]) -> list[Any]:
    """``CONTACT_COLUMNS`` of the active users among ``ids``."""
    return list(session.execute(select(*CONTACT_COLUMNS).where(User.id.in_(ids), User.is_active.is_(True))))


def active_contacts_in_pools(session: Session, pools: Iterable[tuple[str, int | None]]) -> list[tuple[Any, ...]]:
    """(``CONTACT_COLUMNS``…, role) of active users holding a (role, unit or any unit) pair, ordered by user id;
    the unit column is the unit the role is held in (a person may hold roles in several)."""
    matches = [UserRole.role == role if unit_id is None else and_(UserRole.role == role, UserRole.unit_id == unit_id)
               for role, unit_id in pools]
    columns = [c for c in CONTACT_COLUMNS if c is not User.unit_id]
    query = (select(*columns, UserRole.unit_id, UserRole.role).join(UserRole, UserRole.user_id == User.id)
             .where(User.is_active.is_(True), or_(*matches)).order_by(User.id, UserRole.unit_id))
    return [tuple(row) for row in session.execute(query)]


def by_ids_without_roles(session: Session, ids: Sequence[int]) -> list[User]:
    """These users in one query, their roles left unloaded."""
    return list(session.scalars(select(User).where(User.id.in_(ids)).options(lazyload(User.role_rows))))


def display_names(session: Session, ids: Iterable[int | None]) -> dict[int, str]:
    """Display names of these users (None ids skipped)."""
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    return {u.id: u.display_name for u in session.scalars(select(User).where(User.id.in_(wanted)))}


def active_holders_of(session: Session, role: str, limit: int = 500) -> list[User]:
    """The active users holding ``role`` in any unit, by name (who a task of that lane could go to)."""
    return list(session.scalars(select(User).join(UserRole, UserRole.user_id == User.id)
                                .where(UserRole.role == role, User.is_active.is_(True))
                                .order_by(User.display_name, User.id).distinct().limit(limit)))
