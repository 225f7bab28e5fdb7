"""What a deployed process says to the people who run it, element by element: its outline.

The version diff (:mod:`service.workflows.version_diff`) compares two outlines rather than two XML
texts, so moving a shape or re-indenting the file is no change, while a task's new lane, form or
deadline, a timer's new value and a gateway's new condition each are one.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable

from lxml import etree

from service.engine.lanes import lane_roles
from service.engine.validation import NS, parse_safely, properties

TASK_TYPES = frozenset({"userTask", "serviceTask", "intermediateCatchEvent"})
"""The elements a diff speaks of as steps (a message catch event is where an item waits for a meeting)."""


@dataclass(frozen=True)
class Step:
    """A user task, service task or waiting point, as people know it."""

    element_id: str
    type: str
    name: str
    role: str = ""
    form: str = ""
    due_in: str = ""
    handler: str = ""


@dataclass(frozen=True)
class Timer:
    element_id: str
    name: str
    kind: str
    """timeDate, timeDuration or timeCycle."""
    value: str
    attached_to: str = ""
    """The name of the activity a boundary timer sits on ("" for an intermediate timer)."""


@dataclass(frozen=True)
class Condition:
    """An outgoing flow of a gateway (or a conditional flow of an activity): where it leads and when."""

    flow_id: str
    source: str
    source_name: str
    target_name: str
    expression: str
    default: bool = False


@dataclass(frozen=True)
class Outline:
    steps: dict[str, Step] = field(default_factory=dict)
    timers: dict[str, Timer] = field(default_factory=dict)
    conditions: dict[str, Condition] = field(default_factory=dict)


def outline(xml: str | bytes, known_roles: Iterable[str]) -> Outline:
    """The outline of a (deployed, hence valid) document's executable processes."""
    root, _text = parse_safely(xml)
    roles = lane_roles(root, known_roles)
    names = {el.get("id"): (el.get("name") or el.get("id")) for el in root.iter()
             if isinstance(el.tag, str) and el.get("id")}
    defaults = {el.get("default") for el in root.iter() if isinstance(el.tag, str) and el.get("default")}
    result = Outline()
    for process in root.iterfind("bpmn:process", NS):
        for el in process.iter():
            if not isinstance(el.tag, str) or not el.get("id"):
                continue
            local = etree.QName(el).localname
            el_id = el.get("id")
            if local in TASK_TYPES and _is_step(el, local):
                props = properties(el)
                operator = el.find("bpmn:extensionElements/spiffworkflow:serviceTaskOperator", NS)
                result.steps[el_id] = Step(el_id, local, names[el_id], roles.get(el_id, ""),
                                           props.get("formKey", ""), props.get("dueIn", "").strip(),
                                           operator.get("id", "") if operator is not None else "")
            timer = el.find("bpmn:timerEventDefinition", NS)
            if timer is not None:
                for kind in ("timeDate", "timeDuration", "timeCycle"):
                    value = timer.find(f"bpmn:{kind}", NS)
                    if value is not None:
                        result.timers[el_id] = Timer(el_id, names[el_id], kind, (value.text or "").strip(),
                                                     names.get(el.get("attachedToRef"), "") or "")
            if local == "sequenceFlow":
                condition = el.find("bpmn:conditionExpression", NS)
                is_default = el_id in defaults
                if condition is not None or is_default:
                    source = el.get("sourceRef", "")
                    result.conditions[el_id] = Condition(
                        el_id, source, names.get(source, source), names.get(el.get("targetRef"), "") or "",
                        (condition.text or "").strip() if condition is not None else "", is_default)
    return result


def _is_step(el: etree._Element, local: str) -> bool:
    return local != "intermediateCatchEvent" or el.find("bpmn:messageEventDefinition", NS) is not None
