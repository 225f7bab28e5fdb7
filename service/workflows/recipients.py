"""Who receives a notification: users by role, a task's candidates, a notify effect's target.

``task_recipients`` and ``effect_recipients`` answer for one task or request at
a time. An engine step that opens many tasks at once (the parallel scorers)
uses the batch form instead: ``task_wanted`` / ``effect_wanted`` say whom each
one addresses, and ``resolve`` loads them all in at most two queries, as plain
column rows (:class:`Addressee`), so the ``User`` mapper's joined unit and
selectin roles are never loaded.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Iterable, NamedTuple

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from service.models import Task, User, UserRole


def users_with_role(session: Session, role: str, unit_id: int | None = None) -> list[User]:
    """Active users holding ``role`` (in ``unit_id`` when given), ordered by id."""
    query = select(User).join(UserRole, UserRole.user_id == User.id).where(UserRole.role == role,
                                                                          User.is_active.is_(True))
    if unit_id is not None:
        query = query.where(User.unit_id == unit_id)
    return list(session.scalars(query.order_by(User.id)).unique())


def task_recipients(session: Session, task: Task) -> list[User]:
    """The assignee, else the named candidate, else everyone who may claim the task."""
    for user_id in (task.assignee_id, task.candidate_user_id):
        if user_id is not None:
            user = session.get(User, user_id)
            return [user] if user is not None and user.is_active else []
    return users_with_role(session, task.role, task.unit_id)


def effect_recipients(session: Session, request: dict[str, Any], unit_scope: Callable[[str], int | None]) -> list[User]:
    """Users named by a ``notify`` handler's result ({to: role | unit_role | user, ...})."""
    to = request.get("to")
    if to == "user" and isinstance(request.get("user_id"), int):
        user = session.get(User, request["user_id"])
        return [user] if user is not None and user.is_active else []
    role = request.get("role") or ""
    if to == "unit_role":
        unit_id = unit_scope(role)
        return users_with_role(session, role, unit_id) if unit_id is not None else []
    if to == "role":
        return users_with_role(session, role)
    return []


@dataclass(frozen=True, slots=True)
class Addressee:
    """The columns a notification needs from a user (see ``outbox.recipient_json``)."""

    id: int
    display_name: str
    email: str | None
    phone: str | None
    locale: str | None
    is_active: bool
    unit_id: int


class Pool(NamedTuple):
    """Active holders of ``role`` (in ``unit_id`` when given): whoever may claim an unassigned task."""

    role: str
    unit_id: int | None


Wanted = int | Pool | None
"""A user id, a role pool, or nobody."""

_COLUMNS = (User.id, User.display_name, User.email, User.phone, User.locale, User.is_active, User.unit_id)


def task_wanted(task: Task) -> Wanted:
    """Whom ``task_recipients`` would return for ``task``, without loading anyone."""
    for user_id in (task.assignee_id, task.candidate_user_id):
        if user_id is not None:
            return user_id
    return Pool(task.role, task.unit_id)


def effect_wanted(request: dict[str, Any], unit_scope: Callable[[str], int | None]) -> Wanted:
    """Whom ``effect_recipients`` would return for a ``notify`` result, without loading anyone."""
    to = request.get("to")
    if to == "user" and isinstance(request.get("user_id"), int):
        return int(request["user_id"])
    role = request.get("role") or ""
    if to == "unit_role":
        unit_id = unit_scope(role)
        return Pool(role, unit_id) if unit_id is not None else None
    if to == "role":
        return Pool(role, None)
    return None


def resolve(session: Session, wanted: Iterable[Wanted]) -> dict[Wanted, list[Addressee]]:
    """Active addressees for each wanted entry: one query for all user ids, one for all pools.

    Pool members are ordered by id, like ``users_with_role``; an unknown or
    inactive user id resolves to nobody, like ``task_recipients``.
    """
    distinct = set(wanted)
    ids = sorted(w for w in distinct if isinstance(w, int))
    pools = sorted((w for w in distinct if isinstance(w, Pool)), key=lambda p: (p.role, p.unit_id or 0))
    out: dict[Wanted, list[Addressee]] = {w: [] for w in distinct}
    if ids:
        for row in session.execute(select(*_COLUMNS).where(User.id.in_(ids), User.is_active.is_(True))):
            out[row.id] = [Addressee(*row)]
    if pools:
        matches = [UserRole.role == p.role if p.unit_id is None else and_(UserRole.role == p.role,
                                                                          User.unit_id == p.unit_id)
                   for p in pools]
        query = (select(*_COLUMNS, UserRole.role).join(UserRole, UserRole.user_id == User.id)
                 .where(User.is_active.is_(True), or_(*matches)).order_by(User.id))
        for *columns, role in session.execute(query):
            person = Addressee(*columns)
            for pool in pools:
                if pool.role == role and (pool.unit_id is None or pool.unit_id == person.unit_id):
                    out[pool].append(person)
    return out
