"""The meetings that decide lists (issue 14): each acts on its whole list in one request."""
from __future__ import annotations

from typing import Any

from flask import Blueprint

from service.api.common import current_user, services, session
from service.api.contract import operation
from service.auth import policies
from service.schemas.meetings import (CandidatesCreate, ChairConfirmationComplete, ForwardCreate,
                                      GroupDecisionComplete, ShortlistClose, ShortlistViews, SittingRead)
from service.workflows import meetings

bp = Blueprint("meetings", __name__)
MEETING_ERRORS = (401, 403, 404, 409, 422)


def sitting_body(sitting: meetings.Sitting, *, scores: bool = True) -> dict[str, Any]:
    """The sitting as the API shows it (``scores``: the deciding roles see scores and grades; a vetter does not)."""
    def item(i: meetings.Item) -> dict[str, Any]:
        a = i.application
        body = {"application_id": a.id, "theme": a.theme, "unit_name": a.unit.name if a.unit else None,
                "status": a.status, "stage": a.stage, "waiting_since": i.row.created_at.isoformat(),
                "views": [{**v, "at": v["at"].isoformat()} for v in i.views]}
        if scores:
            body.update(final_score=float(a.final_score) if a.final_score is not None else None, grade=a.grade)
        return body
    return {"campaign_id": sitting.campaign.id, "meeting": sitting.kind, "sitting": sitting.task is not None,
            "task_id": sitting.task.id if sitting.task is not None else None,
            "preparing": sitting.prepare_task is not None, "quorum": sitting.quorum,
            "members_recorded": sitting.members_recorded,
            "items": [item(i) for i in sitting.items], "waiting": [item(i) for i in sitting.waiting]}


@bp.get("/campaigns/<int:campaign_id>/shortlist")
@operation("The shortlist meeting: candidates, each member's views, the quorum", response=SittingRead,
           allowed=policies.can_see_meetings)
def shortlist(campaign_id: int) -> dict:
    return sitting_body(meetings.shortlist(session=session(), user=current_user(), campaign_id=campaign_id))


@bp.post("/campaigns/<int:campaign_id>/shortlist/candidates")
@operation("The office lists the sitting's candidates (completes prepare_shortlist)", body=CandidatesCreate,
           response=SittingRead, errors=MEETING_ERRORS, allowed=policies.can_prepare_shortlist)
def shortlist_candidates(campaign_id: int, body: CandidatesCreate) -> dict:
    return sitting_body(meetings.prepare_shortlist(session=session(), services=services(), user=current_user(),
                                                   campaign_id=campaign_id, candidate_ids=body.candidate_ids,
                                                   note=body.note))


@bp.post("/campaigns/<int:campaign_id>/shortlist/views")
@operation("A leading-group member records a view per candidate (in, out, abstain, with a note)",
           body=ShortlistViews, response=SittingRead, errors=MEETING_ERRORS,
           allowed=policies.can_record_shortlist_view)
def shortlist_views(campaign_id: int, body: ShortlistViews) -> dict:
    return sitting_body(meetings.record_views(session=session(), user=current_user(), campaign_id=campaign_id,
                                              views=[v.model_dump() for v in body.views]))


@bp.post("/campaigns/<int:campaign_id>/shortlist/close")
@operation("The group leader closes the list with a decision and reasons per candidate (quorum required)",
           body=ShortlistClose, response=SittingRead, errors=MEETING_ERRORS, allowed=policies.can_close_shortlist)
def shortlist_close(campaign_id: int, body: ShortlistClose) -> dict:
    return sitting_body(meetings.close_shortlist(session=session(), services=services(), user=current_user(),
                                                 campaign_id=campaign_id,
                                                 decisions=[d.model_dump() for d in body.decisions],
                                                 last_sitting=body.last_sitting))


@bp.get("/campaigns/<int:campaign_id>/group-decision")
@operation("The group decision's list (items whose grade is to be set)", response=SittingRead,
           allowed=policies.can_see_meetings)
def group_decision(campaign_id: int) -> dict:
    return sitting_body(meetings.group_decision(session=session(), user=current_user(), campaign_id=campaign_id))


@bp.post("/campaigns/<int:campaign_id>/group-decision/complete")
@operation("The group leader sets every listed item's grade in one decision", body=GroupDecisionComplete,
           response=SittingRead, errors=MEETING_ERRORS, allowed=policies.can_decide_grades)
def group_decision_complete(campaign_id: int, body: GroupDecisionComplete) -> dict:
    return sitting_body(meetings.decide_grades(session=session(), services=services(), user=current_user(),
                                               campaign_id=campaign_id,
                                               decisions=[d.model_dump() for d in body.decisions], note=body.note))


@bp.get("/campaigns/<int:campaign_id>/chair-confirmation")
@operation("The award list before the chair's office", response=SittingRead, allowed=policies.can_see_meetings)
def chair_confirmation(campaign_id: int) -> dict:
    return sitting_body(meetings.chair_confirmation(session=session(), user=current_user(), campaign_id=campaign_id))


@bp.post("/campaigns/<int:campaign_id>/chair-confirmation/complete")
@operation("The chair's office confirms the whole list, or sends named items back with reasons",
           body=ChairConfirmationComplete, response=SittingRead, errors=MEETING_ERRORS,
           allowed=policies.can_confirm_awards)
def chair_confirmation_complete(campaign_id: int, body: ChairConfirmationComplete) -> dict:
    return sitting_body(meetings.confirm_awards(session=session(), services=services(), user=current_user(),
                                                campaign_id=campaign_id,
                                                send_back=[s.model_dump() for s in body.send_back], note=body.note,
                                                last_sitting=body.last_sitting))


@bp.get("/campaigns/<int:campaign_id>/forwarding")
@operation("The supervising union's approved items waiting to be forwarded", response=SittingRead)
def forwarding(campaign_id: int) -> dict:
    user = current_user()
    return sitting_body(meetings.forwarding(session=session(), user=user, campaign_id=campaign_id),
                        scores=policies.can_see_meetings(user))


@bp.post("/campaigns/<int:campaign_id>/forwarding/forward")
@operation("The supervising union forwards its approved items as one batch with its cover opinion (统一上报)",
           body=ForwardCreate, response=SittingRead, errors=MEETING_ERRORS, allowed=policies.can_forward)
def forward(campaign_id: int, body: ForwardCreate) -> dict:
    user = current_user()
    return sitting_body(meetings.forward(session=session(), services=services(), user=user, campaign_id=campaign_id,
                                         application_ids=body.application_ids, opinion=body.opinion),
                        scores=policies.can_see_meetings(user))
