"""Campaigns and their results."""
from __future__ import annotations

from flask import Blueprint

from service.catalogue import _
from service import clock
from service.api import schemas
from service.api.common import current_user, services, session
from service.api.contract import operation
from service.auth import policies
from service.errors import ValidationFailed
from service.schemas.campaigns import (CampaignCopy, CampaignCreate, CampaignEditRead, CampaignOpen, CampaignRead,
                                       CampaignUpdate, ReadinessRead, ResultRead, ScorersUpdate)
from service.schemas.common import Items
from service.workflows import campaign_setup, campaigns, readiness, viewing

bp = Blueprint("campaigns", __name__)


@bp.get("/campaigns")
@operation("Campaigns", response=Items[CampaignRead], errors=(401,))
def list_() -> dict:
    groups = viewing.groups_for(session(), current_user(), None)
    return {"items": [schemas.campaign(c, groups) for c in campaigns.list_campaigns(session(), current_user())]}


@bp.post("/campaigns")
@operation("Create a year's campaign", body=CampaignCreate, ok=201, response=CampaignRead,
           errors=(400, 401, 403, 409), allowed=policies.can_manage_campaigns)
def create(body: CampaignCreate) -> tuple[dict, int]:
    user = current_user()
    times = {}
    for key in ("opens_at", "closes_at"):
        if getattr(body, key) is not None:
            try:
                times[key] = clock.parse_iso(getattr(body, key))
            except ValueError:
                raise ValidationFailed([{"field": key, "message": _("须为 ISO 8601 日期时间")}]) from None
    campaign = campaigns.create_campaign(
        session=session(), user=user, year=body.year, name=body.name, criteria=body.criteria, grades=body.grades,
        no_award_grade=body.no_award_grade, scorer_ids=body.scorer_ids, process_key=body.process_key,
        max_applications_per_unit=body.max_applications_per_unit, reminders=body.reminders,
        scoring_rules=body.scoring_rules, min_eligible_scorers=body.min_eligible_scorers,
        applicant_unit_ids=body.applicant_unit_ids, process_version=body.process_version,
        scoring_quorum=body.scoring_quorum, grade_quotas=body.grade_quotas, owner_unit_id=body.owner_unit_id,
        forms=services().forms, **times)
    return schemas.campaign(campaign, viewing.groups_for(session(), user, None)), 201


@bp.get("/campaigns/<int:campaign_id>")
@operation("One campaign", response=CampaignRead)
def get(campaign_id: int) -> dict:
    groups = viewing.groups_for(session(), current_user(), None)
    return schemas.campaign(campaigns.visible_campaign(session(), current_user(), campaign_id), groups)


@bp.get("/campaigns/<int:campaign_id>/results")
@operation("Ranked results with each calculation", response=Items[ResultRead])
def results(campaign_id: int) -> dict:
    return {"items": campaigns.results(session=session(), user=current_user(), campaign_id=campaign_id)}


@bp.put("/campaigns/<int:campaign_id>/scorers")
@operation("Replace the campaign's scorers (office); a retried scorer selection re-reads them", body=ScorersUpdate,
           response=CampaignRead, errors=(401, 403, 404, 422), allowed=policies.can_manage_campaigns)
def update_scorers(campaign_id: int, body: ScorersUpdate) -> dict:
    user = current_user()
    campaign = campaigns.update_scorers(session=session(), user=user, campaign_id=campaign_id,
                                        scorer_ids=body.scorer_ids)
    return schemas.campaign(campaign, viewing.groups_for(session(), user, None))


@bp.post("/campaigns/copy")
@operation("Copy a campaign (default: the newest) to a new year: window, criteria, grades, scorers, rules, "
           "reminders, process version", body=CampaignCopy, ok=201, response=CampaignRead,
           errors=(400, 401, 403, 404, 409), allowed=policies.can_manage_campaigns)
def copy(body: CampaignCopy) -> tuple[dict, int]:
    user = current_user()
    campaign = campaign_setup.copy_campaign(session=session(), user=user, source_id=body.source_id, year=body.year,
                                            name=body.name, reason=body.reason, forms=services().forms)
    return schemas.campaign(campaign, viewing.groups_for(session(), user, None)), 201


@bp.patch("/campaigns/<int:campaign_id>")
@operation("Edit a campaign's settings with a reason (dry_run: only say what the edit affects); an edit that "
           "would break running items is a 409 listing its effects", body=CampaignUpdate,
           response=CampaignEditRead, errors=(401, 403, 404, 409), allowed=policies.can_manage_campaigns)
def edit(campaign_id: int, body: CampaignUpdate) -> dict:
    user = current_user()
    changes = body.model_dump(exclude_unset=True, exclude={"reason", "dry_run"})
    campaign, effects = campaign_setup.edit_campaign(session=session(), user=user, campaign_id=campaign_id,
                                                     changes=changes, reason=body.reason, dry_run=body.dry_run,
                                                     forms=services().forms)
    return {"campaign": schemas.campaign(campaign, viewing.groups_for(session(), user, None)), "effects": effects,
            "applied": bool(effects) and not body.dry_run}


@bp.get("/campaigns/<int:campaign_id>/readiness")
@operation("Readiness check: every problem that would stop a unit applying or an item being scored",
           response=ReadinessRead, allowed=policies.can_manage_campaigns)
def readiness_check(campaign_id: int) -> dict:
    return readiness.check_readiness(session=session(), services=services(),
                                     campaign=campaigns.managed_campaign(session(), current_user(), campaign_id))


@bp.post("/campaigns/<int:campaign_id>/open")
@operation("Open the submission window (refused on fatal readiness problems unless overridden with a reason)",
           body=CampaignOpen, response=ReadinessRead, errors=(401, 403, 404, 409),
           allowed=policies.can_manage_campaigns)
def open_window(campaign_id: int, body: CampaignOpen) -> dict:
    campaign, report = campaign_setup.open_window(session=session(), services=services(), user=current_user(),
                                                  campaign_id=campaign_id, override_reason=body.override_reason)
    return {**report, "opened_at": clock.local(campaign.opened_at).isoformat() if campaign.opened_at else None}
