"""Public presentation sessions (公开讲述会): the office schedules a session (date and time, place, the shortlisted
items in their order), the units are invited with the session's date, place and their place in the order, and
the office records every item of the session on one page, which completes each present item's
``record_presentation`` step in one transaction (all or nothing).

An item recorded absent keeps its ``record_presentation`` step open: the office schedules it into a later
session (its slot moves there; the absence stays in the audit trail).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from service.catalogue import _
from service import clock, work_kinds
from service.auth import policies
from service.errors import Conflict, Forbidden, NotFound, ValidationFailed
from service.models import PresentationSession, PresentationSlot, User
from service.repositories import applications as application_repo
from service.repositories import scoring as repo
from service.workflows import audit, links, outbox, recipients, retries
from service.workflows.campaigns import reached_campaign
from service.workflows.reminders import settings_for
from service.workflows.services import Services
from service.workflows.tasks import MAX_ATTEMPTS, complete_in_transaction

KIND = work_kinds.PRESENTATION
INVITED_ROLES = ("unit_submitter", "unit_leader")


@dataclass(frozen=True)
class Presenter:
    application_id: int
    presenter: str = ""


@dataclass(frozen=True)
class Record:
    application_id: int
    attended: bool
    presenter: str = ""
    notes: str = ""


def _office(user: User) -> None:
    if not policies.can_run_meetings(user):
        raise Forbidden(policies.DENIED[policies.can_run_meetings])


def waiting(session: Session, campaign_id: int) -> list[Any]:
    """The campaign's shortlisted items waiting for their presentation, with their slot if they have one."""
    rows = []
    for task in repo.open_tasks_of_kind(session, campaign_id, KIND):
        application = application_repo.by_id(session, task.application_id)
        rows.append({"application": application, "task": task, "slot": repo.slot_of(session, application.id)})
    return rows


def sessions(session: Session, *, user: User, campaign_id: int) -> list[PresentationSession]:
    _office(user)
    reached_campaign(session, user, campaign_id, policies.DENIED[policies.can_run_meetings])
    return repo.sessions_of(session, campaign_id)


def get_session(session: Session, *, user: User, session_id: int) -> PresentationSession:
    _office(user)
    found = repo.session_by_id(session, session_id)
    if found is None:
        raise NotFound(_("宣讲场次 {session_id} 不存在", session_id=session_id))
    reached_campaign(session, user, found.campaign_id, policies.DENIED[policies.can_run_meetings])
    return found


def _starts_at(value: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(value.strip())
    except (AttributeError, ValueError):
        raise ValidationFailed([{"field": "starts_at", "message": _("须为日期时间，如 2027-01-08T09:00")}]) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=clock.SHANGHAI)
    return clock.parse_iso(parsed.isoformat())


def schedule(*, session: Session, user: User, campaign_id: int, starts_at: str, place: str, notes: str,
             items: list[Presenter]) -> PresentationSession:
    """Schedule a session and invite each unit (its submitter and main leader) with the date, place and order."""
    _office(user)
    campaign = reached_campaign(session, user, campaign_id, policies.DENIED[policies.can_run_meetings])
    when = _starts_at(starts_at)
    place = (place or "").strip()
    errors = [] if place else [{"field": "place", "message": _("请填写讲述地点")}]
    open_items = {t.application_id for t in repo.open_tasks_of_kind(session, campaign_id, KIND)}
    seen: set[int] = set()
    for i, item in enumerate(items):
        application = application_repo.by_id(session, item.application_id)
        where = f"items.{i}.application_id"
        if item.application_id in seen:
            errors.append({"field": where, "message": _("申报项目 {application_id} 重复", application_id=item.application_id)})
        seen.add(item.application_id)
        if application is None or application.campaign_id != campaign_id or item.application_id not in open_items:
            errors.append({"field": where, "message": _("申报项目 {id} 不在待讲述的初步入选名单中", id=item.application_id)})
            continue
        slot = repo.slot_of(session, item.application_id)
        if slot is not None and slot.attended is not False:
            errors.append({"field": where, "message": _("「{theme}」已安排在另一场讲述会", theme=application.theme)})
    if errors:
        raise ValidationFailed(errors)
    now = clock.now()
    found = PresentationSession(campaign_id=campaign_id, starts_at=when, place=place, notes=(notes or "").strip(),
                                created_by=user.id, created_at=now, invited_at=now)
    session.add(found)
    session.flush()
    channels = settings_for(campaign)["channels"]
    local = clock.local(when)
    for position, item in enumerate(items, start=1):
        slot = repo.slot_of(session, item.application_id)
        if slot is None:
            slot = PresentationSlot(application_id=item.application_id)
            session.add(slot)
        slot.session_id, slot.position, slot.presenter = found.id, position, item.presenter.strip()
        slot.attended, slot.notes = None, ""
        application = application_repo.by_id(session, item.application_id)
        context = {"application_id": application.id, "application_theme": application.theme,
                   "campaign_name": campaign.name, "session_date": f"{local:%Y-%m-%d %H:%M}",
                   "session_place": place, "session_order": position, "link": links.application(application.id)}
        for role in INVITED_ROLES:
            for person in recipients.users_with_role(session, role, application.unit_id):
                outbox.enqueue(session, key=f"session:{found.id}:{application.id}:{person.id}",
                               user=person, template="presentation_invited", context=context,
                               campaign_id=campaign_id, channels=channels)
    session.flush()
    audit.record(session, actor=user, action="schedule_session", object_type="presentation_session",
                 object_id=found.id, detail={"starts_at": local.isoformat(), "place": place,
                                             "order": [i.application_id for i in items]}, campaign_id=campaign_id)
    session.commit()
    return found


def record(*, session: Session, services: Services, user: User, session_id: int,
           items: list[Record]) -> PresentationSession:
    """Record every item of the session at once: each present item's ``record_presentation`` is completed (its
    date, presenter and notes), absent ones stay waiting for a later session; one transaction."""
    _office(user)

    def attempt() -> PresentationSession:
        found = repo.lock_session(session, session_id)
        if found is None:
            raise NotFound(_("宣讲场次 {session_id} 不存在", session_id=session_id))
        reached_campaign(session, user, found.campaign_id, policies.DENIED[policies.can_run_meetings])
        if found.recorded_at is not None:
            raise Conflict(_("该讲述会已于 {at} 记录", at=clock.local(found.recorded_at).strftime("%Y-%m-%d %H:%M")))
        slots = {s.application_id: s for s in found.slots}
        errors = []
        given = {r.application_id for r in items}
        for i, entry in enumerate(items):
            if entry.application_id not in slots:
                errors.append({"field": f"items.{i}.application_id",
                               "message": _("申报项目 {application_id} 不在本场讲述会", application_id=entry.application_id)})
            elif entry.attended and not entry.presenter.strip():
                errors.append({"field": f"items.{i}.presenter", "message": _("请填写讲述人")})
            elif entry.attended and not entry.notes.strip():
                errors.append({"field": f"items.{i}.notes", "message": _("请填写讲述情况")})
        for application_id, slot in slots.items():
            if application_id not in given:
                errors.append({"field": "items", "message": _("第 {n} 位（申报项目 {id}）未记录", n=slot.position,
                                                              id=application_id)})
        if errors:
            raise ValidationFailed(errors)
        open_tasks = {t.application_id: t for t in repo.open_tasks_of_kind(session, found.campaign_id, KIND)}
        date = f"{clock.local(found.starts_at):%Y-%m-%d}"
        for entry in items:
            slot = slots[entry.application_id]
            slot.attended, slot.presenter, slot.notes = entry.attended, entry.presenter.strip(), entry.notes.strip()
            if not entry.attended:
                continue
            task = open_tasks.get(entry.application_id)
            if task is None:
                raise Conflict(_("申报项目 {id} 已不在等待讲述", id=entry.application_id),
                               field=f"items.{entry.application_id}")
            complete_in_transaction(session, services, user, task.id, {
                "presentation_date": date, "presenter": slot.presenter, "presentation_notes": slot.notes})
        found.recorded_at, found.recorded_by = clock.now(), user.id
        audit.record(session, actor=user, action="record_session", object_type="presentation_session",
                     object_id=found.id, detail={"items": [{"application_id": r.application_id, "attended": r.attended}
                                                          for r in items]}, campaign_id=found.campaign_id)
        session.commit()
        return found
    return retries.run(session, attempt, attempts=MAX_ATTEMPTS, wait_step=0.01)


def shaped(found: PresentationSession, session: Session) -> dict[str, Any]:
    """A session as the API returns it (the office's view: themes and units of shortlisted items)."""
    items = []
    for slot in found.slots:
        application = application_repo.by_id(session, slot.application_id)
        items.append({"application_id": slot.application_id, "position": slot.position,
                      "theme": application.theme if application else "",
                      "unit_name": application.unit.name if application else "", "presenter": slot.presenter,
                      "attended": slot.attended, "notes": slot.notes})
    return {"id": found.id, "campaign_id": found.campaign_id, "starts_at": clock.local(found.starts_at).isoformat(),
            "place": found.place, "notes": found.notes,
            "invited_at": clock.local(found.invited_at).isoformat() if found.invited_at else None,
            "recorded_at": clock.local(found.recorded_at).isoformat() if found.recorded_at else None, "items": items}
