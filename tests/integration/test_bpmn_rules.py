"""Every BPMN rule, one minimal document each, through the API: refused (or warned) naming the element.

Each case breaks one rule of :data:`service.engine.problems.RULES` in an otherwise clean process
and posts it to ``/api/process-definitions/validate`` and ``/api/process-definitions``: an error is
a 400 whose problems name the element and code (and nothing is deployed), a warning is reported
with a 200/201. ``test_every_rule_has_a_case`` fails when a new code is added without a case here.
"""
from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any, NamedTuple

import pytest
from lxml import etree

from service.config import ROOT
from service.engine.problems import RULES
from tests.api_client import Api
from tests.conftest import make_app

pytestmark = [pytest.mark.xdist_group("bpmn-rules")]

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
SPIFF = "http://spiffworkflow.org/bpmn/schema/1.0/core"
DI = "http://www.omg.org/spec/BPMN/20100524/DI"
DC = "http://www.omg.org/spec/DD/20100524/DC"
DDI = "http://www.omg.org/spec/DD/20100524/DI"

START = '<bpmn:startEvent id="start" name="开始"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>'
REVIEW = """<bpmn:userTask id="review" name="审核">
      <bpmn:extensionElements><spiffworkflow:properties>
        <spiffworkflow:property name="formKey" value="presentation"/>
      </spiffworkflow:properties></bpmn:extensionElements>
      <bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
    </bpmn:userTask>"""
GATEWAY = """<bpmn:exclusiveGateway id="gw" name="是否通过" default="f4"><bpmn:incoming>f2</bpmn:incoming>
      <bpmn:outgoing>f3</bpmn:outgoing><bpmn:outgoing>f4</bpmn:outgoing></bpmn:exclusiveGateway>"""
END_YES = '<bpmn:endEvent id="yes" name="通过"><bpmn:incoming>f3</bpmn:incoming></bpmn:endEvent>'
END_NO = '<bpmn:endEvent id="no" name="未通过"><bpmn:incoming>f4</bpmn:incoming></bpmn:endEvent>'
ENDS = END_YES + "\n    " + END_NO
F1 = '<bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="review"/>'
F2 = '<bpmn:sequenceFlow id="f2" sourceRef="review" targetRef="gw"/>'
F3 = """<bpmn:sequenceFlow id="f3" sourceRef="gw" targetRef="yes" name="通过">
      <bpmn:conditionExpression>presenter == "刘"</bpmn:conditionExpression></bpmn:sequenceFlow>"""
F4 = '<bpmn:sequenceFlow id="f4" sourceRef="gw" targetRef="no"/>'
BASE = [START, REVIEW, GATEWAY, ENDS, F1, F2, F3, F4]
EVENT_GATEWAY = '<bpmn:eventBasedGateway id="gw" name="等待"><bpmn:incoming>f2</bpmn:incoming></bpmn:eventBasedGateway>'
TIMER = '<bpmn:timerEventDefinition id="{id}_def"><bpmn:timeDuration>"P1D"</bpmn:timeDuration></bpmn:timerEventDefinition>'


def cond(flow_id: str, source: str, target: str, condition: str = 'presenter == "王"', name: str = "另一条") -> str:
    return (f'<bpmn:sequenceFlow id="{flow_id}" sourceRef="{source}" targetRef="{target}" name="{name}">'
            f"<bpmn:conditionExpression>{condition}</bpmn:conditionExpression></bpmn:sequenceFlow>")


def flow(flow_id: str, source: str, target: str) -> str:
    return f'<bpmn:sequenceFlow id="{flow_id}" sourceRef="{source}" targetRef="{target}"/>'


def document(parts: list[str], *, process_id: str = "probe_rules", io: str = "", undrawn: tuple[str, ...] = (),
             diagram: bool = True, executable: bool = True, lane: bool = True) -> bytes:
    """A process from ``parts``; every flow node sits in the office lane and is drawn, unless told otherwise."""
    body = "\n    ".join(parts)
    ids = re.findall(r'<bpmn:(?!sequenceFlow|conditionExpression|timerEventDefinition|extensionElements|'
                     r'incoming|outgoing|documentation|text)\w+ id="([^"]+)"', body)
    refs = "".join(f"<bpmn:flowNodeRef>{i}</bpmn:flowNodeRef>" for i in ids if not i.endswith("_def"))
    lanes = f'<bpmn:laneSet id="lanes"><bpmn:lane id="office" name="办公室">{refs}</bpmn:lane></bpmn:laneSet>' if lane else ""
    xml = f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="{BPMN}" xmlns:spiffworkflow="{SPIFF}" xmlns:bpmndi="{DI}" xmlns:dc="{DC}"
    id="defs" targetNamespace="urn:test">
  <bpmn:process id="{process_id}" name="规则探针" isExecutable="{'true' if executable else 'false'}">
    {io}
    {lanes}
    {body}
  </bpmn:process>
</bpmn:definitions>"""
    root = etree.fromstring(xml.encode())
    if diagram:
        plane = etree.SubElement(etree.SubElement(root, f"{{{DI}}}BPMNDiagram", id="diagram"), f"{{{DI}}}BPMNPlane",
                                 id="plane", bpmnElement=process_id)
        for n, el in enumerate(root.iter(f"{{{BPMN}}}*")):
            local = etree.QName(el).localname
            element_id = el.get("id")
            if not element_id or element_id in undrawn or local in ("process", "laneSet", "lane", "conditionExpression") \
                    or local.endswith("EventDefinition") or local.startswith(("text", "data", "io", "input", "output")):
                continue
            if local == "sequenceFlow":
                edge = etree.SubElement(plane, f"{{{DI}}}BPMNEdge", id=f"{element_id}_di", bpmnElement=element_id)
                for x in (0, 10):
                    etree.SubElement(edge, f"{{{DDI}}}waypoint", x=str(x), y=str(n * 10))
            else:
                shape = etree.SubElement(plane, f"{{{DI}}}BPMNShape", id=f"{element_id}_di", bpmnElement=element_id)
                etree.SubElement(shape, f"{{{DC}}}Bounds", x=str(n * 120), y="0", width="100", height="80")
    return ('<?xml version="1.0" encoding="UTF-8"?>\n' + etree.tostring(root, encoding="unicode")).encode()


def replace(old: str, new: str, parts: list[str] | None = None) -> list[str]:
    parts = list(BASE if parts is None else parts)
    return [p.replace(old, new) for p in parts]


class Case(NamedTuple):
    id: str
    body: bytes
    code: str
    element: str | None
    also: frozenset[str] = frozenset()
    """Other error codes the same fault unavoidably causes (a dangling flow also leaves a dead end …)."""


def case(case_id: str, body: bytes, code: str, element: str | None, *also: str) -> Case:
    return Case(case_id, body, code, element, frozenset(also))


SUB_PROCESS = """<bpmn:subProcess id="review" name="子流程审核">
      <bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
      <bpmn:startEvent id="inner_start" name="子流程开始">{start_def}<bpmn:outgoing>s1</bpmn:outgoing></bpmn:startEvent>
      <bpmn:userTask id="inner" name="内部审核">
        <bpmn:extensionElements><spiffworkflow:properties>
          <spiffworkflow:property name="formKey" value="presentation"/>
        </spiffworkflow:properties></bpmn:extensionElements>
        <bpmn:incoming>s1</bpmn:incoming><bpmn:outgoing>s2</bpmn:outgoing></bpmn:userTask>
      <bpmn:endEvent id="inner_end" name="子流程结束"><bpmn:incoming>s2</bpmn:incoming></bpmn:endEvent>
      <bpmn:sequenceFlow id="s1" sourceRef="inner_start" targetRef="inner"/>
      <bpmn:sequenceFlow id="s2" sourceRef="inner" targetRef="inner_end"/>
    </bpmn:subProcess>"""
EVENT_SUB_PROCESS = """<bpmn:subProcess id="on_event" name="事件子流程" triggeredByEvent="true">
      <bpmn:startEvent id="event_start" name="事件开始"><bpmn:outgoing>e1</bpmn:outgoing></bpmn:startEvent>
      <bpmn:endEvent id="event_end" name="事件结束"><bpmn:incoming>e1</bpmn:incoming></bpmn:endEvent>
      <bpmn:sequenceFlow id="e1" sourceRef="event_start" targetRef="event_end"/>
    </bpmn:subProcess>"""
NOTIFY = """<bpmn:serviceTask id="tell" name="通知">
      <bpmn:extensionElements><spiffworkflow:serviceTaskOperator id="notify" resultVariable="told">
        <spiffworkflow:parameters>
          <spiffworkflow:parameter id="template" type="str" value="&quot;task_due_soon&quot;"/>
          <spiffworkflow:parameter id="to" type="str" value="&quot;role&quot;"/>
          <spiffworkflow:parameter id="role" type="str" value="{role}"/>
          <spiffworkflow:parameter id="context" type="any" value="{{}}"/>
        </spiffworkflow:parameters>
      </spiffworkflow:serviceTaskOperator></bpmn:extensionElements>
    </bpmn:serviceTask>"""
WAIT = ('<bpmn:intermediateCatchEvent id="wait" name="等一天">' + TIMER.format(id="wait")
        + "</bpmn:intermediateCatchEvent>")
MESSAGE_CATCH = """<bpmn:intermediateCatchEvent id="review" name="等待会议决定">
      <bpmn:extensionElements><spiffworkflow:properties>
        <spiffworkflow:property name="formKey" value="presentation"/>
      </spiffworkflow:properties></bpmn:extensionElements>
      <bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
      <bpmn:messageEventDefinition id="review_def" messageRef="no_such_message"/>
    </bpmn:intermediateCatchEvent>"""
BOUNDARY = """<bpmn:boundaryEvent id="late" name="超时" attachedToRef="{attached}" cancelActivity="false">
      <bpmn:outgoing>b1</bpmn:outgoing>{definitions}</bpmn:boundaryEvent>
    <bpmn:endEvent id="late_end" name="超时结束"><bpmn:incoming>b1</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="b1" sourceRef="late" targetRef="late_end"/>"""
START_DATA = """<bpmn:ioSpecification id="start_data"><bpmn:dataInput id="owner" name="负责人"/>
      <bpmn:inputSet id="start_inputs"><bpmn:dataInputRefs>owner</bpmn:dataInputRefs></bpmn:inputSet>
      <bpmn:outputSet id="start_outputs"/></bpmn:ioSpecification>"""
SCORING = """<bpmn:userTask id="review" name="多人审核">
      <bpmn:extensionElements><spiffworkflow:properties>
        <spiffworkflow:property name="formKey" value="presentation"/>
        <spiffworkflow:property name="assigneeVariable" value="{assignee}"/>
      </spiffworkflow:properties></bpmn:extensionElements>
      <bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
      <bpmn:multiInstanceLoopCharacteristics isSequential="false">
        <bpmn:loopDataInputRef>{collection}</bpmn:loopDataInputRef>
        <bpmn:loopDataOutputRef>opinions</bpmn:loopDataOutputRef>
        <bpmn:inputDataItem id="reviewer" name="审核人"/>
        <bpmn:outputDataItem id="opinion" name="意见"/>
      </bpmn:multiInstanceLoopCharacteristics>
    </bpmn:userTask>"""

CASES: list[Case] = [
    # -- the graph -----------------------------------------------------------------------------
    case("duplicate-id", document(BASE + ['<bpmn:textAnnotation id="gw"/>']), "duplicate_id", "gw"),
    case("flow-source-missing", document(BASE + [cond("f9", "ghost", "yes")]), "flow_source_missing", "f9"),
    case("flow-target-missing", document(BASE + [cond("f9", "gw", "ghost")]), "flow_target_missing", "f9"),
    case("flow-ref-mismatch", document(replace("<bpmn:outgoing>f2</bpmn:outgoing>",
                                               "<bpmn:outgoing>f2</bpmn:outgoing><bpmn:outgoing>f3</bpmn:outgoing>")),
         "flow_ref_mismatch", "review"),
    case("boundary-not-attached", document(BASE + [BOUNDARY.format(attached="ghost", definitions=TIMER.format(id="late"))]),
         "boundary_not_attached", "late", "unreachable"),
    case("start-event-required", document(replace("<bpmn:incoming>f1</bpmn:incoming>", "", BASE[1:])[:3] + [F2, F3, F4]),
         "start_event_required", "probe_rules", "implicit_start"),
    case("end-event-required", document(replace("bpmn:endEvent", "bpmn:intermediateThrowEvent")),
         "end_event_required", "probe_rules", "implicit_end"),
    case("single-blank-start-event", document(BASE + ['<bpmn:startEvent id="start2" name="另一开始"/>',
                                                      flow("f9", "start2", "review")]),
         "single_blank_start_event", "probe_rules"),
    case("sub-process-blank-start-event", document(replace(REVIEW, SUB_PROCESS.format(
        start_def=TIMER.format(id="inner_start")))), "sub_process_blank_start_event", "inner_start"),
    case("event-sub-process-typed-start-event", document(BASE + [EVENT_SUB_PROCESS]),
         "event_sub_process_typed_start_event", "event_start"),
    case("single-event-definition", document(BASE + [BOUNDARY.format(
        attached="review", definitions=TIMER.format(id="late_a") + TIMER.format(id="late_b"))]),
         "single_event_definition", "late"),
    case("disconnected", document(BASE + ['<bpmn:task id="lonely" name="孤立"/>']), "disconnected", "lonely"),
    case("implicit-start", document(BASE + ['<bpmn:task id="orphan" name="无来源"/>', flow("f9", "orphan", "yes")]),
         "implicit_start", "orphan"),
    case("implicit-end", document(BASE + ['<bpmn:task id="dead" name="死路"/>', cond("f9", "gw", "dead")]),
         "implicit_end", "dead"),
    case("gateway-no-outgoing", document(BASE + ['<bpmn:exclusiveGateway id="gw2" name="无出口"/>',
                                                 cond("f9", "gw", "gw2")]), "gateway_no_outgoing", "gw2"),
    case("unreachable", document(BASE + ['<bpmn:task id="island" name="孤岛"/>',
                                         '<bpmn:exclusiveGateway id="island_gw" name="孤岛网关" default="f10"/>',
                                         flow("f9", "island", "island_gw"), cond("f11", "island_gw", "island", "True"),
                                         flow("f10", "island_gw", "no")]), "unreachable", "island"),
    case("no-path-to-end", document(BASE + ['<bpmn:task id="spin" name="空转"/>',
                                            '<bpmn:exclusiveGateway id="spin_gw" name="空转网关"/>',
                                            cond("f9", "gw", "spin"), flow("f10", "spin", "spin_gw"),
                                            flow("f11", "spin_gw", "spin")]), "no_path_to_end", "spin"),
    case("implicit-split", document(BASE + [flow("f9", "review", "no")]), "implicit_split", "review"),
    case("conditional-flows", document(BASE + [flow("f9", "gw", "yes")]), "conditional_flows", "f9"),
    case("gateway-default-required", document(replace(' default="f4"', "", replace(F4, cond("f4", "gw", "no")))),
         "gateway_default_required", "gw"),
    case("bad-default-flow", document(replace(' default="f4"', ' default="f1"')), "bad_default_flow", "gw",
         "conditional_flows"),
    case("default-flow-condition", document(replace(F4, cond("f4", "gw", "no"))), "default_flow_condition", "f4"),
    case("event-based-gateway", document([START, REVIEW, EVENT_GATEWAY, WAIT, END_NO, F1, F2, flow("f3", "gw", "wait"),
                                          flow("f4", "wait", "no")]), "event_based_gateway", "gw"),
    case("event-based-gateway-flow", document([START, REVIEW, EVENT_GATEWAY, WAIT, END_YES, END_NO, F1, F2,
                                               flow("f3", "gw", "wait"), flow("f5", "wait", "yes"),
                                               flow("f4", "gw", "no")]), "event_based_gateway_flow", "f4"),
    case("gateway-join-fork", document([START, REVIEW, GATEWAY, '<bpmn:task id="fix" name="修改"/>', END_NO, F1, F2,
                                        cond("f3", "gw", "fix"), F4, flow("f9", "fix", "gw")]),
         "gateway_join_fork", "gw"),
    case("fake-join", document(BASE + [cond("f9", "gw", "yes")]), "fake_join", "yes"),
    case("superfluous-gateway", document(replace(F1, flow("f1", "start", "pass_gw")) + [
        '<bpmn:exclusiveGateway id="pass_gw" name="直通"/>', flow("f0", "pass_gw", "review")]),
         "superfluous_gateway", "pass_gw"),
    case("duplicate-flow", document(BASE + [F3.replace('id="f3"', 'id="f9"')]), "duplicate_flow", "f9"),
    case("user-task-label-required", document(replace('id="review" name="审核"', 'id="review"')),
         "user_task_label_required", "review"),
    case("label-required", document(replace('id="start" name="开始"', 'id="start"')), "label_required", "start"),
    case("no-bpmndi", document(BASE, undrawn=("yes",)), "no_bpmndi", "yes"),
    case("unsupported-element", document(replace("bpmn:userTask", "bpmn:manualTask")), "unsupported_element", "review",
         "unset_variable"),
    case("unknown-message", document(replace(REVIEW, MESSAGE_CATCH)), "unknown_message", "review"),
    case("unsupported-event", document(BASE + [BOUNDARY.format(
        attached="review", definitions='<bpmn:messageEventDefinition id="late_def"/>')]), "unsupported_event", "late"),
    # -- process data ----------------------------------------------------------------------------
    case("unset-variable-condition", document(replace('presenter == "刘"', 'decision == "刘"')), "unset_variable", "f3"),
    case("unset-variable-task-deleted", document([START, GATEWAY.replace("f2", "f1"), ENDS,
                                                  flow("f1", "start", "gw"), F3, F4]), "unset_variable", "f3"),
    case("unset-variable-set-downstream", document(replace(REVIEW, REVIEW.replace("presentation", "vetting"))
                                                   + [cond("f9", "gw", "no", 'vetting_decision == "x"')]
                                                   ), "unset_variable", "f3", "fake_join"),
    case("unset-variable-parameter", document(replace(F2, flow("f2", "review", "tell")) + [
        NOTIFY.format(role="recipient_role").replace("</bpmn:extensionElements>",
                                                    "</bpmn:extensionElements><bpmn:incoming>f2</bpmn:incoming>"
                                                    "<bpmn:outgoing>f8</bpmn:outgoing>"),
        flow("f8", "tell", "gw")]), "unset_variable", "tell"),
    case("unset-variable-timer", document(BASE + [BOUNDARY.format(
        attached="review", definitions='<bpmn:timerEventDefinition id="late_def"><bpmn:timeDate>due_date'
                                       '</bpmn:timeDate></bpmn:timerEventDefinition>')]), "unset_variable", "late"),
    case("unset-variable-collection", document(replace(REVIEW, SCORING.format(assignee="reviewer",
                                                                              collection="reviewers"))),
         "unset_variable", "review", "unset_variable"),
    case("unset-variable-assignee", document(replace(REVIEW, SCORING.format(assignee="someone", collection="owner")),
                                             io=START_DATA), "unset_variable", "review"),
    # -- single elements (also in test_bpmn_uploads.py, here so every code has its case) ---------
    case("not-xml", b"<not closed", "not_xml", None),
    case("not-bpmn", document(BASE).replace(BPMN.encode(), b"urn:other"), "not_bpmn", None),
    case("forbidden-xml", b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY e "x">]><d>&e;</d>', "forbidden_xml", None),
    case("too-large", document(BASE + ["<!--" + "x" * (3 * 1024 * 1024) + "-->"]), "too_large", None),
    case("unsupported-encoding", document(BASE).replace(b'encoding="UTF-8"', b'encoding="x-mars"'),
         "unsupported_encoding", None),
    case("bad-encoding", document(BASE).replace("审核".encode(), "审核".encode("gbk")), "bad_encoding", None),
    case("no-process", document(BASE, executable=False), "no_process", None),
    case("schema", document(BASE).replace(b"</bpmn:process>", b"<bpmn:documentation>x</bpmn:documentation></bpmn:process>"),
         "schema", None),
    case("script", document(BASE).replace(b"</spiffworkflow:properties>",
                                          b"</spiffworkflow:properties><spiffworkflow:preScript>x = 1</spiffworkflow:preScript>"),
         "script", "review"),
    case("unknown-element", document(BASE + ['<bpmn:teleportTask id="beam" name="传送"/>']), "unknown_element", "beam"),
    case("forbidden-element", document(replace("bpmn:userTask", "bpmn:businessRuleTask")), "forbidden_element",
         "review", "unset_variable"),
    case("missing-lane", document(BASE, lane=False), "missing_lane", "review"),
    case("unknown-role", document(BASE).replace(b'lane id="office"', b'lane id="janitor"'), "unknown_role", "review"),
    case("missing-form", document(replace('<spiffworkflow:property name="formKey" value="presentation"/>', "")),
         "missing_form", "review", "unset_variable"),
    case("unknown-form", document(replace('value="presentation"', 'value="no_such_form"')), "unknown_form", "review",
         "unset_variable"),
    case("bad-duration", document(replace('<spiffworkflow:property name="formKey" value="presentation"/>',
                                          '<spiffworkflow:property name="formKey" value="presentation"/>'
                                          '<spiffworkflow:property name="dueIn" value="P1.5D"/>')), "bad_duration", "review"),
    case("bad-timer", document(BASE + [BOUNDARY.format(attached="review", definitions=TIMER.format(id="late").replace(
        '"P1D"', '"P2M"').replace("timeDuration", "timeCycle").replace('"P2M"', '"R3/P2M"'))]), "bad_timer", "late"),
    case("missing-handler", document(replace(F2, flow("f2", "review", "tell")) + [
        '<bpmn:serviceTask id="tell" name="通知"><bpmn:incoming>f2</bpmn:incoming><bpmn:outgoing>f8</bpmn:outgoing>'
        '</bpmn:serviceTask>', flow("f8", "tell", "gw")]), "missing_handler", "tell"),
    case("unknown-handler", document(replace(F2, flow("f2", "review", "tell")) + [
        NOTIFY.format(role="&quot;office&quot;").replace('id="notify"', 'id="launch_missiles"').replace(
            "</bpmn:extensionElements>", "</bpmn:extensionElements><bpmn:incoming>f2</bpmn:incoming>"
                                         "<bpmn:outgoing>f8</bpmn:outgoing>"), flow("f8", "tell", "gw")]),
         "unknown_handler", "tell"),
    case("bad-expression", document(replace('presenter == "刘"', "presenter.__class__")), "bad_expression", "f3"),
    # other modelers' dialects (tests/integration/test_foreign_modelers.py runs whole documents)
    case("converted", document(replace('<bpmn:userTask id="review" name="审核">',
                                       '<bpmn:userTask id="review" name="审核" xmlns:camunda="http://camunda.org/schema/1.0/bpmn"'
                                       ' camunda:formKey="presentation">')), "converted", "review"),
    case("ignored-extension", document(replace('<bpmn:userTask id="review" name="审核">',
                                               '<bpmn:userTask id="review" name="审核" xmlns:camunda="http://camunda.org/'
                                               'schema/1.0/bpmn" camunda:asyncBefore="true">')), "ignored_extension", "review"),
    case("foreign-extension", document(replace('<bpmn:userTask id="review" name="审核">',
                                               '<bpmn:userTask id="review" name="审核" xmlns:camunda="http://camunda.org/'
                                               'schema/1.0/bpmn" camunda:assignee="demo">')), "foreign_extension", "review"),
    case("unknown-extension", document(replace("</spiffworkflow:properties>",
                                               '</spiffworkflow:properties><acme:retry xmlns:acme="urn:acme" times="3"/>')),
         "unknown_extension", "review"),
    case("foreign-implementation", document(replace(F2, flow("f2", "review", "tell")) + [
        '<bpmn:serviceTask id="tell" name="归档" xmlns:camunda="http://camunda.org/schema/1.0/bpmn" '
        'camunda:class="org.example.ArchiveDelegate"><bpmn:incoming>f2</bpmn:incoming><bpmn:outgoing>f8</bpmn:outgoing>'
        '</bpmn:serviceTask>', flow("f8", "tell", "gw")]), "foreign_implementation", "tell"),
    case("foreign-implementation-handler", document(replace(F2, flow("f2", "review", "tell")) + [
        '<bpmn:serviceTask id="tell" name="通知" xmlns:camunda="http://camunda.org/schema/1.0/bpmn" '
        'camunda:class="org.example.NotifyDelegate"><bpmn:incoming>f2</bpmn:incoming><bpmn:outgoing>f8</bpmn:outgoing>'
        '</bpmn:serviceTask>', flow("f8", "tell", "gw")]), "foreign_implementation_handler", "tell"),
    case("juel-expression", document(replace('presenter == "刘"', "${presenter == &apos;刘&apos;}")), "juel_expression",
         "f3"),
    case("spiff-form-file", document(replace('<spiffworkflow:property name="formKey" value="presentation"/>',
                                             '<spiffworkflow:property name="formJsonSchemaFilename" '
                                             'value="opinion-schema.json"/>')), "spiff_form_file", "review",
         "unset_variable"),
]


def review_steps(*forms: str) -> bytes:
    """A ``campaign_review`` whose tasks use ``forms`` one after another (the meetings' kinds of work)."""
    tasks = [f"""<bpmn:userTask id="t{i}" name="会议{i}"><bpmn:extensionElements><spiffworkflow:properties>
      <spiffworkflow:property name="formKey" value="{form}"/></spiffworkflow:properties></bpmn:extensionElements>
      <bpmn:incoming>k{i}</bpmn:incoming><bpmn:outgoing>k{i + 1}</bpmn:outgoing></bpmn:userTask>"""
             for i, form in enumerate(forms)]
    flows = [flow(f"k{i}", f"t{i - 1}" if i else "start", f"t{i}") for i in range(len(forms))]
    return document([START.replace("f1", "k0"), *tasks, f'<bpmn:endEvent id="done" name="结束"><bpmn:incoming>'
                     f"k{len(forms)}</bpmn:incoming></bpmn:endEvent>", *flows,
                     flow(f"k{len(forms)}", f"t{len(forms) - 1}", "done")], process_id="campaign_review")


MEETINGS = ["shortlist_candidates", "shortlist_close", "group_decision_list", "chair_list_confirmation"]
CASES += [
    case("missing-kind", review_steps(*MEETINGS[:3]), "missing_kind", None),
    case("duplicate-kind", review_steps(*MEETINGS, "chair_list_confirmation"), "duplicate_kind", "t4"),
]


def outcome(value: str) -> str:
    return (f'<bpmn:extensionElements><spiffworkflow:properties><spiffworkflow:property name="outcome" '
            f'value="{value}"/></spiffworkflow:properties></bpmn:extensionElements>')


# the probe as the appraisal (it lacks the appraisal's kinds of work: missing_kind comes along)
CASES += [
    case("missing-outcome", document(replace(END_YES, END_YES.replace("<bpmn:incoming>", outcome("awarded")
                                                                      + "<bpmn:incoming>")),
                                     process_id="innovation_appraisal"), "missing_outcome", "no", "missing_kind"),
    case("unknown-outcome", document(replace(END_NO, END_NO.replace("<bpmn:incoming>", outcome("end_not_awarded")
                                                                    + "<bpmn:incoming>")),
                                     process_id="innovation_appraisal"), "unknown_outcome", "no",
         "missing_kind", "missing_outcome"),
]
EXEMPT = {"parse": "raised only when SpiffWorkflow fails on a document every other rule accepts; no such document "
                   "is known (each one found so far became a rule)"}


@pytest.fixture(scope="module")
def rules_api(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> Any:
    path = tmp_path_factory.mktemp("rules") / "app.db"
    shutil.copy(sqlite_template, path)
    application = make_app(f"sqlite:///{path}")
    yield Api(application)
    application.extensions["appraisal.db_engine"].dispose()


def _count(api: Api) -> int:
    return len(api.get("/api/process-definitions", "process_admin")["items"])


def test_every_rule_has_a_case() -> None:
    covered = {c.code for c in CASES}
    assert set(RULES) - covered - set(EXEMPT) == set(), "add a case for each new rule code"
    assert not covered - set(RULES)


def test_the_clean_probe_has_no_problem_at_all(rules_api: Api) -> None:
    r = rules_api.post("/api/process-definitions/validate", "process_admin", data=document(BASE),
                       content_type="application/xml")
    assert r["warnings"] == []


@pytest.mark.parametrize("c", CASES, ids=[c.id for c in CASES])
def test_each_rule_names_the_element_at_validate_and_deploy(rules_api: Api, c: Case) -> None:
    api = rules_api
    before = _count(api)
    error = RULES[c.code].severity == "error"
    for path in ("/api/process-definitions/validate", "/api/process-definitions?comment=rule"):
        r = api.call("POST", path, "process_admin", data=c.body, headers={"Content-Type": "application/xml"})
        body = r.get_json()
        if error:
            assert r.status_code == 400 and r.mimetype == "application/problem+json", (c.id, r.status_code, body)
            problems = body["problems"]
        else:
            assert r.status_code in (200, 201), (c.id, r.status_code, body)
            problems = body["warnings"]
        assert any(p["code"] == c.code and p["element"] == c.element for p in problems), (c.id, problems)
        found = {p["code"] for p in problems if p["severity"] == "error"}
        assert found <= {c.code} | c.also, (c.id, [p for p in problems if p["code"] not in {c.code} | c.also])
        for p in problems:
            assert p["message"] and p["severity"] in ("error", "warning")
            assert re.search(r"[\u4e00-\u9fff]", p["message"]), p["message"]
    assert _count(api) == before + (0 if error else 1)


def test_the_issue_example_a_flow_to_nothing_is_refused_before_it_can_start(rules_api: Api) -> None:
    """It used to pass validate, deploy, and answer 500 on its first start."""
    body = document(replace(F2, flow("f2", "review", "ghost")))
    for path in ("/api/process-definitions/validate", "/api/process-definitions?comment=rule"):
        r = rules_api.call("POST", path, "process_admin", data=body, headers={"Content-Type": "application/xml"})
        assert r.status_code == 400
        assert {"element": "f2", "code": "flow_target_missing"} in [
            {"element": p["element"], "code": p["code"]} for p in r.get_json()["problems"]]


@pytest.mark.parametrize("name, parts, io", [
    ("declared-start-variable", replace('presenter == "刘"', 'owner == "刘"'), START_DATA),
    ("set-on-another-branch-only", replace('presenter == "刘"', 'presenter == "刘" or told')
     + [cond("f9", "start", "tell", "True"), NOTIFY.format(role="&quot;office&quot;").replace(
         "</bpmn:extensionElements>", "</bpmn:extensionElements><bpmn:incoming>f9</bpmn:incoming>"
                                      "<bpmn:outgoing>f8</bpmn:outgoing>"), flow("f8", "tell", "gw")], ""),
    ("multi-instance-items", replace(REVIEW, SCORING.format(assignee="reviewer", collection="owner")), START_DATA),
])
def test_variables_that_can_be_set_upstream_pass(rules_api: Api, name: str, parts: list[str], io: str) -> None:
    r = rules_api.call("POST", "/api/process-definitions/validate", "process_admin", data=document(parts, io=io),
                       headers={"Content-Type": "application/xml"})
    body = r.get_json()
    problems = body.get("problems", []) + body.get("warnings", [])
    assert not [p for p in problems if p["code"] == "unset_variable"], (name, problems)


@pytest.mark.parametrize("path", sorted((ROOT / "processes").glob("*.bpmn")), ids=lambda p: p.name)
def test_the_bundled_processes_pass_and_declare_their_start_data(rules_api: Api, path: Path) -> None:
    r = rules_api.post("/api/process-definitions/validate", "process_admin", data=path.read_bytes(),
                       content_type="application/xml")
    assert r["start_variables"]
    assert {w["code"] for w in r["warnings"]} <= {"fake_join"}, r["warnings"]


def test_the_appraisals_end_events_must_name_a_known_outcome(rules_api: Api) -> None:
    """Every end event of the appraisal that can end an application names its outcome (the application's status),
    one of the known codes, listed by name; the reminder branch's end event (a non-interrupting timer's) needs
    none, nor do other processes' end events (the clean probe)."""
    bundled = (ROOT / "processes" / "innovation_appraisal.bpmn").read_bytes()
    assert b'id="end_presentation_reminded"' in bundled and bundled.count(b'name="outcome"') == 5
    changed = bundled.replace(b'<spiffworkflow:property name="outcome" value="rejected"/>', b"", 1) \
        .replace(b'name="outcome" value="lapsed"', b'name="outcome" value="end_lapsed"', 1)
    for language, missing, unknown in [
        ("zh-CN", "结束事件 end_rejected 没有设置结果：申报在这里结束时，本服务据此显示申报的结果，请在“本系统的设置”中"
                  "选择结果（已获奖、未获奖、未通过审核、未入选、逾期未报）",
         "结束事件 end_lapsed 的结果 end_lapsed 不是本服务的结果：请在“本系统的设置”中选择（已获奖、未获奖、未通过审核、"
         "未入选、逾期未报）"),
        ("en", "end event end_rejected has no Result: an application that ends here shows it as its outcome; choose "
               "one under “This service” (Awarded, Not awarded, Rejected, Not shortlisted, Lapsed)",
         None)]:
        r = rules_api.call("POST", "/api/process-definitions/validate", "process_admin", data=changed,
                           headers={"Content-Type": "application/xml", "Accept-Language": language})
        assert r.status_code == 400
        errors = sorted((p["element"], p["code"], p["message"]) for p in r.get_json()["problems"]
                        if p["severity"] == "error")
        assert [e[:2] for e in errors] == [("end_lapsed", "unknown_outcome"), ("end_rejected", "missing_outcome")]
        assert errors[1][2] == missing
        if unknown:
            assert errors[0][2] == unknown


def test_the_readme_lists_every_rule_with_its_severity() -> None:
    """The README's rule table is what the modeler will mirror: it must match service/engine/problems.py."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## BPMN validation", 1)[1].split("\n## ", 1)[0]
    listed = dict(re.findall(r"^\| `([a-z_]+)` \| (error|warning) \|", section, flags=re.M))
    assert listed == {code: rule.severity for code, rule in RULES.items()}
