"""Incremental snapshots: byte-for-byte the full serialization at every step, and restoring them behaves the same.

Each walk drives an appraisal instance on an engine with its workflow cache on
(incremental state JSON, history from the cached completed ids) and, for every
call, replays the same call on a cache-less engine restored from the state the
first engine returned (full serialization, history from a fresh scan). Both
must report the same thing; the first engine's state must equal a full
serialization of its live workflow, and its one-walk scan must find exactly
what the ``get_tasks`` scans find.
"""
from __future__ import annotations

import dataclasses
import json
from datetime import datetime, timedelta, timezone
from typing import Any, Iterator

import pytest
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser
from SpiffWorkflow.util.task import TaskState

from service import clock, config
from service.config import ROOT, Settings
from service.engine import StepResult
from service.engine.runtime import _WRITER, Engine
from service.engine.snapshots import SnapshotMemo, completed_in, scan, tasks_in
from service.workflows.services import build_services

BPMN = (ROOT / "processes" / "innovation_appraisal.bpmn").read_bytes()
NOW = datetime(2026, 12, 26, 2, 0, tzinfo=timezone.utc)  # inside the submission window below
# The decisions a campaign_review sitting takes reach the item as a message to its catch event (Engine.deliver).
MESSAGES = {"await_forwarding": "forwarded", "preliminary_review": "shortlist_decided",
            "set_grade": "grade_decided", "chair_confirmation": "chair_decided", "await_notice": "notice_closed"}
CRITERIA = ("innovation", "effectiveness", "promotion", "recognition", "standardization")


@pytest.fixture(autouse=True)
def verify_every_snapshot() -> Iterator[None]:
    config.set_current(dataclasses.replace(config.current(), verify_snapshots=True))  # APPRAISAL_VERIFY_SNAPSHOTS=1
    yield
    config.set_current(None)


@pytest.fixture(scope="module")
def base() -> Engine:
    return build_services(Settings.from_env({})).engine


def start_data(scorers: int = 6, **kw: Any) -> dict[str, Any]:
    data = {"application_id": 1, "unit_id": 10, "unit_name": "单位", "supervising_union_id": None,
            "needs_vetting": False, "window_closes_at": "2026-12-31T23:59:59+08:00",
            "scorers": [{"user_id": i, "unit_id": 100 + i, "name": f"评分成员{i}"} for i in range(1, scorers + 1)],
            "criteria": [{"code": c, "name": c.upper(), "weight": 0.2, "max": 100} for c in CRITERIA],
            "grades": ["一等奖", "二等奖", "不授奖"], "no_award_grade": "不授奖",
            "scoring_rules": {"trim_min_count": 5, "trim_each_side": 1, "decimals": 2, "rounding": "half_up"}}
    data.update(kw)
    return data


def score(user_id: int) -> dict[str, Any]:
    return {"score": {"criteria": {c: 70 + (user_id * 7 + i) % 30 for i, c in enumerate(CRITERIA)}, "scorer": user_id}}


def summary(result: StepResult) -> dict[str, Any]:
    """What a step reports, without the ids of tasks it created (those differ between two runs)."""
    return {
        "open": [(t.element_id, t.name, t.properties, t.assignee, t.instance_index) for t in result.open_tasks],
        "timers": [(t.element_id, t.kind, t.due_at, t.attached_to) for t in result.timers],
        "completed": result.completed,
        "end_events": result.end_events,
        "variables": result.variables,
        "history": [(h.element_id, h.name, h.element_type) for h in result.history],
        "effects": [(e.operation, e.params, e.result) for e in result.effects],
    }


class Walk:
    """One instance driven on a caching engine, every call mirrored on a cache-less engine."""

    def __init__(self, base: Engine, key: str, data: dict[str, Any], now: datetime = NOW):
        self.engine = Engine(known_roles=base.rules.known_roles, form_fields=base.rules.form_fields)
        self.mirror = Engine(known_roles=base.rules.known_roles, form_fields=base.rules.form_fields,
                             workflow_cache_size=0)
        self.key, self.now = key, now
        self.spec_json = self.engine.parse(BPMN).spec_json
        self.history: list[str] = []
        self.steps = 0
        with clock.frozen(now):
            self.result = self.engine.start(spec_key=key, spec_json=self.spec_json, data=data)
            mirrored = self.mirror.start(spec_key=key, spec_json=self.spec_json, data=data)
        assert summary(self.result) == summary(mirrored)
        self._check(self.result)

    def live(self) -> tuple[BpmnWorkflow, SnapshotMemo]:
        return self.engine._workflows[(self.key, self.result.state_json)]

    def call(self, name: str, **kw: Any) -> StepResult:
        state = self.result.state_json
        with clock.frozen(self.now):
            got = getattr(self.engine, name)(spec_key=self.key, spec_json=self.spec_json, state_json=state, **kw)
            mirrored = getattr(self.mirror, name)(spec_key=self.key, spec_json=self.spec_json, state_json=state, **kw)
        assert summary(got) == summary(mirrored)
        self.result = got
        self._check(got)
        return got

    def complete(self, element: str, data: dict[str, Any], *, assignee: Any = None) -> StepResult:
        if element in MESSAGES:
            result = self.call("deliver", message=MESSAGES[element], payload=data)
            assert element in [h.element_id for h in result.history], "the catch event is in its own step's history"
            return result
        task = next(t for t in self.result.open_tasks
                    if t.element_id == element and (assignee is None or t.assignee == assignee))
        result = self.call("complete_task", task_id=task.id, data=data)
        assert task.id in [h.task_id for h in result.history], "the completed task is in its own step's history"
        return result

    def _check(self, result: StepResult) -> None:
        self.steps += 1
        workflow, memo = self.engine._workflows[(self.key, result.state_json)]
        full = _WRITER.full(workflow)
        assert result.state_json == full
        assert json.loads(result.state_json) == json.loads(full)
        assert _WRITER.incremental(workflow, SnapshotMemo()) == full
        found = scan(workflow)
        assert found.ready == tasks_in(workflow, TaskState.READY)
        assert found.waiting == tasks_in(workflow, TaskState.WAITING)
        assert found.completed == completed_in(workflow)
        assert memo.completed == {t.id for t in completed_in(workflow)}
        new = [h.task_id for h in result.history]
        assert not set(new) & set(self.history), "history never repeats a task"
        self.history.extend(new)

    def all_completed_with_elements(self) -> set[str]:
        workflow, _ = self.live()
        return {str(t.id) for t in completed_in(workflow) if t.task_spec.bpmn_id}


def test_whole_instance_with_revision_loops_scoring_timer_and_send_back(base: Engine) -> None:
    walk = Walk(base, "w1", start_data(scorers=6, supervising_union_id=7, needs_vetting=True))
    walk.complete("fill_application", {"theme": "初稿"})
    walk.complete("leader_signoff", {"signoff_decision": "return", "leader_name": "领导", "signoff_comment": "补充"})
    walk.complete("fill_application", {"theme": "修改稿"})
    walk.complete("leader_signoff", {"signoff_decision": "approve", "leader_name": "领导"})
    walk.complete("county_vetting", {"vetting_decision": "return", "vetting_reasons": "补充"})
    walk.complete("fill_application", {"theme": "再改稿"})
    walk.complete("leader_signoff", {"signoff_decision": "approve", "leader_name": "领导"})
    walk.complete("county_vetting", {"vetting_decision": "approve"})
    walk.complete("await_forwarding", {"forward_opinion": "同意上报"})
    walk.complete("preliminary_review", {"shortlisted": True, "review_reasons": "创新性突出"})
    assert [t.element_id for t in walk.result.timers] == ["presentation_due_soon"]

    walk.now = NOW + timedelta(days=9)  # the non-interrupting reminder fires; the task stays open
    fired = walk.call("fire_due_timers")
    assert "end_presentation_reminded" in fired.end_events and [e.operation for e in fired.effects] == ["notify"]
    assert [t.element_id for t in fired.open_tasks] == ["record_presentation"]

    walk.complete("record_presentation", {"presentation_date": "2027-01-08", "presenter": "刘晓燕"})
    scorers = [t.assignee for t in walk.result.open_tasks if t.element_id == "democratic_scoring"]
    assert len(scorers) == 6
    walk.call("inspect")  # puts the cached workflow back under the same state
    assert walk.engine.active_elements(spec_key=walk.key, spec_json=walk.spec_json,
                                       state_json=walk.result.state_json) == ["democratic_scoring"]
    for assigned in [scorers[2], scorers[0], scorers[5], scorers[1], scorers[4], scorers[3]]:
        result = walk.complete("democratic_scoring", score(assigned), assignee=assigned)
    assert [t.element_id for t in result.open_tasks] == ["propose_grade"]
    assert len(result.variables["scores"]) == 6

    walk.complete("propose_grade", {"proposed_grade": "一等奖", "proposal_reasons": "得分第一"})
    walk.complete("set_grade", {"final_grade": "一等奖", "decision_reasons": "同意"})
    walk.complete("chair_confirmation", {"chair_decision": "send_back"})
    walk.complete("set_grade", {"final_grade": "二等奖", "decision_reasons": "调整"})
    confirmed = walk.complete("chair_confirmation", {"chair_decision": "confirm"})
    assert [t.element_id for t in confirmed.open_tasks] == ["await_notice"]  # the public notice (公示)
    walk.complete("await_notice", {"notice_outcome": "reopen"})  # an upheld objection: decided again
    walk.complete("set_grade", {"final_grade": "二等奖", "decision_reasons": "异议成立，重新研究"})
    walk.complete("chair_confirmation", {"chair_decision": "confirm"})
    final = walk.complete("await_notice", {"notice_outcome": "final"})
    assert final.completed and final.end_events == ["end_awarded"]
    assert set(walk.history) == walk.all_completed_with_elements()


def test_boundary_timer_lapses_the_instance(base: Engine) -> None:
    walk = Walk(base, "w2", start_data(window_closes_at="2026-12-27T00:00:00+08:00"))
    walk.complete("fill_application", {"theme": "x"})
    early = walk.call("fire_due_timers")
    assert not early.completed and early.history == []
    walk.now = NOW + timedelta(days=2)
    late = walk.call("fire_due_timers")
    assert late.completed and late.end_events == ["end_lapsed"] and late.open_tasks == []
    assert set(walk.history) == walk.all_completed_with_elements()


def test_cancel_during_parallel_scoring(base: Engine) -> None:
    walk = Walk(base, "w3", start_data(scorers=4))
    for element, data in [("fill_application", {}), ("leader_signoff", {"signoff_decision": "approve"}),
                          ("preliminary_review", {"shortlisted": True}), ("record_presentation", {})]:
        walk.complete(element, data)
    first = next(t.assignee for t in walk.result.open_tasks if t.element_id == "democratic_scoring")
    walk.complete("democratic_scoring", score(first), assignee=first)
    state = walk.result.state_json
    with clock.frozen(walk.now):
        cancelled = walk.engine.cancel(spec_key=walk.key, spec_json=walk.spec_json, state_json=state)
        mirrored = walk.mirror.cancel(spec_key=walk.key, spec_json=walk.spec_json, state_json=state)
    assert summary(cancelled) == summary(mirrored) and cancelled.open_tasks == []
    restored, _, _ = Engine(known_roles=base.rules.known_roles)._restore(walk.key, walk.spec_json, cancelled.state_json)
    assert json.loads(_WRITER.full(restored)) == json.loads(cancelled.state_json)


def test_reused_fragments_follow_in_place_changes_to_shared_nested_data(base: Engine) -> None:
    """Task data is copied shallowly from task to task, so nested values are shared.

    Editing a nested value through the live task (as a handler that modifies
    its arguments would) changes the serialization of the finished task that
    introduced it, although neither that task nor its parent changed state, so
    a rule trusting state and last state change alone would write stale JSON.
    """
    walk = Walk(base, "w4", start_data(scorers=3))
    walk.complete("fill_application", {"theme": "x", "team": [{"name": "甲"}]})
    workflow, memo = walk.live()
    filled = next(t for t in workflow.tasks.values() if t.task_spec.name == "fill_application")
    live = next(t for t in workflow.tasks.values() if t.task_spec.name == "leader_signoff")
    assert filled.state == TaskState.COMPLETED and filled.parent.state == TaskState.COMPLETED
    before = memo.fragments[filled.id].piece
    signature = (filled.state, filled.last_state_change, list(filled._children),
                 filled.parent.state, filled.parent.last_state_change)

    live.data["team"][0]["name"] = "乙"
    text = _WRITER.incremental(workflow, memo)

    assert text == _WRITER.full(workflow)
    assert memo.fragments[filled.id].piece != before and "乙" in memo.fragments[filled.id].piece
    assert (filled.state, filled.last_state_change, list(filled._children),
            filled.parent.state, filled.parent.last_state_change) == signature


def test_unchanged_tasks_are_not_converted_again(base: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    walk = Walk(base, "w5", start_data(scorers=3))
    workflow, memo = walk.live()
    kept = dict(memo.fragments)
    converted: list[Any] = []
    convert = _WRITER._convert
    monkeypatch.setattr(_WRITER, "_convert", lambda task, *a: converted.append(task) or convert(task, *a))

    assert _WRITER.incremental(workflow, memo) == walk.result.state_json
    assert converted == [] and all(memo.fragments[k] is v for k, v in kept.items())

    task = walk.result.open_tasks[0]
    result = walk.engine.complete_task(spec_key=walk.key, spec_json=walk.spec_json, state_json=walk.result.state_json,
                                       task_id=task.id, data={"theme": "x"})
    workflow, _ = walk.engine._workflows[(walk.key, result.state_json)]
    assert 0 < len(converted) < len(workflow.tasks)
    assert result.state_json == _WRITER.full(workflow)


def test_unusual_values_and_a_tampered_fragment(base: Engine) -> None:
    walk = Walk(base, "w6", start_data(scorers=3))
    workflow, memo = walk.live()
    [ready] = [t for t in workflow.tasks.values() if t.state == TaskState.READY and t.task_spec.manual]
    ready.data.update({"when": datetime(2027, 1, 2, 3, 4, tzinfo=timezone.utc), "pair": (1, 2.5),
                       "by_number": {1: "one"}, "flags": [True, None, -0.0]})
    ready.internal_data["seen"] = {"b", "a"}
    assert _WRITER.incremental(workflow, memo) == _WRITER.full(workflow)
    ready.data["pair"] = (1, 2.5, "x")
    ready.internal_data["seen"].add("c")
    assert _WRITER.incremental(workflow, memo) == _WRITER.full(workflow)

    memo.fragments[ready.id].piece = memo.fragments[ready.id].piece.replace('"pair"', '"pear"')
    with pytest.raises(AssertionError, match="differs from the full serialization"):
        _WRITER.incremental(workflow, memo)


SUBPROCESS_BPMN = b"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" targetNamespace="t">
  <bpmn:process id="with_sub" isExecutable="true">
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:subProcess id="sub">
      <bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
      <bpmn:startEvent id="sub_start"><bpmn:outgoing>s1</bpmn:outgoing></bpmn:startEvent>
      <bpmn:userTask id="inner"><bpmn:incoming>s1</bpmn:incoming><bpmn:outgoing>s2</bpmn:outgoing></bpmn:userTask>
      <bpmn:endEvent id="sub_end"><bpmn:incoming>s2</bpmn:incoming></bpmn:endEvent>
      <bpmn:sequenceFlow id="s1" sourceRef="sub_start" targetRef="inner"/>
      <bpmn:sequenceFlow id="s2" sourceRef="inner" targetRef="sub_end"/>
    </bpmn:subProcess>
    <bpmn:userTask id="outer"><bpmn:incoming>f2</bpmn:incoming><bpmn:outgoing>f3</bpmn:outgoing></bpmn:userTask>
    <bpmn:endEvent id="end"><bpmn:incoming>f3</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="sub"/>
    <bpmn:sequenceFlow id="f2" sourceRef="sub" targetRef="outer"/>
    <bpmn:sequenceFlow id="f3" sourceRef="outer" targetRef="end"/>
  </bpmn:process>
</bpmn:definitions>"""


def _subprocess_steps() -> Iterator[BpmnWorkflow]:
    parser = SpiffBpmnParser()
    parser.add_bpmn_str(SUBPROCESS_BPMN)
    workflow = BpmnWorkflow(parser.get_spec("with_sub"), parser.get_subprocess_specs("with_sub"),
                            script_engine=PythonScriptEngine())
    workflow.do_engine_steps()
    yield workflow
    while not workflow.completed:
        task = next(t for t in tasks_in(workflow, TaskState.READY) if t.task_spec.manual)
        task.data["answer"] = {"from": task.task_spec.bpmn_id}
        task.run()
        workflow.do_engine_steps()
        yield workflow


def test_subprocesses_are_written_whole_and_scanned_with_get_tasks() -> None:
    memo = SnapshotMemo()
    seen = []
    for workflow in _subprocess_steps():
        assert _WRITER.incremental(workflow, memo) == _WRITER.full(workflow)
        found = scan(workflow)
        assert found.ready == tasks_in(workflow, TaskState.READY)
        assert found.completed == completed_in(workflow)
        seen.append(bool(workflow.subprocesses))
    assert any(seen), "the walk passed through the subprocess"


def test_scan_stops_where_get_tasks_stops(base: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    walk = Walk(base, "w7", start_data(scorers=3))
    for element, data in [("fill_application", {}), ("leader_signoff", {"signoff_decision": "return", "signoff_comment": "补充"}),
                          ("fill_application", {})]:
        walk.complete(element, data)
    workflow, _ = walk.live()
    deepest = max(t.depth for t in workflow.tasks.values())
    for depth in [*range(deepest + 2), 1000]:
        monkeypatch.setattr("service.engine.snapshots._MAX_DEPTH", depth)
        found = scan(workflow)
        assert found.ready == workflow.get_tasks(state=TaskState.READY, max_depth=depth)
        assert found.waiting == workflow.get_tasks(state=TaskState.WAITING, max_depth=depth)
        assert found.completed == [t for t in workflow.get_tasks(state=TaskState.ANY_MASK, max_depth=depth)
                                   if t.state == TaskState.COMPLETED]
    assert found.ready and found.waiting
