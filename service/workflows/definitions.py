"""Deploying BPMN: each upload of a key becomes its next version."""
from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy.orm import Session

from handlers.registry import registered_names

from service import clock
from service.engine import BpmnValidationError, ParsedProcess
from service.catalogue import _
from service.errors import BadRequest, Conflict, Forbidden, NotFound, ValidationFailed
from service.auth import policies
from service.models import ProcessDefinition, User
from service.repositories import definitions as repo
from service.timekeeping import durations
from service.workflows import audit, forms
from service.workflows.services import Services


def engine_spec(definition: ProcessDefinition) -> dict[str, Any]:
    """The definition as the engine takes it: its cache key, and its spec JSON as a loader.

    ``spec_json`` is a deferred column, read only when the engine's spec cache misses.
    """
    return {"spec_key": definition.cache_key, "spec_json": lambda: definition.spec_json}


def validate_bpmn(*, session: Session, services: Services, xml: bytes) -> dict:
    """Check a document without deploying it; returns its key and user tasks."""
    parsed = prepare(session=session, services=services, xml=xml).parsed
    return {"key": parsed.key, "name": parsed.name, "user_tasks": sorted(parsed.user_tasks),
            "start_variables": parsed.start_variables, "warnings": [w.as_dict() for w in parsed.warnings]}


@dataclass(frozen=True)
class Prepared:
    """A document that passed validation: what the engine made of it, its stored text and checksum."""

    parsed: ParsedProcess
    text: str
    checksum: str

    @property
    def key(self) -> str:
        return self.parsed.key


def prepare(*, session: Session, services: Services, xml: bytes | str) -> Prepared:
    """Validate ``xml`` against the forms deployed now; raises BadRequest naming each problem."""
    services.forms.sync(session, force=True)
    try:
        parsed = services.engine.parse(xml)
    except BpmnValidationError as exc:
        raise BadRequest(str(exc), problems=[p.as_dict() for p in exc.problems]) from None
    return Prepared(parsed, parsed.xml, hashlib.sha256(parsed.xml.encode("utf-8")).hexdigest())


def deploy(*, session: Session, services: Services, xml: bytes | str, user: User | None,
           comment: str = "", confirm_removed: bool = False) -> ProcessDefinition:
    """Parse, validate and store ``xml`` as the next version of its process key.

    A person's deployment says why (``comment``; a problem naming the field otherwise, listed with the
    document's own problems). A version that removes (or renames) user tasks of the current version
    while instances of it run is a 409 saying how many, unless ``confirm_removed``: those instances
    stay on their version until the office migrates them, which the administrator should know.
    """
    if user is not None and not policies.can_deploy(user):
        raise Forbidden(_("只有流程管理员可以发布流程定义"))
    comment = (comment or "").strip()
    missing = [] if comment else [_comment_problem()]
    try:
        prepared = prepare(session=session, services=services, xml=xml)
    except BadRequest as exc:
        exc.extra["problems"] = list(exc.extra.get("problems", [])) + missing
        raise
    if missing:
        raise BadRequest(missing[0]["message"], problems=missing, field="comment")
    impact = removal_impact(session, prepared)
    if impact["affected_instances"] and not confirm_removed:
        raise Conflict(_("新版本删除或改名了 {count} 个用户任务，当前版本 v{version} 有 {instances} 个运行中的实例受影响："
                         "请确认部署，并在部署后迁移这些实例",
                         count=len(impact["removed_tasks"]), version=impact["current_version"],
                         instances=impact["affected_instances"]),
                       code="removes_tasks_with_open_instances", field="confirm_removed", **impact)
    removed = {k: impact[k] for k in ("removed_tasks", "affected_instances")} if impact["removed_tasks"] else {}
    return store(session=session, services=services, prepared=prepared, user=user, comment=comment, removed=removed)


def _comment_problem() -> dict[str, str | None]:
    return {"element": None, "field": "comment", "code": "comment_required", "severity": "error",
            "message": _("请填写版本说明：写明这个版本改了什么、为什么改")}


def removal_impact(session: Session, prepared: Prepared) -> dict[str, Any]:
    """What deploying ``prepared`` takes away from the running instances of the key's current version.

    ``removed_tasks``: user tasks of the current version absent from the new one (a renamed id is a
    removal: instances cannot follow it without a migration); ``open_instances``: the current
    version's running instances; ``waiting_at``: per removed task, how many of them wait there;
    ``affected_instances``: the running instances when any task is removed (each may still reach it).
    """
    current = repo.latest(session, prepared.key)
    if current is None:
        return {"current_definition_id": None, "current_version": None, "removed_tasks": [], "open_instances": 0,
                "waiting_at": {}, "affected_instances": 0}
    removed = sorted(set(current.meta.get("user_tasks", {})) - set(prepared.parsed.user_tasks))
    running = repo.open_instance_count(session, current.id) if removed else 0
    return {"current_definition_id": current.id, "current_version": current.version, "removed_tasks": removed,
            "open_instances": running, "waiting_at": repo.open_tasks_at(session, current.id, removed),
            "affected_instances": running}


def handler_names() -> list[str]:
    """The registered handlers a service task may name (the modeler offers them)."""
    return registered_names()


def read_duration(text: str) -> dict[str, str]:
    """A duration as typed ("10 个工作日", "7 天" or ISO) → what the engine runs and how people read it."""
    try:
        duration = durations.parse_written(text)
    except durations.DurationError as exc:
        raise ValidationFailed([{"field": "text", "message": _(
            "无法识别的期限 {value}：请写成“10 个工作日”“7 天”“2 周”“1 个月”“36 小时”这样的形式", value=exc.text)}]) from None
    return {"value": durations.format_duration(duration), "text": durations.describe(duration)}


def store(*, session: Session, services: Services, prepared: Prepared, user: User | None, comment: str = "",
          removed: dict[str, Any] | None = None) -> ProcessDefinition:
    """Store a validated document as the next version of its key, audited, and commit: the one way a version is
    stored, whether a person deploys it from the modeler or the service deploys its bundled file at start.

    It records ``meta.form_versions``: the version of each form its tasks name that was in force at deploy, which
    its instances keep (a form deployed later applies to the next process version); an appraisal campaign's own
    pins win. ``removed``: the user tasks it takes from running instances, as confirmed (kept in the audit record)."""
    parsed, checksum = prepared.parsed, prepared.checksum
    form_versions = forms.pinned_versions(session, services.forms, [t.form_key for t in parsed.user_tasks.values()])
    version = repo.highest_version(session, parsed.key) + 1
    definition = ProcessDefinition(
        key=parsed.key, version=version, name=parsed.name, xml=prepared.text, spec_json=parsed.spec_json,
        meta={"user_tasks": {k: asdict(v) for k, v in parsed.user_tasks.items()},
              "elements": parsed.elements, "lanes": parsed.lanes, "start_variables": parsed.start_variables,
              "warnings": [w.as_dict() for w in parsed.warnings], "form_versions": form_versions},
        checksum=checksum, deployed_by=user.id if user else None, deployed_at=clock.now(), comment=comment[:500],
    )
    session.add(definition)
    session.flush()
    audit.record(session, actor=user, action="deploy", object_type="process_definition", object_id=definition.id,
                 detail={"key": parsed.key, "version": version, "checksum": checksum, "comment": comment[:500],
                         **(removed or {})})
    session.commit()
    return definition


def latest_definition(session: Session, key: str) -> ProcessDefinition | None:
    return repo.latest(session, key)


def get_definition(session: Session, definition_id: int) -> ProcessDefinition:
    definition = repo.by_id(session, definition_id)
    if definition is None:
        raise NotFound(_("流程定义 {definition_id} 不存在", definition_id=definition_id))
    return definition


def list_definitions(session: Session, key: str | None = None) -> list[ProcessDefinition]:
    return repo.all_versions(session, key)
