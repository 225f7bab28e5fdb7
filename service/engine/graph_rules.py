"""Rules about the shape of the flow graph (the server side of the bpmnlint rule set).

Each rule takes one scope (a process or a sub-process) and yields the problems it finds, with a
code from :data:`service.engine.problems.RULES`; :data:`GRAPH_RULES` lists them in the order they
are reported. A modeler user is told what bpmnlint would tell them, plus what this engine cannot
run: flows to elements that do not exist, paths that never end, gateways that can find no way out.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Callable, Iterable

from lxml import etree

from service.engine.graph import ACTIVITIES, BPMN_NS, FLOW_NODES, GATEWAYS, NS, Node, Scope, local
from service.engine.problems import EVENT_NAMES, UNSUPPORTED, Problem, phrase

SUPPORTED_NODES = frozenset({"startEvent", "endEvent", "intermediateCatchEvent", "intermediateThrowEvent",
                             "boundaryEvent", "task", "userTask", "serviceTask", "subProcess", "exclusiveGateway",
                             "parallelGateway", "inclusiveGateway", "eventBasedGateway"})
"""What the service runs; script, business-rule and call-activity tasks are refused as forbidden elsewhere."""
CONDITIONAL_GATEWAYS = frozenset({"exclusiveGateway", "inclusiveGateway"})
SPIFF_NS = "http://spiffworkflow.org/bpmn/schema/1.0/core"


@dataclass(frozen=True)
class Diagram:
    """Which elements the document draws (BPMN DI), for the no-bpmndi rule."""

    present: bool
    drawn: frozenset[str]


def _p(node: Node | str, code: str, **params: object) -> Problem:
    return Problem(node if isinstance(node, str) else node.id, code, {"name": _label(node), **params})


def _label(node: Node | str) -> str:
    return node if isinstance(node, str) else (f"{node.name}（{node.id}）" if node.name else node.id)


def supported_elements(scope: Scope, diagram: Diagram) -> Iterable[Problem]:
    for node in scope.nodes.values():
        if node.kind not in SUPPORTED_NODES and node.kind in UNSUPPORTED:
            yield Problem(node.id, "unsupported_element", {"name": node.kind, "advice": phrase(UNSUPPORTED[node.kind])})
        allowed = {"timerEventDefinition"} | ({"terminateEventDefinition"} if node.kind == "endEvent" else set()) \
            | ({"messageEventDefinition"} if node.kind == "intermediateCatchEvent" else set())
        for definition in node.event_definitions:
            if definition not in allowed:
                named = EVENT_NAMES.get(definition)
                yield Problem(node.id, "unsupported_event", {"name": phrase(named) if named else definition})
        if len(node.event_definitions) > 1:
            yield _p(node, "single_event_definition")


def dangling_flows(scope: Scope, diagram: Diagram) -> Iterable[Problem]:
    for flow in scope.flows:
        if flow.source is None:
            yield Problem(flow.id, "flow_source_missing", {"ref": flow.source_ref or "—"})
        if flow.target is None:
            yield Problem(flow.id, "flow_target_missing", {"ref": flow.target_ref or "—"})
    by_id = {f.id: f for f in scope.flows}
    for node in scope.nodes.values():
        for tag, end in (("incoming", "target"), ("outgoing", "source")):
            for ref in node.el.iterfind(f"bpmn:{tag}", NS):
                flow = by_id.get((ref.text or "").strip())
                if flow is None or getattr(flow, f"{end}_ref") != node.id:
                    yield _p(node, "flow_ref_mismatch", ref=(ref.text or "").strip(), tag=tag)


def boundary_attachment(scope: Scope, diagram: Diagram) -> Iterable[Problem]:
    for node in scope.nodes.values():
        if node.kind == "boundaryEvent" and (node.attached_to is None or node.attached_to.kind not in ACTIVITIES):
            yield _p(node, "boundary_not_attached", ref=node.el.get("attachedToRef") or "—")


def start_and_end(scope: Scope, diagram: Diagram) -> Iterable[Problem]:
    if scope.kind == "adHocSubProcess":
        return
    starts = scope.starts()
    if not starts:
        yield Problem(scope.id, "start_event_required", {"name": scope.id})
    if not any(n.kind == "endEvent" for n in scope.nodes.values()):
        yield Problem(scope.id, "end_event_required", {"name": scope.id})
    blank = [n for n in starts if not n.event_definitions]
    if len(blank) > 1:
        yield Problem(scope.id, "single_blank_start_event", {"name": scope.id, "count": len(blank)})
    if scope.parent is not None and not scope.is_event_sub_process:
        for node in starts:
            if node.event_definitions:
                yield _p(node, "sub_process_blank_start_event")
    if scope.is_event_sub_process:
        for node in starts:
            if not node.event_definitions:
                yield _p(node, "event_sub_process_typed_start_event")


def connections(scope: Scope, diagram: Diagram) -> Iterable[Problem]:
    """Disconnected elements, implicit starts and ends, and what no start reaches or no end follows."""
    loose: set[str] = set()
    for node in scope.nodes.values():
        if node.triggered_by_event:
            continue
        if not node.incoming and not node.outgoing and node.kind != "boundaryEvent":
            loose.add(node.id)
            yield _p(node, "disconnected")
            continue
        if not node.incoming and node.kind not in ("startEvent", "boundaryEvent"):
            loose.add(node.id)
            yield _p(node, "implicit_start")
        if not node.outgoing and node.kind != "endEvent":
            loose.add(node.id)
            yield _p(node, "gateway_no_outgoing" if node.kind in GATEWAYS else "implicit_end")
    if scope.starts():
        reached = scope.reachable_from_starts()
        for node in scope.nodes.values():
            if node.id not in reached and node.id not in loose:
                yield _p(node, "unreachable")
    if any(n.kind == "endEvent" for n in scope.nodes.values()):
        ending = scope.reaching_an_end()
        for node in scope.nodes.values():
            if node.id not in ending and node.id not in loose:
                yield _p(node, "no_path_to_end")


def splits_and_conditions(scope: Scope, diagram: Diagram) -> Iterable[Problem]:
    for node in scope.nodes.values():
        default = node.default
        outgoing = node.outgoing
        if default is not None:
            chosen = next((f for f in outgoing if f.id == default), None)
            if chosen is None:
                yield _p(node, "bad_default_flow", flow=default)
            elif chosen.condition is not None:
                yield Problem(chosen.id, "default_flow_condition", {"name": chosen.id, "node": _label(node)})
        unconditional = [f for f in outgoing if f.condition is None and f.id != default]
        if node.kind not in GATEWAYS and len(unconditional) > 1:
            yield _p(node, "implicit_split")
        conditional_fork = default is not None or any(f.condition is not None for f in outgoing)
        if conditional_fork and node.kind != "parallelGateway":
            for flow in unconditional:
                yield Problem(flow.id, "conditional_flows", {"name": flow.id, "node": _label(node)})
        if node.kind in CONDITIONAL_GATEWAYS and len(outgoing) > 1 and default is None:
            yield _p(node, "gateway_default_required")
        if node.kind == "eventBasedGateway":
            if len(outgoing) < 2:
                yield _p(node, "event_based_gateway", count=len(outgoing))
            for flow in outgoing:
                target_ok = flow.target is not None and flow.target.kind in ("intermediateCatchEvent", "receiveTask")
                if flow.condition is not None or not target_ok:
                    yield Problem(flow.id, "event_based_gateway_flow", {"name": flow.id, "node": _label(node)})


def joins(scope: Scope, diagram: Diagram) -> Iterable[Problem]:
    for node in scope.nodes.values():
        incoming, outgoing = len(node.incoming), len(node.outgoing)
        if node.kind in GATEWAYS:
            if incoming > 1 and outgoing > 1:
                yield _p(node, "gateway_join_fork")
            elif incoming == 1 and outgoing == 1:
                yield _p(node, "superfluous_gateway")
        elif incoming > 1:
            yield _p(node, "fake_join", count=incoming)


def duplicate_flows(scope: Scope, diagram: Diagram) -> Iterable[Problem]:
    seen: dict[tuple[str, str, str | None], str] = {}
    for flow in scope.flows:
        key = (flow.source_ref, flow.target_ref, flow.condition)
        if key in seen:
            yield Problem(flow.id, "duplicate_flow", {"name": flow.id, "other": seen[key]})
        else:
            seen[key] = flow.id


def labels(scope: Scope, diagram: Diagram) -> Iterable[Problem]:
    for node in scope.nodes.values():
        if node.name:
            continue
        if node.kind == "userTask":
            yield Problem(node.id, "user_task_label_required", {"name": node.id})
        elif node.kind in ("parallelGateway", "eventBasedGateway", "subProcess") or \
                (node.kind in GATEWAYS and len(node.outgoing) <= 1):
            continue
        else:
            yield Problem(node.id, "label_required", {"name": node.id})
    for flow in scope.flows:
        if flow.condition is not None and not flow.name:
            yield Problem(flow.id, "label_required", {"name": flow.id})


def drawn(scope: Scope, diagram: Diagram) -> Iterable[Problem]:
    if not diagram.present:
        if scope.parent is None:
            yield Problem(scope.id, "no_bpmndi", {"name": scope.id})
        return
    for element_id in [*scope.nodes, *(f.id for f in scope.flows)]:
        if element_id and element_id not in diagram.drawn:
            yield Problem(element_id, "no_bpmndi", {"name": element_id})


GRAPH_RULES: tuple[Callable[[Scope, Diagram], Iterable[Problem]], ...] = (
    supported_elements, dangling_flows, boundary_attachment, start_and_end, connections, splits_and_conditions,
    joins, duplicate_flows, labels, drawn,
)


def duplicate_ids(root: etree._Element) -> Iterable[Problem]:
    """An id used twice makes every reference to it ambiguous (lxml does not check XML ids).

    SpiffWorkflow indexes every element by its id, extension elements included, so a
    ``spiffworkflow:*`` id equal to a flow node's or flow's id hides that element from the engine;
    extension ids repeated among themselves (parameter names) are harmless.
    """
    counts: Counter[str] = Counter()
    flow_ids: set[str] = set()
    extension_ids: set[str] = set()
    for el in root.iter():
        if not isinstance(el.tag, str) or not el.get("id"):
            continue
        namespace = etree.QName(el).namespace
        if namespace == SPIFF_NS:
            extension_ids.add(el.get("id", ""))
            continue
        counts[el.get("id", "")] += 1
        if namespace == BPMN_NS and (local(el) in FLOW_NODES or local(el) == "sequenceFlow"):
            flow_ids.add(el.get("id", ""))
    for element_id in sorted(counts):
        n = counts[element_id] + (1 if element_id in flow_ids and element_id in extension_ids else 0)
        if n > 1:
            yield Problem(element_id, "duplicate_id", {"name": element_id, "count": n})


__all__ = ["Diagram", "GRAPH_RULES", "duplicate_ids", "local"]
