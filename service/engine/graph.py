"""The flow graph of a BPMN document, as plain data the graph and data rules walk.

A *scope* is a process or a sub-process: its flow nodes, the sequence flows among them, and the
boundary events attached to its activities. Flows are taken from ``bpmn:sequenceFlow`` elements
(``sourceRef``/``targetRef``), as the engine reads them; the redundant ``incoming``/``outgoing``
children are only compared with them.
"""
from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Callable, Iterable, Iterator

from lxml import etree

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
NS = {"bpmn": BPMN_NS}

EVENTS = frozenset({"startEvent", "endEvent", "intermediateCatchEvent", "intermediateThrowEvent", "boundaryEvent"})
GATEWAYS = frozenset({"exclusiveGateway", "parallelGateway", "inclusiveGateway", "eventBasedGateway", "complexGateway"})
ACTIVITIES = frozenset({"task", "userTask", "serviceTask", "manualTask", "sendTask", "receiveTask", "scriptTask",
                        "businessRuleTask", "callActivity", "subProcess", "transaction", "adHocSubProcess"})
FLOW_NODES = EVENTS | GATEWAYS | ACTIVITIES
SCOPES = frozenset({"process", "subProcess", "transaction", "adHocSubProcess"})


def local(el: etree._Element) -> str:
    return etree.QName(el).localname if isinstance(el.tag, str) else ""


@dataclass
class Node:
    """A flow node: its element, kind, and the flows in and out as the sequence flows say."""

    id: str
    kind: str
    el: etree._Element
    name: str = ""
    incoming: list[Flow] = field(default_factory=list)
    outgoing: list[Flow] = field(default_factory=list)
    boundaries: list[Node] = field(default_factory=list)
    attached_to: Node | None = None

    @property
    def default(self) -> str | None:
        return self.el.get("default")

    @property
    def event_definitions(self) -> list[str]:
        return [local(child) for child in self.el if local(child).endswith("EventDefinition")]

    @property
    def triggered_by_event(self) -> bool:
        return self.el.get("triggeredByEvent") == "true"


@dataclass
class Flow:
    id: str
    el: etree._Element
    source_ref: str
    target_ref: str
    source: Node | None = None
    target: Node | None = None

    @property
    def condition(self) -> str | None:
        found = self.el.find("bpmn:conditionExpression", NS)
        return None if found is None else (found.text or "").strip()

    @property
    def name(self) -> str:
        return (self.el.get("name") or "").strip()


@dataclass
class Scope:
    """A process or sub-process and what flows inside it (not inside its nested sub-processes)."""

    id: str
    el: etree._Element
    nodes: dict[str, Node]
    flows: list[Flow]
    parent: Scope | None = None

    @property
    def kind(self) -> str:
        return local(self.el)

    @property
    def is_event_sub_process(self) -> bool:
        return self.el.get("triggeredByEvent") == "true"

    def starts(self) -> list[Node]:
        return [n for n in self.nodes.values() if n.kind == "startEvent"]

    def reachable_from_starts(self) -> set[str]:
        """Every node a token can reach from a start event (boundary events through their activity)."""
        return _closure([n for n in self.nodes.values() if n.kind == "startEvent" or n.triggered_by_event],
                        lambda n: [f.target for f in n.outgoing if f.target is not None] + n.boundaries)

    def reaching_an_end(self) -> set[str]:
        """Every node from which some path ends at an end event (an activity also through its boundary events)."""
        predecessors: dict[str, list[Node]] = {n: [] for n in self.nodes}
        for node in self.nodes.values():
            for flow in node.outgoing:
                if flow.target is not None:
                    predecessors[flow.target.id].append(node)
            if node.attached_to is not None:
                predecessors[node.id].append(node.attached_to)
        ends = [n for n in self.nodes.values() if n.kind == "endEvent" or n.triggered_by_event]
        return _closure(ends, lambda n: predecessors[n.id])


def scopes(root: etree._Element) -> Iterator[Scope]:
    """Every executable or not process of the document and every sub-process in it, outermost first."""
    for process in root.iterfind("bpmn:process", NS):
        yield from _scope(process, None)


def _scope(el: etree._Element, parent: Scope | None) -> Iterator[Scope]:
    nodes = {child.get("id", ""): Node(child.get("id", ""), local(child), child, (child.get("name") or "").strip())
             for child in el if local(child) in FLOW_NODES}
    flows = [Flow(child.get("id", ""), child, child.get("sourceRef", ""), child.get("targetRef", ""))
             for child in el if local(child) == "sequenceFlow"]
    for flow in flows:
        flow.source, flow.target = nodes.get(flow.source_ref), nodes.get(flow.target_ref)
        if flow.source is not None:
            flow.source.outgoing.append(flow)
        if flow.target is not None:
            flow.target.incoming.append(flow)
    for node in nodes.values():
        if node.kind == "boundaryEvent":
            node.attached_to = nodes.get(node.el.get("attachedToRef", ""))
            if node.attached_to is not None:
                node.attached_to.boundaries.append(node)
    scope = Scope(el.get("id", ""), el, nodes, flows, parent)
    yield scope
    for node in nodes.values():
        if node.kind in SCOPES:
            yield from _scope(node.el, scope)


def _closure(seeds: Iterable[Node], step: Callable[[Node], Iterable[Node]]) -> set[str]:
    seen: set[str] = set()
    queue = deque(seeds)
    while queue:
        node = queue.popleft()
        if node.id in seen:
            continue
        seen.add(node.id)
        queue.extend(n for n in step(node) if n.id not in seen)
    return seen
