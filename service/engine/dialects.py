"""BPMN drawn in other modelers (issue 15.6): Camunda Modeler (Camunda 7 and 8) and SpiffArena.

A document from another modeler says the same things in its own extension dialect. Before the
rules of :mod:`.validation` run, :func:`normalise` rewrites what has an exact equivalent here into
this service's dialect (``spiffworkflow:property`` formKey/dueIn/stage/role, …) and reports each
rewrite as a warning, so the stored document is the one that runs. Everything else in a foreign
dialect is a problem naming the element and what to use instead: a Camunda Java class, expression
or external-task topic becomes "use a service task calling the registered handler X" when a
registered handler does that job; a ``${…}`` (JUEL) condition gets its Python spelling.

SpiffArena's ``instructionsForEndUser`` is allowed: the task page shows it as sanitized Markdown
(:mod:`service.workflows.instructions`). Scripts of any dialect stay refused (:mod:`.validation`).
"""
from __future__ import annotations

import re
from typing import Callable, Iterable

from lxml import etree

from service.catalogue import N_
from service.engine.errors import Problem
from service.engine.problems import phrase

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
SPIFF_NS = "http://spiffworkflow.org/bpmn/schema/1.0/core"
CAMUNDA_NS = "http://camunda.org/schema/1.0/bpmn"
ZEEBE_NS = "http://camunda.org/schema/zeebe/1.0"
NS = {"bpmn": BPMN_NS, "spiffworkflow": SPIFF_NS, "camunda": CAMUNDA_NS, "zeebe": ZEEBE_NS}
PREFIX = {CAMUNDA_NS: "camunda", ZEEBE_NS: "zeebe", SPIFF_NS: "spiffworkflow"}

SERVICE_PROPERTIES = ("formKey", "dueIn", "stage", "assigneeVariable", "dueAtVariable", "role")
"""The properties this service reads, whichever dialect's property list carries them."""

SPIFF_ELEMENTS = frozenset({"properties", "property", "serviceTaskOperator", "parameters", "parameter",
                            "instructionsForEndUser"})
"""SpiffWorkflow extension elements this service understands (scripts are refused by validation)."""
SPIFF_SCRIPTS = frozenset({"preScript", "postScript", "unitTests", "unitTest", "inputJson", "expectedOutputJson",
                           "script"})

IGNORED_ATTRIBUTES = frozenset({"asyncBefore", "asyncAfter", "exclusive", "jobPriority", "versionTag",
                                "historyTimeToLive", "isStartableInTasklist", "taskPriority", "priority"})
"""Camunda engine hints with no meaning here: reported as ignored, the document still deploys."""

HANDLER_HINTS: dict[str, tuple[str, ...]] = {
    "notify": ("notif", "mail", "sms", "send", "message", "inform", "通知", "提醒", "告知", "发送"),
    "aggregate_scores": ("aggregat", "total", "average", "mean", "sum", "汇总", "计分", "平均", "总分"),
    "select_scorers": ("scorer", "reviewer", "assign", "评审", "选定", "抽取"),
    "record_recusals": ("recus", "conflict", "回避"),
    "working_days_before": ("workday", "working", "calendar", "holiday", "工作日", "节假日"),
}
"""Words in a foreign service task's class, expression, topic or name that point to a registered handler."""

_LANE = N_("请把任务放入办理角色的泳道（泳道名称写角色名，如“评比办公室”）")
_FORM = N_("请在“表单管理”中发布表单，并用 formKey 属性引用它")
_IO = N_("本服务的表单字段直接写入流程数据，处理程序的参数写在 spiffworkflow:parameter 中")
_LISTENER = N_("本服务不运行监听器：请改用调用已注册处理程序的服务任务")
_CALL = N_("调用活动不能运行：请把被调用的流程画成内嵌子流程")
ADVICE: dict[str, str] = {
    "assignee": _LANE,
    "candidateGroups": _LANE,
    "candidateUsers": N_("请把任务放入办理角色的泳道；指定具体人员请用 assigneeVariable 属性"),
    "dueDate": N_("请改用 dueIn 属性，如 P10WD（10 个工作日）或 P7D（7 天）"),
    "followUpDate": N_("本服务的提醒按期限自动发送，请删除此属性"),
    "formData": _FORM,
    "formRef": _FORM,
    "inputOutput": _IO,
    "ioMapping": _IO,
    "executionListener": _LISTENER,
    "taskListener": _LISTENER,
    "in": _CALL,
    "out": _CALL,
    "calledDecisionId": N_("业务规则任务不能运行：请改用网关条件或服务任务"),
}
"""What to use instead of a foreign construct, by its local name (msgids, shown in the reader's language)."""
_DEFAULT_ADVICE = N_("本服务不会执行它，请删除")


def _advice(local: str) -> dict[str, object]:
    """The ``advice`` parameter for ``local``: a lazy msgid, worded when the problem is shown."""
    return {"advice": phrase(ADVICE.get(local, _DEFAULT_ADVICE))}


def normalise(root: etree._Element, handler_names: Iterable[str],
              form_exists: Callable[[str], bool] | None = None) -> tuple[list[Problem], bool]:
    """Rewrite the foreign dialect's exact equivalents in place; report the rest. Returns (problems, changed)."""
    handlers = sorted(handler_names)
    problems: list[Problem] = []
    changed = False
    for el in list(root.iter()):
        if not isinstance(el.tag, str) or etree.QName(el).namespace != BPMN_NS:
            continue
        el_id = el.get("id") or _ancestor_id(el)
        local = etree.QName(el).localname
        changed |= _attributes(el, el_id, local, handlers, problems, form_exists)
        changed |= _property_lists(el, el_id, problems)
        if local == "conditionExpression":
            problems.extend(_juel(el_id, el.text))
    for el in list(root.iter()):
        if not isinstance(el.tag, str) or el.getparent() is None:
            continue
        namespace = etree.QName(el).namespace
        if namespace in (BPMN_NS, None) or not _in_extension(el):
            continue
        problems.extend(_foreign_element(el, namespace, handlers))
    changed |= _spiff_form_files(root, problems, form_exists)
    return problems, changed


def suggest_handler(text: str, handler_names: Iterable[str]) -> str | None:
    """The registered handler whose name or hint words appear in ``text`` (a class, topic, expression or name)."""
    lowered = re.sub(r"(?<=[a-z])(?=[A-Z])", "_", text or "").lower()
    names = list(handler_names)
    for name in names:
        if name in lowered or name.replace("_", "") in lowered.replace("_", ""):
            return name
    for name in names:
        if any(word in lowered for word in HANDLER_HINTS.get(name, ())):
            return name
    return None


def python_spelling(expression: str) -> str:
    """A Camunda JUEL condition (``${a == 'x' && !b}``) as the Python this service evaluates."""
    body = expression.strip()
    if body.startswith(("${", "#{")) and body.endswith("}"):
        body = body[2:-1].strip()
    for juel, python in ((r"&&", " and "), (r"\|\|", " or "), (r"!(?!=)", " not "), (r"\beq\b", "=="),
                         (r"\bne\b", "!="), (r"\band\b", "and"), (r"\bor\b", "or"), (r"\bnull\b", "None"),
                         (r"\btrue\b", "True"), (r"\bfalse\b", "False"), (r"\bgt\b", ">"), (r"\blt\b", "<"),
                         (r"\bge\b", ">="), (r"\ble\b", "<=")):
        body = re.sub(juel, python, body)
    return re.sub(r"\s+", " ", body).strip()


def _attributes(el: etree._Element, el_id: str | None, local: str, handlers: list[str], problems: list[Problem],
                form_exists: Callable[[str], bool] | None) -> bool:
    changed = False
    for name in list(el.attrib):
        q = etree.QName(name)
        if q.namespace not in (CAMUNDA_NS, ZEEBE_NS):
            continue
        value = el.get(name) or ""
        what = f"{PREFIX[q.namespace]}:{q.localname}"
        if q.localname == "formKey" and local == "userTask" and _is_key(value):
            _set_property(el, "formKey", value)
            del el.attrib[name]
            problems.append(_converted(el_id, what, "formKey"))
            changed = True
        elif q.localname in IGNORED_ATTRIBUTES:
            problems.append(Problem(el_id, "ignored_extension", {"what": what}))
        elif q.localname in {"class", "expression", "delegateExpression", "topic", "type"} and local in {
                "serviceTask", "sendTask", "businessRuleTask", "scriptTask"}:
            problems.append(_handler_problem(el, el_id, what, value, handlers))
        elif q.localname in {"resultVariable", "decisionRef", "calledElementBinding"} or (
                q.localname == "type" and value == "external" and el.get(f"{{{CAMUNDA_NS}}}topic")):
            continue  # reported with the task it belongs to (a forbidden element or a foreign implementation)
        else:
            problems.append(Problem(el_id, "foreign_extension", {"what": what, **_advice(q.localname)}))
    return changed


def _property_lists(el: etree._Element, el_id: str | None, problems: list[Problem]) -> bool:
    """camunda:properties / zeebe:properties naming a property this service reads become spiffworkflow ones."""
    changed = False
    for prefix in ("camunda", "zeebe"):
        for container in el.iterfind(f"bpmn:extensionElements/{prefix}:properties", NS):
            for prop in list(container.iterfind(f"{prefix}:property", NS)):
                if prop.get("name") in SERVICE_PROPERTIES:
                    _set_property(el, prop.get("name", ""), prop.get("value", ""))
                    problems.append(_converted(el_id, f"{prefix}:property {prop.get('name')}", prop.get("name", "")))
                    container.remove(prop)
                    changed = True
            if len(container) == 0:
                container.getparent().remove(container)
    for form in el.iterfind("bpmn:extensionElements/zeebe:formDefinition", NS):
        key = form.get("formKey") or form.get("formId") or ""
        if _is_key(key):
            _set_property(el, "formKey", key)
            problems.append(_converted(el_id, "zeebe:formDefinition", "formKey"))
            form.getparent().remove(form)
            changed = True
    return changed


def _spiff_form_files(root: etree._Element, problems: list[Problem],
                      form_exists: Callable[[str], bool] | None) -> bool:
    """SpiffArena names a user task's form by its JSON Schema file (``review-schema.json``); this service by a
    deployed form's key. When a form of that name is deployed here (``review``), the task uses it."""
    changed = False
    for el in root.iter(f"{{{BPMN_NS}}}userTask"):
        props = {p.get("name"): p for p in el.iterfind(
            "bpmn:extensionElements/spiffworkflow:properties/spiffworkflow:property", NS)}
        schema_file = props.get("formJsonSchemaFilename")
        if schema_file is None:
            continue
        filename = schema_file.get("value", "")
        key = re.sub(r"(-schema)?\.json$", "", filename).replace("-", "_").lower()
        ui = props.get("formUiSchemaFilename")
        if "formKey" in props:
            pass
        elif _is_key(key) and form_exists is not None and form_exists(key):
            _set_property(el, "formKey", key)
            problems.append(_converted(el.get("id"), f"formJsonSchemaFilename {filename}", "formKey"))
            changed = True
        else:
            problems.append(Problem(el.get("id"), "spiff_form_file", {"file": filename, "key": key if _is_key(key) else "…"}))
            continue
        for prop in (schema_file, ui):
            if prop is not None:
                prop.getparent().remove(prop)
                changed = True
    return changed


def _foreign_element(el: etree._Element, namespace: str | None, handlers: list[str]) -> Iterable[Problem]:
    el_id = _ancestor_id(el)
    local = etree.QName(el).localname
    if namespace == SPIFF_NS:
        if local in SPIFF_ELEMENTS or local in SPIFF_SCRIPTS:
            return  # understood here, or refused as a script by validation
        yield Problem(el_id, "unknown_extension", {"what": f"spiffworkflow:{local}", **_advice(local)})
        return
    if _foreign_ancestor(el):
        return  # its outermost foreign ancestor is reported
    prefix = PREFIX.get(namespace or "", el.prefix or namespace or "")
    what = f"{prefix}:{local}"
    if namespace in (CAMUNDA_NS, ZEEBE_NS):
        if local in {"properties"}:
            for prop in el:
                if isinstance(prop.tag, str):
                    yield Problem(el_id, "ignored_extension", {"what": f"{prefix}:property {prop.get('name', '')}"})
            return
        if local in {"script"} or el.find(f".//{{{namespace}}}script") is not None:
            yield Problem(el_id, "script", {"what": what})
            return
        if local in {"taskDefinition", "connector"}:
            topic = el.get("type") or "".join(el.itertext())
            task = _owner(el)
            yield _handler_problem(task, el_id, what, topic, handlers)
            return
        yield Problem(el_id, "foreign_extension", {"what": what, **_advice(local)})
        return
    yield Problem(el_id, "unknown_extension", {"what": what, "advice": phrase(_DEFAULT_ADVICE)})


def _handler_problem(task: etree._Element | None, el_id: str | None, what: str, value: str,
                     handlers: list[str]) -> Problem:
    name = (task.get("name") if task is not None else "") or ""
    found = suggest_handler(f"{value} {name}", handlers)
    if found:
        return Problem(el_id, "foreign_implementation_handler", {"what": what, "value": value, "handler": found})
    return Problem(el_id, "foreign_implementation", {"what": what, "value": value, "known": ", ".join(handlers)})


def _juel(el_id: str | None, text: str | None) -> Iterable[Problem]:
    expression = (text or "").strip()
    if expression.startswith(("${", "#{")):
        yield Problem(el_id, "juel_expression", {"expression": expression, "python": python_spelling(expression)})


def _converted(el_id: str | None, what: str, to: str) -> Problem:
    return Problem(el_id, "converted", {"what": what, "to": to})


def _set_property(el: etree._Element, name: str, value: str) -> None:
    """Set ``spiffworkflow:property name`` on ``el`` (creating the extension elements), unless already set."""
    extension = el.find("bpmn:extensionElements", NS)
    if extension is None:
        extension = etree.Element(f"{{{BPMN_NS}}}extensionElements")
        el.insert(_after_documentation(el), extension)
    container = extension.find("spiffworkflow:properties", NS)
    if container is None:
        container = etree.SubElement(extension, f"{{{SPIFF_NS}}}properties", nsmap={"spiffworkflow": SPIFF_NS})
    if any(p.get("name") == name for p in container.iterfind("spiffworkflow:property", NS)):
        return
    etree.SubElement(container, f"{{{SPIFF_NS}}}property", {"name": name, "value": value})


def _after_documentation(el: etree._Element) -> int:
    """BPMN puts extensionElements after documentation: the index to insert at."""
    index = 0
    for i, child in enumerate(el):
        if isinstance(child.tag, str) and etree.QName(child).localname == "documentation":
            index = i + 1
    return index


def _is_key(value: str) -> bool:
    return bool(re.fullmatch(r"[a-z][a-z0-9_]{0,79}", value or ""))


def _in_extension(el: etree._Element) -> bool:
    parent = el.getparent()
    while parent is not None:
        if parent.tag == f"{{{BPMN_NS}}}extensionElements":
            return True
        parent = parent.getparent()
    return False


def _foreign_ancestor(el: etree._Element) -> bool:
    parent = el.getparent()
    return parent is not None and etree.QName(parent).namespace not in (BPMN_NS, None)


def _owner(el: etree._Element) -> etree._Element | None:
    parent = el.getparent()
    while parent is not None and etree.QName(parent).namespace != BPMN_NS or (
            parent is not None and etree.QName(parent).localname == "extensionElements"):
        parent = parent.getparent()
    return parent


def _ancestor_id(el: etree._Element) -> str | None:
    node = el
    while node is not None:
        if isinstance(node.tag, str) and node.get("id") and etree.QName(node).namespace == BPMN_NS:
            return node.get("id")
        node = node.getparent()
    return None


def without_duplicates(foreign: list[Problem], checked: list[Problem]) -> list[Problem]:
    """The foreign dialect's problems, then validation's, less what they say twice: a JUEL condition is also a
    refused expression, a SpiffArena form file also a task without a form; the foreign report says what to do."""
    said = {(p.element_id, p.code) for p in foreign}
    echoes = {"juel_expression": "bad_expression", "spiff_form_file": "missing_form",
              "foreign_implementation": "missing_handler", "foreign_implementation_handler": "missing_handler"}
    hidden = {(element, echoes[code]) for element, code in said if code in echoes}
    return foreign + [p for p in checked if (p.element_id, p.code) not in hidden]
