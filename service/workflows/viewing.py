"""What one viewer may see of the applications a response carries: the visibility policy applied to rows.

Every response about applications (API, pages, exports) asks here for the groups of fields its
viewer gets (``service.auth.visibility``); the shapers then drop the rest.
"""
from __future__ import annotations

from typing import Iterable

from sqlalchemy.orm import Session

from service.auth import visibility
from service.auth.visibility import Group
from service.models import Application, User
from service.repositories import viewers


def groups_for(session: Session, user: User, application: Application | None) -> frozenset[Group]:
    """The groups ``user`` may see of ``application`` (None: data tied to no application)."""
    if application is None:
        return visibility.groups_for(user, None)
    return by_application(session, user, [application])[application.id]


def by_application(session: Session, user: User, applications: Iterable[Application]) -> dict[int, frozenset[Group]]:
    """The groups per application id, with one query for the scoring tasks behind them all."""
    rows = list(applications)
    scored = viewers.scored_application_ids(session, user.id, [a.id for a in rows]) if "scorer" in user.roles else set()
    return {a.id: visibility.groups_for(user, a, scores_it=a.id in scored) for a in rows}


def by_application_id(session: Session, user: User,
                      application_ids: Iterable[int | None]) -> dict[int | None, frozenset[Group]]:
    """The groups per application id (None: rows tied to no application)."""
    apps = viewers.applications_by_id(session, [i for i in application_ids if i is not None])
    found: dict[int | None, frozenset[Group]] = dict(by_application(session, user, apps.values()))
    found[None] = visibility.groups_for(user, None)
    return found


def by_instance_id(session: Session, user: User, instance_ids: Iterable[int]) -> dict[int, frozenset[Group]]:
    """The groups per process instance id, through each instance's application (if it has one)."""
    ids = list(instance_ids)
    apps = viewers.applications_by_instance(session, ids)
    groups = by_application(session, user, apps.values())
    alone = visibility.groups_for(user, None)
    return {i: groups[apps[i].id] if i in apps else alone for i in ids}


def seen(session: Session, user: User, application: Application) -> visibility.Seen:
    """``application`` as ``user`` may see it, for a page."""
    return visibility.seen_application(application, groups_for(session, user, application), user.id)


def seen_all(session: Session, user: User, applications: Iterable[Application]) -> list[visibility.Seen]:
    rows = list(applications)
    groups = by_application(session, user, rows)
    return [visibility.seen_application(a, groups[a.id], user.id) for a in rows]
