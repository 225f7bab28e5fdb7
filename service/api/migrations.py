"""Instance migration (Camunda's /migration/generate, /validate, /execute) and instance modification."""
from __future__ import annotations

from typing import Any

from flask import Blueprint

from service.api import schemas
from service.api.common import current_user, services, session
from service.api.contract import operation
from service.auth import policies
from service.catalogue import _
from service.errors import ValidationFailed
from service.schemas.instances import InstanceRead
from service.schemas.migrations import (
    ExecuteBody,
    GenerateBody,
    MigrationReportRead,
    ModificationBody,
    PlanBody,
    PlanRead,
    ValidateBody,
)
from service.workflows import instances, migrations, viewing

bp = Blueprint("migrations", __name__)


@bp.post("/migration/generate")
@operation("The default migration plan between two versions of one process: elements mapped by id (or by their "
           "unchanged place in the flow); those without a counterpart listed", body=GenerateBody, response=PlanRead,
           errors=(401, 403, 422), allowed=policies.can_migrate_instances)
def generate(body: GenerateBody) -> dict:
    return migrations.generate(session=session(), services=services(), user=current_user(),
                               source_id=body.source_definition_id, target_id=body.target_definition_id)


def _plan(body: PlanBody) -> migrations.Plan:
    return migrations.plan_of(session=session(), source_id=body.source_definition_id,
                              target_id=body.target_definition_id,
                              instructions=[i.model_dump() for i in body.instructions])


def _report(run: migrations.Run) -> dict[str, Any]:
    reports = run.reports
    rows = [{"id": r.instance.id, "business_key": r.instance.business_key,
             "application_id": r.application.id if r.application else None,
             "application_theme": r.application.theme if r.application else None,
             "can_move": r.can_move, "migrated": r.migrated, "moves": r.moves, "problems": r.problems}
            for r in reports]
    return {"instances": rows, "movable": sum(1 for r in reports if r.can_move),
            "blocked": sum(1 for r in reports if not r.can_move), "migrated": sum(1 for r in reports if r.migrated),
            "already_on_target": run.already_on_target,
            "batches": [{"number": b.number, "instances": b.instances, "movable": b.movable, "blocked": b.blocked,
                         "migrated": b.migrated} for b in run.batches]}


@bp.post("/migration/validate")
@operation("Dry run: per active instance on the source version (of one campaign, or these ids), what the plan does "
           "to it, or why it cannot move", body=ValidateBody, response=MigrationReportRead, errors=(401, 403, 422),
           allowed=policies.can_migrate_instances)
def validate(body: ValidateBody) -> dict:
    reports = migrations.validate(session=session(), services=services(), user=current_user(), plan=_plan(body.plan),
                                  campaign_id=body.campaign_id, instance_ids=body.process_instance_ids)
    return _report(reports)


@bp.post("/migration/execute")
@operation("Migrate the instances, each in its own transaction and audited; one that cannot move or fails is left "
           "as it was and reported", body=ExecuteBody, response=MigrationReportRead, errors=(401, 403, 422),
           allowed=policies.can_migrate_instances)
def execute(body: ExecuteBody) -> dict:
    reports = migrations.migrate(session=session(), services=services(), user=current_user(), plan=_plan(body.plan),
                                 reason=body.reason, campaign_id=body.campaign_id,
                                 instance_ids=body.process_instance_ids)
    return _report(reports)


@bp.post("/process-instances/<int:instance_id>/modification")
@operation("Modify a running instance: cancel an active element and start before another, with a reason (audited)",
           body=ModificationBody, response=InstanceRead, errors=(401, 403, 404, 409, 422),
           allowed=policies.can_modify_instances)
def modify(instance_id: int, body: ModificationBody) -> dict:
    kinds = [i.type for i in body.instructions]
    if kinds != ["cancel", "start_before"]:
        raise ValidationFailed([{"field": "instructions", "message": _("须先取消一个环节，再指定从哪个环节之前开始")}])
    user = current_user()
    migrations.modify(session=session(), services=services(), user=user, instance_id=instance_id,
                      cancel=body.instructions[0].element_id, start_before=body.instructions[1].element_id,
                      reason=body.reason)
    instance = instances.get_visible_instance(session=session(), user=user, instance_id=instance_id)
    groups = viewing.by_instance_id(session(), user, [instance.id])[instance.id]
    return schemas.instance(instance, groups, user.id, instances.active_elements(session(), instance))
