"""The meetings that decide lists (issue 14): forwarding, the shortlist, the group decision, the chair's confirmation.

Each item's process (``innovation_appraisal``) waits at a message catch event for its meeting's decision;
the meetings themselves are user tasks of the campaign's own process (``campaign_review``, one instance per
campaign, business key ``campaign-{id}``). A meeting's use case completes the campaign's task and delivers
the decision to every item of its list, each its own message (``forwarded``, ``shortlist_decided``,
``grade_decided``, ``chair_decided``), all in one transaction. Correlation is by application id, through the
indexed waiting rows (``tasks.state = 'waiting'`` with the message's name): the meeting's list is those rows.

The campaign's instance starts when the first item reaches a meeting (:func:`call_sittings`), and each of its
sittings opens when an item waits for it (the ``shortlist_candidates`` / ``decision_candidates`` messages),
so no meeting sits in an inbox with nothing to decide.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from service import clock, work_kinds
from service.catalogue import N_, _
from service.auth import policies
from service.engine import StepResult
from service.errors import Conflict, Forbidden, NotFound, ValidationFailed
from service.models import Application, Campaign, ProcessInstance, Task, User
from service.repositories import applications as application_repo
from service.repositories import campaigns as campaign_repo
from service.repositories import instances as instance_repo
from service.repositories import meetings as repo
from service.repositories import users as user_repo
from service.workflows import audit, calendars, grading, steps
from service.workflows.applications import plan_changes
from service.workflows.definitions import engine_spec, latest_definition
from service.workflows.instances import engine_call, start_instance
from service.workflows.reminders import grace_for
from service.workflows.services import Services

REVIEW_PROCESS = work_kinds.REVIEW_PROCESS
FORWARDED, SHORTLIST, GRADE, CHAIR = "forwarded", "shortlist_decided", "grade_decided", "chair_decided"
NOTICE = "notice_closed"
"""Delivered by public_notice.close_item at the end of an item's notice (final) or on an upheld objection (reopen)."""
SITTING_CALLS = {SHORTLIST: "shortlist_candidates", GRADE: "decision_candidates", CHAIR: "confirmation_candidates"}
"""An item waiting for the first message calls a sitting of the campaign's meeting with the second."""
MEETING_FORMS = frozenset({work_kinds.SHORTLIST_CANDIDATES, work_kinds.SHORTLIST_CLOSE, work_kinds.GROUP_DECISION_LIST,
                           work_kinds.CHAIR_LIST_CONFIRMATION})
"""The campaign's meeting tasks: completed on their meeting's page, never one by one through the task form."""
DEFAULT_QUORUM = 2
DEFAULT_VETTING_WORKING_DAYS = 5

SENTENCES = {
    FORWARDED: N_("主管工会审核通过并统一上报"),
    (SHORTLIST, True): N_("领导小组初评会议决定：列入初步入选名单"),
    (SHORTLIST, False): N_("领导小组初评会议决定：未列入初步入选名单"),
    GRADE: N_("领导小组集体研究决定了等次"),
    (CHAIR, "confirm"): N_("主席办公会确认获奖名单"),
    (CHAIR, "send_back"): N_("主席办公会退回重议"),
    (NOTICE, "final"): N_("公示期满，无待处理异议，评比结果生效"),
    (NOTICE, "reopen"): N_("公示期间异议成立，退回领导小组重新确定等次"),
}
"""An item's history entry for each meeting's decision (a msgid of the catalogue): what was decided, never why."""


def sentence(message: str, payload: dict[str, Any]) -> str:
    """The item's history entry for a meeting's decision (the catalogue's msgid; the timeline translates it)."""
    key: Any = message
    if message == SHORTLIST:
        key = (message, bool(payload.get("shortlisted")))
    elif message == CHAIR:
        key = (message, payload.get("chair_decision"))
    elif message == NOTICE:
        key = (message, payload.get("notice_outcome"))
    return SENTENCES.get(key, message)


@dataclass
class Item:
    """One item on a meeting's list: its application and the row that says it waits."""
    application: Application
    row: Task
    views: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Sitting:
    """A meeting as its page shows it: the list, the open task (if the meeting sits now), the quorum."""
    campaign: Campaign
    kind: str
    items: list[Item]
    task: Task | None
    waiting: list[Item] = field(default_factory=list)
    """Items waiting for a later sitting (not on this sitting's list)."""
    quorum: int | None = None
    members_recorded: int = 0
    prepare_task: Task | None = None


# -- delivering a decision to one item --------------------------------------------------------------
def deliver(session: Session, services: Services, *, row: Task, payload: dict[str, Any], actor: User | None,
            now: datetime | None = None) -> StepResult:
    """Deliver the message ``row`` waits for, with ``payload``, to its instance and run it on (no commit);
    returns the engine's step (what the item waits for now).

    The waiting row is completed like a task (by the meeting's decider, with the decision as its data),
    so the item's history, feedback to its unit and visibility read it as they read any step.
    """
    instance = instance_repo.lock_instance(session, row.instance_id)
    if instance is None or row.message is None:
        raise NotFound(_("任务 {task_id} 不存在", task_id=row.id))
    application = application_repo.by_id(session, row.application_id) if row.application_id else None
    services.forms.sync(session)
    services.forms.validate(row.form_key, payload)
    calendar = calendars.for_application(application) if application is not None else \
        calendars.for_campaign(campaign_repo.by_id(session, int(instance.variables.get("campaign_id") or 0)))
    result = engine_call(lambda: services.engine.deliver(
        **engine_spec(instance.definition), state_json=instance.state, message=row.message, payload=payload,
        calendar=calendar, grace_working_days=grace_for(application)))
    now = now or clock.now()
    actor_id = actor.id if actor is not None else None
    plan = steps.plan_step(instance=instance, result=result, actor_id=actor_id, application_id=row.application_id,
                           now=now, completed_task=row, calendar=calendar)
    plan.change(row, {"state": "completed", "completed_at": now, "completed_by": actor_id, "data": payload})
    if application is not None:
        plan_changes(plan, application=application, instance=instance, result=result)
    for event in plan.history:
        if event["element_id"] == row.element_id:
            event["actor_id"] = actor_id
    audit.record(session, actor=actor, action="decide", object_type="task", object_id=row.id,
                 detail={"element": row.element_id, "message": row.message, "sentence": sentence(row.message, payload),
                         "instance_id": instance.id, "data": payload},
                 campaign_id=application.campaign_id if application is not None else None, plan=plan)
    steps.write_step(session=session, plan=plan, instance=instance, result=result,
                     application_id=row.application_id, actor_id=actor_id)
    session.flush()
    return result


# -- the campaign's review instance -------------------------------------------------------------------
def review_instance(session: Session, campaign_id: int) -> ProcessInstance | None:
    return repo.review_instance(session, repo.review_key(campaign_id))


def _ensure_review(session: Session, services: Services, campaign: Campaign) -> ProcessInstance:
    instance = review_instance(session, campaign.id)
    if instance is not None:
        return instance
    definition = latest_definition(session, REVIEW_PROCESS)
    if definition is None:
        raise Conflict(_("流程“{key}”尚未发布", key=REVIEW_PROCESS))
    instance, result, plan = start_instance(
        session=session, services=services, definition=definition, business_key=repo.review_key(campaign.id),
        data={"campaign_id": campaign.id}, started_by=None, calendar=calendars.for_campaign(campaign))
    audit.record(session, actor=None, action="start", object_type="process_instance", object_id=instance.id,
                 detail={"key": REVIEW_PROCESS, "version": definition.version, "business_key": instance.business_key},
                 campaign_id=campaign.id, plan=plan)
    steps.write_step(session=session, plan=plan, instance=instance, result=result, application_id=None)
    session.flush()
    return instance


def call_sittings(session: Session, services: Services, campaign: Campaign) -> None:
    """Open each meeting's sitting that has items waiting and none open (starting the campaign's instance)."""
    for message, call in SITTING_CALLS.items():
        waiting = repo.waiting_items(session, campaign_id=campaign.id, message=message)
        if not waiting:
            continue
        instance = _ensure_review(session, services, campaign)
        calls = [r for r in repo.instance_rows(session, instance.id, state="waiting") if r.message == call]
        if calls:
            deliver(session, services, row=calls[0], payload={"called_for": waiting[0][1].id}, actor=None)


def after_item_step(session: Session, services: Services, application: Application | None,
                    result: StepResult) -> None:
    """After an item's step: if it now waits for a meeting, make sure that meeting sits (no commit).

    Whether it waits is read from the step's result (the catch events its state waits at), which its waiting
    rows mirror: asking the rows cost every step of every item three SELECTs (bench/README.md, sixth round)."""
    if application is None:
        return
    session.flush()
    if any(t.message in SITTING_CALLS for t in result.open_tasks):
        call_sittings(session, services, application.campaign)


def _complete_meeting(session: Session, services: Services, *, task: Task, user: User, data: dict[str, Any],
                      campaign: Campaign) -> None:
    """Complete the campaign's meeting task with ``data`` (validated by its form) and run its instance on."""
    instance = instance_repo.lock_instance(session, task.instance_id)
    assert instance is not None
    services.forms.sync(session)
    services.forms.validate(task.form_key, data)
    calendar = calendars.for_campaign(campaign)
    result = engine_call(lambda: services.engine.complete_task(
        **engine_spec(instance.definition), state_json=instance.state, task_id=task.engine_task_id, data=data,
        calendar=calendar))
    plan = steps.plan_step(instance=instance, result=result, actor_id=user.id, application_id=None, now=clock.now(),
                           completed_task=task, calendar=calendar)
    plan.change(task, {"state": "completed", "completed_at": plan.at, "completed_by": user.id, "data": data})
    audit.record(session, actor=user, action="complete", object_type="task", object_id=task.id,
                 detail={"element": task.element_id, "instance_id": instance.id, "data": data},
                 campaign_id=campaign.id, plan=plan)
    steps.write_step(session=session, plan=plan, instance=instance, result=result, application_id=None,
                     actor_id=user.id)
    session.flush()


def _campaign(session: Session, campaign_id: int, user: User | None = None) -> Campaign:
    """The campaign; one beyond ``user``'s reach (another union's, policies.reach) does not exist for them."""
    campaign = campaign_repo.by_id(session, campaign_id)
    if campaign is None or (user is not None and not policies.can_see_campaign(user, campaign)):
        raise NotFound(_("评比活动 {campaign_id} 不存在", campaign_id=campaign_id))
    return campaign


def _open_meeting(session: Session, campaign: Campaign, form_key: str) -> Task | None:
    """The campaign's open meeting task of this kind of work (``service.work_kinds``)."""
    instance = review_instance(session, campaign.id)
    if instance is None:
        return None
    return next((t for t in repo.instance_rows(session, instance.id, state="open") if t.form_key == form_key), None)


def _require(allowed: bool, check: object) -> None:
    if not allowed:
        raise Forbidden(policies.DENIED[check])


def _listed(field_name: str, index: int, message: str) -> dict[str, str]:
    return {"field": f"{field_name}.{index}.application_id", "message": message}


# -- 14.3 the initial shortlist ----------------------------------------------------------------------
def quorum_of(campaign: Campaign) -> int:
    return campaign.shortlist_quorum if campaign.shortlist_quorum is not None else DEFAULT_QUORUM


def shortlist(*, session: Session, user: User, campaign_id: int) -> Sitting:
    """The shortlist meeting as it stands: the candidates (or the items the office may list), each member's views."""
    _require(policies.can_see_meetings(user), policies.can_see_meetings)
    campaign = _campaign(session, campaign_id, user)
    waiting = [Item(a, r) for r, a in repo.waiting_items(session, campaign_id=campaign.id, message=SHORTLIST)]
    prepare = _open_meeting(session, campaign, work_kinds.SHORTLIST_CANDIDATES)
    meeting = _open_meeting(session, campaign, work_kinds.SHORTLIST_CLOSE)
    sitting = Sitting(campaign, "shortlist", [], meeting, quorum=quorum_of(campaign), prepare_task=prepare)
    if meeting is None:
        sitting.waiting = waiting
        return sitting
    instance = review_instance(session, campaign.id)
    prepared = repo.last_completed(session, instance.id, work_kinds.SHORTLIST_CANDIDATES) if instance else None
    candidates = set((prepared.data or {}).get("candidate_ids", [])) if prepared else set()
    sitting.items = [i for i in waiting if i.application.id in candidates]
    sitting.waiting = [i for i in waiting if i.application.id not in candidates]
    recorded = repo.views(session, meeting.id)
    names = {u.id: u.display_name for u in user_repo.by_ids_without_roles(session, sorted({v.user_id for v in recorded}))}
    for item in sitting.items:
        item.views = [{"user_id": v.user_id, "name": names.get(v.user_id, ""), "view": v.view, "note": v.note,
                       "at": v.at} for v in recorded if v.application_id == item.application.id]
    sitting.members_recorded = repo.members_with_views(session, meeting.id, len(sitting.items))
    return sitting


def prepare_shortlist(*, session: Session, services: Services, user: User, campaign_id: int,
                      candidate_ids: list[int], note: str = "") -> Sitting:
    """The office lists the sitting's candidates from the items waiting for the shortlist; the members may then
    record their views."""
    _require(policies.can_prepare_shortlist(user), policies.can_prepare_shortlist)
    campaign = _campaign(session, campaign_id, user)
    task = _open_meeting(session, campaign, work_kinds.SHORTLIST_CANDIDATES)
    if task is None:
        raise Conflict(_("没有待拟定的初评候选名单（没有等待初评的项目，或名单已交领导小组）"))
    waiting = {a.id for _, a in repo.waiting_items(session, campaign_id=campaign.id, message=SHORTLIST)}
    errors = [{"field": f"candidate_ids.{i}", "message": _("申报 {id} 不在等待初评的项目中", id=a)} for i, a in enumerate(candidate_ids) if a not in waiting]
    if len(set(candidate_ids)) != len(candidate_ids):
        errors.append({"field": "candidate_ids", "message": _("候选项目重复")})
    if not candidate_ids:
        errors.append({"field": "candidate_ids", "message": _("候选名单不能为空")})
    if errors:
        raise ValidationFailed(errors)
    _complete_meeting(session, services, task=task, user=user, campaign=campaign,
                      data={"candidate_ids": list(candidate_ids), "office_note": note or ""})
    session.commit()
    return shortlist(session=session, user=user, campaign_id=campaign_id)


def record_views(*, session: Session, user: User, campaign_id: int, views: list[dict[str, Any]]) -> Sitting:
    """A leading-group member records (or changes) a view per candidate: in, out or abstain, with a note."""
    _require(policies.can_record_shortlist_view(user), policies.can_record_shortlist_view)
    sitting = shortlist(session=session, user=user, campaign_id=campaign_id)
    if sitting.task is None:
        raise Conflict(_("初评会议尚未开始或已结束"))
    listed = {i.application.id for i in sitting.items}
    errors = [_listed("views", i, _("申报 {id} 不在本次候选名单中", id=v["application_id"]))
              for i, v in enumerate(views) if v["application_id"] not in listed]
    if errors:
        raise ValidationFailed(errors)
    now = clock.now()
    changed = [repo.record_view(session, sitting_task_id=sitting.task.id, application_id=v["application_id"],
                                user_id=user.id, view=v["view"], note=v.get("note") or "", at=now) for v in views]
    if not any(changed):
        session.rollback()  # the member said exactly this already: nothing to record
        return shortlist(session=session, user=user, campaign_id=campaign_id)
    audit.record(session, actor=user, action="shortlist_view", object_type="task", object_id=sitting.task.id,
                 detail={"views": [{"application_id": v["application_id"], "view": v["view"], "note": v.get("note") or ""}
                                   for v in views]}, campaign_id=campaign_id)
    session.commit()
    return shortlist(session=session, user=user, campaign_id=campaign_id)


def close_shortlist(*, session: Session, services: Services, user: User, campaign_id: int,
                    decisions: list[dict[str, Any]], last_sitting: bool = False) -> Sitting:
    """The group leader closes the list once the quorum of members has recorded views: one decision with reasons
    per candidate, each delivered to its item (those not shortlisted are told why: ``unit_reasons``)."""
    _require(policies.can_close_shortlist(user), policies.can_close_shortlist)
    sitting = shortlist(session=session, user=user, campaign_id=campaign_id)
    if sitting.task is None:
        raise Conflict(_("初评会议尚未开始或已结束"))
    quorum = sitting.quorum or 0
    if sitting.members_recorded < quorum:
        raise Conflict(_("法定人数未到：已有 {n} 位领导小组成员对全部候选项目发表了意见，需要 {quorum} 位，名单暂不能结束",
                         n=sitting.members_recorded, quorum=quorum))
    by_id = {i.application.id: i for i in sitting.items}
    errors = [_listed("decisions", i, _("申报 {id} 不在本次候选名单中", id=d["application_id"]))
              for i, d in enumerate(decisions) if d["application_id"] not in by_id]
    decided = [d["application_id"] for d in decisions]
    for app_id in sorted(set(by_id) - set(decided)):
        errors.append({"field": "decisions", "message": _("申报 {id}（{theme}）尚未作出决定", id=app_id,
                                                           theme=by_id[app_id].application.theme)})
    if len(set(decided)) != len(decided):
        errors.append({"field": "decisions", "message": _("同一项目不能有两个决定")})
    for i, d in enumerate(decisions):
        if not d.get("shortlisted") and not (d.get("unit_reasons") or "").strip():
            errors.append({"field": f"decisions.{i}.unit_reasons",
                           "message": _("未入选时必须写明告知申报单位的理由")})
    if errors:
        raise ValidationFailed(errors)
    campaign = sitting.campaign
    shortlisted = [d["application_id"] for d in decisions if d.get("shortlisted")]
    _complete_meeting(session, services, task=sitting.task, user=user, campaign=campaign, data={
        "shortlisted_ids": shortlisted, "not_shortlisted_ids": [a for a in decided if a not in shortlisted],
        "views_recorded": sitting.members_recorded, "last_sitting": bool(last_sitting)})
    now = clock.now()
    for d in decisions:
        payload = {"shortlisted": bool(d.get("shortlisted")), "review_reasons": d["review_reasons"]}
        if (d.get("unit_reasons") or "").strip():
            payload["unit_reasons"] = d["unit_reasons"]
        deliver(session, services, row=by_id[d["application_id"]].row, payload=payload, actor=user, now=now)
    call_sittings(session, services, campaign)
    session.commit()
    return shortlist(session=session, user=user, campaign_id=campaign_id)


def _sitting(session: Session, user: User, campaign_id: int, kind: str, message: str, form_key: str) -> Sitting:
    """A meeting's list: the items waiting for ``message``; they are its agenda once its task (of the kind of work
    ``form_key``) is open."""
    _require(policies.can_see_meetings(user), policies.can_see_meetings)
    campaign = _campaign(session, campaign_id, user)
    items = [Item(a, r) for r, a in repo.waiting_items(session, campaign_id=campaign.id, message=message)]
    task = _open_meeting(session, campaign, form_key)
    return Sitting(campaign, kind, items if task is not None else [], task, waiting=[] if task is not None else items)


# -- 14.6 the group decision (the ranked list's rule is grading.check_grade_list) ------------------------
def group_decision(*, session: Session, user: User, campaign_id: int) -> Sitting:
    return _sitting(session, user, campaign_id, "group_decision", GRADE, work_kinds.GROUP_DECISION_LIST)


def decide_grades(*, session: Session, services: Services, user: User, campaign_id: int,
                  decisions: list[dict[str, Any]], note: str = "") -> Sitting:
    """The group leader sets every listed item's grade in one decision (delivered to each item as ``grade_decided``)."""
    entries = [grading.GradeEntry(d["application_id"], d["final_grade"], d.get("decision_reasons") or "")
               for d in decisions]
    decide_list(session=session, services=services, user=user, campaign_id=campaign_id, entries=entries,
                note=note, field="decisions")
    return group_decision(session=session, user=user, campaign_id=campaign_id)


def decide_list(*, session: Session, services: Services, user: User, campaign_id: int,
                entries: list[grading.GradeEntry], note: str = "", field: str = "items",
                commit: bool = True) -> list[Task]:
    """The group decision on the ranked list: every item waiting for it graded once, within the campaign's quotas
    (``grading.check_grade_list``; the no-award grade is always allowed), then the campaign's ``group_decision``
    task completed and ``grade_decided`` delivered to each item, in one transaction. Returns the items' rows."""
    _require(policies.can_decide_grades(user), policies.can_decide_grades)
    sitting = group_decision(session=session, user=user, campaign_id=campaign_id)
    if sitting.task is None or not sitting.items:
        raise ValidationFailed([{"field": field, "message": _("没有等待这一步的申报项目")}])
    campaign = sitting.campaign
    by_id = {i.application.id: i for i in sitting.items}
    graded = [(i, e) for i, e in enumerate(entries) if e.grade != campaign.no_award_grade]
    try:
        grading.check_grade_list(session, campaign=campaign, entries=[e for _, e in graded], field=field)
    except ValidationFailed as exc:
        raise ValidationFailed([_renumbered(e, field, [i for i, _ in graded]) for e in exc.errors]) from None
    errors = [_listed(field, i, _("申报 {id} 不在本次研究的名单中", id=e.application_id)) for i, e in enumerate(entries) if e.application_id not in by_id]
    for app_id in sorted(set(by_id) - {e.application_id for e in entries}):
        errors.append({"field": field, "message": _("名单缺少「{theme}」（申报项目 {id}），请对整份名单作出决定",
                                                    theme=by_id[app_id].application.theme, id=app_id)})
    if errors:
        raise ValidationFailed(errors)
    _complete_meeting(session, services, task=sitting.task, user=user, campaign=campaign,
                      data={"decided_ids": [e.application_id for e in entries], "decision_note": note or "",
                            "last_sitting": False})
    now = clock.now()
    rows = []
    for e in entries:
        payload = {"final_grade": e.grade, **({"decision_reasons": e.reasons.strip()} if e.reasons.strip() else {})}
        row = by_id[e.application_id].row
        deliver(session, services, row=row, payload=payload, actor=user, now=now)
        rows.append(row)
    audit.record(session, actor=user, action="decide_grades", object_type="campaign", object_id=campaign_id,
                 detail={"items": [{"application_id": e.application_id, "grade": e.grade, "reasons": e.reasons}
                                   for e in entries]}, campaign_id=campaign_id)
    call_sittings(session, services, campaign)
    if commit:
        session.commit()
    return rows


def _renumbered(error: dict[str, str], field: str, positions: list[int]) -> dict[str, str]:
    """An error of the graded entries, named by the item's place in the whole list (and the body's own field)."""
    parts = error["field"].split(".")
    if len(parts) >= 3 and parts[0] == field and parts[1].isdigit():
        parts[1] = str(positions[int(parts[1])])
        if field == "decisions" and parts[2] == "grade":
            parts[2] = "final_grade"
    return {**error, "field": ".".join(parts)}


# -- 14.7 the chair's office confirmation -------------------------------------------------------------
def chair_confirmation(*, session: Session, user: User, campaign_id: int) -> Sitting:
    return _sitting(session, user, campaign_id, "chair_confirmation", CHAIR, work_kinds.CHAIR_LIST_CONFIRMATION)


def confirm_awards(*, session: Session, services: Services, user: User, campaign_id: int,
                   send_back: list[dict[str, Any]], note: str = "", last_sitting: bool = False) -> Sitting:
    """The chair's office confirms the whole list in one decision, or sends named items back to the group
    decision with reasons; the rest then wait for the next confirmation."""
    _require(policies.can_confirm_awards(user), policies.can_confirm_awards)
    sitting = chair_confirmation(session=session, user=user, campaign_id=campaign_id)
    if sitting.task is None:
        raise Conflict(_("主席办公会尚未收到待确认的名单"))
    by_id = {i.application.id: i for i in sitting.items}
    errors = [_listed("send_back", i, _("申报 {id} 不在待确认的名单中", id=s["application_id"]))
              for i, s in enumerate(send_back) if s["application_id"] not in by_id]
    if len({s["application_id"] for s in send_back}) != len(send_back):
        errors.append({"field": "send_back", "message": _("同一项目退回了两次")})
    if errors:
        raise ValidationFailed(errors)
    returned = [s["application_id"] for s in send_back]
    confirmed = [] if returned else sorted(by_id)
    _complete_meeting(session, services, task=sitting.task, user=user, campaign=sitting.campaign, data={
        "confirmed_ids": confirmed, "sent_back_ids": returned, "chair_note": note or "",
        "last_sitting": bool(last_sitting)})
    now = clock.now()
    if returned:
        for s in send_back:
            deliver(session, services, row=by_id[s["application_id"]].row, actor=user, now=now,
                    payload={"chair_decision": "send_back", "chair_comment": s["reasons"]})
    else:
        for app_id in confirmed:
            payload = {"chair_decision": "confirm", **({"chair_comment": note} if note else {})}
            deliver(session, services, row=by_id[app_id].row, payload=payload, actor=user, now=now)
    call_sittings(session, services, sitting.campaign)
    session.commit()
    return chair_confirmation(session=session, user=user, campaign_id=campaign_id)


# -- 14.2 forwarding (统一上报) ---------------------------------------------------------------------------
def forwarding(*, session: Session, user: User, campaign_id: int) -> Sitting:
    """The union's approved items waiting to be forwarded (the office sees every union's)."""
    if not (policies.can_forward(user) or policies.can_see_meetings(user)):
        raise Forbidden(policies.DENIED[policies.can_forward])
    campaign = _campaign(session, campaign_id, user)
    union = None if policies.can_see_meetings(user) and not policies.can_forward(user) else user.unit_id
    items = [Item(a, r) for r, a in repo.waiting_items(session, campaign_id=campaign.id, message=FORWARDED,
                                                       supervising_union_id=union)]
    return Sitting(campaign, "forwarding", items, None)


def forward(*, session: Session, services: Services, user: User, campaign_id: int, application_ids: list[int],
            opinion: str) -> Sitting:
    """The supervising union forwards its approved items as one batch with its cover opinion (统一上报)."""
    _require(policies.can_forward(user), policies.can_forward)
    sitting = forwarding(session=session, user=user, campaign_id=campaign_id)
    by_id = {i.application.id: i for i in sitting.items}
    errors = [{"field": f"application_ids.{i}", "message": _("申报 {id} 不在本单位待上报的项目中", id=a)} for i, a in enumerate(application_ids) if a not in by_id]
    if not application_ids:
        errors.append({"field": "application_ids", "message": _("请选择要上报的项目")})
    if not opinion.strip():
        errors.append({"field": "opinion", "message": _("请填写推荐意见")})
    if errors:
        raise ValidationFailed(errors)
    now = clock.now()
    for app_id in application_ids:
        deliver(session, services, row=by_id[app_id].row, payload={"forward_opinion": opinion.strip()}, actor=user,
                now=now)
    audit.record(session, actor=user, action="forward", object_type="campaign", object_id=campaign_id,
                 detail={"application_ids": list(application_ids), "opinion": opinion.strip()}, campaign_id=campaign_id)
    call_sittings(session, services, sitting.campaign)
    session.commit()
    return forwarding(session=session, user=user, campaign_id=campaign_id)


def forwarding_of(*, session: Session, user: User, application_id: int) -> tuple[str, datetime] | None:
    """The supervising union's cover opinion the item was forwarded with, and when (printed on its form);
    the caller has checked the user may see the application, whose unit the opinion concerns."""
    row = repo.completed_decision(session, application_id, FORWARDED)
    if row is None or row.completed_at is None:
        return None
    return str((row.data or {}).get("forward_opinion") or ""), row.completed_at


def campaign_of_task(session: Session, task: Task) -> int | None:
    """The campaign a campaign-level meeting task belongs to (its instance's start data)."""
    instance = instance_repo.by_id(session, task.instance_id)
    value = (instance.variables or {}).get("campaign_id") if instance is not None else None
    return value if isinstance(value, int) else None


def vetting_tasks(*, session: Session, user: User, campaign_id: int) -> list[dict[str, Any]]:
    """The vetter's open vetting tasks of this campaign with their applications (the forwarding page's first part)."""
    if not policies.can_forward(user):
        return []
    rows = repo.open_vetting(session, campaign_id=campaign_id, union_id=user.unit_id)
    return [{"task": t, "application": a} for t, a in rows]
