"""plan_step is a pure function: from the engine's result and the rows a step started from, the rows it writes.

No database here: the instance and the completed task are plain objects, the engine runs the bundled appraisal
process, and the plan is read as data.
"""
from __future__ import annotations

from dataclasses import asdict
from datetime import datetime, timezone
from typing import Any

import pytest

from service import clock
from service.config import ROOT, Settings
from service.models import ProcessDefinition, ProcessInstance, Task
from service.workflows import steps
from service.workflows.applications import plan_changes
from service.workflows.services import build_services

BPMN = (ROOT / "processes" / "innovation_appraisal.bpmn").read_bytes()
NOW = datetime(2026, 12, 26, 2, 0, tzinfo=timezone.utc)


@pytest.fixture(scope="module")
def started() -> tuple[Any, Any, ProcessInstance]:
    engine = build_services(Settings.from_env({})).engine
    parsed = engine.parse(BPMN)
    definition = ProcessDefinition(id=3, key=parsed.key, version=1, spec_json=parsed.spec_json,
                                   meta={"user_tasks": {k: asdict(v) for k, v in parsed.user_tasks.items()}})
    data = {"application_id": 1, "unit_id": 10, "unit_name": "单位", "supervising_union_id": None,
            "needs_vetting": False, "window_closes_at": "2026-12-31T23:59:59+08:00",
            "scorers": [{"user_id": i, "unit_id": 100 + i, "name": f"评分成员{i}"} for i in range(1, 4)],
            "criteria": [{"code": "a", "name": "A", "weight": 1, "max": 100}],
            "grades": ["一等奖", "不授奖"], "no_award_grade": "不授奖"}
    with clock.frozen(NOW):
        result = engine.start(spec_key="plan-test", spec_json=parsed.spec_json, data=data)
    instance = ProcessInstance(id=7, definition_id=3, business_key="application-1", status="active", revision=1,
                               state=result.state_json, variables={}, unit_id=10, supervising_union_id=None)
    instance.definition = definition
    return engine, result, instance


def test_a_start_plans_the_instance_its_first_task_its_timers_and_history(started: Any) -> None:
    _, result, instance = started
    plan = steps.plan_step(instance=instance, result=result, actor_id=5, application_id=1, now=NOW)
    assert plan.instance_id == 7 and plan.at == NOW
    [change] = plan.changes
    assert change.obj is instance and change.versioned and change.values["state"] == result.state_json
    assert [t["element_id"] for t in plan.new_tasks] == [t.element_id for t in result.open_tasks]
    assert all(t["instance_id"] == 7 and t["application_id"] == 1 and t["state"] == "open" and t["created_at"] == NOW
               for t in plan.new_tasks)
    assert [t["engine_task_id"] for t in plan.new_timers] == [t.id for t in result.timers]
    assert [h["element_id"] for h in plan.history] == [h.element_id for h in result.history]
    assert plan.cancelled_tasks == [] and plan.fired_timers == [] and plan.cancelled_timers == []
    assert plan.audit == []  # the use case adds its record (audit.record(..., plan=plan))
    assert instance.revision == 1 and instance.status == "active"  # planning changed nothing


def test_completing_the_first_task_plans_its_change_and_the_application_follows_the_planned_instance(
        started: Any) -> None:
    engine, result, instance = started
    first = result.open_tasks[0]
    task = Task(id=11, engine_task_id=first.id, element_id=first.element_id, state="open")
    with clock.frozen(NOW):
        after = engine.complete_task(spec_key="plan-test", spec_json=instance.definition.spec_json,
                                     state_json=result.state_json, task_id=first.id, data={})
    plan = steps.plan_step(instance=instance, result=after, actor_id=5, application_id=1, now=NOW,
                           completed_task=task)
    assert first.id not in [t["engine_task_id"] for t in plan.new_tasks]  # the completed task is not reopened
    assert first.id not in plan.cancelled_tasks  # … nor cancelled: its own row records the completion
    assert [h["actor_id"] for h in plan.history if h["element_id"] == first.element_id] == [5]
    plan.change(task, {"state": "completed", "completed_at": NOW, "completed_by": 5})

    class Draft:  # the application's loaded columns; plan_changes reads, never writes them
        submitted_at = None
        grade = None
    application = Draft()
    plan_changes(plan, application=application, instance=instance, result=after, also={"theme": "题目"})  # type: ignore[arg-type]
    planned = {id(c.obj): c.values for c in plan.changes}
    assert planned[id(task)]["state"] == "completed"
    assert planned[id(application)]["theme"] == "题目" and planned[id(application)]["updated_at"] == NOW
    assert task.state == "open"  # planning changed nothing
