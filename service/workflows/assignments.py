"""Handing an open task to someone else: the office reassigns, an assignee delegates (Camunda's setAssignee/delegate).

Who may take a task is one rule, :func:`eligibility_errors`: the task's role within
its unit scope (``policies.holds_lane``); for a task named for one person (a
scorer's sheet) also not holding another open task of the same step in the same
instance, and for scoring a scorer of the campaign who need not step aside for the
applicant (``handlers.scoring.recusal_reason``, the rule the process's own
selection applies). A delegate must, besides, share the delegator's role and unit.
Both are audited and both people are told (the new holder ``task_reassigned``, the
previous one ``task_handed_over``); neither message names the other person, so
scorers stay anonymous to each other.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from sqlalchemy.orm import Session

from handlers.scoring import recusal_reason
from service.catalogue import _, name_of
from service import clock
from service.auth import policies
from service.errors import Conflict, Forbidden, ValidationFailed
from service.models import Task, User
from service.repositories import applications as application_repo
from service.repositories import assignments as repo
from service.repositories import campaigns as campaign_repo
from service.repositories import instances as instance_repo
from service.repositories import users as user_repo
from service.workflows import audit, links, outbox
from service.workflows.reminders import settings_for
from service.workflows.tasks import get_task

REASON_MAX = 500


@dataclass(frozen=True)
class Handover:
    task: Task
    previous_id: int | None
    to_id: int


def reassign(*, session: Session, user: User, task_id: int, to_user_id: int, reason: str) -> Handover:
    """The office gives an open task to another eligible person, with a reason."""
    if not policies.can_reassign(user):
        raise Forbidden(policies.DENIED[policies.can_reassign])
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed([{"field": "reason", "message": _("请说明改派原因")}])
    task = _locked(session, user, task_id)
    return _hand_over(session, actor=user, task=task, target=_target(session, to_user_id), reason=reason,
                      action="reassign")


def replace_scorer(*, session: Session, user: User, task: Task, to_user_id: int, reason: str) -> Handover:
    """The office gives an absent scorer's open sheet to another of the campaign's scorers, with a reason
    (audited as ``replace_scorer``; the same eligibility as any reassignment: a scorer of the campaign, no
    recusal, not already holding a sheet of the item)."""
    if not policies.can_reassign(user):
        raise Forbidden(policies.DENIED[policies.can_reassign])
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed([{"field": "reason", "message": _("请说明更换原因")}])
    locked = _locked(session, user, task.id)
    return _hand_over(session, actor=user, task=locked, target=_target(session, to_user_id), reason=reason,
                      action="replace_scorer")


def delegate(*, session: Session, user: User, task_id: int, to_user_id: int, reason: str | None = None) -> Handover:
    """The task's holder hands it to a colleague of the same role and unit."""
    task = _locked(session, user, task_id)
    if _holder(task) != user.id:
        raise Forbidden(_("只有任务的办理人可以转交（请先认领）"))
    target = _target(session, to_user_id)
    errors = []
    if task.role not in target.roles:
        errors.append(_("须与您担任同一角色（{role}）", role=name_of("role", task.role)))
    elif not target.role_units(task.role) & user.role_units(task.role):
        errors.append(_("须与您同一单位"))
    if errors:
        raise ValidationFailed([{"field": "user_id", "message": m} for m in errors])
    return _hand_over(session, actor=user, task=task, target=target, reason=(reason or "").strip(),
                      action="delegate")


def eligibility_errors(session: Session, task: Task, target: User) -> list[str]:
    """Why ``target`` may not take ``task`` (empty: they may), each reason from the catalogue."""
    if not target.is_active:
        return [_("该用户已停用")]
    if not policies.holds_lane(target, task):
        return [_("须担任该任务的角色（{role}）并属于其办理单位", role=name_of("role", task.role))]
    errors = []
    if task.candidate_user_id is not None and repo.holds_same_step(session, task, target.id):
        errors.append(_("已在办理同一申报的同一环节"))
    if task.role == "scorer" and task.application_id is not None:
        application = application_repo.by_id(session, task.application_id)
        campaign = campaign_repo.by_id(session, application.campaign_id) if application else None
        if campaign is not None and target.id not in {r.user_id for r in campaign.scorer_rows}:
            errors.append(_("不是本次评比的评分成员"))
        if application is not None and recusal_reason(target.unit_id, application.unit_id,
                                                      application.supervising_union_id):
            errors.append(_("与申报单位有关联，须回避"))
    return errors


def candidates(*, session: Session, user: User, task: Task, delegating: bool) -> list[User]:
    """Who ``user`` may give ``task`` to on the pages: everyone :func:`eligibility_errors` accepts, and for a
    delegation only colleagues of the same role and unit; never the present holder."""
    holder = _holder(task)
    mine = user.role_units(task.role) if delegating else None
    out = []
    for person in user_repo.active_holders_of(session, task.role):
        if person.id == holder or (delegating and (person.id == user.id or not person.role_units(task.role) & mine)):
            continue
        if not eligibility_errors(session, task, person):
            out.append(person)
    return out


def may_delegate(user: User, task: Task) -> bool:
    """Does ``user`` hold the open task (claimed, or named for them), so the page offers to hand it over?"""
    return task.state == "open" and _holder(task) == user.id


def _holder(task: Task) -> int | None:
    return task.candidate_user_id if task.candidate_user_id is not None else task.assignee_id


def _locked(session: Session, user: User, task_id: int) -> Task:
    get_task(session=session, user=user, task_id=task_id)  # 404 unless the user may see it
    task = instance_repo.lock_task(session, task_id)
    assert task is not None
    if task.state != "open":
        raise Conflict(_("任务 {task_id} 的状态为 {task_state}", task_id=task_id, task_state=name_of("task_state", task.state)))
    return task


def _target(session: Session, user_id: int) -> User:
    target = user_repo.by_id(session, user_id)
    if target is None:
        raise ValidationFailed([{"field": "user_id", "message": _("用户 {user_id} 不存在", user_id=user_id)}])
    return target


def _hand_over(session: Session, *, actor: User, task: Task, target: User, reason: str,
               action: Literal["reassign", "delegate", "replace_scorer"]) -> Handover:
    previous = _holder(task)
    if previous == target.id:
        session.rollback()  # already theirs: nothing changes, nothing to record or tell
        return Handover(task, previous, target.id)
    errors = eligibility_errors(session, task, target)
    if errors:
        raise ValidationFailed([{"field": "user_id", "message": m} for m in errors])
    now = clock.now()
    if task.candidate_user_id is not None:
        task.candidate_user_id = target.id
    task.assignee_id, task.claimed_at = target.id, now
    application = application_repo.by_id(session, task.application_id) if task.application_id else None
    campaign = campaign_repo.by_id(session, application.campaign_id) if application else None
    campaign_id = campaign.id if campaign else None
    detail = {"from": previous, "to": target.id, "reason": reason, "element": task.element_id}
    audit.record(session, actor=actor, action=action, object_type="task", object_id=task.id, detail=detail,
                 campaign_id=campaign_id)
    context = {"task_name": task.name, "application_theme": application.theme if application else "",
               "reason": reason, "kind": action}
    channels = settings_for(campaign)["channels"]
    stamp = now.strftime("%Y%m%dT%H%M%S%f")
    outbox.enqueue(session, key=f"{action}:{task.id}:{stamp}:{target.id}", user=target, template="task_reassigned",
                   context={**context, "link": links.task(task.id),
                                                          "due_at": task.due_at.isoformat() if task.due_at else None},
                   campaign_id=campaign_id, channels=channels)
    if previous is not None:
        before = user_repo.by_id(session, previous)
        if before is not None:
            outbox.enqueue(session, key=f"{action}:{task.id}:{stamp}:{previous}", user=before,
                           template="task_handed_over", context={**context, "link": links.tasks()},
                           campaign_id=campaign_id, channels=channels)
    session.commit()
    return Handover(task, previous, target.id)
