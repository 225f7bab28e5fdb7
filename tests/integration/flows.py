"""Reusable steps that walk an application through the appraisal over HTTP."""
from __future__ import annotations

from datetime import timedelta
from typing import Any

from service import clock
from service.demo.baoding import SAMPLE_APPLICATION, SCORER_USERNAMES
from tests.api_client import Api

GOOD_APPLICATION = SAMPLE_APPLICATION


def campaign_id(api: Api) -> int:
    """The federation's newest campaign (a union's own campaigns have an owner)."""
    return next(c["id"] for c in api.get("/api/campaigns", "res_office1")["items"] if c.get("owner_unit_id") is None)


def create(api: Api, submitter: str, **overrides: Any) -> dict[str, Any]:
    body = {"campaign_id": campaign_id(api), **GOOD_APPLICATION, **overrides}
    return api.post("/api/applications", submitter, expect=201, json=body)


def submit(api: Api, app_id: int, submitter: str, leader: str) -> None:
    api.complete(submitter, "fill_application", app_id, {})
    api.complete(leader, "leader_signoff", app_id, {"signoff_decision": "approve", "leader_name": "主要领导"})


def shortlist(api: Api, app_id: int) -> None:
    """The leading group shortlists the item: it waits for its presentation."""
    api.complete("lg_member1", "preliminary_review", app_id, {"shortlisted": True, "review_reasons": "创新性突出"})


def review_to_scoring(api: Api, app_id: int) -> None:
    shortlist(api, app_id)
    api.complete("res_office1", "record_presentation", app_id, {
        "presentation_date": "2027-01-08", "presenter": "刘晓燕", "presentation_notes": "陈述15分钟，答辩5分钟"})


def score_all(api: Api, app_id: int, value: int = 80) -> list[str]:
    """Every scorer with an open scoring task scores; returns who scored."""
    scored = []
    for i, user in enumerate(SCORER_USERNAMES):
        mine = [t for t in api.tasks(user, application_id=app_id) if t["element_id"] == api.element("democratic_scoring")]
        if not mine:
            continue
        v = value + i
        api.post(f"/api/tasks/{mine[0]['id']}/complete", user, json={"confirm": True, "score": {"criteria": {
            "innovation": v, "effectiveness": v, "promotion": v, "recognition": v, "standardization": v}}})
        scored.append(user)
    return scored


def decide(api: Api, app_id: int, grade: str = "一等奖") -> None:
    api.complete("res_office1", "propose_grade", app_id, {"proposed_grade": grade, "proposal_reasons": "得分第一"})
    api.complete("group_leader", "set_grade", app_id, {"final_grade": grade, "decision_reasons": "同意办公室建议"})


def confirm(api: Api, app_id: int) -> None:
    api.complete("chair_office", "chair_confirmation", app_id, {"chair_decision": "confirm"})


def publish(api: Api, app_ids: list[int] | None = None, expect: int = 201) -> Any:
    """The office publishes the campaign's confirmed list (or these confirmed items) as a public notice (公示)."""
    body = {} if app_ids is None else {"application_ids": app_ids}
    return api.post(f"/api/campaigns/{campaign_id(api)}/notices", "res_office1", expect=expect, json=body)


def sweep_notices(api: Api, after: Any = None) -> Any:
    """Run the notice sweep in-process (the beat's appraisal.sweep_notices), at ``after`` if given."""
    from service.workflows import public_notice

    app = api.client.application
    with app.app_context(), app.extensions["appraisal.sessions"]() as session:
        if after is None:
            return public_notice.sweep(session=session, services=app.extensions["appraisal.services"])
        with clock.frozen(after):
            return public_notice.sweep(session=session, services=app.extensions["appraisal.services"])


def finalise(api: Api, app_id: int) -> None:
    """The confirmed item's public notice runs its period with no objection: its result is final."""
    notice = publish(api, [app_id])
    sweep_notices(api, clock.parse_iso(notice["ends_at"]) + timedelta(seconds=1))
