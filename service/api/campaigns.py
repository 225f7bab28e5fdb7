"""Campaigns and their results."""
from __future__ import annotations


from flask import Blueprint

from service import clock
from service.api import schemas
from service.api.common import current_user, json_body, session
from service.errors import ValidationFailed
from service.workflows import campaigns, viewing

bp = Blueprint("campaigns", __name__)


@bp.get("/campaigns")
def list_() -> dict:
    groups = viewing.groups_for(session(), current_user(), None)
    return {"items": [schemas.campaign(c, groups) for c in campaigns.list_campaigns(session())]}


@bp.post("/campaigns")
def create() -> tuple[dict, int]:
    user = current_user()
    body = json_body()
    times = {}
    for key in ("opens_at", "closes_at"):
        if body.get(key) is not None:
            try:
                times[key] = clock.parse_iso(str(body[key]))
            except ValueError:
                raise ValidationFailed([{"field": key, "message": "must be an ISO 8601 datetime"}]) from None
    campaign = campaigns.create_campaign(
        session=session(), user=user, year=body.get("year"), name=body.get("name", ""),
        criteria=body.get("criteria"), grades=body.get("grades"), no_award_grade=body.get("no_award_grade"),
        scorer_ids=body.get("scorer_ids", []), process_key=str(body.get("process_key", "innovation_appraisal")),
        max_applications_per_unit=_limit(body.get("max_applications_per_unit", 3)), reminders=body.get("reminders"),
        **times)
    return schemas.campaign(campaign, viewing.groups_for(session(), user, None)), 201


def _limit(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 1000:
        raise ValidationFailed([{"field": "max_applications_per_unit", "message": "must be an integer from 1 to 1000"}])
    return value


@bp.get("/campaigns/<int:campaign_id>")
def get(campaign_id: int) -> dict:
    groups = viewing.groups_for(session(), current_user(), None)
    return schemas.campaign(campaigns.get_campaign(session(), campaign_id), groups)


@bp.get("/campaigns/<int:campaign_id>/results")
def results(campaign_id: int) -> dict:
    return {"items": campaigns.results(session=session(), user=current_user(), campaign_id=campaign_id)}


