"""Who receives a notification: users by role, a task's candidates, a notify effect's target.

``task_wanted`` / ``effect_wanted`` say whom a task or a ``notify`` request
addresses, and ``resolve`` loads them all in at most two queries, so an engine
step that opens many tasks at once (the parallel scorers) does not pay a query
per task. They come back as plain column rows (:class:`Addressee`): the ``User``
mapper's joined unit and selectin roles are never loaded. ``users_with_role``
and ``task_recipients`` are the one-at-a-time forms the reminder sweeps use.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Iterable, NamedTuple

from sqlalchemy.orm import Session

from service.models import Task
from service.repositories import users as user_repo


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

def task_wanted(task: Task) -> Wanted:
    """Whom a notification about ``task`` goes to: its assignee, else its candidate, else its pool."""
    for user_id in (task.assignee_id, task.candidate_user_id):
        if user_id is not None:
            return user_id
    return Pool(task.role, task.unit_id)


def effect_wanted(request: dict[str, Any], unit_scope: Callable[[str], int | None]) -> list[Wanted]:
    """Whom a ``notify`` handler's result ({to: role | unit_role | user, role: one or a list, ...}) addresses."""
    to = request.get("to")
    if to == "user" and isinstance(request.get("user_id"), int):
        return [int(request["user_id"])]
    given = request.get("role") or []
    roles = [r for r in (given if isinstance(given, list) else [given]) if isinstance(r, str) and r]
    if to == "unit_role":
        return [Pool(role, unit_scope(role)) for role in roles if unit_scope(role) is not None]
    if to == "role":
        return [Pool(role, None) for role in roles]
    return []


def resolve(session: Session, wanted: Iterable[Wanted]) -> dict[Wanted, list[Addressee]]:
    """Active addressees for each wanted entry: one query for all user ids, one for all pools.

    Pool members are ordered by id; an unknown or inactive user id resolves to nobody.
    """
    distinct = set(wanted)
    ids = sorted(w for w in distinct if isinstance(w, int))
    pools = sorted((w for w in distinct if isinstance(w, Pool)), key=lambda p: (p.role, p.unit_id or 0))
    out: dict[Wanted, list[Addressee]] = {w: [] for w in distinct}
    if ids:
        for row in user_repo.active_contacts(session, ids):
            out[row.id] = [Addressee(*row)]
    if pools:
        for *columns, role in user_repo.active_contacts_in_pools(session, [(p.role, p.unit_id) for p in pools]):
            person = Addressee(*columns)
            for pool in pools:
                if pool.role == role and (pool.unit_id is None or pool.unit_id == person.unit_id) \
                        and all(p.id != person.id for p in out[pool]):  # once, whatever units hold the role
                    out[pool].append(person)
    return out


def users_with_role(session: Session, role: str, unit_id: int | None = None) -> list[Addressee]:
    """Active users holding ``role`` (in ``unit_id`` when given), ordered by id."""
    pool = Pool(role, unit_id)
    return resolve(session, [pool])[pool]


def task_recipients(session: Session, task: Task) -> list[Addressee]:
    """The assignee, else the named candidate, else everyone who may claim the task."""
    wanted = task_wanted(task)
    return resolve(session, [wanted])[wanted]
