"""Applications: drafting, starting their process, and reflecting each step."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from service.catalogue import _
from service import clock, work_kinds
from service.auth import policies
from service.engine import StepResult
from service.errors import Conflict, Forbidden, NotFound, ValidationFailed
from service.models import Application, Campaign, OrgUnit, ProcessInstance, User
from service.repositories import applications as application_repo
from service.repositories import campaigns as campaign_repo
from service.repositories import instances as instance_repo
from service.repositories import tasks as task_repo
from service.repositories import users as user_repo
from service.repositories import worklists
from service.repositories.steps import StepPlan
from service.workflows import audit, calendars, campaign_setup, steps
from service.workflows.application_rules import APPLICATION_FIELDS, field_errors, normalise
from service.workflows.definitions import latest_definition
from service.workflows.definitions import engine_spec
from service.workflows.instances import engine_call, start_instance
from service.workflows.services import Services

def process_data(session: Session, application: Application, campaign: Campaign, unit: OrgUnit) -> dict[str, Any]:
    """The start data the appraisal BPMN expects; the campaign's part is refreshed at every step before
    scoring (``campaign_setup.process_variables``), so scoring uses the campaign's list and rules of then."""
    return {
        "application_id": application.id,
        "unit_id": unit.id,
        "unit_name": unit.name,
        "supervising_union_id": application.supervising_union_id,
        "needs_vetting": application.supervising_union_id is not None,
        "window_closes_at": clock.local(campaign.closes_at).isoformat(),
        **campaign_setup.process_variables(session, campaign),
    }


def scorer_data(scorers: list[User]) -> list[dict[str, Any]]:
    """The ``scorers`` variable the appraisal BPMN reads: who scores, with the unit recusal is decided by."""
    return [{"user_id": u.id, "unit_id": u.unit_id, "name": u.display_name} for u in scorers]


def current_campaign_data(session: Session, application: Application) -> dict[str, Any]:
    """What a retried element of an application's process re-reads from its campaign (the office's fixes)."""
    campaign = campaign_repo.by_id(session, application.campaign_id)
    if campaign is None:
        return {}
    return campaign_setup.process_variables(session, campaign)


def submitting_unit(user: User) -> OrgUnit:
    """The unit a submitter applies for: their own unit when they submit for it, else the unit they hold the
    submitter role in."""
    held = [r.unit for r in user.role_rows if r.role == "unit_submitter"]
    return next((u for u in held if u.id == user.unit_id), held[0] if held else user.unit)


def create_application(*, session: Session, services: Services, user: User, campaign_id: int,
                       fields: dict[str, Any]) -> Application:
    """Create a draft for the user's unit and start its process instance."""
    if not policies.can_create_application(user):
        raise Forbidden(policies.DENIED[policies.can_create_application])
    campaign = campaign_repo.by_id(session, campaign_id)
    unit = submitting_unit(user)
    if campaign is None or not policies.can_see_campaign(user, campaign) \
            or not policies.in_campaign_tree(unit, campaign):  # another union's own campaign: not there for them
        raise ValidationFailed([{"field": "campaign_id", "message": _("评比活动 {campaign_id} 不存在", campaign_id=campaign_id)}])
    now = clock.now()
    if now > campaign.closes_at:
        raise Conflict(_("申报已于 {at} 截止", at=clock.local(campaign.closes_at).strftime("%Y-%m-%d %H:%M")))
    if campaign.applicant_unit_ids is not None and unit.id not in campaign.applicant_unit_ids:
        raise Forbidden(_("本单位不在本次评比的申报范围内"))
    errors = field_errors(fields, complete=False)
    if errors:
        raise ValidationFailed(errors)
    limit = campaign.max_applications_per_unit
    if limit is not None:
        count = worklists.unit_application_count(session, campaign.id, unit.id)
        if count >= limit:
            raise Conflict(_("本单位在本次评比已有 {n} 份申报（上限 {limit} 份；被退回或撤回的不计）", n=count, limit=limit))
    definition = campaign_definition(session, campaign)
    if definition is None:
        raise Conflict(_("流程“{key}”尚未发布", key=campaign.process_key))
    application = Application(
        campaign_id=campaign.id, unit_id=unit.id, supervising_union_id=unit.supervising_union_id,
        status="draft", created_by=user.id, created_at=now, updated_at=now, recusals=[],
        **{k: v for k, v in normalise(fields).items()},
    )
    session.add(application)
    session.flush()
    instance, result, plan = start_instance(
        session=session, services=services, definition=definition, business_key=f"application-{application.id}",
        data=process_data(session, application, campaign, unit),
        started_by=user.id, application_id=application.id, calendar=calendars.for_campaign(campaign),
        owner_unit_id=campaign.owner_unit_id)
    plan_changes(plan, application=application, instance=instance, result=result, also={"instance_id": instance.id})
    audit.record(session, actor=user, action="create", object_type="application", object_id=application.id,
                 detail={"campaign_id": campaign.id, "unit_id": unit.id}, campaign_id=campaign.id, plan=plan)
    steps.write_step(session=session, plan=plan, instance=instance, result=result, application_id=application.id,
                     actor_id=user.id)
    session.commit()
    return application


def campaign_definition(session: Session, campaign: Campaign) -> Any:
    """The process version the campaign's new applications start on (pinned, else the latest)."""
    if campaign.process_version is not None:
        return campaign_repo.definition_version(session, campaign.process_key, campaign.process_version)
    return latest_definition(session, campaign.process_key)


WITHDRAWABLE_STAGES = ("submit", "vetting", "preliminary")
"""A unit may withdraw its application until the leading group has shortlisted it (preliminary review done)."""


def may_withdraw(user: User, application: Application) -> bool:
    """Whether ``user`` may withdraw ``application`` now (its unit's submitter, before shortlisting)."""
    return application.unit_id in user.role_units("unit_submitter") \
        and application.status in ("draft", "returned", "awaiting_signoff", "in_review") \
        and application.stage in WITHDRAWABLE_STAGES


def withdraw_application(*, session: Session, services: Services, user: User, application_id: int,
                         reason: str = "") -> Application:
    """The unit's submitter withdraws its application before shortlisting: its process is cancelled (open
    tasks and timers closed), it no longer counts against the unit's limit. Audited."""
    application = get_application(session=session, user=user, application_id=application_id)
    if application.unit_id not in user.role_units("unit_submitter"):
        raise Forbidden(_("只有本单位的填报人可以撤回申报"))
    if application.status == "withdrawn":
        raise Conflict(_("申报已撤回"))
    if not may_withdraw(user, application):
        raise Conflict(_("申报已通过初评遴选或已办结，不能撤回"))
    instance = instance_repo.lock_instance(session, application.instance_id) if application.instance_id else None
    now = clock.now()
    if instance is not None and instance.status == "active":
        result = engine_call(lambda: services.engine.cancel(**engine_spec(instance.definition),
                                                            state_json=instance.state))
        plan = steps.plan_step(instance=instance, result=result, actor_id=user.id, application_id=application.id,
                               now=now, calendar=calendars.for_application(application))
        steps.write_step(session=session, plan=plan, instance=instance, result=result,
                         application_id=application.id, actor_id=user.id)
    application.status, application.outcome, application.stage = "withdrawn", "withdrawn", None
    application.withdrawn_at = application.updated_at = now
    audit.record(session, actor=user, action="withdraw", object_type="application", object_id=application.id,
                 detail={"reason": (reason or "").strip()[:500]}, campaign_id=application.campaign_id)
    session.commit()
    return application


def update_draft(*, session: Session, user: User, application_id: int, fields: dict[str, Any]) -> Application:
    """Save draft fields while the application is with its unit for filling in."""
    application = get_application(session=session, user=user, application_id=application_id)
    if application.unit_id not in user.role_units("unit_submitter"):
        raise Forbidden(_("只有本单位的填报人可以修改这份申报"))
    open_fill = task_repo.open_form_task(session, application.id, work_kinds.APPLICATION)
    if open_fill is None:
        raise Conflict(_("申报当前不在单位修改阶段"))
    errors = field_errors(fields, complete=False)
    if errors:
        raise ValidationFailed(errors)
    changed = {key: value for key, value in normalise(fields).items() if getattr(application, key) != value}
    if not changed:
        session.rollback()  # the draft already says this: nothing to save, nothing to record
        return application
    for key, value in changed.items():
        setattr(application, key, value)
    application.updated_at = clock.now()
    audit.record(session, actor=user, action="update_draft", object_type="application", object_id=application.id,
                 detail={"fields": sorted(changed)}, campaign_id=application.campaign_id)
    session.commit()
    return application


def application_fields(application: Application) -> dict[str, Any]:
    return {k: getattr(application, k) for k in APPLICATION_FIELDS}


def missing_fields(application: Application) -> list[dict[str, str]]:
    """What still stops the draft from being submitted."""
    return field_errors(application_fields(application), complete=True)


def plan_changes(plan: StepPlan, *, application: Application, instance: ProcessInstance, result: StepResult,
                 also: dict[str, Any] | None = None) -> None:
    """Plan the engine step's effect on the application: stage, status, score, outcome (a pure function).

    ``also`` holds other columns the caller changes in the same step (the
    instance id at creation, a submitted form's fields), so the row gets one
    UPDATE of everything that differs.
    """
    also = also or {}
    submitted = also.get("submitted_at", application.submitted_at) is not None
    end_event = plan.planned(instance, "end_event")
    plan.change(application, {**also, **step_changes(application, end_event, result, submitted, plan.at)})


def step_changes(application: Application, end_event: str | None, result: StepResult, submitted: bool,
                 now: datetime) -> dict[str, Any]:
    """The application's columns as the step leaves them (``submitted``: it has been submitted before)."""
    values: dict[str, Any] = {"updated_at": now}
    variables = result.variables
    if isinstance(variables.get("recusals"), list):
        values["recusals"] = variables["recusals"]
    score = variables.get("score_result")
    if isinstance(score, dict) and "final" in score:
        values["final_score"] = Decimal(str(score["final"]))
        values["calculation"] = score
    grade = variables.get("final_grade") or application.grade
    stages = [t.properties.get("stage") for t in result.open_tasks if t.properties.get("stage")]
    values["stage"] = stages[0] if stages else None
    values["grade"] = grade
    if result.completed:
        outcome = work_kinds.outcome_of(end_event, result.end_properties.get(end_event or ""))
        values.update(outcome=outcome, status=outcome or "completed", stage=None)
        if outcome not in ("awarded", "not_awarded"):
            values["grade"] = None
        return values
    kinds = {t.properties.get("formKey") for t in result.open_tasks}  # by kind of work, never by element id
    if work_kinds.APPLICATION in kinds:
        values["status"] = "returned" if submitted else "draft"
    elif work_kinds.LEADER_SIGNOFF in kinds:
        values["status"] = "awaiting_signoff"
    else:
        values["status"] = "in_review"
    return values


def get_application(*, session: Session, user: User, application_id: int) -> Application:
    application = application_repo.by_id(session, application_id)
    if application is None:
        raise NotFound(_("申报 {application_id} 不存在", application_id=application_id))
    if not policies.can_see_application(user, application, scores_it=_scores(session, user, application.id)):
        raise NotFound(_("申报 {application_id} 不存在", application_id=application_id))
    return application


def _scores(session: Session, user: User, application_id: int) -> bool:
    if "scorer" not in user.roles:
        return False
    return task_repo.counts_scorer(session, application_id, user.id)


def applications_by_id(*, session: Session, ids: list[int]) -> list[Application]:
    """The applications with these ids, unfiltered: the caller shapes them for the reader (viewing.seen_all)."""
    return application_repo.by_ids(session, ids)


def list_applications(*, session: Session, user: User, campaign_id: int | None = None, status: str | None = None,
                      stage: str | None = None, unit_id: int | None = None, page: int = 1,
                      page_size: int = 50) -> tuple[list[Application], int]:
    scored = application_repo.scored_by(user.id) if "scorer" in user.roles else None
    return application_repo.page_of_applications(
        session, visible=policies.application_filter(user, scored), campaign_id=campaign_id, status=status,
        stage=stage, unit_id=unit_id, page=page, page_size=page_size)
