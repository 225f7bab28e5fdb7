"""The shipped BPMN and form files, checked with bare SpiffWorkflow (no service code).

These tests pin the contract between ``processes/`` and the engine wrapper: element
ids, lanes (role codes), task properties, gateway conditions, timers, the scoring
multi-instance, diagram interchange and the JSON Schema forms. They drive every
path of ``innovation_appraisal`` and of ``draft_consultation`` with a stand-in
script environment: plain ``eval`` for expressions and trivial service operators.
Every form payload submitted on the way is validated against its task's form.
"""
from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest
from lxml import etree

from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.script_engine.python_environment import BasePythonScriptEngineEnvironment
from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimeDateEventDefinition
from SpiffWorkflow.bpmn.util import BpmnEvent
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.spiff.parser.process import VALIDATOR, SpiffBpmnParser
from SpiffWorkflow.util.task import TaskState

try:  # form checks need a JSON Schema validator; the BPMN checks do not
    import jsonschema
except ImportError:  # pragma: no cover - jsonschema comes with the test extras
    jsonschema = None

needs_jsonschema = pytest.mark.skipif(jsonschema is None, reason="jsonschema is not installed")

PROCESSES = Path(__file__).resolve().parents[2] / "processes"
FORMS = PROCESSES / "forms"
INNOVATION = PROCESSES / "innovation_appraisal.bpmn"
DRAFT = PROCESSES / "draft_consultation.bpmn"
BPMN_FILES = [INNOVATION, DRAFT]

NS = {
    "bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
    "bpmndi": "http://www.omg.org/spec/BPMN/20100524/DI",
    "dc": "http://www.omg.org/spec/DD/20100524/DC",
    "di": "http://www.omg.org/spec/DD/20100524/DI",
    "spiffworkflow": "http://spiffworkflow.org/bpmn/schema/1.0/core",
}

FUTURE = "2099-12-31T23:59:59+08:00"
PAST = "2000-01-01T00:00:00+08:00"
STAGES = {"submit", "vetting", "preliminary", "presentation", "scoring", "decision", "confirmation", "notice",
          "consultation"}
UNIT_LANES = {"unit_submitter", "unit_leader"}

# The per-instance variable of the scoring multi-instance (see test_scoring_multi_instance_contract).
SCORER_VAR = "assigned_scorer"

INNOVATION_LANES = {
    "unit_submitter": "单位填报人",
    "unit_leader": "单位主要领导",
    "vetter": "主管工会审核",
    "leading_group": "评比领导小组",
    "office": "评比办公室",
    "scorer": "评审组成员",
    "group_leader": "领导小组组长",
    "chair_office": "主席办公会",
    "system": "系统自动",
}
DRAFT_LANES = {k: INNOVATION_LANES[k] for k in ("unit_submitter", "unit_leader", "office", "system")}

# bpmn id -> (lane id, formKey, stage, dueIn)
INNOVATION_USER_TASKS = {
    "fill_application": ("unit_submitter", "application", "submit", None),
    "leader_signoff": ("unit_leader", "leader_signoff", "submit", None),
    "county_vetting": ("vetter", "vetting", "vetting", "P5D"),
    "record_presentation": ("office", "presentation", "presentation", "P10D"),
    "democratic_scoring": ("scorer", "scoring", "scoring", "P3D"),
    "propose_grade": ("office", "grade_proposal", "decision", "P3D"),
}
# Decisions taken in a campaign_review sitting: the item waits at a message catch event (lane, form, stage,
# message); the sitting's user task carries the due time, so the catch event has none, except forwarding,
# which a supervising union does for its own items by the campaign's vetting deadline (dueAtVariable).
INNOVATION_CATCH_EVENTS = {
    "await_forwarding": ("vetter", "forwarding", "vetting", "forwarded"),
    "preliminary_review": ("leading_group", "preliminary_review", "preliminary", "shortlist_decided"),
    "set_grade": ("group_leader", "grade_decision", "decision", "grade_decided"),
    "chair_confirmation": ("chair_office", "chair_confirmation", "confirmation", "chair_decided"),
    # the public notice (公示): its end (final) or an upheld objection (reopen) is delivered by public_notice
    "await_notice": ("office", "notice_outcome", "notice", "notice_closed"),
}
DRAFT_USER_TASKS = {
    "draft_comments": ("unit_submitter", "draft_comments", "consultation", None),
    "leader_signoff": ("unit_leader", "leader_signoff", "consultation", None),
    "receive_feedback": ("office", "feedback_receipt", "consultation", "P3D"),
}
# service task id -> (operator, resultVariable, {param: (type, value)})
SCORER_PARAMS = {"scorers": ("any", "scorers"), "unit_id": ("int", "unit_id"),
                 "supervising_union_id": ("int", "supervising_union_id")}
INNOVATION_SERVICE_TASKS = {
    "select_scorers_task": ("select_scorers", "eligible_scorers", SCORER_PARAMS),
    "record_recusals_task": ("record_recusals", "recusals", SCORER_PARAMS),
    "aggregate_scores_task": ("aggregate_scores", "score_result",
                              {"scores": ("any", "scores"), "criteria": ("any", "criteria"),
                               "rules": ("any", "scoring_rules")}),
    "remind_presentation_task": ("notify", "presentation_reminder",
                                 {"template": ("str", '"task_due_soon"'), "to": ("str", '"role"'),
                                  "role": ("str", '"office"'),
                                  "context": ("any", '{"task_element": "record_presentation"}')}),
    **{task: ("notify", "lapse_notice",
              {"template": ("str", '"application_lapsed"'), "to": ("str", '"unit_role"'),
               "role": ("any", '["unit_submitter", "unit_leader"]'), "context": ("any", f'{{"lapse": "{lapse}"}}')})
       for task, lapse in (("notify_lapsed_unsubmitted", "not_submitted"), ("notify_lapsed_unsigned", "not_signed"))},
    # everyone is told (issue 14.9): returns with their reasons, results, the invitation to present
    **{task: ("notify", result, {"template": ("str", f'"{template}"'), "to": ("str", '"unit_role"'),
                                 "role": ("any", '["unit_submitter", "unit_leader"]'), "context": ("any", context)})
       for task, result, template, context in (
           ("notify_returned_by_leader", "return_notice", "application_returned",
            '{"stage_name": "主要领导签字", "reasons": signoff_comment}'),
           ("notify_returned_by_vetter", "return_notice", "application_returned",
            '{"stage_name": "主管工会初审", "reasons": vetting_reasons}'),
           ("notify_rejected", "result_notice", "application_result",
            '{"outcome": "rejected", "grade": None, "reasons": vetting_reasons}'),
           ("notify_not_shortlisted", "result_notice", "application_result",
            '{"outcome": "not_shortlisted", "grade": None, "reasons": unit_reasons}'),
           ("notify_invited", "invitation_notice", "presentation_invited", '{}'),
           ("notify_not_awarded", "result_notice", "application_result", '{"outcome": "not_awarded", "grade": None}'),
           ("notify_awarded", "result_notice", "application_result", '{"outcome": "awarded", "grade": final_grade}'),
       )},
}
UNIT = {"to": "unit_role", "role": ["unit_submitter", "unit_leader"]}
FORM_KEYS = {"application", "leader_signoff", "vetting", "preliminary_review", "presentation", "scoring",
             "grade_proposal", "grade_decision", "chair_confirmation", "draft_comments", "feedback_receipt",
             # the message catch events' and the campaign_review sittings' forms
             "forwarding", "shortlist_candidates", "shortlist_close", "sitting_call", "group_decision_list",
             "chair_list_confirmation", "notice_outcome"}


# ---------------------------------------------------------------- stand-in engine

class BareEnvironment(BasePythonScriptEngineEnvironment):
    """Plain eval for expressions, trivial service operators, no scripts at all."""

    def evaluate(self, expression, context, external_context=None):
        return eval(expression, {"__builtins__": {}}, dict(context))  # noqa: S307 - test stand-in

    def execute(self, script, context, external_context=None):
        raise AssertionError(f"the processes must not contain scripts: {script!r}")

    def call_service(self, context, operation_name=None, operation_params=None, **kwargs):
        params = {name: p["value"] for name, p in (operation_params or {}).items()}
        return json.dumps(OPERATORS[operation_name](**params))


def _conflicted(scorer, unit_id, supervising_union_id):
    return scorer["unit_id"] in (unit_id, supervising_union_id)


def select_scorers(scorers, unit_id, supervising_union_id):
    return [s for s in scorers if not _conflicted(s, unit_id, supervising_union_id)]


def record_recusals(scorers, unit_id, supervising_union_id):
    return [{"user_id": s["user_id"], "reason": "same_unit"} for s in scorers
            if _conflicted(s, unit_id, supervising_union_id)]


def aggregate_scores(scores, criteria, rules=None):
    totals = [sum(s["criteria"].values()) for s in scores]
    return {"count": len(totals), "mean": sum(totals) / len(totals) if totals else None}


NOTIFIED = []


def notify(template, to, role=None, user_id=None, context=None):
    NOTIFIED.append({"template": template, "to": to, "role": role, "context": context})
    return NOTIFIED[-1]


OPERATORS = {"select_scorers": select_scorers, "record_recusals": record_recusals,
             "aggregate_scores": aggregate_scores, "notify": notify}


# ---------------------------------------------------------------- fixtures and helpers

@pytest.fixture(scope="module")
def parser():
    p = SpiffBpmnParser(validator=VALIDATOR)
    p.add_bpmn_files([str(f) for f in BPMN_FILES])
    return p


@pytest.fixture(scope="module")
def forms():
    return {f.stem: json.loads(f.read_text(encoding="utf-8")) for f in sorted(FORMS.glob("*.json"))}


def xml(path):
    return etree.parse(str(path))


def lane_of(tree):
    """flow node id -> lane id, read from the laneSet (SpiffWorkflow itself reports lane *names*)."""
    return {ref.text: ref.getparent().get("id") for ref in tree.iterfind(".//bpmn:flowNodeRef", NS)}


def properties(node):
    return {p.get("name"): p.get("value")
            for p in node.iterfind("bpmn:extensionElements/spiffworkflow:properties/spiffworkflow:property", NS)}


SCORERS = [
    {"user_id": 101, "unit_id": 1, "name": "评委甲"},
    {"user_id": 102, "unit_id": 2, "name": "评委乙"},
    {"user_id": 103, "unit_id": 7, "name": "评委丙（申报单位）"},
    {"user_id": 104, "unit_id": 9, "name": "评委丁（主管工会）"},
]
CRITERIA = [
    {"code": "novelty", "name": "创新性", "weight": 0.4, "max": 40},
    {"code": "effect", "name": "实际成效", "weight": 0.4, "max": 40},
    {"code": "spread", "name": "推广价值", "weight": 0.2, "max": 20},
]
GRADES = ["一等奖", "二等奖", "三等奖", "不予奖励"]


def start_data(**overrides):
    data = {
        "application_id": 55,
        "unit_id": 7,
        "unit_name": "某县总工会",
        "supervising_union_id": None,
        "needs_vetting": False,
        "window_closes_at": FUTURE,
        "scorers": SCORERS,
        "criteria": CRITERIA,
        "grades": GRADES,
        "no_award_grade": "不予奖励",
        "scoring_rules": {"trim_min_count": 5, "trim_each_side": 1, "decimals": 2, "rounding": "half_up"},
    }
    data.update(overrides)
    return data


DRAFT_START = {"unit_id": 7, "unit_name": "某县总工会", "deadline": FUTURE}


class Run:
    """One workflow instance plus the bookkeeping the assertions need."""

    def __init__(self, parser, forms, process_id, data, path):
        self.wf = BpmnWorkflow(parser.get_spec(process_id), script_engine=PythonScriptEngine(BareEnvironment()))
        self.forms = forms
        self.tree = xml(path)
        self.lanes = lane_of(self.tree)
        self.form_keys = {n.get("id"): properties(n).get("formKey")
                          for kind in ("userTask", "intermediateCatchEvent")
                          for n in self.tree.iterfind(f".//bpmn:{kind}", NS)}
        self.done = []
        start = self.wf.get_next_task(state=TaskState.READY)
        start.set_data(**data)
        self.wf.do_engine_steps()

    def ready(self, bpmn_id=None):
        """Ready user tasks and message catch events waiting for their decision (both are a person's work)."""
        tasks = [t for t in self.wf.get_tasks(state=TaskState.READY, manual=True)]
        tasks += [t for t in self.wf.get_tasks(state=TaskState.WAITING)
                  if isinstance(getattr(t.task_spec, "event_definition", None), MessageEventDefinition)]
        if bpmn_id is not None:
            tasks = [t for t in tasks if t.task_spec.bpmn_id == bpmn_id]
        return tasks

    def deliver(self, task, payload):
        """What ``Engine.deliver`` does: send the catch event's message, the payload becomes process data."""
        self.wf.send_event(BpmnEvent(task.task_spec.event_definition, payload=dict(payload)))
        task.data.update(payload)

    def complete(self, bpmn_id, form_data, task=None):
        if task is None:
            tasks = self.ready(bpmn_id)
            assert len(tasks) == 1, f"expected one ready {bpmn_id}, got {[t.task_spec.bpmn_id for t in self.ready()]}"
            task = tasks[0]
        if jsonschema is not None:  # what we submit must be valid for the task's form
            schema = self.forms[self.form_keys[bpmn_id]]
            jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker()).validate(form_data)
        if task.state == TaskState.WAITING:
            self.deliver(task, form_data)
        else:
            task.data.update(form_data)
            task.run()
        self.done.append(bpmn_id)
        self.wf.do_engine_steps()

    def ended_at(self):
        assert self.wf.is_completed(), f"still open: {[t.task_spec.bpmn_id for t in self.ready()]}"
        ends = [t.task_spec.bpmn_id for t in self.wf.get_tasks(state=TaskState.COMPLETED)
                if type(t.task_spec).__name__ == "EndEvent"]
        assert len(ends) == 1, ends
        return ends[0]

    @property
    def data(self):
        return self.wf.last_task.data if self.wf.is_completed() else self.wf.data


APPLICATION = {
    "applicant_type": "individual",
    "applicant_name": "王某",
    "contact_person": "王某",
    "contact_phone": "0312-1234567",
    "theme": "职工技术创新“金点子”征集",
    "content": "面向全县职工征集技术革新建议，评选后推广应用。",
    "proposer": "县总工会经济技术部",
    "refinement": "2008 年试点，2009 年总结规范并在全县推开。",
    "effects": "共征集建议 1200 余条，采纳 300 条，节约成本 500 万元。",
    "recognitions": [{"level": "provincial", "department": "省总工会", "date": "2009-06-01"}],
    "category": "4",
    "conditions": ["3", "5"],
}
APPROVE = {"signoff_decision": "approve"}  # the signing leader is recorded from the account, not typed
RETURN = {"signoff_decision": "return", "signoff_comment": "成效数据需补充出处。"}
FORWARD = {"forward_opinion": "经审核，同意上报。"}
SHORTLIST = {"shortlisted": True, "review_reasons": "特色鲜明，具有推广价值。"}
PRESENTATION = {"presentation_date": "2010-01-08", "presenter": "李某", "presentation_notes": "讲述内容、过程、效果。"}


def score_for(scorer):
    return {"score": {"criteria": {"novelty": 30 + scorer["user_id"] % 10, "effect": 32, "spread": 15},
                      "comment": f"{scorer['name']}的评语"}}


def submit(run, vetting=()):
    """Unit fills in and signs off; each entry of `vetting` is one vetting decision."""
    run.complete("fill_application", APPLICATION)
    run.complete("leader_signoff", APPROVE)
    for decision in vetting:
        if decision == "approve":
            run.complete("county_vetting", {"vetting_decision": "approve"})
            run.complete("await_forwarding", FORWARD)
        else:
            run.complete("county_vetting", {"vetting_decision": decision, "vetting_reasons": "材料不全。"})
            if decision == "return":
                run.complete("fill_application", APPLICATION)
                run.complete("leader_signoff", APPROVE)


def score_all(run):
    tasks = run.ready("democratic_scoring")
    for task in tasks:
        run.complete("democratic_scoring", score_for(task.data[SCORER_VAR]), task=task)
    return len(tasks)


def decide(run, final_grade, chair=("confirm",), notices=("final",)):
    """Propose, decide and confirm; each confirmation is followed by its public notice's outcome, in order."""
    outcomes = list(notices)
    run.complete("propose_grade", {"proposed_grade": "二等奖", "proposal_reasons": "测评得分居前。"})
    for decision in chair:
        run.complete("set_grade", {"final_grade": final_grade, "decision_reasons": "集体研究。"})
        if decision == "confirm":
            run.complete("chair_confirmation", {"chair_decision": "confirm"})
            run.complete("await_notice", {"notice_outcome": outcomes.pop(0)})
        else:
            run.complete("chair_confirmation", {"chair_decision": "send_back", "chair_comment": "请再议等次。"})


def review_to_scoring(run):
    run.complete("preliminary_review", SHORTLIST)
    run.complete("record_presentation", PRESENTATION)


# ---------------------------------------------------------------- files and diagram

@pytest.mark.parametrize("path", BPMN_FILES, ids=lambda p: p.name)
def test_parses_with_lxml_and_the_spiff_validator(path):
    tree = xml(path)
    assert tree.getroot().tag == f"{{{NS['bpmn']}}}definitions"
    SpiffBpmnParser(validator=VALIDATOR).add_bpmn_file(str(path))  # raises on XSD errors


@pytest.mark.parametrize("path", BPMN_FILES, ids=lambda p: p.name)
def test_no_scripts_anywhere(path):
    tree = xml(path)
    assert not tree.findall(".//bpmn:scriptTask", NS)
    assert not tree.findall(".//bpmn:script", NS)
    assert not tree.findall(".//spiffworkflow:preScript", NS)
    assert not tree.findall(".//spiffworkflow:postScript", NS)


@pytest.mark.parametrize("path", BPMN_FILES, ids=lambda p: p.name)
def test_every_element_has_diagram_interchange(path):
    tree = xml(path)
    shapes = {s.get("bpmnElement"): s for s in tree.iterfind(".//bpmndi:BPMNShape", NS)}
    edges = {e.get("bpmnElement"): e for e in tree.iterfind(".//bpmndi:BPMNEdge", NS)}
    collaboration = tree.find(".//bpmn:collaboration", NS)
    plane = tree.find(".//bpmndi:BPMNPlane", NS)
    assert plane.get("bpmnElement") == collaboration.get("id")
    participants = collaboration.findall("bpmn:participant", NS)
    assert len(participants) == 1
    process = tree.find(".//bpmn:process", NS)
    assert participants[0].get("processRef") == process.get("id")
    kinds = ("startEvent", "endEvent", "boundaryEvent", "intermediateCatchEvent", "userTask", "serviceTask",
             "exclusiveGateway")
    nodes = [n for k in kinds for n in process.iterfind(f"bpmn:{k}", NS)]
    ids = [participants[0].get("id")] + [lane.get("id") for lane in process.iterfind(".//bpmn:lane", NS)]
    ids += [n.get("id") for n in nodes]
    assert not [i for i in ids if i not in shapes], "elements without a BPMNShape"
    for lane_or_pool in ids[: 1 + len(process.findall('.//bpmn:lane', NS))]:
        assert shapes[lane_or_pool].get("isHorizontal") == "true"
    flows = process.findall("bpmn:sequenceFlow", NS)
    assert flows
    for flow in flows:
        edge = edges.get(flow.get("id"))
        assert edge is not None, f"{flow.get('id')} has no BPMNEdge"
        assert len(edge.findall("di:waypoint", NS)) >= 2
    # every flow node is in exactly one lane
    refs = [r.text for r in process.iterfind(".//bpmn:flowNodeRef", NS)]
    assert sorted(refs) == sorted(n.get("id") for n in nodes)


def _bounds(shape):
    b = shape.find("dc:Bounds", NS)
    return tuple(float(b.get(k)) for k in ("x", "y", "width", "height"))


@pytest.mark.parametrize("path", BPMN_FILES, ids=lambda p: p.name)
def test_layout_is_consistent(path):
    """Boundary events sit on their task's border; nodes lie inside their lane; edges touch their ends."""
    tree = xml(path)
    shapes = {s.get("bpmnElement"): _bounds(s) for s in tree.iterfind(".//bpmndi:BPMNShape", NS)}
    lanes = lane_of(tree)
    for event in tree.iterfind(".//bpmn:boundaryEvent", NS):
        x, y, w, h = shapes[event.get("id")]
        tx, ty, tw, th = shapes[event.get("attachedToRef")]
        cx, cy = x + w / 2, y + h / 2
        on_horizontal = tx <= cx <= tx + tw and cy in (ty, ty + th)
        on_vertical = ty <= cy <= ty + th and cx in (tx, tx + tw)
        assert on_horizontal or on_vertical, f"{event.get('id')} is not on the border of its task"
    for node_id, lane_id in lanes.items():
        x, y, w, h = shapes[node_id]
        lx, ly, lw, lh = shapes[lane_id]
        assert lx <= x and x + w <= lx + lw and ly <= y + h / 2 <= ly + lh, f"{node_id} outside {lane_id}"
    edges = {e.get("bpmnElement"): e for e in tree.iterfind(".//bpmndi:BPMNEdge", NS)}
    for flow in tree.iterfind(".//bpmn:sequenceFlow", NS):
        points = [(float(p.get("x")), float(p.get("y"))) for p in edges[flow.get("id")].iterfind("di:waypoint", NS)]
        for (px, py), ref in ((points[0], flow.get("sourceRef")), (points[-1], flow.get("targetRef"))):
            x, y, w, h = shapes[ref]
            assert x - 0.5 <= px <= x + w + 0.5 and y - 0.5 <= py <= y + h + 0.5, f"{flow.get('id')} misses {ref}"
        for (ax, ay), (bx, by) in zip(points, points[1:]):
            assert ax == bx or ay == by, f"{flow.get('id')} has a diagonal segment"


@pytest.mark.parametrize("path", BPMN_FILES, ids=lambda p: p.name)
def test_gateway_conditions_are_a_safe_subset_and_have_defaults(path):
    tree = xml(path)
    allowed = (ast.Expression, ast.Compare, ast.BoolOp, ast.And, ast.Or, ast.UnaryOp, ast.Not, ast.Name, ast.Load,
               ast.Constant, ast.Eq, ast.NotEq, ast.In, ast.NotIn, ast.Lt, ast.LtE, ast.Gt, ast.GtE)
    flows = {f.get("id"): f for f in tree.iterfind(".//bpmn:sequenceFlow", NS)}
    for gateway in tree.iterfind(".//bpmn:exclusiveGateway", NS):
        outgoing = [flows[o.text] for o in gateway.iterfind("bpmn:outgoing", NS)]
        conditional = [f for f in outgoing if f.find("bpmn:conditionExpression", NS) is not None]
        if not conditional:
            continue
        default = gateway.get("default")
        assert default in {f.get("id") for f in outgoing}, f"{gateway.get('id')} needs a default flow"
        assert flows[default].find("bpmn:conditionExpression", NS) is None
        assert len(conditional) == len(outgoing) - 1
        for flow in conditional:
            for node in ast.walk(ast.parse(flow.find("bpmn:conditionExpression", NS).text, mode="eval")):
                assert isinstance(node, allowed), f"{flow.get('id')}: {type(node).__name__}"
    for expr in tree.iterfind(".//bpmn:timeDate", NS):
        ast.parse(expr.text, mode="eval")


def test_labels_are_chinese():
    def has_cjk(s):
        return any("\u4e00" <= c <= "\u9fff" for c in s)

    for path in BPMN_FILES:
        tree = xml(path)
        for node in tree.iterfind(".//bpmn:*[@name]", NS):
            tag = etree.QName(node).localname
            if tag in ("inputDataItem", "outputDataItem", "property"):
                continue
            if tag == "message":  # a correlation code the engine matches on; people see its catch event's name
                assert node.get("name").isidentifier() and node.get("name").isascii(), node.get("name")
                catchers = [e for e in tree.iterfind(".//bpmn:messageEventDefinition", NS)
                            if e.get("messageRef") == node.get("id")]
                assert catchers and all(has_cjk(e.getparent().get("name") or "") for e in catchers), node.get("id")
                continue
            assert has_cjk(node.get("name")), f"{path.name}: {node.get('id')} name {node.get('name')!r}"


# ---------------------------------------------------------------- contract: lanes, tasks, properties

@pytest.mark.parametrize("path,process_id,lanes,user_tasks,catch_events", [
    (INNOVATION, "innovation_appraisal", INNOVATION_LANES, INNOVATION_USER_TASKS, INNOVATION_CATCH_EVENTS),
    (DRAFT, "draft_consultation", DRAFT_LANES, DRAFT_USER_TASKS, {}),
], ids=["innovation", "draft"])
def test_lanes_and_user_task_properties(path, process_id, lanes, user_tasks, catch_events):
    tree = xml(path)
    process = tree.find(".//bpmn:process", NS)
    assert process.get("id") == process_id and process.get("isExecutable") == "true"
    assert {lane.get("id"): lane.get("name") for lane in process.iterfind(".//bpmn:lane", NS)} == lanes
    lane = lane_of(tree)
    found = {}
    for node in process.iterfind("bpmn:userTask", NS):
        props = properties(node)
        assert set(props) <= {"formKey", "stage", "dueIn", "assigneeVariable", "dueAtVariable"}
        assert props["stage"] in STAGES
        assert (props.get("dueIn") is None) == (lane[node.get("id")] in UNIT_LANES)
        found[node.get("id")] = (lane[node.get("id")], props["formKey"], props["stage"], props.get("dueIn"))
        assert (FORMS / f"{props['formKey']}.json").exists()
    assert found == user_tasks
    messages = {m.get("id"): m.get("name") for m in tree.iterfind(".//bpmn:message", NS)}
    caught = {}
    for node in process.iterfind("bpmn:intermediateCatchEvent", NS):
        props = properties(node)
        assert {"formKey", "stage"} <= set(props) <= {"formKey", "stage", "dueAtVariable"}
        assert props["stage"] in STAGES
        assert lane[node.get("id")] not in UNIT_LANES
        assert (FORMS / f"{props['formKey']}.json").exists()
        [definition] = node.findall("bpmn:messageEventDefinition", NS)
        caught[node.get("id")] = (lane[node.get("id")], props["formKey"], props["stage"],
                                  messages[definition.get("messageRef")])
    assert caught == catch_events
    for node in process.iterfind("bpmn:serviceTask", NS):
        assert lane[node.get("id")] == "system"


def test_service_task_operators():
    tree = xml(INNOVATION)
    found = {}
    for node in tree.iterfind(".//bpmn:serviceTask", NS):
        op = node.find("bpmn:extensionElements/spiffworkflow:serviceTaskOperator", NS)
        params = {p.get("id"): (p.get("type"), p.get("value"))
                  for p in op.iterfind("spiffworkflow:parameters/spiffworkflow:parameter", NS)}
        found[node.get("id")] = (op.get("id"), op.get("resultVariable"), params)
        # SpiffWorkflow 3.2.0 indexes every element with an id attribute by that id, operators included,
        # so an operator named like its task would hide the task from the parser.
        assert op.get("id") != node.get("id")
    assert found == INNOVATION_SERVICE_TASKS


def test_ids_are_unique_across_the_document():
    """XML ids are unique; spiffworkflow extension ids (operator and parameter names) are plain
    strings, but must not shadow a flow element, which SpiffWorkflow 3.2.0 would then fail to find."""
    for path in BPMN_FILES:
        tree = xml(path)
        ids = [e.get("id") for e in tree.iter() if e.get("id") is not None
               and etree.QName(e).namespace != NS["spiffworkflow"]]
        dupes = {i for i in ids if ids.count(i) > 1}
        assert not dupes, f"{path.name}: {dupes}"
        flow_elements = {e.get("id") for e in tree.find(".//bpmn:process", NS)
                         if etree.QName(e).localname not in ("property", "laneSet", "documentation")}
        extension_ids = {e.get("id") for e in tree.iterfind(".//spiffworkflow:*[@id]", NS)}
        assert not flow_elements & extension_ids, f"{path.name}: {flow_elements & extension_ids}"


def test_scoring_multi_instance_contract(parser):
    """The scoring task is a parallel multi-instance over eligible_scorers collecting `score` into `scores`.

    SpiffWorkflow names each instance's variable after the inputDataItem's *id*; "scorer" is
    taken by the scorer lane (XML ids are unique), so the item is ``assigned_scorer`` and the
    task's assigneeVariable points at it.
    """
    tree = xml(INNOVATION)
    task = tree.find(".//bpmn:userTask[@id='democratic_scoring']", NS)
    mi = task.find("bpmn:multiInstanceLoopCharacteristics", NS)
    assert mi.get("isSequential") == "false"
    assert mi.findtext("bpmn:loopDataInputRef", namespaces=NS) == "eligible_scorers"
    assert mi.findtext("bpmn:loopDataOutputRef", namespaces=NS) == "scores"
    assert mi.find("bpmn:inputDataItem", NS).get("id") == SCORER_VAR
    assert mi.find("bpmn:outputDataItem", NS).get("id") == "score"
    assert properties(task)["assigneeVariable"] == SCORER_VAR
    spec = parser.get_spec("innovation_appraisal")
    mi_spec = spec.task_specs["democratic_scoring"]
    assert type(mi_spec).__name__ == "ParallelMultiInstanceTask"
    assert mi_spec.data_input.bpmn_id == "eligible_scorers"
    assert mi_spec.data_output.bpmn_id == "scores"
    assert mi_spec.input_item.bpmn_id == SCORER_VAR
    assert mi_spec.output_item.bpmn_id == "score"
    child = spec.task_specs[mi_spec.task_spec]
    assert child.bpmn_id == "democratic_scoring" and child.manual
    assert child.extensions["properties"]["formKey"] == "scoring"


@pytest.mark.parametrize("process_id,boundaries", [
    ("innovation_appraisal", {
        "submission_window_closed": ("fill_application", "window_closes_at", "notify_lapsed_unsubmitted"),
        "signoff_window_closed": ("leader_signoff", "window_closes_at", "notify_lapsed_unsigned")}),
    ("draft_consultation", {"comments_deadline": ("draft_comments", "deadline", "end_overdue"),
                            "signoff_deadline": ("leader_signoff", "deadline", "end_overdue")}),
])
def test_boundary_timer_specs(parser, process_id, boundaries):
    spec = parser.get_spec(process_id)
    for event_id, (host, expression, end) in boundaries.items():
        event = spec.task_specs[event_id]
        assert type(event).__name__ == "BoundaryEvent"
        assert event.cancel_activity is True
        assert isinstance(event.event_definition, TimeDateEventDefinition)
        assert event.event_definition.expression == expression
        split = spec.task_specs[f"{host}.BoundaryEventSplit"]
        assert {t.name for t in split.outputs} == {host, event_id}
        assert end in [t.name for t in event.outputs]


# ---------------------------------------------------------------- forms


def translated_in_english(title: str) -> bool:
    """A form's words are msgids of the catalogue (service/catalogue): the English comes from there."""
    from service.catalogue import locale, msgids, translated
    with locale("en"):
        return title in msgids() and translated(title) != title

@needs_jsonschema
def test_forms_are_complete_2020_12_schemas(forms):
    assert set(forms) == FORM_KEYS
    for key, schema in forms.items():
        jsonschema.Draft202012Validator.check_schema(schema)
        assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
        assert schema["type"] == "object" and schema["additionalProperties"] is False
        assert translated_in_english(schema["title"]), key
        assert set(schema["required"]) <= set(schema["properties"])
        for name, prop in schema["properties"].items():
            assert prop.get("title") and translated_in_english(prop["title"]), f"{key}.{name}"
            if prop.get("type") == "string" and "enum" not in prop and prop.get("format") != "date":
                assert "maxLength" in prop, f"{key}.{name}"
        for node in _walk(schema["properties"]):
            if "enum" in node and "type" in node:
                assert set(node["x-enum-labels"]) == set(node["enum"])
                assert all(translated_in_english(label) for label in node["x-enum-labels"].values())


def _walk(node):
    if isinstance(node, dict):
        yield node
        for v in node.values():
            yield from _walk(v)
    elif isinstance(node, list):
        for v in node:
            yield from _walk(v)


def _valid(schema, data):
    return jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker()).is_valid(data)


@needs_jsonschema
def test_conditional_requirements(forms):
    sign = forms["leader_signoff"]
    assert _valid(sign, APPROVE)
    assert not _valid(sign, {"signoff_decision": "return"})
    assert not _valid(sign, {"signoff_decision": "return", "signoff_comment": ""})
    assert not _valid(sign, {"signoff_decision": "approve", "leader_name": "张某"})  # no typed name
    assert _valid(sign, RETURN)
    vet = forms["vetting"]
    assert _valid(vet, {"vetting_decision": "approve"})
    for decision in ("return", "reject"):
        assert not _valid(vet, {"vetting_decision": decision})
        assert _valid(vet, {"vetting_decision": decision, "vetting_reasons": "理由"})
    chair = forms["chair_confirmation"]
    assert _valid(chair, {"chair_decision": "confirm"})
    assert not _valid(chair, {"chair_decision": "send_back"})
    assert _valid(chair, {"chair_decision": "send_back", "chair_comment": "再议"})


@needs_jsonschema
def test_application_form(forms):
    app = forms["application"]
    assert _valid(app, APPLICATION)
    assert set(app["properties"]["category"]["enum"]) == {"1", "2", "3", "4", "5", "6"}
    assert set(app["properties"]["conditions"]["items"]["enum"]) == {"1", "2", "3", "4", "5"}
    assert not _valid(app, {**APPLICATION, "conditions": []})
    assert not _valid(app, {**APPLICATION, "conditions": ["1", "1"]})
    assert not _valid(app, {**APPLICATION, "category": "7"})
    assert not _valid(app, {**APPLICATION, "theme": "题" * 201})
    assert not _valid(app, {**APPLICATION, "unexpected": 1})
    assert set(app["properties"]["applicant_type"]["enum"]) == {"collective", "individual"}  # 集体或个人
    for field in ("applicant_type", "applicant_name", "contact_person", "contact_phone"):
        assert not _valid(app, {k: v for k, v in APPLICATION.items() if k != field}), field
    assert not _valid(app, {**APPLICATION, "recognitions": [{"level": "village", "department": "某部门"}]})
    assert not _valid(app, {**APPLICATION, "recognitions": [{"level": "county", "department": "某部门",
                                                                "date": "2009-13-45"}]})


@needs_jsonschema
def test_scoring_form(forms):
    scoring = forms["scoring"]
    assert _valid(scoring, score_for(SCORERS[0]))
    assert _valid(scoring, {"score": {"criteria": {}}})
    assert not _valid(scoring, {"score": {"criteria": {"novelty": -1}}})
    assert not _valid(scoring, {"score": {"criteria": {"novelty": "thirty"}}})
    assert not _valid(scoring, {"score": {"comment": "no criteria"}})
    assert not _valid(scoring, {})


# ---------------------------------------------------------------- innovation_appraisal paths

def test_direct_unit_is_awarded(parser, forms):
    run = Run(parser, forms, "innovation_appraisal", start_data(), INNOVATION)
    submit(run)
    review_to_scoring(run)
    assert score_all(run) == 3  # user 103 sits in the applicant unit
    decide(run, "二等奖")
    assert run.ended_at() == "end_awarded"
    assert run.done == ["fill_application", "leader_signoff", "preliminary_review", "record_presentation",
                        "democratic_scoring", "democratic_scoring", "democratic_scoring",
                        "propose_grade", "set_grade", "chair_confirmation", "await_notice"]
    data = run.data
    assert data["recusals"] == [{"user_id": 103, "reason": "same_unit"}]
    assert data["score_result"]["count"] == 3
    assert data["final_grade"] == "二等奖"


def test_scoring_multi_instance_creates_one_task_per_eligible_scorer(parser, forms):
    run = Run(parser, forms, "innovation_appraisal", start_data(supervising_union_id=9, needs_vetting=True),
              INNOVATION)
    submit(run, vetting=["approve"])
    review_to_scoring(run)
    eligible = [s for s in SCORERS if s["unit_id"] not in (7, 9)]
    tasks = run.ready("democratic_scoring")
    assert len(tasks) == len(eligible) == 2
    assert sorted(t.data[SCORER_VAR]["user_id"] for t in tasks) == [101, 102]
    for task in tasks:
        assert task.task_spec.lane == INNOVATION_LANES["scorer"]
        assert task.task_spec.extensions["properties"]["assigneeVariable"] == SCORER_VAR
        assert "score" not in task.data
    assert run.wf.get_tasks(state=TaskState.READY, manual=True) == tasks  # nothing else is open
    # complete them in reverse order: the output list follows completion order
    for task in reversed(tasks):
        run.complete("democratic_scoring", score_for(task.data[SCORER_VAR]), task=task)
    assert [t.task_spec.bpmn_id for t in run.ready()] == ["propose_grade"]
    data = run.ready("propose_grade")[0].data
    assert len(data["scores"]) == 2
    assert sorted(s["comment"] for s in data["scores"]) == sorted(f"{s['name']}的评语" for s in eligible)
    assert SCORER_VAR not in data and "score" not in data
    assert data["eligible_scorers"] == eligible
    assert sorted(r["user_id"] for r in data["recusals"]) == [103, 104]
    assert data["score_result"] == aggregate_scores(data["scores"], CRITERIA)


def test_no_eligible_scorer_skips_scoring(parser, forms):
    """If every scorer is recused, the multi-instance completes at once with an empty `scores`."""
    only_conflicted = [s for s in SCORERS if s["unit_id"] == 7]
    run = Run(parser, forms, "innovation_appraisal", start_data(scorers=only_conflicted), INNOVATION)
    submit(run)
    review_to_scoring(run)
    assert not run.ready("democratic_scoring")
    [task] = run.ready("propose_grade")
    assert task.data["scores"] == [] and task.data["score_result"] == {"count": 0, "mean": None}


def test_vetting_return_then_resubmit_then_approve_is_awarded(parser, forms):
    run = Run(parser, forms, "innovation_appraisal", start_data(supervising_union_id=9, needs_vetting=True),
              INNOVATION)
    submit(run, vetting=["return", "approve"])
    review_to_scoring(run)
    assert score_all(run) == 2
    decide(run, "一等奖")
    assert run.ended_at() == "end_awarded"
    assert run.done[:8] == ["fill_application", "leader_signoff", "county_vetting",
                            "fill_application", "leader_signoff", "county_vetting", "await_forwarding",
                            "preliminary_review"]


def test_vetting_reject_ends_the_application(parser, forms):
    run = Run(parser, forms, "innovation_appraisal", start_data(supervising_union_id=9, needs_vetting=True),
              INNOVATION)
    submit(run, vetting=["reject"])
    assert run.ended_at() == "end_rejected"
    assert run.done == ["fill_application", "leader_signoff", "county_vetting"]


def test_leader_return_goes_back_to_the_submitter(parser, forms):
    run = Run(parser, forms, "innovation_appraisal", start_data(), INNOVATION)
    run.complete("fill_application", APPLICATION)
    run.complete("leader_signoff", RETURN)
    assert [t.task_spec.bpmn_id for t in run.ready()] == ["fill_application"]
    run.complete("fill_application", {**APPLICATION, "effects": "补充了数据来源。"})
    run.complete("leader_signoff", APPROVE)
    assert [t.task_spec.bpmn_id for t in run.ready()] == ["preliminary_review"]


def test_not_shortlisted(parser, forms):
    run = Run(parser, forms, "innovation_appraisal", start_data(), INNOVATION)
    submit(run)
    NOTIFIED.clear()
    run.complete("preliminary_review", {"shortlisted": False, "review_reasons": "创新性不足。",
                                        "unit_reasons": "与往年项目重复。"})
    assert run.ended_at() == "end_not_shortlisted"
    # the unit is told why, in the words the group chose for it (never its internal review reasons)
    assert NOTIFIED == [{**UNIT, "template": "application_result",
                         "context": {"outcome": "not_shortlisted", "grade": None, "reasons": "与往年项目重复。"}}]


def test_every_return_and_result_tells_the_unit(parser, forms):
    run = Run(parser, forms, "innovation_appraisal", start_data(supervising_union_id=9, needs_vetting=True),
              INNOVATION)
    NOTIFIED.clear()
    run.complete("fill_application", APPLICATION)
    run.complete("leader_signoff", RETURN)
    assert NOTIFIED[-1] == {**UNIT, "template": "application_returned",
                            "context": {"stage_name": "主要领导签字", "reasons": RETURN["signoff_comment"]}}
    run.complete("fill_application", APPLICATION)
    run.complete("leader_signoff", APPROVE)
    run.complete("county_vetting", {"vetting_decision": "return", "vetting_reasons": "缺少佐证材料"})
    assert NOTIFIED[-1] == {**UNIT, "template": "application_returned",
                            "context": {"stage_name": "主管工会初审", "reasons": "缺少佐证材料"}}
    run.complete("fill_application", APPLICATION)
    run.complete("leader_signoff", APPROVE)
    run.complete("county_vetting", {"vetting_decision": "approve"})
    run.complete("await_forwarding", FORWARD)
    run.complete("preliminary_review", {"shortlisted": True, "review_reasons": "好"})
    assert NOTIFIED[-1] == {**UNIT, "template": "presentation_invited", "context": {}}
    assert len(NOTIFIED) == 3
    run.complete("record_presentation", {"presentation_date": "2027-01-08", "presenter": "林", "presentation_notes": "好"})
    score_all(run)
    decide(run, "一等奖")
    assert run.ended_at() == "end_awarded"
    assert NOTIFIED[-1] == {**UNIT, "template": "application_result", "context": {"outcome": "awarded", "grade": "一等奖"}}


def test_a_rejected_application_tells_the_unit_why(parser, forms):
    run = Run(parser, forms, "innovation_appraisal", start_data(supervising_union_id=9, needs_vetting=True),
              INNOVATION)
    NOTIFIED.clear()
    submit(run, vetting=["reject"])
    assert run.ended_at() == "end_rejected"
    assert NOTIFIED[-1]["template"] == "application_result" and NOTIFIED[-1]["context"]["outcome"] == "rejected"
    assert NOTIFIED[-1]["context"]["reasons"]


def test_chair_send_back_then_confirm(parser, forms):
    run = Run(parser, forms, "innovation_appraisal", start_data(), INNOVATION)
    submit(run)
    review_to_scoring(run)
    score_all(run)
    decide(run, "三等奖", chair=("send_back", "confirm"))
    assert run.ended_at() == "end_awarded"
    assert run.done[-6:] == ["propose_grade", "set_grade", "chair_confirmation", "set_grade", "chair_confirmation",
                             "await_notice"]


def test_an_upheld_objection_reopens_the_group_decision_and_needs_a_new_notice(parser, forms):
    run = Run(parser, forms, "innovation_appraisal", start_data(), INNOVATION)
    submit(run)
    review_to_scoring(run)
    score_all(run)
    NOTIFIED.clear()
    run.complete("propose_grade", {"proposed_grade": "一等奖", "proposal_reasons": "测评得分居前。"})
    run.complete("set_grade", {"final_grade": "一等奖", "decision_reasons": "集体研究。"})
    run.complete("chair_confirmation", {"chair_decision": "confirm"})
    assert [t.task_spec.bpmn_id for t in run.ready()] == ["await_notice"]
    run.complete("await_notice", {"notice_outcome": "reopen"})  # an upheld objection: back to the group decision
    assert [t.task_spec.bpmn_id for t in run.ready()] == ["set_grade"]
    assert NOTIFIED == []  # no result yet
    run.complete("set_grade", {"final_grade": "二等奖", "decision_reasons": "异议成立，重新研究。"})
    run.complete("chair_confirmation", {"chair_decision": "confirm"})
    assert [t.task_spec.bpmn_id for t in run.ready()] == ["await_notice"]  # noticed again
    run.complete("await_notice", {"notice_outcome": "final"})
    assert run.ended_at() == "end_awarded"
    assert NOTIFIED == [{**UNIT, "template": "application_result",
                         "context": {"outcome": "awarded", "grade": "二等奖"}}]


def test_not_awarded(parser, forms):
    run = Run(parser, forms, "innovation_appraisal", start_data(), INNOVATION)
    submit(run)
    review_to_scoring(run)
    score_all(run)
    decide(run, "不予奖励")
    assert run.ended_at() == "end_not_awarded"


def test_user_tasks_report_their_lane_names(parser, forms):
    """SpiffWorkflow gives a task spec's lane as the lane *name*; map it to the role code via the laneSet."""
    run = Run(parser, forms, "innovation_appraisal", start_data(), INNOVATION)
    [task] = run.ready()
    assert task.task_spec.lane == "单位填报人"
    assert run.lanes[task.task_spec.bpmn_id] == "unit_submitter"


# ---------------------------------------------------------------- timers (the service fires them itself;
# here SpiffWorkflow's own clock does, to show the boundary events are wired to the right ends)

LAPSE_NOTICE = {"template": "application_lapsed", "to": "unit_role", "role": ["unit_submitter", "unit_leader"]}


def test_submission_window_closing_lapses_the_application(parser, forms):
    NOTIFIED.clear()
    run = Run(parser, forms, "innovation_appraisal", start_data(window_closes_at=PAST), INNOVATION)
    assert run.ended_at() == "end_lapsed"
    assert not run.done
    assert NOTIFIED == [{**LAPSE_NOTICE, "context": {"lapse": "not_submitted"}}]  # the unit is told why


def test_signoff_window_closing_lapses_the_application(parser, forms):
    run = Run(parser, forms, "innovation_appraisal", start_data(), INNOVATION)
    run.complete("fill_application", APPLICATION)
    [timer] = [t for t in run.wf.get_tasks(state=TaskState.WAITING)
               if t.task_spec.bpmn_id == "signoff_window_closed"]
    # the deadline was evaluated when the timer started waiting; move it into the past
    timer.internal_data["event_value"] = PAST
    NOTIFIED.clear()
    run.wf.refresh_timers()
    run.wf.do_engine_steps()
    assert run.ended_at() == "end_lapsed"
    assert [t.task_spec.bpmn_id for t in run.wf.get_tasks(state=TaskState.CANCELLED)
            if t.task_spec.bpmn_id == "leader_signoff"] == ["leader_signoff"]
    assert NOTIFIED == [{**LAPSE_NOTICE, "context": {"lapse": "not_signed"}}]


def test_presentation_reminder_notifies_without_interrupting(parser, forms):
    run = Run(parser, forms, "innovation_appraisal", start_data(), INNOVATION)
    submit(run)
    run.complete("preliminary_review", SHORTLIST)
    [timer] = [t for t in run.wf.get_tasks(state=TaskState.WAITING) if t.task_spec.bpmn_id == "presentation_due_soon"]
    assert run.wf.spec.task_specs["presentation_due_soon"].cancel_activity is False
    timer.internal_data["event_value"] = PAST
    NOTIFIED.clear()
    run.wf.refresh_timers()
    run.wf.do_engine_steps()
    assert NOTIFIED == [{"template": "task_due_soon", "to": "role", "role": "office",
                         "context": {"task_element": "record_presentation"}}]
    assert len(run.ready("record_presentation")) == 1  # the task stays open
    run.complete("record_presentation", PRESENTATION)
    score_all(run)
    decide(run, "二等奖")
    ends = sorted(t.task_spec.bpmn_id for t in run.wf.get_tasks(state=TaskState.COMPLETED)
                  if type(t.task_spec).__name__ == "EndEvent")
    assert run.wf.is_completed() and ends == ["end_awarded", "end_presentation_reminded"]


def test_draft_deadline_passes(parser, forms):
    run = Run(parser, forms, "draft_consultation", {**DRAFT_START, "deadline": PAST}, DRAFT)
    assert run.ended_at() == "end_overdue"


# ---------------------------------------------------------------- draft_consultation

def test_draft_consultation_normal_path(parser, forms):
    run = Run(parser, forms, "draft_consultation", DRAFT_START, DRAFT)
    run.complete("draft_comments", {"comments": "建议将申报时间提前至12月中旬。"})
    run.complete("leader_signoff", APPROVE)
    run.complete("receive_feedback", {"received_on": "2009-09-28", "receipt_note": "书面意见已收到。"})
    assert run.ended_at() == "end_returned"
    assert run.done == ["draft_comments", "leader_signoff", "receive_feedback"]


def test_draft_consultation_leader_returns_the_comments(parser, forms):
    run = Run(parser, forms, "draft_consultation", DRAFT_START, DRAFT)
    run.complete("draft_comments", {"comments": "建议将申报时间提前至12月中旬。"})
    run.complete("leader_signoff", RETURN)
    run.complete("draft_comments", {"comments": "建议将申报时间提前至12月中旬；补充评分细则。"})
    run.complete("leader_signoff", APPROVE)
    run.complete("receive_feedback", {"received_on": "2009-09-28"})
    assert run.ended_at() == "end_returned"
    assert run.done == ["draft_comments", "leader_signoff", "draft_comments", "leader_signoff", "receive_feedback"]
    assert run.data["comments"].endswith("补充评分细则。")
