"""An instance's unit scope: derived once from its start variables, stored on the instance.

Which lane takes which variable is ``policies.LANE_SCOPE``. Starting a process
checks that every variable its lanes need is given and names an existing unit
(a 422 naming each one otherwise); the values are stored on the instance, and
every step (start, completion, timer, repair) scopes its new tasks from there,
never from whatever else happens to be loaded at the time.
"""
from __future__ import annotations

from typing import Any, Callable

from sqlalchemy.orm import Session

from service.catalogue import _
from service.auth import policies
from service.errors import BadRequest, ValidationFailed
from service.models import ProcessDefinition, ProcessInstance
from service.repositories import org

UnitScope = Callable[[str], int | None]


def needed_variables(definition: ProcessDefinition) -> dict[str, list[str]]:
    """Scope variable → the user tasks (element ids) whose lanes need it."""
    needed: dict[str, list[str]] = {}
    for element_id, info in sorted(definition.meta.get("user_tasks", {}).items()):
        variable = policies.LANE_SCOPE.get(info.get("role", ""))
        if variable is not None:
            needed.setdefault(variable, []).append(element_id)
    return needed


def resolve(session: Session, definition: ProcessDefinition, variables: dict[str, Any]) -> dict[str, int | None]:
    """The scope columns for a new instance of ``definition``, or a 422 naming every bad variable."""
    errors: list[dict[str, str]] = []
    scope: dict[str, int | None] = {}
    wanted: dict[str, int] = {}
    for variable, elements in needed_variables(definition).items():
        field = f"variables.{variable}"
        tasks = ", ".join(elements)
        if variable not in variables:
            errors.append({"field": field, "message": _("必填：任务 {tasks} 属于它指定的单位", tasks=tasks)})
            continue
        value = variables[variable]
        if value is None and variable in policies.NULLABLE_SCOPE:
            scope[variable] = None
        elif isinstance(value, int) and not isinstance(value, bool):
            wanted[variable] = value
        else:
            errors.append({"field": field, "message": _("须为已有单位的 id（任务 {tasks}）", tasks=tasks)})
    if wanted:
        found = org.existing_unit_ids(session, wanted.values())
        for variable, value in wanted.items():
            if value in found:
                scope[variable] = value
            else:
                errors.append({"field": f"variables.{variable}", "message": _("单位 {value} 不存在", value=value)})
    if errors:
        raise ValidationFailed(errors)
    return scope


def of_instance(instance: ProcessInstance) -> UnitScope:
    """Which unit a task of a given lane belongs to, in this instance: a unit lane's unit, or for the
    other lanes the campaign's owner (None: the federation's, federation-wide)."""

    def scope(role: str) -> int | None:
        variable = policies.LANE_SCOPE.get(role)
        return getattr(instance, variable) if variable is not None else instance.owner_unit_id

    return scope


def require_task_scope(instance: ProcessInstance, element_id: str, role: str) -> int | None:
    """A new task's unit; a unit lane the instance has no unit for is refused (nothing is written)."""
    unit_id = of_instance(instance)(role)
    if unit_id is None and role in policies.LANE_SCOPE:
        variable = policies.LANE_SCOPE[role]
        raise BadRequest(_("任务 {element_id} 属于 {variable} 指定的单位，而本实例没有指定单位，因此无法分配给任何人",
                           element_id=element_id, variable=variable), element=element_id)
    return unit_id
