"""The scoring step as the office runs it (民主测评): a scorer's confirmed, irreversible submit; a paper score sheet
entered by the office on a scorer's behalf; closing an item's scoring once the campaign's quorum has scored; and
replacing an absent scorer. Each is audited.

Scorers stay anonymous to each other and to applicants: :func:`status` names who holds which sheet, so only the
office and the deciding roles may read it (the scorer-identities group of service.auth.visibility).
"""
from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from handlers.scoring import recusal_reason, weighted_total
from service import work_kinds
from service.catalogue import _
from service.auth import policies, visibility
from service.errors import Conflict, Forbidden, NotFound, ValidationFailed
from service.models import Application, Task, User
from service.repositories import applications as application_repo
from service.repositories import campaigns as campaign_repo
from service.repositories import instances as instance_repo
from service.repositories import scoring as repo
from service.repositories import users as user_repo
from service.workflows import assignments, audit, retries, viewing
from service.workflows.campaign_setup import scoring_rules
from service.workflows.services import Services
from service.workflows.tasks import MAX_ATTEMPTS, complete_in_transaction, get_task, run_step

KIND = work_kinds.SCORING


def _application(session: Session, application_id: int, user: User | None = None) -> Application:
    """The item; one of a campaign beyond ``user``'s reach (another union's, policies.reach) does not exist for them."""
    application = application_repo.by_id(session, application_id)
    if application is None or (user is not None and not policies.reaches_campaign(user, application.campaign)):
        raise NotFound(_("申报 {application_id} 不存在", application_id=application_id))
    return application


def sheets_of(session: Session, application_id: int) -> list[Task]:
    return repo.tasks_of_item(session, application_id, KIND)


def quorum_of(application: Application) -> int | None:
    return application.campaign.scoring_quorum


def status(session: Session, *, user: User, application_id: int) -> dict[str, Any]:
    """Sheets in and open, the quorum, whether the office may close, and who holds each sheet (the office and
    the deciding roles only: scorer identities)."""
    application = _application(session, application_id, user)
    groups = viewing.by_application(session, user, [application])[application.id]
    if visibility.G.SCORER_IDENTITIES not in groups:
        raise Forbidden(_("只有评比办公室和决定等次的角色可以查看评分人"))
    rows = sheets_of(session, application.id)
    names = user_repo.display_names(session, {t.candidate_user_id for t in rows})
    submitted = [t for t in rows if t.state == "completed" and not (t.data or {}).get("not_scored")]
    open_rows = [t for t in rows if t.state == "open"]
    quorum = quorum_of(application)
    return visibility.redact(visibility.SCORING_FIELDS, {
        "application_id": application.id, "quorum": quorum, "eligible": len(rows), "submitted": len(submitted),
        "open": len(open_rows),
        "can_close": bool(open_rows) and quorum is not None and len(submitted) >= quorum,
        "sheets": [{"task_id": t.id, "scorer_id": t.candidate_user_id, "scorer_name": names.get(t.candidate_user_id),
                    "state": t.state, "paper": bool((t.data or {}).get("paper_sheet")),
                    "not_scored": bool((t.data or {}).get("not_scored"))} for t in rows],
    }, groups, user.id)


def office_view(session: Session, *, user: User, application_id: int) -> dict[str, Any]:
    """What the office's scoring page shows: the status, the open sheets, the campaign's other scorers (who may
    take over an absent scorer's sheet, recusal checked when chosen), the criteria."""
    if not policies.can_run_meetings(user):
        raise Forbidden(policies.DENIED[policies.can_run_meetings])
    application = _application(session, application_id)
    current = status(session, user=user, application_id=application.id)
    holders = {s["scorer_id"] for s in current["sheets"]}
    others = [{"id": i, "name": n} for i, unit, n in campaign_repo.current_scorers(session, application.campaign_id)
              if i not in holders and recusal_reason(unit, application.unit_id, application.supervising_union_id) is None]
    return {"application": application, "status": current, "criteria": application.campaign.criteria,
            "open_sheets": [s for s in current["sheets"] if s["state"] == "open"], "replacements": others}


def sheet_total(campaign: Any, values: dict[str, Any]) -> Decimal:
    """A sheet's weighted total by the campaign's criteria and rounding rule (what the calculation will store)."""
    return weighted_total(campaign.criteria, values, scoring_rules(campaign))


def _sheet(criteria: dict[str, Any], comment: str | None) -> dict[str, Any]:
    score: dict[str, Any] = {"criteria": criteria}
    if comment:
        score["comment"] = comment
    return {"score": score}


def submit_sheet(*, session: Session, services: Services, user: User, task_id: int, criteria: dict[str, Any],
                 comment: str | None, confirm: bool) -> Task:
    """A scorer's own sheet, submitted once they confirm (it cannot be changed afterwards)."""
    task = get_task(session=session, user=user, task_id=task_id)
    if task.form_key != KIND:
        raise Conflict(_("任务 {task_id} 不是评分表", task_id=task_id))

    def attempt() -> Task:
        done = complete_in_transaction(session, services, user, task_id, _sheet(criteria, comment),
                                       confirmed=confirm is True)
        session.commit()
        return done
    return retries.run(session, attempt, attempts=MAX_ATTEMPTS, wait_step=0.01)


def enter_paper_sheet(*, session: Session, services: Services, user: User, task_id: int, criteria: dict[str, Any],
                      comment: str | None, confirm: bool, reason: str = "") -> Task:
    """The office enters the paper score sheet a scorer filled in at the session (recorded and audited as
    ``paper_score_sheet``: the sheet is the scorer's, the entry the office worker's)."""
    if not policies.can_run_meetings(user):
        raise Forbidden(policies.DENIED[policies.can_run_meetings])
    task = get_task(session=session, user=user, task_id=task_id)
    if task.form_key != KIND or task.candidate_user_id is None:
        raise Conflict(_("任务 {task_id} 不是评分成员的评分表", task_id=task_id))
    scorer = user_repo.by_id(session, task.candidate_user_id)
    assert scorer is not None
    data = _sheet(criteria, comment)

    def attempt() -> Task:
        done = complete_in_transaction(session, services, user, task_id, data, on_behalf_of=scorer,
                                       confirmed=confirm is True)
        if reason.strip():
            done.data = {**(done.data or {}), "paper_reason": reason.strip()}
        session.commit()
        return done
    return retries.run(session, attempt, attempts=MAX_ATTEMPTS, wait_step=0.01)


def close_scoring(*, session: Session, services: Services, user: User, application_id: int,
                  reason: str) -> dict[str, Any]:
    """Close the item's scoring with the sheets in, once the campaign's quorum has scored: the remaining sheets
    are closed as not scored (left out of the calculation, listed in it), in one transaction; audited."""
    if not policies.can_run_meetings(user):
        raise Forbidden(policies.DENIED[policies.can_run_meetings])
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed([{"field": "reason", "message": _("请说明结束评分的原因")}])
    application = _application(session, application_id, user)
    quorum = quorum_of(application)

    def attempt() -> dict[str, Any]:
        rows = sheets_of(session, application.id)
        open_rows = [t for t in rows if t.state == "open"]
        submitted = sum(1 for t in rows if t.state == "completed" and not (t.data or {}).get("not_scored"))
        if not open_rows:
            raise Conflict(_("该项目没有待提交的评分表"))
        if quorum is None:
            raise Conflict(_("本次评比未设定结束评分的法定人数，须全部评分成员提交评分"), field="scoring_quorum")
        if submitted < quorum:
            raise Conflict(_("已提交 {n} 份评分，未达到法定人数 {quorum} 份，不能结束评分", n=submitted, quorum=quorum),
                           field="quorum")
        for open_task in open_rows:
            locked = instance_repo.lock_for_completion(session, open_task.id)
            assert locked is not None
            task, instance, app_row = locked
            run_step(session, services, actor=user, task=task, instance=instance, application=app_row,
                     form_data={"not_scored": True, "reason": reason},
                     engine_data={"score": {"scorer": task.candidate_user_id, "not_scored": True}},
                     action="close_sheet")
        audit.record(session, actor=user, action="close_scoring", object_type="application", object_id=application.id,
                     detail={"reason": reason, "quorum": quorum, "submitted": submitted,
                             "not_scored": [t.candidate_user_id for t in open_rows]},
                     campaign_id=application.campaign_id)
        session.commit()
        return status(session, user=user, application_id=application.id)
    return retries.run(session, attempt, attempts=MAX_ATTEMPTS, wait_step=0.01)


def replace_scorer(*, session: Session, user: User, application_id: int, scorer_id: int, replacement_id: int,
                   reason: str) -> dict[str, Any]:
    """Give an absent scorer's open sheet of the item to another of the campaign's scorers, with a reason."""
    if not policies.can_run_meetings(user):
        raise Forbidden(policies.DENIED[policies.can_run_meetings])
    application = _application(session, application_id, user)
    held = [t for t in sheets_of(session, application.id) if t.state == "open" and t.candidate_user_id == scorer_id]
    if not held:
        raise ValidationFailed([{"field": "scorer_id", "message": _("该评分成员没有本项目待提交的评分表")}])
    try:
        assignments.replace_scorer(session=session, user=user, task=held[0], to_user_id=replacement_id, reason=reason)
    except ValidationFailed as exc:
        raise ValidationFailed([{**e, "field": "replacement_id" if e.get("field") == "user_id" else e.get("field")}
                                for e in exc.errors]) from None
    return status(session, user=user, application_id=application.id)
