"""What changed between two versions of a process, said in sentences (issue 15.4).

A process administrator deciding whether to deploy, or an office worker asking why a task moved,
needs "任务「主管工会审核」的期限由 5 个工作日改为 10 个工作日", not an XML diff. The two versions'
outlines (:mod:`service.engine.outline`) are compared element by element (same id: same element);
a task whose id changed but whose name did not is reported as such, since running instances are
migrated by id. Each sentence is a msgid of the catalogue, rendered in the reader's language.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

from sqlalchemy.orm import Session

from service import timekeeping
from service.catalogue import N_, _, locale, name_of
from service.catalogue.codes import ROLE
from service.engine.outline import Condition, Outline, Step, Timer, outline
from service.errors import BadRequest
from service.models import ProcessDefinition
from service.workflows import definitions
from service.workflows.services import Services


@dataclass(frozen=True)
class Change:
    """One change: its kind (for machines), the element it concerns, and a sentence (for people)."""

    kind: str
    element: str
    msgid: str
    params: Mapping[str, Any] = field(default_factory=dict)

    def message(self, tag: str | None = None) -> str:
        """The sentence in locale ``tag`` (None: the current one); parameters that are names are localised."""
        if tag is None:
            return _(self.msgid, **{k: _render(v) for k, v in self.params.items()})
        with locale(tag):
            return _(self.msgid, **{k: _render(v) for k, v in self.params.items()})

    def as_dict(self) -> dict[str, str]:
        """The change for the API and the page, its sentence in the reader's language."""
        return {"kind": self.kind, "element": self.element, "message": self.message()}


@dataclass(frozen=True)
class _Role:
    code: str


@dataclass(frozen=True)
class _Duration:
    text: str


@dataclass(frozen=True)
class _Text:
    msgid: str


@dataclass(frozen=True)
class _Form:
    key: str
    title: Callable[[str], str | None]


def _render(value: Any) -> str:
    """A parameter as the reader reads it: roles by name, durations in words, forms by title."""
    if isinstance(value, _Role):
        if value.code in ROLE:
            return name_of("role", value.code)
        return _("系统自动") if value.code == "system" else (value.code or _("（无泳道）"))
    if isinstance(value, _Duration):
        return describe_duration(value.text)
    if isinstance(value, _Text):
        return _(value.msgid)
    if isinstance(value, _Form):
        if not value.key:
            return _("（无表单）")
        title = value.title(value.key)
        return f"{title}（{value.key}）" if title else value.key
    return str(value)


def describe_duration(text: str) -> str:
    """``P10WD`` → "10 个工作日" (in the reader's language); a timer literal's quotes are dropped."""
    value = text.strip()
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        value = value[1:-1]
    if not value:
        return _("无期限")
    try:
        return timekeeping.describe(timekeeping.parse(value))
    except timekeeping.DurationError:
        return value  # a date, a cycle or an expression over the process data: shown as written


def compare(old: Outline, new: Outline, *, form_title: Callable[[str], str | None] = lambda key: None) -> list[Change]:
    """Every change from ``old`` to ``new``: steps, then timers, then conditions."""
    changes: list[Change] = []
    changes.extend(_steps(old.steps, new.steps, form_title))
    changes.extend(_timers(old.timers, new.timers))
    changes.extend(_conditions(old.conditions, new.conditions))
    return changes


def compare_documents(old_xml: str, new_xml: str, known_roles: frozenset[str], *,
                      form_title: Callable[[str], str | None] = lambda key: None) -> list[Change]:
    return compare(outline(old_xml, known_roles), outline(new_xml, known_roles), form_title=form_title)


_ADDED = {"userTask": N_("新增任务「{name}」，由{role}办理"), "serviceTask": N_("新增自动步骤「{name}」"),
          "intermediateCatchEvent": N_("新增等待会议决定的环节「{name}」，由{role}决定")}
_REMOVED = {"userTask": N_("删除任务「{name}」（原由{role}办理）"), "serviceTask": N_("删除自动步骤「{name}」"),
            "intermediateCatchEvent": N_("删除等待会议决定的环节「{name}」")}


def _steps(old: dict[str, Step], new: dict[str, Step], form_title: Callable[[str], str | None]) -> list[Change]:
    changes: list[Change] = []
    removed = {k: v for k, v in old.items() if k not in new}
    added = {k: v for k, v in new.items() if k not in old}
    for old_id, step in sorted(removed.items()):
        twin = next((s for s in added.values() if s.name == step.name and s.type == step.type), None)
        if twin is not None:
            changes.append(Change("task_id_changed", twin.element_id, N_(
                "任务「{name}」的标识由 {old} 改为 {new}：进行中的实例需要按新标识迁移"),
                {"name": step.name, "old": old_id, "new": twin.element_id}))
            del added[twin.element_id]
            changes.extend(_step_changes(step, twin, form_title))
            continue
        changes.append(Change("task_removed", old_id, _REMOVED[step.type], {"name": step.name, "role": _Role(step.role)}))
    for new_id, step in sorted(added.items()):
        changes.append(Change("task_added", new_id, _ADDED[step.type], {"name": step.name, "role": _Role(step.role)}))
    for element_id in sorted(set(old) & set(new)):
        changes.extend(_step_changes(old[element_id], new[element_id], form_title))
    return changes


def _step_changes(a: Step, b: Step, form_title: Callable[[str], str | None]) -> list[Change]:
    changes: list[Change] = []
    el = b.element_id
    if a.name != b.name:
        changes.append(Change("task_renamed", el, N_("任务「{old}」改名为「{new}」"), {"old": a.name, "new": b.name}))
    if a.role != b.role:
        changes.append(Change("lane_changed", el, N_("任务「{name}」改由{new}办理（原为{old}）"),
                              {"name": b.name, "old": _Role(a.role), "new": _Role(b.role)}))
    if a.form != b.form:
        changes.append(Change("form_changed", el, N_("任务「{name}」的表单由 {old} 改为 {new}"),
                              {"name": b.name, "old": _Form(a.form, form_title), "new": _Form(b.form, form_title)}))
    if a.due_in != b.due_in:
        if not a.due_in:
            changes.append(Change("deadline_changed", el, N_("任务「{name}」新设期限：{new}"),
                                  {"name": b.name, "new": _Duration(b.due_in)}))
        elif not b.due_in:
            changes.append(Change("deadline_changed", el, N_("任务「{name}」取消了期限（原为 {old}）"),
                                  {"name": b.name, "old": _Duration(a.due_in)}))
        else:
            changes.append(Change("deadline_changed", el, N_("任务「{name}」的期限由 {old} 改为 {new}"),
                                  {"name": b.name, "old": _Duration(a.due_in), "new": _Duration(b.due_in)}))
    if a.handler != b.handler:
        changes.append(Change("handler_changed", el, N_("自动步骤「{name}」的处理程序由 {old} 改为 {new}"),
                              {"name": b.name, "old": a.handler or "—", "new": b.handler or "—"}))
    return changes


def _timer_label(timer: Timer) -> dict[str, Any]:
    return {"name": timer.name, "on": timer.attached_to}


def _timers(old: dict[str, Timer], new: dict[str, Timer]) -> list[Change]:
    changes: list[Change] = []
    for element_id in sorted(set(old) | set(new)):
        a, b = old.get(element_id), new.get(element_id)
        if a == b:
            continue
        if a is None and b is not None:
            changes.append(Change("timer_added", element_id, N_("新增定时「{name}」：{new}"),
                                  {**_timer_label(b), "new": _Duration(b.value)}))
        elif b is None and a is not None:
            changes.append(Change("timer_removed", element_id, N_("删除定时「{name}」（原为 {old}）"),
                                  {**_timer_label(a), "old": _Duration(a.value)}))
        elif a is not None and b is not None and (a.value, a.kind) != (b.value, b.kind):
            changes.append(Change("timer_changed", element_id, N_("定时「{name}」由 {old} 改为 {new}"),
                                  {**_timer_label(b), "old": _Duration(a.value), "new": _Duration(b.value)}))
    return changes


def _flow_label(c: Condition) -> dict[str, str]:
    return {"gateway": c.source_name, "target": c.target_name}


def _conditions(old: dict[str, Condition], new: dict[str, Condition]) -> list[Change]:
    changes: list[Change] = []
    for flow_id in sorted(set(old) | set(new)):
        a, b = old.get(flow_id), new.get(flow_id)
        if a is not None and b is not None and (a.expression, a.default) == (b.expression, b.default):
            continue
        if b is not None and b.default and (a is None or not a.default):
            changes.append(Change("condition_changed", flow_id, N_("「{gateway}」通往「{target}」的路径改为默认路径"),
                                  _flow_label(b)))
        elif a is None and b is not None:
            changes.append(Change("condition_added", flow_id, N_("「{gateway}」通往「{target}」的路径新设条件 {new}"),
                                  {**_flow_label(b), "new": b.expression}))
        elif b is None and a is not None:
            changes.append(Change("condition_removed", flow_id, N_("「{gateway}」通往「{target}」的条件 {old} 已删除"),
                                  {**_flow_label(a), "old": a.expression or _Text(N_("默认路径"))}))
        elif a is not None and b is not None:
            changes.append(Change("condition_changed", flow_id, N_("「{gateway}」通往「{target}」的条件由 {old} 改为 {new}"),
                                  {**_flow_label(b), "old": a.expression or _Text(N_("默认路径")),
                                   "new": b.expression or _Text(N_("默认路径"))}))
    return changes


def changes_between(session: Session, services: Services, definition_id: int,
                    from_id: int | None = None) -> tuple[ProcessDefinition, ProcessDefinition, list[Change]]:
    """The changes from version ``from_id`` (default: the version before) to ``definition_id``, same key."""
    new = definitions.get_definition(session, definition_id)
    if from_id is None:
        older = [d for d in definitions.list_definitions(session, new.key) if d.version < new.version]
        if not older:
            return new, new, []
        old = max(older, key=lambda d: d.version)
    else:
        old = definitions.get_definition(session, from_id)
        if old.key != new.key:
            raise BadRequest(_("两个版本不属于同一流程"), field="from_id")
    registry = services.forms
    registry.sync(session)

    def title(key: str) -> str | None:
        return registry.schema(key).get("title") if registry.exists(key) else None

    return old, new, compare_documents(old.xml, new.xml, services.engine.rules.known_roles, form_title=title)
