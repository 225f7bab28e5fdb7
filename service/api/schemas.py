"""Response shapes: rows to JSON-ready dicts."""
from __future__ import annotations

from typing import Any

from service.api.common import iso
from service.auth import visibility
from service.auth.visibility import Group
from service.models import Application, Campaign, InstanceEvent, OrgUnit, ProcessDefinition, ProcessInstance, Task, User

# Shapes that carry an application's data take the viewer's groups (service.workflows.viewing) and
# hand the dict to service.auth.visibility, which drops what the viewer may not see.


def user(u: User) -> dict[str, Any]:
    return {"id": u.id, "username": u.username, "display_name": u.display_name, "unit_id": u.unit_id,
            "unit_name": u.unit.name, "roles": sorted(u.roles), "locale": u.locale}


def org_unit(u: OrgUnit) -> dict[str, Any]:
    return {"id": u.id, "code": u.code, "name": u.name, "name_en": u.name_en, "type": u.type,
            "parent_id": u.parent_id, "supervising_union_id": u.supervising_union_id}


def campaign(c: Campaign, groups: frozenset[Group]) -> dict[str, Any]:
    body = {"id": c.id, "year": c.year, "name": c.name, "process_key": c.process_key,
            "opens_at": iso(c.opens_at), "closes_at": iso(c.closes_at), "criteria": c.criteria, "grades": c.grades,
            "no_award_grade": c.no_award_grade, "scorer_ids": [r.user_id for r in c.scorer_rows],
            "max_applications_per_unit": c.max_applications_per_unit, "reminders": c.reminders}
    return visibility.redact(visibility.CAMPAIGN_FIELDS, body, groups, None)


def application(a: Application, groups: frozenset[Group], viewer_id: int,
                missing: list[dict[str, str]] | None = None) -> dict[str, Any]:
    body = {
        "id": a.id, "campaign_id": a.campaign_id, "unit_id": a.unit_id, "unit_name": a.unit.name,
        "supervising_union_id": a.supervising_union_id, "theme": a.theme, "content": a.content,
        "proposer": a.proposer, "refinement": a.refinement, "effects": a.effects, "recognitions": a.recognitions,
        "category": a.category, "conditions": a.conditions, "status": a.status, "stage": a.stage,
        "outcome": a.outcome, "grade": a.grade,
        "final_score": float(a.final_score) if a.final_score is not None else None,
        "calculation": a.calculation, "recusals": a.recusals, "process_instance_id": a.instance_id,
        "created_at": iso(a.created_at), "updated_at": iso(a.updated_at), "submitted_at": iso(a.submitted_at),
    }
    if missing is not None:
        body["missing"] = missing
    return visibility.redact(visibility.APPLICATION_FIELDS, body, groups, viewer_id)


def task(t: Task, groups: frozenset[Group], viewer_id: int) -> dict[str, Any]:
    body = {"id": t.id, "name": t.name, "element_id": t.element_id, "role": t.role, "form_key": t.form_key,
            "stage": t.stage, "state": t.state, "unit_id": t.unit_id, "application_id": t.application_id,
            "process_instance_id": t.instance_id, "candidate_user_id": t.candidate_user_id,
            "assignee_id": t.assignee_id, "due_at": iso(t.due_at), "created_at": iso(t.created_at),
            "claimed_at": iso(t.claimed_at), "completed_at": iso(t.completed_at), "completed_by": t.completed_by,
            "data": t.data}
    return visibility.redact(visibility.task_fields(t, viewer_id), body, groups, viewer_id)


def definition(d: ProcessDefinition) -> dict[str, Any]:
    return {"id": d.id, "key": d.key, "version": d.version, "name": d.name, "checksum": d.checksum,
            "deployed_by": d.deployed_by, "deployed_at": iso(d.deployed_at), "comment": d.comment,
            "user_tasks": d.meta.get("user_tasks", {}), "start_variables": d.meta.get("start_variables", []),
            "warnings": d.meta.get("warnings", [])}


def instance(i: ProcessInstance, groups: frozenset[Group], viewer_id: int,
             active: list[str] | None = None) -> dict[str, Any]:
    variables = visibility.redact(visibility.VARIABLE_FIELDS, i.variables or {}, groups, viewer_id)
    body = {"id": i.id, "definition_id": i.definition_id, "definition_key": i.definition.key,
            "definition_version": i.definition.version, "business_key": i.business_key, "status": i.status,
            "end_event": i.end_event, "variables": variables, "started_at": iso(i.started_at),
            "ended_at": iso(i.ended_at), "revision": i.revision}
    if active is not None:
        body["active_elements"] = active
    return visibility.redact(visibility.INSTANCE_FIELDS, body, groups, viewer_id)


def event(e: InstanceEvent, lanes: dict[str, str], groups: frozenset[Group], viewer_id: int) -> dict[str, Any]:
    """One history entry; ``lanes`` maps the definition's user tasks to their lanes (who did a step may be private)."""
    body = {"id": e.id, "element_id": e.element_id, "name": e.name, "element_type": e.element_type,
            "at": iso(e.at), "actor_id": e.actor_id, "detail": e.detail}
    return visibility.redact(visibility.event_fields(e.actor_id, lanes.get(e.element_id), viewer_id),
                             body, groups, viewer_id)
