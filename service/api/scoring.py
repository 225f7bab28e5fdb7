"""The list meetings: presentation sessions, the office's scoring actions, the ranked list and the group decision."""
from __future__ import annotations

from typing import Any

from flask import Blueprint

from service.api import schemas
from service.api.common import current_user, services, session
from service.api.contract import operation
from service.auth import policies, visibility
from service.schemas.common import Items
from service.schemas.scoring import (CloseScoring, GradeList, ListDone, PaperSheet, RankingRead, ReplaceScorer,
                                     ScoreSheet, ScoringStatusRead, SessionCreate, SessionRead, SessionRecord)
from service.schemas.tasks import TaskRead
from service.workflows import grading, presentations, scoring_actions
from service.workflows.campaigns import get_campaign

bp = Blueprint("scoring", __name__)


def _entries(body: GradeList) -> list[grading.GradeEntry]:
    return [grading.GradeEntry(i.application_id, i.grade, i.reasons) for i in body.items]


def _done(tasks: list) -> dict:
    return {"completed_task_ids": [t.id for t in tasks], "application_ids": [t.application_id for t in tasks]}


@bp.get("/campaigns/<int:campaign_id>/ranking")
@operation("The ranked list (equal scores share a rank: 并列), each item's calculation as the viewer may see it, the "
           "office's proposals, the quotas and the items waiting for the proposal or the decision",
           response=RankingRead, allowed=policies.can_see_results)
def ranking(campaign_id: int) -> dict:
    user = current_user()
    rows = grading.ranking(session(), user=user, campaign_id=campaign_id)
    campaign = get_campaign(session(), campaign_id)
    return {"campaign_id": campaign_id, "items": rows,
            "quotas": [{"grade": g, "limit": limit, "rule": rule}
                       for g, (limit, rule) in grading.quota_limits(session(), campaign).items()],
            "waiting_for_proposal": [t.application_id for t in grading.waiting_items(session(), campaign_id,
                                                                                      grading.PROPOSE[0])],
            "waiting_for_decision": [t.application_id for t in grading.waiting_items(session(), campaign_id,
                                                                                      grading.DECIDE[0])]}


@bp.post("/campaigns/<int:campaign_id>/grade-proposals")
@operation("The office proposes the grade of every item waiting for it, with reasons, in one step (all or nothing; "
           "quotas per grade enforced)", body=GradeList, response=ListDone, errors=(401, 403, 404, 409, 422),
           allowed=policies.can_run_meetings)
def propose(campaign_id: int, body: GradeList) -> dict:
    return _done(grading.propose_grades(session=session(), services=services(), user=current_user(),
                                        campaign_id=campaign_id, entries=_entries(body)))


@bp.post("/campaigns/<int:campaign_id>/grade-decisions")
@operation("The group leader sets the grade of every item of the list in one decision (all or nothing; quotas per "
           "grade enforced)", body=GradeList, response=ListDone, errors=(401, 403, 404, 409, 422),
           allowed=policies.can_decide_grades)
def decide(campaign_id: int, body: GradeList) -> dict:
    return _done(grading.decide_grades(session=session(), services=services(), user=current_user(),
                                       campaign_id=campaign_id, entries=_entries(body)))


# --------------------------------------------------------------------------- the scoring step


def _task_body(task: Any, user: Any) -> dict:
    return schemas.task(task, visibility.ACTING, user.id)


@bp.get("/applications/<int:application_id>/scoring")
@operation("Where an item's scoring stands: sheets in and open, the quorum, whether the office may close it, and "
           "who holds each sheet (the office and the deciding roles: scorers are anonymous to everyone else)",
           response=ScoringStatusRead, allowed=policies.can_see_results)
def scoring_status(application_id: int) -> dict:
    return scoring_actions.status(session(), user=current_user(), application_id=application_id)


@bp.post("/tasks/<int:task_id>/score-sheet")
@operation("A scorer submits their own sheet; `confirm: true` is required (a submitted sheet cannot be changed)",
           body=ScoreSheet, response=TaskRead, errors=(401, 403, 404, 409, 422))
def score_sheet(task_id: int, body: ScoreSheet) -> dict:
    user = current_user()
    return _task_body(scoring_actions.submit_sheet(session=session(), services=services(), user=user, task_id=task_id,
                                                   criteria=body.criteria, comment=body.comment,
                                                   confirm=body.confirm), user)


@bp.post("/tasks/<int:task_id>/paper-sheet")
@operation("The office enters a scorer's paper score sheet on their behalf (recorded as 纸质评分表录入, audited); "
           "`confirm: true` is required", body=PaperSheet, response=TaskRead, errors=(401, 403, 404, 409, 422),
           allowed=policies.can_run_meetings)
def paper_sheet(task_id: int, body: PaperSheet) -> dict:
    user = current_user()
    return _task_body(scoring_actions.enter_paper_sheet(
        session=session(), services=services(), user=user, task_id=task_id, criteria=body.criteria,
        comment=body.comment, confirm=body.confirm, reason=body.reason), user)


@bp.post("/applications/<int:application_id>/scoring/close")
@operation("Close the item's scoring once the campaign's quorum (scoring_quorum) has scored; the open sheets are "
           "closed as not scored; refused (409) below the quorum", body=CloseScoring, response=ScoringStatusRead,
           errors=(401, 403, 404, 409, 422), allowed=policies.can_run_meetings)
def close_scoring(application_id: int, body: CloseScoring) -> dict:
    return scoring_actions.close_scoring(session=session(), services=services(), user=current_user(),
                                         application_id=application_id, reason=body.reason)


@bp.post("/applications/<int:application_id>/scoring/replace")
@operation("Replace an absent scorer: their open sheet of the item goes to another of the campaign's scorers, with "
           "a reason (audited; both are told)", body=ReplaceScorer, response=ScoringStatusRead,
           errors=(401, 403, 404, 409, 422), allowed=policies.can_run_meetings)
def replace_scorer(application_id: int, body: ReplaceScorer) -> dict:
    return scoring_actions.replace_scorer(session=session(), user=current_user(), application_id=application_id,
                                          scorer_id=body.scorer_id, replacement_id=body.replacement_id,
                                          reason=body.reason)


# --------------------------------------------------------------------------- presentation sessions


@bp.get("/campaigns/<int:campaign_id>/presentation-sessions")
@operation("The campaign's presentation sessions (office), soonest first", response=Items[SessionRead],
           allowed=policies.can_run_meetings)
def sessions(campaign_id: int) -> dict:
    found = presentations.sessions(session(), user=current_user(), campaign_id=campaign_id)
    return {"items": [presentations.shaped(s, session()) for s in found]}


@bp.post("/presentation-sessions")
@operation("Schedule a presentation session (date and time in Asia/Shanghai, place, the shortlisted items in order); "
           "each unit's submitter and main leader are invited with the date, place and their order",
           body=SessionCreate, ok=201, response=SessionRead, errors=(401, 403, 404, 422),
           allowed=policies.can_run_meetings)
def schedule(body: SessionCreate) -> tuple[dict, int]:
    found = presentations.schedule(session=session(), user=current_user(), campaign_id=body.campaign_id,
                                   starts_at=body.starts_at, place=body.place, notes=body.notes,
                                   items=[presentations.Presenter(i.application_id, i.presenter) for i in body.items])
    return presentations.shaped(found, session()), 201


@bp.get("/presentation-sessions/<int:session_id>")
@operation("One presentation session with its order and what was recorded (office)", response=SessionRead,
           allowed=policies.can_run_meetings)
def one_session(session_id: int) -> dict:
    return presentations.shaped(presentations.get_session(session(), user=current_user(), session_id=session_id),
                                session())


@bp.post("/presentation-sessions/<int:session_id>/record")
@operation("Record every item of the session (present: presenter and notes; absent: it waits for a later "
           "session); completes each present item's record_presentation step in one transaction",
           body=SessionRecord, response=SessionRead, errors=(401, 403, 404, 409, 422),
           allowed=policies.can_run_meetings)
def record_session(session_id: int, body: SessionRecord) -> dict:
    found = presentations.record(session=session(), services=services(), user=current_user(), session_id=session_id,
                                 items=[presentations.Record(i.application_id, i.attended, i.presenter, i.notes)
                                        for i in body.items])
    return presentations.shaped(found, session())
