"""Validation and runtime cannot disagree about a duration: whatever the engine accepts, it runs.

Hypothesis writes durations (well-formed and not) into a ``dueIn`` and a ``timeDuration`` of a
small process. If the engine's validation accepts the document, starting it must arm the timer at
exactly the instant :func:`service.timekeeping.add` gives, the task's due date must evaluate to the
same instant, and the timer must fire; if validation refuses it, the refusal must name the element
and say why (``bad_duration`` / ``bad_timer``).
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from itertools import count
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from service import clock, timekeeping
from service.config import Settings
from service.engine import BpmnValidationError
from service.workflows.steps import _due
from service.workflows.services import build_services
from tests.unit.test_timekeeping import duration_texts

NOW = datetime(2026, 12, 26, 2, 0, tzinfo=timezone.utc)
_keys = count()


def process(duration: str) -> str:
    value = duration.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" id="defs" targetNamespace="urn:test">
  <bpmn:process id="durations" name="期限探针" isExecutable="true">
    <bpmn:laneSet id="lanes"><bpmn:lane id="office" name="办公室">
      <bpmn:flowNodeRef>start</bpmn:flowNodeRef><bpmn:flowNodeRef>review</bpmn:flowNodeRef>
      <bpmn:flowNodeRef>done</bpmn:flowNodeRef><bpmn:flowNodeRef>late</bpmn:flowNodeRef>
      <bpmn:flowNodeRef>reminded</bpmn:flowNodeRef>
    </bpmn:lane></bpmn:laneSet>
    <bpmn:startEvent id="start" name="开始"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:userTask id="review" name="审核">
      <bpmn:extensionElements><spiffworkflow:properties>
        <spiffworkflow:property name="formKey" value="presentation"/>
        <spiffworkflow:property name="dueIn" value="{value}"/>
      </spiffworkflow:properties></bpmn:extensionElements>
      <bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:endEvent id="done" name="完成"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>
    <bpmn:boundaryEvent id="late" name="到期" attachedToRef="review" cancelActivity="false">
      <bpmn:outgoing>f3</bpmn:outgoing>
      <bpmn:timerEventDefinition id="late_timer">
        <bpmn:timeDuration>"{value}"</bpmn:timeDuration>
      </bpmn:timerEventDefinition>
    </bpmn:boundaryEvent>
    <bpmn:endEvent id="reminded" name="已提醒"><bpmn:incoming>f3</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="review"/>
    <bpmn:sequenceFlow id="f2" sourceRef="review" targetRef="done"/>
    <bpmn:sequenceFlow id="f3" sourceRef="late" targetRef="reminded"/>
  </bpmn:process>
</bpmn:definitions>"""


@pytest.fixture(scope="module")
def engine() -> Any:
    return build_services(Settings.from_env({})).engine


def check_agreement(engine: Any, duration: str) -> None:
    try:
        parsed = engine.parse(process(duration))
    except BpmnValidationError as exc:
        errors = [p for p in exc.problems if p.severity == "error"]
        assert errors and {p.code for p in errors} <= {"bad_duration", "bad_timer", "bad_expression", "not_xml"}, \
            [p.as_dict() for p in errors]
        assert all(p.element_id in ("review", "late") for p in errors if p.code != "not_xml")
        with pytest.raises(timekeeping.DurationError):
            timekeeping.parse(duration)
        return
    expected = timekeeping.add(NOW, timekeeping.parse(duration))
    key = f"agreement-{next(_keys)}"
    with clock.frozen(NOW):
        started = engine.start(spec_key=key, spec_json=parsed.spec_json, data={})
        assert _due(NOW, parsed.user_tasks["review"].due_in, None) == expected
    [timer] = started.timers
    assert timer.element_id == "late" and timer.due_at == expected
    with clock.frozen(expected + timedelta(seconds=1)):
        fired = engine.fire_due_timers(spec_key=key, spec_json=parsed.spec_json, state_json=started.state_json)
    assert "reminded" in fired.end_events and [t.element_id for t in fired.open_tasks] == ["review"]


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(duration=duration_texts())
def test_what_validation_accepts_the_runtime_evaluates(engine: Any, duration: str) -> None:
    check_agreement(engine, duration)


@pytest.mark.parametrize("duration", ["P1M", "P1Y", "P10WD", "P2W", "PT1.5H", "P1Y2M3DT4H5M6S"])
def test_calendar_months_years_and_working_days_run(engine: Any, duration: str) -> None:
    """P1M and P1Y passed validation and then failed mid-completion; now they run, as do working days."""
    check_agreement(engine, duration)


@pytest.mark.parametrize("duration", ["five days", "P1.5D", "P0D", "P11Y", "P1W2D", "10 个工作日"])
def test_what_the_runtime_cannot_evaluate_is_refused_naming_the_element(engine: Any, duration: str) -> None:
    with pytest.raises(BpmnValidationError) as err:
        engine.parse(process(duration))
    codes = {(p.element_id, p.code) for p in err.value.problems}
    assert ("review", "bad_duration") in codes and ("late", "bad_timer") in codes
    assert all("\u4e00" <= ch <= "\u9fff" for ch in "".join(p.message for p in err.value.problems)[:1])


@pytest.mark.parametrize("cycle, ok", [("R3/PT1H", True), ("R/P1D", True), ("R2/P1M", False), ("R2/P5WD", False),
                                       ("R/2027-01-04T09:00:00+08:00/P1D", True), ("R3/banana", False)])
def test_a_cycle_needs_a_fixed_interval(engine: Any, cycle: str, ok: bool) -> None:
    document = process("P1D").replace('<bpmn:timeDuration>"P1D"</bpmn:timeDuration>',
                                      f'<bpmn:timeCycle>"{cycle}"</bpmn:timeCycle>')
    if ok:
        engine.parse(document)
        return
    with pytest.raises(BpmnValidationError) as err:
        engine.parse(document)
    assert [(p.element_id, p.code) for p in err.value.problems if p.severity == "error"] == [("late", "bad_timer")]


@pytest.mark.parametrize("value, ok", [("2026-12-31T23:59:59+08:00", True), ("2026-12-31", True),
                                       ("P5D", False), ("tomorrow", False)])
def test_a_time_date_must_be_an_instant(engine: Any, value: str, ok: bool) -> None:
    document = process("P1D").replace('<bpmn:timeDuration>"P1D"</bpmn:timeDuration>',
                                      f'<bpmn:timeDate>"{value}"</bpmn:timeDate>')
    if ok:
        engine.parse(document)
        return
    with pytest.raises(BpmnValidationError) as err:
        engine.parse(document)
    assert [(p.element_id, p.code) for p in err.value.problems if p.severity == "error"] == [("late", "bad_timer")]
