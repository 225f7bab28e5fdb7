"""The engine wrapper on its own: parse, run, persist, timers by the service clock."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest

from service import clock
from service.config import ROOT, Settings
from service.engine import BpmnValidationError, TaskNotReady
from service.workflows.services import build_services

BPMN = (ROOT / "processes" / "innovation_appraisal.bpmn").read_bytes()


@pytest.fixture(scope="module")
def engine():  # type: ignore[no-untyped-def]
    return build_services(Settings.from_env({})).engine


def start_data(**kw: object) -> dict:
    data = {"application_id": 1, "unit_id": 10, "unit_name": "单位", "supervising_union_id": None,
            "needs_vetting": False, "window_closes_at": "2026-12-31T23:59:59+08:00",
            "scorers": [{"user_id": i, "unit_id": 100 + i, "name": f"s{i}"} for i in range(1, 6)],
            "criteria": [{"code": "a", "name": "A", "weight": 1, "max": 100}],
            "grades": ["一等奖", "不授奖"], "no_award_grade": "不授奖",
            "scoring_rules": {"trim_min_count": 5, "trim_each_side": 1, "decimals": 2, "rounding": "half_up"}}
    data.update(kw)
    return data


def test_state_excludes_the_spec_and_round_trips(engine) -> None:  # type: ignore[no-untyped-def]
    parsed = engine.parse(BPMN)
    result = engine.start(spec_key="t1", spec_json=parsed.spec_json, data=start_data())
    state = json.loads(result.state_json)
    assert "spec" not in state and "subprocess_specs" not in state
    assert len(result.state_json) < len(parsed.spec_json)
    task = result.open_tasks[0]
    assert task.element_id == "fill_application" and task.properties["formKey"] == "application"
    nxt = engine.complete_task(spec_key="t1", spec_json=parsed.spec_json, state_json=result.state_json,
                               task_id=task.id, data={"theme": "x"})
    assert [t.element_id for t in nxt.open_tasks] == ["leader_signoff"]
    with pytest.raises(TaskNotReady):
        engine.complete_task(spec_key="t1", spec_json=parsed.spec_json, state_json=nxt.state_json,
                             task_id=task.id, data={})


def test_window_timer_is_indexed_and_fires_by_the_service_clock(engine) -> None:  # type: ignore[no-untyped-def]
    parsed = engine.parse(BPMN)
    closes = "2030-12-31T23:59:59+08:00"
    result = engine.start(spec_key="t2", spec_json=parsed.spec_json, data=start_data(window_closes_at=closes))
    [timer] = result.timers
    assert timer.element_id == "submission_window_closed"
    assert timer.due_at == datetime(2030, 12, 31, 15, 59, 59, tzinfo=timezone.utc)
    with clock.frozen(timer.due_at - timedelta(seconds=1)):
        early = engine.fire_due_timers(spec_key="t2", spec_json=parsed.spec_json, state_json=result.state_json)
    assert not early.completed and early.open_tasks
    with clock.frozen(timer.due_at + timedelta(seconds=1)):
        late = engine.fire_due_timers(spec_key="t2", spec_json=parsed.spec_json, state_json=result.state_json)
    assert late.completed and late.end_events == ["end_lapsed"] and late.open_tasks == []


def test_scoring_instances_carry_their_scorer(engine) -> None:  # type: ignore[no-untyped-def]
    parsed = engine.parse(BPMN)
    r = engine.start(spec_key="t3", spec_json=parsed.spec_json, data=start_data(unit_id=103))
    steps = [("fill_application", {}), ("leader_signoff", {"signoff_decision": "approve"}),
             ("preliminary_review", {"shortlisted": True}), ("record_presentation", {})]
    for element, data in steps:
        if element == "preliminary_review":  # a catch event: the shortlist sitting's decision arrives as a message
            r = engine.deliver(spec_key="t3", spec_json=parsed.spec_json, state_json=r.state_json,
                               message="shortlist_decided", payload=data)
            continue
        task = next(t for t in r.open_tasks if t.element_id == element)
        r = engine.complete_task(spec_key="t3", spec_json=parsed.spec_json, state_json=r.state_json,
                                 task_id=task.id, data=data)
    scoring = [t for t in r.open_tasks if t.element_id == "democratic_scoring"]
    assert sorted(t.assignee for t in scoring) == [1, 2, 4, 5]  # scorer 3 sits in the applicant's unit
    assert r.variables["recusals"][0]["user_id"] == 3


@pytest.mark.parametrize("mutate, code, element", [
    (lambda x: x.replace(b"</bpmn:process>", b'<bpmn:scriptTask id="evil"><bpmn:script>import os</bpmn:script>'
                                           b"</bpmn:scriptTask></bpmn:process>", 1), "forbidden_element", "evil"),
    (lambda x: x.replace(b'id="aggregate_scores"', b'id="os_system"'), "unknown_handler", "aggregate_scores_task"),
    (lambda x: x.replace(b'signoff_decision == &#34;return&#34;', b'__import__(&#34;os&#34;)')
              .replace(b'signoff_decision == "return"', b'__import__("os")'), "bad_expression", None),
    (lambda x: x.replace(b'value="P5D"', b'value="five days"'), "bad_duration", "county_vetting"),
    (lambda x: x.replace(b"<bpmn:flowNodeRef>county_vetting</bpmn:flowNodeRef>", b""), "missing_lane", "county_vetting"),
])
def test_project_rules_name_the_element(engine, mutate, code, element) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(BpmnValidationError) as err:
        engine.parse(mutate(BPMN))
    problem = next(p for p in err.value.problems if p.code == code)
    if element:
        assert problem.element_id == element


def test_consultation_process_parses(engine) -> None:  # type: ignore[no-untyped-def]
    parsed = engine.parse((ROOT / "processes" / "draft_consultation.bpmn").read_bytes())
    assert parsed.key == "draft_consultation"
    assert {k: v.role for k, v in parsed.user_tasks.items()} == {
        "draft_comments": "unit_submitter", "leader_signoff": "unit_leader", "receive_feedback": "office"}




SUBPROCESS_ENDS = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" id="defs" targetNamespace="urn:test">
  <bpmn:process id="ends" name="子流程探针" isExecutable="true">
    <bpmn:laneSet id="lanes"><bpmn:lane id="office" name="办公室">
      <bpmn:flowNodeRef>start</bpmn:flowNodeRef><bpmn:flowNodeRef>sub</bpmn:flowNodeRef>
      <bpmn:flowNodeRef>done</bpmn:flowNodeRef><bpmn:flowNodeRef>review</bpmn:flowNodeRef>
    </bpmn:lane></bpmn:laneSet>
    <bpmn:startEvent id="start" name="开始"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:subProcess id="sub" name="复核">
      <bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
      <bpmn:startEvent id="sub_start" name="开始复核"><bpmn:outgoing>s1</bpmn:outgoing></bpmn:startEvent>
      <bpmn:userTask id="review" name="审核">
        <bpmn:extensionElements><spiffworkflow:properties>
          <spiffworkflow:property name="formKey" value="presentation"/>
        </spiffworkflow:properties></bpmn:extensionElements>
        <bpmn:incoming>s1</bpmn:incoming><bpmn:outgoing>s2</bpmn:outgoing>
      </bpmn:userTask>
      <bpmn:endEvent id="sub_end" name="复核完"><bpmn:incoming>s2</bpmn:incoming></bpmn:endEvent>
      <bpmn:sequenceFlow id="s1" sourceRef="sub_start" targetRef="review"/>
      <bpmn:sequenceFlow id="s2" sourceRef="review" targetRef="sub_end"/>
    </bpmn:subProcess>
    <bpmn:endEvent id="done" name="完成">
      <bpmn:extensionElements><spiffworkflow:properties>
        <spiffworkflow:property name="outcome" value="awarded"/>
      </spiffworkflow:properties></bpmn:extensionElements>
      <bpmn:incoming>f2</bpmn:incoming>
    </bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="sub"/>
    <bpmn:sequenceFlow id="f2" sourceRef="sub" targetRef="done"/>
  </bpmn:process>
</bpmn:definitions>"""


def test_the_end_events_of_a_step_are_the_process_own_not_a_subprocess(engine) -> None:  # type: ignore[no-untyped-def]
    """How an instance ended is the top level's end event: a subprocess ending in the same step does not count."""
    parsed = engine.parse(SUBPROCESS_ENDS)
    started = engine.start(spec_key="sub1", spec_json=parsed.spec_json, data={})
    [task] = started.open_tasks
    ended = engine.complete_task(spec_key="sub1", spec_json=parsed.spec_json, state_json=started.state_json,
                                 task_id=task.id, data={})
    assert ended.completed
    assert ended.end_events == ["done"]
    assert ended.end_properties["done"] == {"outcome": "awarded"}
