"""Checks an uploaded BPMN document before SpiffWorkflow ever sees it.

Three kinds of rules, all reported by code (:mod:`service.engine.problems` is the table):

* single elements, here: no scripts of any kind, every user task in a lane that names a role and
  with a form, every service task calling a registered handler, every expression in the safe
  subset, every ``dueIn`` and timer value one the runtime evaluates (:mod:`service.timekeeping`);
* the flow graph (:mod:`.graph_rules`, after bpmnlint): dangling flows, unreachable elements,
  dead ends, gateways with no way out, implicit splits and joins, missing start or end events …;
* the process data (:mod:`.data_rules`): every variable an expression reads is set upstream;
* the kinds of work the service's code finds by form key (:data:`service.work_kinds.NEEDED`): the appraisal
  and its meetings' process must keep each one (and only one where the code needs exactly one);
* how an application ends: each end event of the appraisal's process that can end it names a known ``outcome``.

Each problem names the element it concerns. Errors refuse the document; warnings are reported.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Iterable

import defusedxml.ElementTree as safe_et
from defusedxml import DefusedXmlException
from lxml import etree

from handlers.registry import registered_names
from service.catalogue import N_
from service.engine import expressions
from service.engine.data_rules import DataContext, check_scopes, start_variables
from service.engine.errors import BpmnValidationError, Problem
from service.engine.graph import Node, Scope, scopes
from service.engine.graph_rules import GRAPH_RULES, Diagram, duplicate_ids
from service.engine.lanes import lane_roles, role_names
from service.engine.problems import FORBIDDEN, CodeNames, expression_reason, phrase, where
from service.engine.timers import parse_timer_literal
from service.engine.xmltext import decode_document
from service import timekeeping, work_kinds

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
SPIFF_NS = "http://spiffworkflow.org/bpmn/schema/1.0/core"
BPMNDI_NS = "http://www.omg.org/spec/BPMN/20100524/DI"
NS = {"bpmn": BPMN_NS, "spiffworkflow": SPIFF_NS}
MAX_BPMN_BYTES = 2 * 1024 * 1024
_FORBIDDEN_EXTENSIONS = {"preScript", "postScript", "unitTests"}
"""SpiffWorkflow's scripts; its instructionsForEndUser is text, shown to users as sanitized Markdown."""


@dataclass(frozen=True)
class Rules:
    """What the service knows: roles, and which form keys exist."""

    known_roles: frozenset[str]
    form_fields: Callable[[str], frozenset[str] | None] | None = None
    """The top-level fields of a form by key (None: no such form); None skips form checks."""
    max_bytes: int = MAX_BPMN_BYTES


def parse_safely(xml: bytes | str, max_bytes: int = MAX_BPMN_BYTES) -> tuple[etree._Element, str]:
    """Parse XML refusing DTDs, entities, network access and oversized input.

    Returns the root and the document's text as it is to be stored (UTF-8, see :mod:`xmltext`).
    """
    size = len(xml.encode("utf-8")) if isinstance(xml, str) else len(xml)
    if size > max_bytes:
        raise BpmnValidationError([Problem(None, "too_large", {"size": size, "limit": max_bytes})])
    text = decode_document(xml)
    if not text.strip():
        raise BpmnValidationError([Problem(None, "not_xml", {"detail": _("文档为空")})])
    data = text.encode("utf-8")
    try:
        safe_et.fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise BpmnValidationError([Problem(None, "forbidden_xml", {"kind": type(exc).__name__})]) from None
    except safe_et.ParseError as exc:
        raise BpmnValidationError([Problem(None, "not_xml", {"detail": str(exc)})]) from None
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, remove_comments=True)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise BpmnValidationError([Problem(None, "not_xml", {"detail": str(exc)})]) from None
    if root.tag != f"{{{BPMN_NS}}}definitions":
        raise BpmnValidationError([Problem(None, "not_bpmn", {"tag": root.tag})])
    return root, text


def check(root: etree._Element, rules: Rules) -> list[Problem]:
    """Every problem in the document: element rules, then the graph, then the data (errors and warnings)."""
    problems = _element_problems(root, rules)
    problems.extend(duplicate_ids(root))
    all_scopes = list(scopes(root))
    drawn = frozenset(el.get("bpmnElement", "") for el in root.iter(f"{{{BPMNDI_NS}}}BPMNShape", f"{{{BPMNDI_NS}}}BPMNEdge"))
    diagram = Diagram(root.find(f"{{{BPMNDI_NS}}}BPMNDiagram") is not None, drawn)
    for scope in all_scopes:
        for rule in GRAPH_RULES:
            problems.extend(rule(scope, diagram))
    for process in [s for s in all_scopes if s.parent is None]:
        context = DataContext(start_variables(process.el), rules.form_fields)
        problems.extend(check_scopes([s for s in all_scopes if _outermost(s) is process], context))
    problems.extend(_kind_problems(root))
    problems.extend(_outcome_problems([s for s in all_scopes if s.parent is None]))
    return _unique(problems)


def _outcome_problems(processes: list[Scope]) -> list[Problem]:
    """How an application ended is the ``outcome`` property of the end event its process reached: every end event
    of the appraisal's process that can end an application must name a known one (else the status would be an
    id). An end event only a non-interrupting boundary event's branch reaches (a reminder) ends no application;
    end events inside sub-processes neither."""
    problems: list[Problem] = []
    allowed = CodeNames("status", work_kinds.OUTCOMES)
    for process in processes:
        if process.id != work_kinds.APPRAISAL_PROCESS:
            continue
        side = _side_branches(process)
        for node in process.nodes.values():
            if node.kind != "endEvent" or node.id in side:
                continue
            value = properties(node.el).get(work_kinds.OUTCOME_PROPERTY, "").strip()
            if not value:
                problems.append(Problem(node.id, "missing_outcome", {"element": node.id, "allowed": allowed}))
            elif value not in work_kinds.OUTCOMES:
                problems.append(Problem(node.id, "unknown_outcome", {"element": node.id, "value": value,
                                                                     "allowed": allowed}))
    return problems


def _side_branches(scope: Scope) -> set[str]:
    """The nodes only a non-interrupting boundary event's branch reaches (its token ends, the process goes on)."""
    def interrupting(node: Node) -> bool:
        return node.el.get("cancelActivity", "true") != "false"

    def reached(seeds: list[Node], every_boundary: bool) -> set[str]:
        seen: set[str] = set()
        while seeds:
            node = seeds.pop()
            if node.id not in seen:
                seen.add(node.id)
                seeds.extend([f.target for f in node.outgoing if f.target is not None]
                             + [b for b in node.boundaries if every_boundary or interrupting(b)])
        return seen

    nodes = scope.nodes.values()
    main = reached([n for n in nodes if n.kind == "startEvent"], every_boundary=False)
    return reached([n for n in nodes if n.kind == "boundaryEvent" and not interrupting(n)], every_boundary=True) - main


def _kind_problems(root: etree._Element) -> list[Problem]:
    """The kinds of work the service's code finds by form key (:data:`service.work_kinds.NEEDED`): a version of
    the appraisal or its meetings' process that lacks one, or has one twice where the code needs exactly one,
    would leave the service unable to find that work, whatever its elements are called."""
    problems: list[Problem] = []
    for process in root.findall("bpmn:process", NS):
        needed = work_kinds.NEEDED.get(process.get("id", ""))
        if not needed:
            continue
        found: dict[str, list[etree._Element]] = {}
        for el in process.iter(f"{{{BPMN_NS}}}userTask", f"{{{BPMN_NS}}}intermediateCatchEvent"):
            found.setdefault(properties(el).get("formKey", ""), []).append(el)
        for kind, (least, most) in needed.items():
            elements = found.get(kind, [])
            title = phrase(work_kinds.TITLES[kind])
            if len(elements) < least:
                problems.append(Problem(None, "missing_kind", {"process": process.get("id"), "title": title,
                                                               "form": kind}))
            elif most is not None and len(elements) > most:
                named = ", ".join(e.get("id", "") for e in elements)
                problems.extend(Problem(e.get("id"), "duplicate_kind", {"elements": named, "title": title,
                                                                        "form": kind}) for e in elements)
    return problems


def _outermost(scope: Scope) -> Scope:
    while scope.parent is not None:
        scope = scope.parent
    return scope


def _unique(problems: list[Problem]) -> list[Problem]:
    """One report per (element, code, message): a rule may meet the same fault from two sides."""
    seen: set[tuple[str | None, str, str]] = set()
    unique = []
    for problem in problems:
        key = (problem.element_id, problem.code, problem.message)
        if key not in seen:
            seen.add(key)
            unique.append(problem)
    return unique


def _element_problems(root: etree._Element, rules: Rules) -> list[Problem]:
    """The rules about single elements: what may run, lanes, forms, handlers, expressions, timers."""
    problems: list[Problem] = []
    processes = root.findall("bpmn:process", NS)
    executable = [p for p in processes if p.get("isExecutable", "false") == "true"]
    if not executable:
        problems.append(Problem(None, "no_process", {"which": ""}))
    lane_of = lane_roles(root, rules.known_roles)
    handler_names = set(registered_names())
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        local = etree.QName(el).localname
        el_id = el.get("id") or _ancestor_id(el)
        if etree.QName(el).namespace == SPIFF_NS and local in _FORBIDDEN_EXTENSIONS:
            problems.append(Problem(el_id, "script", {"what": f"spiffworkflow:{local}"}))
        if etree.QName(el).namespace != BPMN_NS:
            continue
        if local not in _bpmn_element_names():
            problems.append(Problem(el_id, "unknown_element", {"name": local}))
        elif local in FORBIDDEN:
            label, advice = FORBIDDEN[local]
            problems.append(Problem(el_id, "forbidden_element", {"name": local, "label": phrase(label),
                                                                 "advice": phrase(advice)}))
        elif local == "script":
            problems.append(Problem(el_id, "script", {"what": "bpmn:script"}))
        elif local == "userTask":
            problems.extend(_check_user_task(el, lane_of, rules))
        elif local == "serviceTask":
            problems.extend(_check_service_task(el, handler_names))
        elif local == "intermediateCatchEvent" and el.find("bpmn:messageEventDefinition", NS) is not None:
            problems.extend(_check_message_catch(root, el, lane_of, rules))
        elif local in {"conditionExpression", "completionCondition", "loopCardinality"}:
            problems.extend(_check_expression(el_id, el.text, local))
        elif local in {"timeDate", "timeDuration", "timeCycle"}:
            event = el.getparent().getparent() if el.getparent() is not None else None
            problems.extend(_check_timer(event.get("id") if event is not None and event.get("id") else el_id,
                                         el.text, local))
    return problems


@lru_cache(maxsize=1)
def _bpmn_element_names() -> frozenset[str]:
    """Every element name the BPMN 2.0 semantic schema declares."""
    import SpiffWorkflow.bpmn.parser as bpmn_parser

    names: set[str] = set()
    for xsd in ("BPMN20.xsd", "Semantic.xsd"):
        tree = etree.parse(str(Path(bpmn_parser.__file__).parent / "schema" / xsd),
                           etree.XMLParser(resolve_entities=False, no_network=True))
        names.update(el.get("name") for el in tree.iter("{http://www.w3.org/2001/XMLSchema}element") if el.get("name"))
    return frozenset(names)


def _ancestor_id(el: etree._Element) -> str | None:
    parent = el.getparent()
    while parent is not None:
        if parent.get("id"):
            return parent.get("id")
        parent = parent.getparent()
    return None


def properties(el: etree._Element) -> dict[str, str]:
    """The spiffworkflow:property name/value pairs on a task."""
    return {
        p.get("name", ""): p.get("value", "")
        for p in el.iterfind("bpmn:extensionElements/spiffworkflow:properties/spiffworkflow:property", NS)
    }


def _check_user_task(el: etree._Element, lane_of: dict[str, str], rules: Rules) -> Iterable[Problem]:
    el_id = el.get("id")
    role = lane_of.get(el_id or "")
    if role is None:
        yield Problem(el_id, "missing_lane")
    elif role not in rules.known_roles:
        yield Problem(el_id, "unknown_role", {"lane": role, **role_names(rules.known_roles)})
    props = properties(el)
    form_key = props.get("formKey")
    if not form_key:
        yield Problem(el_id, "missing_form")
    elif rules.form_fields is not None and rules.form_fields(form_key) is None:
        yield Problem(el_id, "unknown_form", {"form": form_key})
    due_in = props.get("dueIn")
    if due_in and due_in.strip():  # empty: no due date
        try:
            timekeeping.parse(due_in)
        except timekeeping.DurationError as exc:
            yield Problem(el_id, "bad_duration", {"value": due_in, "reason": exc.message})


def _check_message_catch(root: etree._Element, el: etree._Element, lane_of: dict[str, str],
                         rules: Rules) -> Iterable[Problem]:
    """A message catch event is where an item waits for a meeting's decision: like a user task, its lane
    names who decides and its formKey the form of the decision it receives; its message must be named."""
    yield from _check_user_task(el, lane_of, rules)
    ref = el.find("bpmn:messageEventDefinition", NS).get("messageRef")
    names = {m.get("id"): m.get("name") for m in root.iterfind("bpmn:message", NS)}
    if not ref or not names.get(ref):
        yield Problem(el.get("id"), "unknown_message", {"ref": ref or "—"})


def _check_service_task(el: etree._Element, handler_names: set[str]) -> Iterable[Problem]:
    el_id = el.get("id")
    operator = el.find("bpmn:extensionElements/spiffworkflow:serviceTaskOperator", NS)
    if operator is None:
        yield Problem(el_id, "missing_handler")
        return
    name = operator.get("id", "")
    if name not in handler_names:
        yield Problem(el_id, "unknown_handler", {"handler": name, "known": ", ".join(sorted(handler_names))})
    for param in operator.iterfind(".//spiffworkflow:parameter", NS):
        yield from _check_expression(el_id, param.get("value"), "parameter", param.get("id") or "")


def _check_expression(el_id: str | None, text: str | None, what: str, name: str = "") -> Iterable[Problem]:
    expression = (text or "").strip()
    try:
        expressions.validate(expression)
    except expressions.ExpressionError as exc:
        yield Problem(el_id, "bad_expression", {"expression": expression, **where(what, name),
                                               **expression_reason(exc.kind, exc.subject)})


def _check_timer(el_id: str | None, text: str | None, kind: str) -> Iterable[Problem]:
    """A literal timer value must evaluate exactly as the engine will evaluate it (engine/timers.py)."""
    expr = (text or "").strip()
    bad = list(_check_expression(el_id, expr, kind))
    if bad:
        yield from bad
        return
    if expr[:1] not in {"'", '"'}:
        return  # an expression over the process data: its variables are checked where they are set
    literal = expr[1:-1]
    try:
        parse_timer_literal(kind, literal)
    except timekeeping.DurationError as exc:
        yield Problem(el_id, "bad_timer", {**_timer_kind(kind), "value": literal, "reason": exc.message})
    except ValueError:
        yield Problem(el_id, "bad_timer", {**_timer_kind(kind), "value": literal, "reason": phrase(_TIMER_FORMS[kind])})


_TIMER_FORMS = {
    "timeDate": N_("应为 ISO 8601 日期时间，如 2026-12-31T23:59:59+08:00（不带时区按北京时间）"),
    "timeDuration": N_("应为 ISO 8601 时长，如 P5D"),
    "timeCycle": N_("应为 ISO 8601 循环，如 R3/PT1H 或 R/2027-01-04T09:00:00+08:00/P1D"),
}


def _timer_kind(kind: str) -> dict[str, Any]:
    return {"kind": where(kind)["where"]}
