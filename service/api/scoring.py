"""The list meetings: the ranked list and the group decision on it (presentation sessions and the office's
scoring actions are added below)."""
from __future__ import annotations

from flask import Blueprint

from service.api.common import current_user, services, session
from service.api.contract import operation
from service.auth import policies
from service.schemas.scoring import GradeList, ListDone, RankingRead
from service.workflows import grading
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
            "quotas": [{"grade": g, "limit": limit, "rule": zh, "rule_en": en}
                       for g, (limit, zh, en) in grading.quota_limits(session(), campaign).items()],
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
