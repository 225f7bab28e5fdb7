"""The group decision on the ranked list (集体研究): the office proposes every item's grade in one step, the
group leader sets them all in one decision, within the campaign's quotas per grade.

Each function completes the items' own ``propose_grade`` / ``set_grade`` tasks in one transaction, all or
nothing: a refusal (an item twice or missing, an unknown grade, a quota exceeded) raises before anything is
written. With ``commit=False`` the caller's transaction stays open, so a campaign-level meeting task can
complete itself in the same transaction.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy.orm import Session

from service import work_kinds
from service.catalogue import _
from service.auth import policies, visibility
from service.errors import Forbidden, ValidationFailed
from service.models import Campaign, Task, User
from service.repositories import applications as application_repo
from service.repositories import meetings as meetings_repo
from service.repositories import public_notices as notice_repo
from service.repositories import scoring as repo
from service.workflows import audit, meetings, retries, viewing
from service.workflows.campaigns import reached_campaign, results
from service.workflows.campaigns import quota_errors as quota_errors  # the setting's rule, re-exported
from service.workflows.services import Services
from service.workflows import tasks as task_flow  # a module: tasks imports meetings, which imports this

PROPOSE = (work_kinds.GRADE_PROPOSAL, "proposed_grade", "proposal_reasons")
DECIDE = (work_kinds.GRADE_DECISION, "final_grade", "decision_reasons")
"""Each step of the list decision: (its kind of work, its grade field, its reasons field)."""
MAX_REASONS = 5000


@dataclass(frozen=True)
class GradeEntry:
    """One row of the list: the item, its grade, the reasons."""

    application_id: int
    grade: str
    reasons: str = ""


def ranking(session: Session, *, user: User, campaign_id: int) -> list[dict[str, Any]]:
    """The campaign's results with a rank (equal scores share it, 并列: 1, 2, 2, 4) and the office's proposal,
    each row as the viewer may see it (service.auth.visibility: the rank is the score's, the proposal internal);
    an item an upheld 公示 objection sent back has ``reopened_by``, the objection's reference (its finding is public)."""
    rows = results(session=session, user=user, campaign_id=campaign_id)
    groups = viewing.by_application_id(session, user, [r["application_id"] for r in rows])
    scores = [r.get("final_score") for r in rows]
    reopened = notice_repo.reopening_objections(session, [r["application_id"] for r in rows])
    shaped = []
    for row, score in zip(rows, scores):
        if score is not None:
            row["rank"] = 1 + sum(1 for s in scores if s is not None and s > score)
            row["tied"] = sum(1 for s in scores if s == score) > 1
        proposed = [t.data for t in repo.tasks_of_item(session, row["application_id"], PROPOSE[0])
                    if t.state == "completed" and t.data]
        if proposed:
            row["proposed_grade"] = proposed[-1].get(PROPOSE[1])
            row["proposal_reasons"] = proposed[-1].get(PROPOSE[2], "")
        shown = visibility.redact(visibility.APPLICATION_FIELDS, row, groups[row["application_id"]], user.id)
        if row["application_id"] in reopened:  # why the item is on the list again: its objection's public finding
            shown["reopened_by"] = reopened[row["application_id"]].reference
        shaped.append(shown)
    return shaped


def quota_limits(session: Session, campaign: Campaign) -> dict[str, tuple[int, str]]:
    """Per grade with a quota: (the most items it may take, the rule in words in the current locale)."""
    presented = repo.presented_count(session, campaign.id)
    limits = {}
    for grade, rule in (campaign.grade_quotas or {}).items():
        if "max" in rule:
            limits[grade] = (int(rule["max"]), _("至多 {n} 项", n=rule["max"]))
        else:
            share = float(rule["share"])
            limit = math.floor(share * presented + 1e-9)
            limits[grade] = (limit, _("不超过参评项目 {presented} 项的 {share}，即 {n} 项", presented=presented,
                                       share=format(share, ".0%"), n=limit))
    return limits


def check_grade_list(session: Session, *, campaign: Campaign, entries: list[GradeEntry],
                     waiting: list[int] | None = None, field: str = "items") -> None:
    """Refuse the list unless every item is listed once (every one of ``waiting``, when given), each grade is
    one of the campaign's, and no grade takes more items than its quota; each error names the item or grade."""
    errors: list[dict[str, str]] = []
    seen: set[int] = set()
    for i, entry in enumerate(entries):
        if entry.application_id in seen:
            errors.append({"field": f"{field}.{i}.application_id",
                           "message": _("申报项目 {application_id} 重复", application_id=entry.application_id)})
        seen.add(entry.application_id)
        if not entry.grade:  # the page's select left at 请选择
            errors.append({"field": f"{field}.{i}.grade", "message": _("请选择等次")})
        elif entry.grade not in campaign.grades:
            errors.append({"field": f"{field}.{i}.grade", "message": _("「{grade}」不是本次评比的等次（{grades}）", grade=entry.grade,
                                                                      grades="、".join(campaign.grades))})
        if len(entry.reasons) > MAX_REASONS:
            errors.append({"field": f"{field}.{i}.reasons", "message": _("至多 {MAX_REASONS} 字", MAX_REASONS=MAX_REASONS)})
    if waiting is not None:
        for application_id in waiting:
            if application_id not in seen:
                application = application_repo.by_id(session, application_id)
                errors.append({"field": field, "message": _("名单缺少「{theme}」（申报项目 {id}），请对整份名单作出决定",
                                                            theme=application.theme if application else "",
                                                            id=application_id)})
        for i, entry in enumerate(entries):
            if entry.application_id not in waiting:
                errors.append({"field": f"{field}.{i}.application_id",
                               "message": _("申报项目 {id} 不在待研究的名单中", id=entry.application_id)})
    if errors:
        raise ValidationFailed(errors)
    counts: dict[str, int] = {}
    for _item, grade in repo.graded_elsewhere(session, campaign.id, [e.application_id for e in entries]):
        counts[grade] = counts.get(grade, 0) + 1
    for entry in entries:
        counts[entry.grade] = counts.get(entry.grade, 0) + 1
    for grade, (limit, rule) in quota_limits(session, campaign).items():
        if counts.get(grade, 0) > limit:
            errors.append({"field": f"{field}.grade.{grade}",
                           "message": _("「{grade}」超出名额：{rule}，名单中有 {n} 项", grade=grade, rule=rule,
                                        n=counts[grade])})
    if errors:
        raise ValidationFailed(errors)


def propose_grades(*, session: Session, services: Services, user: User, campaign_id: int,
                   entries: list[GradeEntry], commit: bool = True) -> list[Task]:
    """The office proposes the grade of every item waiting for its proposal, with reasons, in one step."""
    if not policies.can_run_meetings(user):
        raise Forbidden(policies.DENIED[policies.can_run_meetings])
    return _complete_list(session, services, user, campaign_id, entries, PROPOSE, "propose_grades", commit)


def decide_grades(*, session: Session, services: Services, user: User, campaign_id: int,
                  entries: list[GradeEntry], commit: bool = True) -> list[Task]:
    """The group leader sets the grade of every item of the proposed list in one decision: the campaign's
    group-decision meeting (``meetings.decide_list``; the items wait at ``set_grade`` for its message)."""
    if not policies.can_decide_grades(user):
        raise Forbidden(policies.DENIED[policies.can_decide_grades])
    return meetings.decide_list(session=session, services=services, user=user, campaign_id=campaign_id,
                                entries=entries, commit=commit)


def waiting_items(session: Session, campaign_id: int, form_key: str) -> list[Task]:
    """The campaign's open tasks of the office's proposal, or the items waiting for the group decision's
    message (the list waiting for the meeting)."""
    if form_key == DECIDE[0]:
        return [row for row, _ in meetings_repo.waiting_items(session, campaign_id=campaign_id, message=meetings.GRADE)]
    return repo.open_tasks_of_kind(session, campaign_id, form_key)


def _complete_list(session: Session, services: Services, user: User, campaign_id: int, entries: list[GradeEntry],
                   step: tuple[str, str, str],
                   action: Literal["propose_grades", "decide_grades"], commit: bool) -> list[Task]:
    kind, grade_field, reasons_field = step

    def attempt() -> list[Task]:
        campaign = reached_campaign(session, user, campaign_id, "only the office and the group leader of this campaign")
        open_tasks = {t.application_id: t for t in repo.open_tasks_of_kind(session, campaign_id, kind)}
        if not open_tasks:
            raise ValidationFailed([{"field": "items", "message": _("没有等待这一步的申报项目")}])
        check_grade_list(session, campaign=campaign, entries=entries, waiting=list(open_tasks))
        done = []
        for entry in entries:
            data = {grade_field: entry.grade}
            if entry.reasons.strip():
                data[reasons_field] = entry.reasons.strip()
            done.append(task_flow.complete_in_transaction(session, services, user, open_tasks[entry.application_id].id, data))
        audit.record(session, actor=user, action=action, object_type="campaign", object_id=campaign_id,
                     detail={"items": [{"application_id": e.application_id, "grade": e.grade, "reasons": e.reasons}
                                       for e in entries]}, campaign_id=campaign_id)
        if commit:
            session.commit()
        return done

    if not commit:
        return attempt()
    return retries.run(session, attempt, attempts=task_flow.MAX_ATTEMPTS, wait_step=0.01)
