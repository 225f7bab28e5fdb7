"""Per-form checks that need the domain (campaign grades, criteria, drafts).

The JSON schema of a form checks shape; these check meaning, and turn what a
person submitted into the data the process receives.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from service.catalogue import _
from service import clock, work_kinds
from service.errors import Conflict, ValidationFailed
from service.models import Campaign, Task, User
from service.repositories import applications as application_repo
from service.repositories import campaigns as campaign_repo
from service.workflows.campaign_setup import submission_window_error
from service.workflows.application_rules import APPLICATION_FIELDS, field_errors, normalise


def prepare(session: Session, task: Task, user: User, data: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """(form data to validate against the schema, data to hand to the engine)."""
    application = application_repo.by_id(session, task.application_id) if task.application_id else None
    campaign = campaign_repo.by_id(session, application.campaign_id) if application else None
    if task.form_key == work_kinds.APPLICATION and application is not None:
        closed = submission_window_error(campaign, extended_until=task.due_at) if campaign is not None else None
        if closed:
            raise Conflict(closed)
        merged = {k: getattr(application, k) for k in APPLICATION_FIELDS}
        merged.update({k: v for k, v in data.items()})
        merged = {k: v for k, v in normalise(merged).items() if v not in (None, "")}
        errors = field_errors(merged, complete=True)
        if errors:
            raise ValidationFailed(errors)
        return merged, merged
    if task.form_key == work_kinds.SCORING and campaign is not None:
        _check_scores(data, campaign)
        score = dict(data.get("score", {}))
        score["scorer"] = user.id
        return data, {"score": score}
    if task.form_key == work_kinds.LEADER_SIGNOFF:
        # the signing leader is the account signing (recorded()); a typed name is no longer asked for
        data = {k: v for k, v in data.items() if k != "leader_name"}
        return data, data
    if task.form_key in {work_kinds.GRADE_PROPOSAL, work_kinds.GRADE_DECISION} and campaign is not None:
        field = "proposed_grade" if task.form_key == work_kinds.GRADE_PROPOSAL else "final_grade"
        if data.get(field) not in campaign.grades:
            raise ValidationFailed([{"field": field, "message": _("须为以下之一：{grades}", grades=campaign.grades)}])
    return data, data


def recorded(task: Task, user: User) -> dict[str, Any]:
    """What a completed form records from the account that completes it (after the form is validated):
    the leader's sign-off names the signing leader."""
    if task.form_key == work_kinds.LEADER_SIGNOFF:
        return {"signed_by": user.id, "leader_name": user.display_name}
    return {}


def application_changes(task: Task, data: dict[str, Any]) -> dict[str, Any]:
    """What the application row keeps from a completed form (written with the step's own changes)."""
    if task.form_key == work_kinds.LEADER_SIGNOFF and task.application_id and data.get("signoff_decision") == "approve":
        return {"signed_by": data.get("signed_by")}
    if task.form_key != work_kinds.APPLICATION or not task.application_id:
        return {}
    changes = {key: data[key] for key in APPLICATION_FIELDS if key in data}
    changes["submitted_at"] = clock.now()
    return changes


def _check_scores(data: dict[str, Any], campaign: Campaign) -> None:
    score = data.get("score")
    if not isinstance(score, dict) or not isinstance(score.get("criteria"), dict):
        raise ValidationFailed([{"field": "score.criteria", "message": _("必填")}])
    given = score["criteria"]
    errors = []
    codes = {c["code"]: c for c in campaign.criteria}
    for code in sorted(set(given) - set(codes)):
        errors.append({"field": f"score.criteria.{code}", "message": _("未知的评分标准")})
    for code, criterion in codes.items():
        value = given.get(code)
        if value is None:
            errors.append({"field": f"score.criteria.{code}", "message": _("必填（{name}）", name=criterion['name'])})
        elif isinstance(value, bool) or not isinstance(value, (int, float)):
            errors.append({"field": f"score.criteria.{code}", "message": _("须为数字")})
        elif not 0 <= value <= criterion["max"]:
            errors.append({"field": f"score.criteria.{code}", "message": _("须在 0 到 {max} 之间", max=criterion['max'])})
    if errors:
        raise ValidationFailed(errors)
