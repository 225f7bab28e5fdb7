"""Moving running instances to another version of their process (Camunda's migration plans), and moving
one instance's token within its version (Camunda's instance modification).

A **plan** names a source and a target version of the same process and maps elements: by id by
default (:func:`generate`, which also aligns a renamed element whose place in the flow is unchanged,
as SpiffWorkflow's diff does), plus explicit instructions for renamed elements. :func:`validate` is
the dry run: for every active instance on the source version (of one campaign, or these ids) what
will happen to each active element, and which instances cannot move and why, in words.
:func:`migrate` (Camunda's ``execute``) migrates them one by one, each in its own transaction and audited
(``migrate_instance``), batch after batch (:data:`BATCH_SIZE`: no cap on a run; a second run skips what moved
already); an instance that fails (it moved on since the dry run, its state cannot be
read, a row changed meanwhile) is rolled back and left as it was, and the others go on. The indexed
rows follow the engine: task rows keep their ids and take the target's element, name, role, form and
stage; timers the target changed are re-planned, dropped ones cancelled; waiting message rows follow.

:func:`modify` cancels an active element and starts the instance again just before another one (a
reason required, audited as ``modify_instance``).
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator, Literal

from sqlalchemy.orm import Session

from service import clock
from service.auth import policies
from service.catalogue import N_, _, name_of
from service.catalogue.codes import ROLE
from service.engine import MigrationCheck, MigrationRefused, Obstacle
from service.errors import Conflict, Forbidden, NotFound, ValidationFailed
from service.models import Application, ProcessDefinition, ProcessInstance, User
from service.repositories import applications as application_repo
from service.repositories import definitions as definition_repo
from service.repositories import instances as instance_repo
from service.workflows import audit, calendars, scope, steps
from service.workflows.applications import plan_changes
from service.workflows.definitions import engine_spec
from service.workflows.instances import engine_call
from service.workflows.reminders import grace_for
from service.workflows.services import Services

LOGGER = logging.getLogger(__name__)
REASON_MAX = 500
BATCH_SIZE = 500
"""Instances read per batch: a run of any size goes through every matching instance, batch after batch (each
instance still in its own transaction), so no call has to hold thousands of instances at once."""

OBSTACLES: dict[str, str] = {
    "removed": N_("办理中的环节“{name}”在目标版本中不存在：请在映射中为它指定目标版本的环节"),
    "type_changed": N_("环节“{name}”映射到的“{target}”是另一种环节，不能迁移"),
    "subprocess": N_("子流程“{name}”在目标版本中没有对应的流程定义，不能迁移"),
    "unknown_source": N_("映射中的源环节 {element} 在源版本中不存在"),
    "unknown_target": N_("映射中的目标环节 {target} 在目标版本中不存在"),
    "not_active": N_("环节“{name}”当前没有在办理"),
    "not_movable": N_("“{name}”不能单独取消（评分表或边界事件）：请取消它所属的环节"),
    "not_a_start": N_("不能从“{name}”之前开始（开始事件或边界事件）"),
    "not_active_instance": N_("实例已结束，不能迁移"),
    "moved_on": N_("实例已不在源版本上（已被迁移）"),
    "unreadable": N_("实例状态无法读取：{error}"),
    "failed": N_("迁移时出错，实例保持不变：{error}"),
}


@dataclass(frozen=True)
class Plan:
    """A migration plan: source and target versions and the element mapping (source id -> target id)."""
    source: ProcessDefinition
    target: ProcessDefinition
    mapping: dict[str, str]


@dataclass
class InstanceReport:
    """One instance in a dry run or a run: what happens to it (``moves``), or why it cannot move."""
    instance: ProcessInstance
    application: Application | None
    moves: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    migrated: bool = False

    @property
    def can_move(self) -> bool:
        return not self.problems


@dataclass
class Batch:
    """One batch of a run: how many instances it read, how many moved (or could), how many could not."""
    number: int
    instances: int
    movable: int
    blocked: int
    migrated: int


@dataclass
class Run:
    """A dry run or a run over every matching instance: per instance, and per batch (the progress made).

    ``already_on_target``: matching instances that run the target version already (migrated by an earlier run,
    which a second run therefore skips)."""
    reports: list[InstanceReport] = field(default_factory=list)
    batches: list[Batch] = field(default_factory=list)
    already_on_target: int = 0

    def add(self, reports: list[InstanceReport]) -> None:
        self.reports.extend(reports)
        self.batches.append(Batch(len(self.batches) + 1, len(reports), sum(1 for r in reports if r.can_move),
                                  sum(1 for r in reports if not r.can_move), sum(1 for r in reports if r.migrated)))


def _allowed(user: User) -> None:
    if not policies.can_migrate_instances(user):
        raise Forbidden(policies.DENIED[policies.can_migrate_instances])


def _definitions(session: Session, source_id: int, target_id: int) -> tuple[ProcessDefinition, ProcessDefinition]:
    source = definition_repo.by_id(session, source_id)
    target = definition_repo.by_id(session, target_id)
    errors = []
    if source is None:
        errors.append({"field": "source_definition_id", "message": _("流程版本 {id} 不存在", id=source_id)})
    if target is None:
        errors.append({"field": "target_definition_id", "message": _("流程版本 {id} 不存在", id=target_id)})
    if not errors and source.key != target.key:
        errors.append({"field": "target_definition_id", "message": _("目标版本须与源版本属于同一流程")})
    if not errors and source.id == target.id:
        errors.append({"field": "target_definition_id", "message": _("目标版本须不同于源版本")})
    if errors:
        raise ValidationFailed(errors)
    assert source is not None and target is not None
    return source, target


def _element_name(definition: ProcessDefinition, element: str | None) -> str:
    if not element:
        return ""
    return ((definition.meta.get("elements") or {}).get(element) or {}).get("name") or element


def generate(*, session: Session, services: Services, user: User, source_id: int, target_id: int) -> dict[str, Any]:
    """The default plan (Camunda's ``generate``): every element of the source mapped to its counterpart."""
    _allowed(user)
    source, target = _definitions(session, source_id, target_id)
    defaults = services.engine.migration_defaults(spec_key=source.cache_key, spec_json=lambda: source.spec_json,
                                                  target_key=target.cache_key, target_json=lambda: target.spec_json)
    instructions = [{"source": s, "target": t, "source_name": _element_name(source, s),
                     "target_name": _element_name(target, t)} for s, t in sorted(defaults.items()) if t is not None]
    unmapped = [{"source": s, "source_name": _element_name(source, s)} for s, t in sorted(defaults.items()) if t is None]
    return {"source_definition_id": source.id, "target_definition_id": target.id, "key": source.key,
            "source_version": source.version, "target_version": target.version,
            "instructions": instructions, "unmapped": unmapped,
            "target_elements": [{"id": k, "name": v.get("name") or k} for k, v in
                                sorted((target.meta.get("elements") or {}).items()) if _is_flow_node(v)]}


def _is_flow_node(element: dict[str, Any]) -> bool:
    kind = element.get("type", "")
    return kind.endswith(("Task", "Event", "Gateway")) or kind in ("task", "subProcess", "callActivity")


def plan_of(*, session: Session, source_id: int, target_id: int, instructions: list[dict[str, str]]) -> Plan:
    """The plan the caller gives: its two versions and its explicit instructions (checked against both versions)."""
    source, target = _definitions(session, source_id, target_id)
    source_elements, target_elements = source.meta.get("elements") or {}, target.meta.get("elements") or {}
    mapping, errors = {}, []
    for i, row in enumerate(instructions):
        s, t = (row.get("source") or "").strip(), (row.get("target") or "").strip()
        if s not in source_elements:
            errors.append({"field": f"instructions.{i}.source", "message": _("源版本中没有环节 {element}", element=s)})
        if t not in target_elements:
            errors.append({"field": f"instructions.{i}.target", "message": _("目标版本中没有环节 {element}", element=t)})
        if s in mapping and mapping[s] != t:
            errors.append({"field": f"instructions.{i}.source", "message": _("环节 {element} 映射了两次", element=s)})
        mapping[s] = t
    if errors:
        raise ValidationFailed(errors)
    return Plan(source, target, mapping)


def _batches(session: Session, plan: Plan, campaign_id: int | None,
             instance_ids: list[int] | None) -> Iterator[list[tuple[ProcessInstance, Application | None]]]:
    """Every active instance on the source version (of one campaign, or these ids), :data:`BATCH_SIZE` at a time,
    by id. An instance that stays behind (it cannot move, or failed) is not read again by the same run."""
    after = 0
    while True:
        found = instance_repo.active_on_definition(session, plan.source.id, campaign_id=campaign_id,
                                                   instance_ids=instance_ids, limit=BATCH_SIZE, after_id=after)
        if not found:
            return
        after = found[-1][0].id
        yield found
        if len(found) < BATCH_SIZE:
            return


def _new_run(session: Session, plan: Plan, campaign_id: int | None, instance_ids: list[int] | None) -> Run:
    return Run(already_on_target=instance_repo.count_active_on_definition(
        session, plan.target.id, campaign_id=campaign_id, instance_ids=instance_ids))


def _obstacle(o: Obstacle) -> str:
    return _(OBSTACLES.get(o.code, OBSTACLES["failed"]), name=o.name, element=o.element_id,
             target=o.params.get("target", ""), error=o.code)


def _describe(found: MigrationCheck, plan: Plan) -> list[str]:
    """What the migration does to one instance, in words."""
    source_tasks, target_tasks = plan.source.meta.get("user_tasks") or {}, plan.target.meta.get("user_tasks") or {}
    out = []
    for move in found.moves:
        name = _element_name(plan.source, move.source)
        target_name = _element_name(plan.target, move.target)
        if move.target != move.source:
            out.append(_("“{name}”移到目标版本的“{target}”", name=name, target=target_name))
        elif move.timer_reset:
            out.append(_("定时“{name}”按目标版本重新计时", name=name))
        elif move.changes:
            out.append(_("“{name}”留在原处，按目标版本的设置办理（已定的办理期限不变）", name=name))
        else:
            out.append(_("“{name}”留在原处", name=name))
        before, after = source_tasks.get(move.source) or {}, target_tasks.get(move.target or "") or {}
        if before and after and before.get("role") != after.get("role"):
            out.append(_("“{name}”改由{role}办理，原认领人员的认领解除", name=target_name,
                         role=name_of("role", after.get("role", "")) if after.get("role") in ROLE else after.get("role")))
    for element in found.dropped:
        out.append(_("目标版本删除了“{name}”：不再等待", name=_element_name(plan.source, element)))
    for element in found.forgotten:
        out.append(_("已办结的“{name}”在目标版本中已删除：办理记录保留", name=_element_name(plan.source, element)))
    return out


def _check_one(services: Services, plan: Plan, instance: ProcessInstance) -> tuple[MigrationCheck | None, list[str]]:
    if instance.status != "active":
        return None, [_(OBSTACLES["not_active_instance"])]
    if instance.definition_id != plan.source.id:
        return None, [_(OBSTACLES["moved_on"])]
    try:
        found = services.engine.check_migration(
            **engine_spec(instance.definition), state_json=instance.state, target_key=plan.target.cache_key,
            target_json=lambda: plan.target.spec_json, mapping=plan.mapping)
    except Exception as exc:  # noqa: BLE001 - a state the engine cannot read stops this instance only
        LOGGER.warning("instance %s: migration check failed: %s", instance.id, exc)
        return None, [_(OBSTACLES["unreadable"], error=type(exc).__name__)]
    return found, [_obstacle(o) for o in found.obstacles]


def validate(*, session: Session, services: Services, user: User, plan: Plan, campaign_id: int | None = None,
             instance_ids: list[int] | None = None) -> Run:
    """The dry run (Camunda's ``validate``): per instance, what will happen, or why it cannot move."""
    _allowed(user)
    run = _new_run(session, plan, campaign_id, instance_ids)
    for batch in _batches(session, plan, campaign_id, instance_ids):
        reports = []
        for instance, application in batch:
            found, problems = _check_one(services, plan, instance)
            reports.append(InstanceReport(instance, application, _describe(found, plan) if found else [], problems))
        run.add(reports)
        session.rollback()  # nothing written; release what was read
    return run


def migrate(*, session: Session, services: Services, user: User, plan: Plan, reason: str,
            campaign_id: int | None = None, instance_ids: list[int] | None = None) -> Run:
    """Migrate every instance the dry run would list, batch by batch, each instance in its own transaction;
    failures stay untouched. A second run finds only what stayed behind (the others run the target version)."""
    _allowed(user)
    reason = _reason(reason)
    run = _new_run(session, plan, campaign_id, instance_ids)
    session.rollback()
    for batch in _batches(session, plan, campaign_id, instance_ids):
        targets = [i.id for i, _a in batch]
        session.rollback()
        run.add([_migrate_one(session, services, user, plan, instance_id, reason) for instance_id in targets])
        LOGGER.info("migration %s -> %s: batch %d done (%d instances, %d migrated)", plan.source.id, plan.target.id,
                    len(run.batches), len(targets), run.batches[-1].migrated)
    return run


def _reason(reason: str | None) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed([{"field": "reason", "message": _("请说明原因")}])
    if len(reason) > REASON_MAX:
        raise ValidationFailed([{"field": "reason", "message": _("原因不能超过 {count} 个字", count=REASON_MAX)}])
    return reason


def _migrate_one(session: Session, services: Services, user: User, plan: Plan, instance_id: int,
                 reason: str) -> InstanceReport:
    """One instance in its own transaction: migrated and audited, or rolled back with the reason."""
    instance = None
    try:
        instance = instance_repo.lock_instance(session, instance_id)
        if instance is None:
            raise NotFound(_("流程实例 {instance_id} 不存在", instance_id=instance_id))
        application = _application_of(session, instance)
        found, problems = _check_one(services, plan, instance)
        if problems or found is None:
            session.rollback()
            return InstanceReport(instance, application, [], problems)
        moves = _describe(found, plan)
        _run(session, services, user, instance, application, found, reason,
             lambda calendar, grace: services.engine.migrate(
                 **engine_spec(instance.definition), state_json=instance.state, target_key=plan.target.cache_key,
                 target_json=lambda: plan.target.spec_json, mapping=plan.mapping, calendar=calendar,
                 grace_working_days=grace)[0],
             target=plan.target, action="migrate_instance",
             detail={"from_definition": plan.source.id, "to_definition": plan.target.id,
                     "from_version": plan.source.version, "to_version": plan.target.version,
                     "mapping": {k: v for k, v in plan.mapping.items() if k != v}, "moves": moves})
        return InstanceReport(instance, application, moves, [], migrated=True)
    except MigrationRefused as exc:
        session.rollback()
        return InstanceReport(_fresh(session, instance_id, instance), None, [], [_obstacle(o) for o in exc.obstacles])
    except Exception as exc:  # noqa: BLE001 - one instance's failure leaves it untouched; the others go on
        session.rollback()
        LOGGER.warning("instance %s: migration failed: %s", instance_id, exc, exc_info=True)
        return InstanceReport(_fresh(session, instance_id, instance), None, [],
                              [_(OBSTACLES["failed"], error=_short(exc))])


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:200]


def _fresh(session: Session, instance_id: int, known: ProcessInstance | None) -> ProcessInstance:
    found = instance_repo.by_id(session, instance_id)
    session.rollback()
    return found or known or ProcessInstance(id=instance_id, business_key="", status="")


def _application_of(session: Session, instance: ProcessInstance) -> Application | None:
    return application_repo.of_instance(session, instance.id)


def _run(session: Session, services: Services, user: User, instance: ProcessInstance,
         application: Application | None, found: MigrationCheck | None, reason: str,
         call: Callable[[Any, int | None], Any], *, target: ProcessDefinition,
         action: Literal["migrate_instance", "modify_instance"],
         detail: dict[str, Any]) -> None:
    """Run the engine call, write its step with the instance's new version, follow renamed rows, audit, commit."""
    calendar = calendars.for_application(application)
    result = engine_call(lambda: call(calendar, grace_for(application)))
    now = clock.now()
    plan = steps.plan_step(instance=instance, result=result, actor_id=user.id,
                           application_id=application.id if application else None, now=now, calendar=calendar,
                           definition=target)
    if target.id != instance.definition_id:
        plan.change(instance, {"definition_id": target.id}, versioned=True)
    if application is not None and (found is None or result.history or result.completed):
        # a migration that only re-points the elements leaves the application's stage and status as they were
        plan_changes(plan, application=application, instance=instance, result=result)
    audit.record(session, actor=user, action=action, object_type="process_instance", object_id=instance.id,
                 detail={**detail, "reason": reason}, campaign_id=application.campaign_id if application else None,
                 plan=plan)
    if found is not None:
        _follow(session, instance, target, found)
    steps.write_step(session=session, plan=plan, instance=instance, result=result,
                     application_id=application.id if application else None, actor_id=user.id)
    session.commit()


def _follow(session: Session, instance: ProcessInstance, target: ProcessDefinition, found: MigrationCheck) -> None:
    """The rows of the instance's active elements take the target's element and its settings (before the step's
    own rows are written: the rows it opens are the target's already)."""
    meta = target.meta.get("user_tasks") or {}
    source_meta = instance.definition.meta.get("user_tasks") or {}
    for move in found.moves:
        if move.target is None:
            continue
        info, before = meta.get(move.target), source_meta.get(move.source) or {}
        values: dict[str, Any] = {"element_id": move.target}
        if info:
            values.update(name=info.get("name") or move.target_name, role=info.get("role", ""),
                          form_key=info.get("form_key", ""), stage=info.get("stage"))
            if info.get("role") != before.get("role"):
                values.update(unit_id=scope.require_task_scope(instance, move.target, info.get("role", "")),
                              assignee_id=None, claimed_at=None)
        instance_repo.follow_element(session, instance.id, move.source, values)


def modify(*, session: Session, services: Services, user: User, instance_id: int, cancel: str, start_before: str,
           reason: str) -> ProcessInstance:
    """Cancel the active element ``cancel`` and start again just before ``start_before`` (Camunda's modification)."""
    if not policies.can_modify_instances(user):
        raise Forbidden(policies.DENIED[policies.can_modify_instances])
    reason = _reason(reason)
    instance = instance_repo.lock_instance(session, instance_id)
    if instance is None:
        raise NotFound(_("流程实例 {instance_id} 不存在", instance_id=instance_id))
    if instance.status != "active":
        raise Conflict(_("流程实例 {instance_id} 的状态为 {instance_status}", instance_id=instance_id,
                         instance_status=instance.status))
    elements = instance.definition.meta.get("elements") or {}
    errors = [{"field": name, "message": _("流程中没有环节 {element}", element=value)}
              for name, value in (("cancel", cancel), ("start_before", start_before)) if value not in elements]
    if errors:
        raise ValidationFailed(errors)
    obstacles = services.engine.check_modification(**engine_spec(instance.definition), state_json=instance.state,
                                                   cancel=cancel, start_before=start_before)
    if obstacles:
        raise ValidationFailed([{"field": "start_before" if o.code in ("unknown_target", "not_a_start") else "cancel",
                                 "message": _obstacle(o)} for o in obstacles])
    application = _application_of(session, instance)
    _run(session, services, user, instance, application, None, reason,
         lambda calendar, grace: services.engine.modify(
             **engine_spec(instance.definition), state_json=instance.state, cancel=cancel, start_before=start_before,
             calendar=calendar, grace_working_days=grace),
         target=instance.definition, action="modify_instance",
         detail={"cancel": cancel, "start_before": start_before, "element_name": _element_name(instance.definition, cancel),
                 "target_name": _element_name(instance.definition, start_before)})
    return instance


def active_elements(*, session: Session, services: Services, instance: ProcessInstance) -> list[str]:
    """The elements the instance is at (for the modification form)."""
    if instance.status != "active":
        return []
    return services.engine.active_elements(**engine_spec(instance.definition), state_json=instance.state)


@dataclass(frozen=True)
class Version:
    """A version of a process as the migration page lists it, with how many instances run on it."""
    definition: ProcessDefinition
    active: int


def versions(*, session: Session, user: User, key: str) -> list[Version]:
    """Every version of ``key``, newest first, with its active instances (the page's source and target lists)."""
    _allowed(user)
    rows = definition_repo.all_versions(session, key)
    counts = instance_repo.count_active_by_definition(session, [d.id for d in rows])
    return [Version(d, counts.get(d.id, 0)) for d in rows]


def definition(*, session: Session, user: User, definition_id: int) -> ProcessDefinition:
    """One version (the page opened with ``?source=``), or 404."""
    _allowed(user)
    found = definition_repo.by_id(session, definition_id)
    if found is None:
        raise NotFound(_("流程定义 {definition_id} 不存在", definition_id=definition_id))
    return found


def processes(*, session: Session, user: User) -> dict[str, str]:
    """The processes that have versions, key -> the newest version's name (the page's first choice)."""
    _allowed(user)
    names: dict[str, str] = {}
    for d in definition_repo.all_versions(session):  # newest first within a key
        names.setdefault(d.key, d.name)
    return names
