"""The public notice (公示) of a campaign's confirmed list, objections to it and the office's findings.

The BPMN is the source of truth for what a notice does to an item. After the chair's office confirms, an
application waits at the catch event ``await_notice`` (message ``notice_closed``, owned by ``meetings``);
this module delivers it through :func:`close_item`, the one place that touches the process: ``final``
when the notice's period has ended with no objection pending (the item goes on to its result, and its
unit is told by the BPMN's ``notify_awarded`` / ``notify_not_awarded``), ``reopen`` when the office
upholds an objection (the item goes back to the group's grade decision, whose sitting is called again, is
confirmed again and needs a new notice). An instance started on a definition older than ``await_notice``
ended at its confirmation: its result is already final and nothing is delivered.

* :func:`confirmed_list` is the campaign's confirmed list: the items waiting at ``await_notice``, and
  those whose process ended with the chair's office's confirmation; a campaign-level confirmation of
  the whole list keeps that meaning.
* A notice runs ``notice_working_days`` (campaign setting, default 5) working days on the campaign's
  statutory calendar from the day after its publication, to the end (23:59:59 Asia/Shanghai) of the
  last one, like a ``PnWD`` due date.
* :func:`sweep` (the beat's ``appraisal.sweep_notices``) finalises the notices whose period has ended;
  one with an objection pending waits for its finding (``awaiting_findings``).
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from service import clock, timekeeping, work_kinds
from service.auth import policies, visibility
from service.catalogue import _, name_of
from service.auth.visibility import Group
from service.errors import Conflict, Forbidden, NotFound, ValidationFailed
from service.models import Application, Campaign, NoticeItem, Objection, PublicNotice, User
from service.repositories import applications as application_repo
from service.repositories import campaigns as campaign_repo
from service.repositories import public_notices as repo
from service.workflows import audit, calendars, links, outbox
from service.workflows.recipients import Pool, resolve
from service.workflows.services import Services

LOGGER = logging.getLogger(__name__)

DEFAULT_WORKING_DAYS = 5
MAX_WORKING_DAYS = 30
NOTICE_KIND = work_kinds.NOTICE_OUTCOME
NOTICE_MESSAGE = "notice_closed"
CONFIRMED_OUTCOMES = ("awarded", "not_awarded")
"""An item's process that ended with these outcomes passed the chair's office's confirmation (gw_chair)."""
OUTCOME_OF_FINDING = {"final": "final", "upheld": "reopen"}

FINDINGS = ("upheld", "dismissed")
"""The office's finding on an objection (its code is the objection's status afterwards; names: codes.FINDING)."""

MAX_NAME, MAX_CONTACT, MAX_REASON = 50, 100, 2000
_PHONE = re.compile(r"^\+?[0-9][0-9\- ]{6,19}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def working_days(campaign: Campaign) -> int:
    return campaign.notice_working_days if campaign.notice_working_days is not None else DEFAULT_WORKING_DAYS


def period_end(campaign: Campaign, start: datetime) -> datetime:
    """The end of a notice published at ``start``: the last of its working days, 23:59:59 Asia/Shanghai."""
    days = working_days(campaign)
    calendar = calendars.for_campaign(campaign)
    end = timekeeping.add(start, timekeeping.parse(f"P{days}WD"), calendar)
    for warning in calendars.missing_year_warnings(calendar, _("公示期")):
        LOGGER.warning("%s", warning)  # a year the calendar does not know: add it to the campaign's overrides
    return end


# --------------------------------------------------------------------------- the confirmed list


@dataclass(frozen=True)
class ConfirmedList:
    """A campaign's running items as the notice sees them."""

    confirmed: list[Application]     # confirmed and on no notice now: what a notice would publish
    on_notice: list[Application]     # confirmed and listed by a notice now
    unconfirmed: list[Application]   # still before the chair's office's confirmation (or being decided again)


def confirmed_list(session: Session, campaign: Campaign) -> ConfirmedList:
    """The campaign's confirmed list: the items whose process waits at ``await_notice``, and those whose process
    ended with the chair's office's confirmation; everything else still running is unconfirmed."""
    running = repo.running_of_campaign(session, campaign.id)
    waiting_ids = set(repo.waiting_for(session, [a.id for a in running], NOTICE_KIND))
    waiting = [a for a in running if a.id in waiting_ids]
    ended = repo.ended_of_campaign(session, campaign.id, CONFIRMED_OUTCOMES)
    items = repo.items_of(session, [a.id for a in waiting + ended])
    listed = {i.application_id for i in items if i.status == "listed"}
    noticed = {i.application_id for i in items}  # an ended item is noticed once: its process cannot go back
    return ConfirmedList(
        confirmed=[a for a in waiting if a.id not in listed] + [a for a in ended if a.id not in noticed],
        on_notice=[a for a in waiting + ended if a.id in listed],
        unconfirmed=[a for a in running if a.id not in waiting_ids])


def _named(applications: list[Application], why: str) -> list[dict[str, Any]]:
    return [{"application_id": a.id, "theme": a.theme, "unit_name": a.unit.name if a.unit else "",
             "status": a.status, "stage": a.stage, "why": why} for a in applications]


# --------------------------------------------------------------------------- publishing


def publish(*, session: Session, user: User, campaign_id: int,
            application_ids: list[int] | None = None) -> PublicNotice:
    """Publish the campaign's confirmed list (or the named confirmed items: a re-decided one) for the campaign's
    notice period. Refused (409 naming them) while any item of the list is not confirmed."""
    if not policies.can_run_public_notice(user):
        raise Forbidden(_("只有评比办公室可以发布公示"))
    campaign = repo.lock_campaign(session, campaign_id)
    if campaign is None:
        raise NotFound(_("评比活动 {campaign_id} 不存在", campaign_id=campaign_id))
    state = confirmed_list(session, campaign)
    if application_ids is None:
        if state.unconfirmed:
            raise Conflict(_("尚有 {n} 个项目未经主席办公会确认，不能发布公示", n=len(state.unconfirmed)),
                           unconfirmed=_named(state.unconfirmed, "not_confirmed"))
        chosen = state.confirmed
    else:
        ready = {a.id: a for a in state.confirmed}
        missing = [i for i in dict.fromkeys(application_ids) if i not in ready]
        if missing:
            known = {a.id: a for a in application_repo.by_ids(session, missing) if a.campaign_id == campaign.id}
            noticed = {a.id for a in state.on_notice}
            raise Conflict(_("项目 {ids} 未经确认或已在公示中，不能发布", ids="、".join(map(str, missing))),
                           unconfirmed=[*_named([known[i] for i in missing if i in known and i not in noticed],
                                                "not_confirmed"),
                                        *_named([known[i] for i in missing if i in noticed], "on_notice"),
                                        *[{"application_id": i, "why": "not_in_campaign"} for i in missing
                                          if i not in known]])
        chosen = [ready[i] for i in dict.fromkeys(application_ids)]
    if not chosen:
        raise Conflict(_("没有待公示的已确认项目"), unconfirmed=[])
    now = clock.now()
    notice = PublicNotice(campaign_id=campaign.id, status="open", working_days=working_days(campaign), starts_at=now,
                          ends_at=period_end(campaign, now), published_by=user.id)
    order = {grade: i for i, grade in enumerate(campaign.grades)}
    ranked = sorted(chosen, key=lambda a: (order.get(a.grade or "", len(order)), -(a.final_score or 0), a.id))
    for position, application in enumerate(ranked, start=1):
        notice.items.append(NoticeItem(application_id=application.id, position=position,
                                       unit_name=application.unit.name if application.unit else "",
                                       theme=application.theme, grade=application.grade or "", status="listed"))
        application.published_at = now
    session.add(notice)
    session.flush()
    _tell_units(session, campaign, notice)
    audit.record(session, actor=user, action="publish_notice", object_type="public_notice", object_id=notice.id,
                 detail={"working_days": notice.working_days, "starts_at": clock.local(now).isoformat(),
                         "ends_at": clock.local(notice.ends_at).isoformat(),
                         "application_ids": [a.id for a in ranked]}, campaign_id=campaign.id)
    session.commit()
    return notice


def _tell_units(session: Session, campaign: Campaign, notice: PublicNotice) -> None:
    """Each listed award's unit (its submitter and main leader, once each) is told it is on public notice."""
    listed = public_items(notice, campaign)
    units = {a.id: a.unit_id for a in application_repo.by_ids(session, [i.application_id for i in listed])}
    pools = {i.id: [Pool(role, units[i.application_id]) for role in ("unit_submitter", "unit_leader")] for i in listed}
    people = resolve(session, [p for wanted in pools.values() for p in wanted])
    end = f"{clock.local(notice.ends_at):%Y-%m-%d %H:%M}"
    for item in listed:
        told = {person.id: person for pool in pools[item.id] for person in people[pool]}
        for person in told.values():
            outbox.enqueue(session, key=f"notice_published:{notice.id}:{item.id}:{person.id}", user=person,
                           template="notice_published", campaign_id=campaign.id,
                           context={"application_theme": item.theme, "grade": item.grade, "notice_end": end,
                                    "link": links.public_notice(campaign.id)})


def public_items(notice: PublicNotice, campaign: Campaign) -> list[NoticeItem]:
    """What the notice shows the public: its awards (an item confirmed without an award is not listed)."""
    return [item for item in notice.items if item.grade != campaign.no_award_grade]


# --------------------------------------------------------------------------- the process's side


def close_item(session: Session, services: Services, application: Application, outcome: str,
               actor: User | None) -> bool:
    """End the item's notice in its process: deliver ``notice_closed`` with ``notice_outcome`` (``final`` or
    ``reopen``) to the ``await_notice`` it waits at (the caller commits). False if its process waits for no
    notice (it ended at the confirmation: its result is final as it is)."""
    row = repo.waiting_for(session, [application.id], NOTICE_KIND).get(application.id)
    if row is None:
        return False
    from service.workflows import meetings  # the message's owner (issue 14.1); imported where it is delivered

    result = meetings.deliver(session, services, row=row, payload={"notice_outcome": outcome}, actor=actor)
    meetings.after_item_step(session, services, application, result)  # reopened: the group decision sits again
    return True


def finalise(*, session: Session, services: Services, notice_id: int) -> str:
    """End a notice whose period is over: its listed items' results become final (their processes go on),
    unless an objection is still pending, which holds it (``awaiting_findings``) until its finding.
    Returns the notice's status afterwards. Idempotent; each change audited."""
    notice = repo.lock(session, notice_id)
    if notice is None:
        session.rollback()
        return "missing"
    now = clock.now()
    if notice.status == "final" or now < notice.ends_at:
        status = notice.status
        session.rollback()
        return status
    pending = repo.pending_count(session, notice.id)
    if pending:
        if notice.status != "awaiting_findings":
            notice.status = "awaiting_findings"
            audit.record(session, actor=None, action="notice_held", object_type="public_notice", object_id=notice.id,
                         detail={"pending": pending}, campaign_id=notice.campaign_id)
            session.commit()
        else:
            session.rollback()
        return "awaiting_findings"
    finalised = []
    for item in notice.items:
        if item.status != "listed":
            continue
        application = application_repo.by_id(session, item.application_id)
        if application is not None:
            close_item(session, services, application, OUTCOME_OF_FINDING["final"], None)
        item.status = "final"
        finalised.append(item.application_id)
    notice.status, notice.finalised_at = "final", now
    audit.record(session, actor=None, action="finalise_notice", object_type="public_notice", object_id=notice.id,
                 detail={"application_ids": finalised, "ends_at": clock.local(notice.ends_at).isoformat()},
                 campaign_id=notice.campaign_id)
    session.commit()
    return "final"


@dataclass
class SweepReport:
    final: list[int]
    held: list[int]
    errors: dict[int, str]


def sweep(*, session: Session, services: Services) -> SweepReport:
    """Finalise every notice whose period has ended (the beat's ``appraisal.sweep_notices``); one that fails is
    reported and retried by the next sweep."""
    report = SweepReport([], [], {})
    for notice_id in repo.ended_unfinished(session, clock.now()):
        try:
            status = finalise(session=session, services=services, notice_id=notice_id)
        except Exception as exc:  # noqa: BLE001 - the next sweep retries; the others go on
            session.rollback()
            report.errors[notice_id] = f"{type(exc).__name__}: {exc}"
            continue
        (report.final if status == "final" else report.held).append(notice_id)
    session.rollback()
    return report


# --------------------------------------------------------------------------- objections


def _objection_errors(name: Any, contact: Any, reason: Any) -> list[dict[str, str]]:
    errors = []
    if not isinstance(name, str) or not 2 <= len(name.strip()) <= MAX_NAME:
        errors.append({"field": "name", "message": _("请填写真实姓名（2–{n} 字）", n=MAX_NAME)})
    text = contact.strip() if isinstance(contact, str) else ""
    if not text or len(text) > MAX_CONTACT or not (_PHONE.match(text) or _EMAIL.match(text)):
        errors.append({"field": "contact", "message": _("请填写手机号码或电子邮箱")})
    if not isinstance(reason, str) or not 5 <= len(reason.strip()) <= MAX_REASON:
        errors.append({"field": "reason", "message": _("请说明异议理由（5–{n} 字）", n=MAX_REASON)})
    return errors


def file_objection(*, session: Session, notice_id: int, item_id: Any, name: Any, contact: Any,
                   reason: Any) -> Objection:
    """A real-name objection to one item of an open notice, by anyone; acknowledged by its reference
    (GS<year>-<number>); the office is told. Audited without the objector's contact."""
    notice = repo.by_id(session, notice_id)
    if notice is None:
        raise NotFound(_("公示 {notice_id} 不存在", notice_id=notice_id))
    campaign = campaign_repo.by_id(session, notice.campaign_id)
    assert campaign is not None
    item = repo.item_by_id(session, item_id) if isinstance(item_id, int) and not isinstance(item_id, bool) else None
    errors = _objection_errors(name, contact, reason)
    if item is None or item.notice_id != notice.id or item not in public_items(notice, campaign):
        errors.insert(0, {"field": "item_id", "message": _("请选择本公示中的项目")})
    if errors:
        raise ValidationFailed(errors)
    assert item is not None
    now = clock.now()
    if notice.status != "open" or not notice.starts_at <= now <= notice.ends_at:
        raise Conflict(_("公示期已于 {at} 结束，不再受理异议", at=clock.local(notice.ends_at).strftime("%Y-%m-%d %H:%M")))
    if item.status != "listed":
        raise Conflict(_("该项目已在重新审议中"))
    objection = Objection(notice_id=notice.id, item_id=item.id, name=name.strip(), contact=contact.strip(),
                          reason=reason.strip(), status="pending", filed_at=now)
    session.add(objection)
    session.flush()
    objection.reference = f"GS{campaign.year}-{objection.id:06d}"
    audit.record(session, actor=None, action="file_objection", object_type="objection", object_id=objection.id,
                 detail={"reference": objection.reference, "notice_id": notice.id,
                         "application_id": item.application_id, "theme": item.theme, "name": objection.name},
                 campaign_id=campaign.id)
    office = Pool("office", None)
    for person in resolve(session, [office])[office]:
        outbox.enqueue(session, key=f"objection_filed:{objection.id}:{person.id}", user=person,
                       template="objection_filed", campaign_id=campaign.id,
                       context={"reference": objection.reference, "application_theme": item.theme,
                                "unit_name": item.unit_name, "link": links.objections(campaign.id)})
    session.commit()
    return objection


def record_finding(*, session: Session, services: Services, user: User, objection_id: int, finding: str,
                   reasons: str) -> Objection:
    """The office's finding on a pending objection, with reasons. Upheld: the item goes back to the group's
    grade decision (its notice shows it as being decided again). Audited."""
    if not policies.can_run_public_notice(user):
        raise Forbidden(_("只有评比办公室可以处理异议"))
    errors = []
    if finding not in FINDINGS:
        errors.append({"field": "finding", "message": _("请选择异议成立或异议不成立")})
    if not isinstance(reasons, str) or not reasons.strip() or len(reasons) > MAX_REASON:
        errors.append({"field": "reasons", "message": _("请说明处理理由（至多 {MAX_REASON} 字）", MAX_REASON=MAX_REASON)})
    if errors:
        raise ValidationFailed(errors)
    objection = repo.lock_objection(session, objection_id)
    if objection is None:
        raise NotFound(_("异议 {objection_id} 不存在", objection_id=objection_id))
    if objection.status != "pending":
        raise Conflict(_("异议 {reference} 已处理（{status}）", reference=objection.reference,
                           status=name_of("objection_status", objection.status)))
    notice = repo.lock(session, objection.notice_id)
    assert notice is not None
    now = clock.now()
    objection.status, objection.finding_reasons = finding, reasons.strip()
    objection.found_by, objection.found_at = user.id, now
    item = objection.item
    reexamined = False
    if finding == "upheld" and item.status == "listed":
        application = application_repo.by_id(session, item.application_id)
        if application is not None:
            reexamined = close_item(session, services, application, OUTCOME_OF_FINDING["upheld"], user)
            application.published_at = None
        item.status = "reexamining"
    audit.record(session, actor=user, action="record_finding", object_type="objection", object_id=objection.id,
                 detail={"reference": objection.reference, "finding": finding, "reasons": objection.finding_reasons,
                         "application_id": item.application_id, "theme": item.theme,
                         "back_to_decision": reexamined}, campaign_id=notice.campaign_id)
    session.commit()
    if notice.ends_at <= now:  # the period had ended: its end waited for this finding
        finalise(session=session, services=services, notice_id=notice.id)
    return objection


# --------------------------------------------------------------------------- reading


def notices(session: Session, campaign_id: int | None = None) -> list[PublicNotice]:
    return repo.newest_first(session, campaign_id)


def get_notice(session: Session, notice_id: int) -> PublicNotice:
    notice = repo.by_id(session, notice_id)
    if notice is None:
        raise NotFound(_("公示 {notice_id} 不存在", notice_id=notice_id))
    return notice


def campaign_of(session: Session, campaign_id: int) -> Campaign:
    campaign = campaign_repo.by_id(session, campaign_id)
    if campaign is None:
        raise NotFound(_("评比活动 {campaign_id} 不存在", campaign_id=campaign_id))
    return campaign


def objection_by_reference(session: Session, reference: str) -> Objection:
    objection = repo.objection_by_reference(session, (reference or "").strip().upper())
    if objection is None:
        raise NotFound(_("没有编号为 {reference} 的异议", reference=reference))
    return objection


def objections(*, session: Session, user: User, campaign_id: int | None = None,
               status: str | None = None) -> list[Objection]:
    if not policies.can_run_public_notice(user):
        raise Forbidden(_("只有评比办公室可以查看异议"))
    return repo.objections_of(session, campaign_id=campaign_id, status=status)


def pending_objections(session: Session, notice: PublicNotice) -> int:
    return repo.pending_count(session, notice.id)


def item_scores(session: Session, notice: PublicNotice) -> dict[int, Any]:
    """Each item's stored final score (what only the deciding roles see of it)."""
    return {a.id: a.final_score for a in application_repo.by_ids(session, [i.application_id for i in notice.items])}


# --------------------------------------------------------------------------- as a reader sees it


def viewer_groups(user: User | None) -> frozenset[Group]:
    """What a reader sees of notices and objections: the public's groups, and a logged-in reader's roles' too."""
    return visibility.public_groups() if user is None else visibility.groups_for(user, None) | visibility.public_groups()


def notice_view(session: Session, notice: PublicNotice, user: User | None) -> dict[str, Any]:
    """The notice as ``user`` (None: the public) may see it, through the field-visibility policy: the public
    gets the period and each award's unit, title, grade and notice status, never a score or a name."""
    groups = viewer_groups(user)
    campaign = campaign_repo.by_id(session, notice.campaign_id)
    assert campaign is not None
    scores = item_scores(session, notice) if visibility.Group.SCORE_SUMMARY in groups else {}
    shown = notice.items if user is not None and policies.can_run_public_notice(user) else public_items(notice, campaign)
    items = [visibility.redact(visibility.NOTICE_ITEM_FIELDS, {
        "id": item.id, "application_id": item.application_id, "position": item.position, "unit_name": item.unit_name,
        "theme": item.theme, "grade": item.grade, "status": item.status,
        "status_name": name_of("notice_item_status", item.status),
        "final_score": float(scores[item.application_id]) if scores.get(item.application_id) is not None else None,
    }, groups, None) for item in shown]
    now = clock.now()
    body = {
        "id": notice.id, "campaign_id": campaign.id, "campaign_name": campaign.name, "year": campaign.year,
        "status": notice.status, "status_name": name_of("notice_status", notice.status),
        "working_days": notice.working_days, "starts_at": clock.local(notice.starts_at).isoformat(),
        "ends_at": clock.local(notice.ends_at).isoformat(),
        "finalised_at": clock.local(notice.finalised_at).isoformat() if notice.finalised_at else None,
        "objections_open": notice.status == "open" and notice.starts_at <= now <= notice.ends_at,
        "reexamining": sum(1 for item in shown if item.status == "reexamining"),
        "items": items, "published_by": notice.published_by,
        "pending_objections": repo.pending_count(session, notice.id),
    }
    return visibility.redact(visibility.NOTICE_FIELDS, body, groups, None)


def objection_view(objection: Objection, user: User | None) -> dict[str, Any]:
    """An objection as ``user`` (None: whoever holds its reference) may see it."""
    body = {
        "id": objection.id, "reference": objection.reference, "notice_id": objection.notice_id,
        "application_id": objection.item.application_id, "theme": objection.item.theme,
        "unit_name": objection.item.unit_name, "status": objection.status,
        "status_name": name_of("objection_status", objection.status),
        "filed_at": clock.local(objection.filed_at).isoformat(),
        "found_at": clock.local(objection.found_at).isoformat() if objection.found_at else None,
        "finding_reasons": objection.finding_reasons, "found_by": objection.found_by,
        "name": objection.name, "contact": objection.contact, "reason": objection.reason,
    }
    return visibility.redact(visibility.OBJECTION_FIELDS, body, viewer_groups(user), None)
