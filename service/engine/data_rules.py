"""Rules about process data: every variable an expression reads is one something upstream can set.

A user task deleted in the modeler (its arrows joined around it) leaves the gateway after it
testing a variable nothing sets any more; the first instance to get there fails. So each variable
read by a condition, a service-task parameter, a timer expression, a multi-instance collection or
an ``assigneeVariable`` must be set, on some path from a start event, by one of:

* the process's declared start data: ``bpmn:ioSpecification/bpmn:dataInput`` of the process, one
  ``dataInput`` per variable, its ``id`` the variable name and its ``name`` the label (the standard
  BPMN way to say what a process receives when it starts);
* the form a user task names (its fields, bundled or deployed);
* a service task's ``resultVariable``; a multi-instance activity's ``loopDataOutputRef``;
* inside a multi-instance activity, its ``inputDataItem`` and ``outputDataItem``;
* a ``bpmn:dataObject`` (written through data associations, so taken as set).

"Upstream" is reachability in the flow graph, so a variable set on only one branch still counts:
the rule finds what nothing can set, not what might be unset on some path.
"""
from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import Callable, Iterable

from lxml import etree

from service.engine import expressions
from service.engine.graph import NS, Node, Scope, local
from service.engine.problems import Problem, where

SPIFF = "{http://spiffworkflow.org/bpmn/schema/1.0/core}"
TIMERS = ("timeDate", "timeDuration", "timeCycle")


@dataclass(frozen=True)
class DataContext:
    start_variables: frozenset[str]
    form_fields: Callable[[str], frozenset[str] | None] | None


def start_variables(process: etree._Element) -> frozenset[str]:
    """The variables a process declares it receives at start (``ioSpecification`` data inputs)."""
    return frozenset(el.get("id", "") for el in process.iterfind("bpmn:ioSpecification/bpmn:dataInput", NS)
                     if el.get("id"))


def check_scopes(scopes: list[Scope], ctx: DataContext) -> Iterable[Problem]:
    """Every read of a variable that no upstream element can have set, scope by scope."""
    entry: dict[str, frozenset[str]] = {}
    for scope in scopes:  # outermost first: a sub-process's entry is known before its own scope
        if scope.parent is None:
            objects = {el.get("id", "") for el in scope.el.iterfind("bpmn:dataObject", NS)}
            entry[scope.id] = frozenset(ctx.start_variables | objects)
        available_at = _available(scope, entry[scope.id], ctx)
        for node in scope.nodes.values():
            if node.kind in ("subProcess", "transaction", "adHocSubProcess"):
                if node.triggered_by_event:  # an event sub-process may start after anything in its parent
                    entry[node.id] = frozenset(entry[scope.id] | _all_sets(scope, ctx))
                else:
                    entry[node.id] = available_at[node.id]
            yield from _node_reads(node, scope, available_at, entry[scope.id], ctx)
        for flow in scope.flows:
            if flow.source is None or flow.condition is None:
                continue
            known = available_at[flow.source.id] | sets(flow.source, ctx)
            yield from _unset(flow.id, flow.condition, known, "conditionExpression")


def sets(node: Node, ctx: DataContext) -> frozenset[str]:
    """What completing ``node`` can put into the process data."""
    names: set[str] = set()
    if node.kind in ("userTask", "intermediateCatchEvent") and ctx.form_fields is not None:
        form = _properties(node.el).get("formKey")
        names |= (ctx.form_fields(form) or frozenset()) if form else frozenset()
    operator = node.el.find(f"bpmn:extensionElements/{SPIFF}serviceTaskOperator", NS)
    if operator is not None and operator.get("resultVariable"):
        names.add(operator.get("resultVariable", ""))
    loop = node.el.find("bpmn:multiInstanceLoopCharacteristics", NS)
    if loop is not None:
        names |= {(ref.text or "").strip() for ref in loop.iterfind("bpmn:loopDataOutputRef", NS)}
    if node.kind in ("subProcess", "transaction", "adHocSubProcess") and not node.triggered_by_event:
        for inner in node.el.iter():
            if inner is not node.el and isinstance(inner.tag, str) and local(inner) in ("userTask", "serviceTask"):
                names |= sets(Node(inner.get("id", ""), local(inner), inner), ctx)
    return frozenset(n for n in names if n)


def _locals(node: Node) -> frozenset[str]:
    loop = node.el.find("bpmn:multiInstanceLoopCharacteristics", NS)
    if loop is None:
        return frozenset()
    return frozenset(el.get("id", "") for tag in ("inputDataItem", "outputDataItem")
                     for el in loop.iterfind(f"bpmn:{tag}", NS) if el.get("id"))


def _available(scope: Scope, entry: frozenset[str], ctx: DataContext) -> dict[str, frozenset[str]]:
    """For each node, what may be set before it runs: the entry data and the sets of everything upstream.

    A forward data-flow fixpoint (what reaches a node is what reaches any predecessor plus what that
    predecessor sets), so loops need no special case; a boundary event sees its activity's upstream.
    """
    predecessors: dict[str, list[Node]] = {n: [] for n in scope.nodes}
    successors: dict[str, list[str]] = {n: [] for n in scope.nodes}
    for node in scope.nodes.values():
        for flow in node.incoming:
            if flow.source is not None:
                predecessors[node.id].append(flow.source)
    for node in scope.nodes.values():  # a boundary event fires while its activity runs: its activity's upstream
        if node.attached_to is not None:
            predecessors[node.id] = list(predecessors[node.attached_to.id])
    for node_id, preds in predecessors.items():
        for pred in preds:
            successors[pred.id].append(node_id)
    own = {n.id: sets(n, ctx) for n in scope.nodes.values()}
    available: dict[str, frozenset[str]] = {n: entry for n in scope.nodes}
    pending = deque(scope.nodes)
    while pending:
        node_id = pending.popleft()
        merged = entry.union(*(available[p.id] | own[p.id] for p in predecessors[node_id]))
        if merged != available[node_id]:
            available[node_id] = merged
            pending.extend(n for n in successors[node_id] if n not in pending)
    return available


def _all_sets(scope: Scope, ctx: DataContext) -> frozenset[str]:
    return frozenset().union(*(sets(n, ctx) for n in scope.nodes.values()))


def _node_reads(node: Node, scope: Scope, available_at: dict[str, frozenset[str]], entry: frozenset[str],
                ctx: DataContext) -> Iterable[Problem]:
    before = available_at[node.id] | _locals(node)
    operator = node.el.find(f"bpmn:extensionElements/{SPIFF}serviceTaskOperator", NS)
    if operator is not None:
        for param in operator.iterfind(f".//{SPIFF}parameter", NS):
            yield from _unset(node.id, param.get("value"), before, "parameter", param.get("id") or "")
    for prop in ("assigneeVariable", "dueAtVariable"):
        variable = _properties(node.el).get(prop)
        if variable and variable not in before:
            yield _problem(node.id, variable, before, prop)
    loop = node.el.find("bpmn:multiInstanceLoopCharacteristics", NS)
    if loop is not None:
        for ref in loop.iterfind("bpmn:loopDataInputRef", NS):
            name = (ref.text or "").strip()
            if name and name not in available_at[node.id]:
                yield _problem(node.id, name, available_at[node.id], "loopDataInputRef")
        for cardinality in loop.iterfind("bpmn:loopCardinality", NS):
            yield from _unset(node.id, cardinality.text, available_at[node.id], "loopCardinality")
        for condition in loop.iterfind("bpmn:completionCondition", NS):
            yield from _unset(node.id, condition.text, before | sets(node, ctx), "completionCondition")
    for kind in TIMERS:
        for timer in node.el.iterfind(f"bpmn:timerEventDefinition/bpmn:{kind}", NS):
            text = (timer.text or "").strip()
            if text[:1] not in ("'", '"'):  # literals are checked as durations and dates
                known = entry if node.kind == "startEvent" else available_at[node.id]
                yield from _unset(node.id, text, known, kind)


def _unset(element_id: str, text: str | None, known: frozenset[str], what: str, name: str = "") -> Iterable[Problem]:
    try:
        read = expressions.names_read((text or "").strip())
    except expressions.ExpressionError:
        return  # reported as bad_expression
    for variable in sorted(read - known):
        yield _problem(element_id, variable, known, what, name)


def _problem(element_id: str, variable: str, known: frozenset[str], what: str, name: str = "") -> Problem:
    shown = sorted(known)
    listing = ", ".join(shown[:30]) + (" …" if len(shown) > 30 else "") if shown else "—"
    return Problem(element_id, "unset_variable", {"variable": variable, "known": listing, **where(what, name)})


def _properties(el: etree._Element) -> dict[str, str]:
    return {p.get("name", ""): p.get("value", "")
            for p in el.iterfind(f"bpmn:extensionElements/{SPIFF}properties/{SPIFF}property", NS)}
