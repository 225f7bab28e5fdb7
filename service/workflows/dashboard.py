"""Read models for the pages: the office's campaign dashboard, timelines, inbox, score sheets."""
from __future__ import annotations

from collections import Counter
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from handlers.registry import HandlerError
from handlers.scoring import weighted_total
from service import clock
from service.auth import policies
from service.errors import Forbidden
from service.models import (
    Application, AuditRecord, InboxMessage, InstanceEvent, OrgUnit, OutboxMessage, ProcessInstance, Task,
    User,
)
from service.workflows.campaigns import get_campaign

APPLYING_UNIT_TYPES = ("county_union", "development_zone_union", "industry_union", "bureau_union",
                       "direct_grassroots_union", "enterprise")


def _names(session: Session, ids: set[int | None]) -> dict[int, str]:
    ids = {i for i in ids if i is not None}
    if not ids:
        return {}
    return {u.id: u.display_name for u in session.scalars(select(User).where(User.id.in_(ids)))}


def campaign_dashboard(*, session: Session, user: User, campaign_id: int) -> dict[str, Any]:
    """Applications per stage and unit, units that have not applied, overdue tasks, reminders."""
    if not policies.sees_all_applications(user):
        raise Forbidden("the campaign dashboard is for federation roles")
    campaign = get_campaign(session, campaign_id)
    apps = list(session.scalars(select(Application).where(Application.campaign_id == campaign_id)
                                .order_by(Application.id)))
    by_stage = Counter(a.stage or a.status for a in apps)
    by_unit = Counter(a.unit.name for a in apps)
    applied = {a.unit_id for a in apps}
    not_applied = [u for u in session.scalars(select(OrgUnit).where(OrgUnit.type.in_(APPLYING_UNIT_TYPES))
                                              .order_by(OrgUnit.code)) if u.id not in applied]
    now = clock.now()
    app_ids = [a.id for a in apps]
    overdue = list(session.scalars(select(Task).where(Task.state == "open", Task.due_at < now,
                                                      Task.application_id.in_(app_ids)).order_by(Task.due_at))) \
        if app_ids else []
    reminders = list(session.scalars(select(OutboxMessage).where(OutboxMessage.campaign_id == campaign_id)
                                     .order_by(OutboxMessage.id.desc()).limit(200)))
    names = _names(session, {r.recipient_user_id for r in reminders} | {t.assignee_id for t in overdue})
    return {
        "campaign": campaign, "applications": apps, "by_stage": sorted(by_stage.items()),
        "by_unit": sorted(by_unit.items(), key=lambda kv: (-kv[1], kv[0])), "not_applied": not_applied,
        "overdue": overdue, "reminders": reminders, "reminder_states": sorted(Counter(r.status for r in reminders).items()),
        "names": names,
    }


def timeline(*, session: Session, application: Application, full: bool = True) -> list[dict[str, Any]]:
    """Who did what and when for one application, oldest first (audit trail and process history).

    ``full`` is for federation roles; others see the steps without the appraisal group's
    individual scores, names or internal reasons.
    """
    task_ids = [str(t) for t in session.scalars(select(Task.id).where(Task.application_id == application.id))]
    tasks = {str(t.id): t for t in session.scalars(select(Task).where(Task.application_id == application.id))}
    records = list(session.scalars(select(AuditRecord).where(
        ((AuditRecord.object_type == "application") & (AuditRecord.object_id == str(application.id)))
        | ((AuditRecord.object_type == "task") & (AuditRecord.object_id.in_(task_ids or ["-"]))))))
    events = []
    if application.instance_id:
        events = [e for e in session.scalars(select(InstanceEvent).where(
            InstanceEvent.instance_id == application.instance_id).order_by(InstanceEvent.id))
            if e.element_type not in ("UserTask",) and not e.element_type.endswith("Gateway")]
    names = _names(session, {r.actor_id for r in records})
    rows = []
    for r in records:
        task = tasks.get(r.object_id) if r.object_type == "task" else None
        actor = names.get(r.actor_id or 0, "系统 / system")
        detail = r.detail if r.action != "complete" else (r.detail or {}).get("data")
        if not full and task is not None and task.role not in ("unit_submitter", "unit_leader", "vetter"):
            detail = None
            if task.form_key == "scoring":
                actor = "评审组成员 / appraisal group member"
        rows.append({"at": r.at, "actor": actor, "action": r.action, "what": task.name if task else "",
                     "detail": detail})
    for e in events:
        rows.append({"at": e.at, "actor": "系统 / system", "action": "element", "what": e.name or e.element_id,
                     "detail": None})
    rows.sort(key=lambda row: row["at"])
    return rows


def instance_for(session: Session, application: Application) -> ProcessInstance | None:
    return session.get(ProcessInstance, application.instance_id) if application.instance_id else None


def inbox(*, session: Session, user: User, limit: int = 100) -> list[InboxMessage]:
    return list(session.scalars(select(InboxMessage).where(InboxMessage.user_id == user.id)
                                .order_by(InboxMessage.id.desc()).limit(limit)))


def unread_count(*, session: Session, user: User) -> int:
    return len(list(session.scalars(select(InboxMessage.id).where(InboxMessage.user_id == user.id,
                                                                  InboxMessage.read_at.is_(None)))))


def mark_read(*, session: Session, user: User, message_id: int | None = None) -> None:
    """Mark one message (or all) as read."""
    query = select(InboxMessage).where(InboxMessage.user_id == user.id, InboxMessage.read_at.is_(None))
    if message_id is not None:
        query = query.where(InboxMessage.id == message_id)
    for row in session.scalars(query):
        row.read_at = clock.now()
    session.commit()


def score_sheet(*, session: Session, user: User, campaign_id: int) -> dict[str, Any]:
    """Every submitted score of the campaign: application, scorer, criterion scores, weighted total, comment."""
    if not policies.can_see_results(user):
        raise Forbidden("only federation roles may export score sheets")
    campaign = get_campaign(session, campaign_id)
    rows = list(session.execute(select(Task, Application).join(Application, Task.application_id == Application.id)
                                .where(Application.campaign_id == campaign_id, Task.form_key == "scoring",
                                       Task.state == "completed").order_by(Application.id, Task.id)))
    names = _names(session, {t.completed_by for t, _ in rows})
    out = []
    for t, a in rows:
        score = (t.data or {}).get("score") or {}
        out.append({"application": a, "scorer": names.get(t.completed_by or 0, ""), "completed_at": t.completed_at,
                    "criteria": score.get("criteria", {}), "comment": score.get("comment", ""),
                    "total": scorer_total(a, t.completed_by, score.get("criteria", {}), campaign.criteria)})
    return {"campaign": campaign, "rows": out}


def scorer_total(application: Application, scorer_id: int | None, values: dict[str, Any],
                 criteria: list[dict[str, Any]]) -> Decimal | None:
    """A scorer's weighted total as the calculation stored it; before aggregation, by the same rule.

    There is one definition (``handlers.scoring.weighted_total``); a sheet it
    refuses (e.g. a criterion added to the campaign after scoring) has no total.
    """
    for row in (application.calculation or {}).get("per_scorer") or []:
        if row.get("scorer") == scorer_id and row.get("total") is not None:
            return Decimal(str(row["total"]))
    try:
        return weighted_total(criteria, values)
    except HandlerError:
        return None


def recused_items(*, session: Session, user: User, campaign_ids: list[int]) -> list[Application]:
    """Applications in scoring the user is recused from (shown on the scoring sheet)."""
    if not campaign_ids:
        return []
    apps = session.scalars(select(Application).where(Application.campaign_id.in_(campaign_ids),
                                                     Application.stage == "scoring"))
    return [a for a in apps if any(r.get("user_id") == user.id for r in (a.recusals or []))]


def user_names(session: Session, ids: set[int | None]) -> dict[int, str]:
    return _names(session, ids)
