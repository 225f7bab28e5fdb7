"""`appraisal doctor` finds rows that disagree with the workflow state, and --repair re-syncs them."""
from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from service import cli
from service.models import Task, Timer
from service.workflows import doctor
from tests.api_client import Api
from tests.integration import flows



def findings(app: Any) -> list[doctor.Finding]:
    with app.extensions["appraisal.sessions"]() as s:
        return doctor.check(session=s, services=app.extensions["appraisal.services"])


def repair(app: Any) -> list[doctor.Finding]:
    with app.extensions["appraisal.sessions"]() as s:
        return doctor.repair(session=s, services=app.extensions["appraisal.services"])


def at_preliminary(api: Api) -> int:
    app_id = flows.create(api, "hc_submitter")["id"]
    flows.submit(api, app_id, "hc_submitter", "hc_leader")
    return app_id


def waiting_row(app: Any, app_id: int) -> int:
    """The row of the item waiting at ``preliminary_review`` for the shortlist meeting's message."""
    with app.extensions["appraisal.sessions"]() as s:
        row = s.scalar(select(Task).where(Task.application_id == app_id, Task.element_id == "preliminary_review",
                                          Task.state == "waiting"))
        assert row is not None and row.message == "shortlist_decided"
        return row.id


def test_a_normal_run_is_consistent_at_every_step(app: Any) -> None:
    api = Api(app)
    app_id = at_preliminary(api)
    assert findings(app) == []
    flows.review_to_scoring(api, app_id)
    assert findings(app) == []
    # a finished instance is checked by test_archive (doctor on the imported, completed campaign)


def test_a_closed_row_for_a_waiting_task_is_found_and_reopened(app: Any) -> None:
    api = Api(app)
    app_id = at_preliminary(api)
    task_id = waiting_row(app, app_id)  # the item waits for the shortlist meeting's decision
    with app.extensions["appraisal.sessions"]() as s:
        s.get(Task, task_id).state = "completed"
        s.commit()
    found = findings(app)
    assert [f.kind for f in found] == ["missing_task"] and "preliminary_review" in found[0].detail
    assert [f.kind for f in repair(app)] == ["missing_task"]
    assert findings(app) == []
    with app.extensions["appraisal.sessions"]() as s:
        assert s.get(Task, task_id).state == "waiting"  # reopened as what it is: an item waiting for a message
    # the process carries on from the repaired row
    flows.review_to_scoring(api, app_id)
    assert api.get(f"/api/applications/{app_id}", "res_office1")["stage"] == "scoring"


def test_a_stray_open_row_is_found_and_cancelled(sqlite_app: Any) -> None:
    app = sqlite_app
    api = Api(app)
    app_id = at_preliminary(api)
    with app.extensions["appraisal.sessions"]() as s:
        row = s.scalar(select(Task).where(Task.application_id == app_id, Task.state.in_(("open", "waiting"))))
        s.add(Task(engine_task_id="00000000-0000-0000-0000-000000000001", instance_id=row.instance_id,
                   element_id="set_grade", name="ghost", role="group_leader", form_key="grade_decision",
                   application_id=app_id, state="open", created_at=row.created_at, reminders_sent=[]))
        s.commit()
    assert [f.kind for f in findings(app)] == ["stray_task"]
    assert api.tasks("group_leader", application_id=app_id)  # the ghost is visible until repaired
    repair(app)
    assert findings(app) == []
    assert api.tasks("group_leader", application_id=app_id) == []


def test_a_lost_timer_row_is_found_and_restored(sqlite_app: Any) -> None:
    app = sqlite_app
    api = Api(app)
    flows.create(api, "hc_submitter")  # the submission window timer is waiting
    with app.extensions["appraisal.sessions"]() as s:
        timers = list(s.scalars(select(Timer).where(Timer.state == "waiting")))
        assert timers, "the draft should wait on the window-closing timer"
        for t in timers:
            t.state = "fired"
        s.commit()
    kinds = {f.kind for f in findings(app)}
    assert kinds == {"missing_timer"}
    repair(app)
    assert findings(app) == []


def test_doctor_command_exits_non_zero_on_problems_and_zero_after_repair(pg_app: Any, monkeypatch: pytest.MonkeyPatch,
                                                                        capsys: pytest.CaptureFixture[str]) -> None:
    app = pg_app
    api = Api(app)
    app_id = at_preliminary(api)
    url = app.extensions["appraisal.settings"].database_url
    monkeypatch.setenv("DATABASE_URL", url)
    assert cli.main(["doctor"]) == 0
    task_id = waiting_row(app, app_id)
    with app.extensions["appraisal.sessions"]() as s:
        s.get(Task, task_id).state = "cancelled"
        s.commit()
    capsys.readouterr()
    assert cli.main(["doctor"]) == 1
    assert "missing_task" in capsys.readouterr().out
    assert cli.main(["doctor", "--repair"]) == 0
    assert "repaired 1 instance" in capsys.readouterr().out
    assert cli.main(["doctor"]) == 0


def test_history_shows_each_scorer_when_they_score(sqlite_app: Any) -> None:
    """Regression: finished instances of the scoring multi-instance were missing from the history until the last."""
    api = Api(sqlite_app)
    app_id = at_preliminary(api)
    flows.review_to_scoring(api, app_id)
    task = api.task_for("scorer_org", "democratic_scoring", app_id)
    api.post(f"/api/tasks/{task['id']}/complete", "scorer_org", json={"confirm": True, "score": {"criteria": {
        "innovation": 80, "effectiveness": 80, "promotion": 80, "recognition": 80, "standardization": 80}}})
    instance_id = api.get(f"/api/applications/{app_id}", "res_office1")["process_instance_id"]
    history = api.get(f"/api/process-instances/{instance_id}/history", "res_office1")["items"]
    scored = [h for h in history if h["element_id"] == "democratic_scoring" and h["actor_id"] is not None]
    assert [h["actor_id"] for h in scored] == [api.get("/api/me", "scorer_org")["id"]]


# --------------------------------------------------------------------------- every kind of finding

ENDS_AT_ONCE = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" targetNamespace="http://example.org/doctor">
  <bpmn:process id="doctor_probe" name="立即结束" isExecutable="true">
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:endEvent id="end"><bpmn:incoming>f1</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="end"/>
  </bpmn:process>
</bpmn:definitions>"""


def _draft_instance(api: Api, app: Any) -> int:
    """A draft waiting on fill_application and on the window-closing timers."""
    from service.models import Application

    app_id = flows.create(api, "hc_submitter")["id"]
    with app.extensions["appraisal.sessions"]() as s:
        return s.get(Application, app_id).instance_id


def _stray_timer_on_an_active_instance(api: Api, app: Any) -> tuple[set[str], bool]:
    instance_id = _draft_instance(api, app)
    with app.extensions["appraisal.sessions"]() as s:
        real = s.scalar(select(Timer).where(Timer.instance_id == instance_id, Timer.state == "waiting"))
        s.add(Timer(instance_id=instance_id, engine_task_id="00000000-0000-0000-0000-0000000000aa",
                    element_id=real.element_id, kind=real.kind, due_at=real.due_at, state="waiting"))
        s.commit()
    return {"stray_timer"}, True


def _rows_left_open_on_an_ended_instance(api: Api, app: Any) -> tuple[set[str], bool]:
    from service.models import ProcessInstance

    instance_id = _draft_instance(api, app)
    with app.extensions["appraisal.sessions"]() as s:
        s.get(ProcessInstance, instance_id).status = "lapsed"
        s.commit()
    return {"stray_task", "stray_timer"}, True


def _ended_workflow_marked_active(api: Api, app: Any) -> tuple[set[str], bool]:
    from service.models import ProcessInstance

    api.call("POST", "/api/process-definitions?comment=probe", "process_admin", expect=201, data=ENDS_AT_ONCE.encode(),
             headers={"Content-Type": "application/xml"})
    started = api.post("/api/process-definitions/key/doctor_probe/start", "res_office1", expect=201,
                       json={"business_key": "doctor-status", "variables": {}})
    assert started["status"] != "active"
    with app.extensions["appraisal.sessions"]() as s:
        s.get(ProcessInstance, started["id"]).status = "active"
        s.commit()
    return {"status"}, False


def _unreadable_state(api: Api, app: Any) -> tuple[set[str], bool]:
    from service.models import ProcessInstance

    instance_id = _draft_instance(api, app)
    with app.extensions["appraisal.sessions"]() as s:
        s.get(ProcessInstance, instance_id).state = '{"not": "a workflow"}'
        s.commit()
    return {"unreadable"}, False


def _missing_task(api: Api, app: Any) -> tuple[set[str], bool]:
    instance_id = _draft_instance(api, app)
    with app.extensions["appraisal.sessions"]() as s:
        s.scalar(select(Task).where(Task.instance_id == instance_id, Task.state == "open")).state = "cancelled"
        s.commit()
    return {"missing_task"}, True


def _stray_task_on_an_active_instance(api: Api, app: Any) -> tuple[set[str], bool]:
    instance_id = _draft_instance(api, app)
    with app.extensions["appraisal.sessions"]() as s:
        row = s.scalar(select(Task).where(Task.instance_id == instance_id, Task.state == "open"))
        s.add(Task(engine_task_id="00000000-0000-0000-0000-0000000000bb", instance_id=instance_id,
                   element_id="leader_signoff", name="ghost", role="unit_leader", form_key="leader_signoff",
                   application_id=row.application_id, unit_id=row.unit_id, state="open", created_at=row.created_at,
                   reminders_sent=[]))
        s.commit()
    return {"stray_task"}, True


def _missing_timer(api: Api, app: Any) -> tuple[set[str], bool]:
    instance_id = _draft_instance(api, app)
    with app.extensions["appraisal.sessions"]() as s:
        for t in s.scalars(select(Timer).where(Timer.instance_id == instance_id)):
            t.state = "cancelled"
        s.commit()
    return {"missing_timer"}, True


SCENARIOS = {
    "missing_task": _missing_task,
    "stray_task": _stray_task_on_an_active_instance,
    "stray_task (ended instance)": _rows_left_open_on_an_ended_instance,
    "missing_timer": _missing_timer,
    "stray_timer": _stray_timer_on_an_active_instance,
    "status": _ended_workflow_marked_active,
    "unreadable": _unreadable_state,
}


def test_every_kind_of_finding_has_a_scenario_here() -> None:
    provoked = {name.split(" ")[0] for name in SCENARIOS}
    assert provoked == set(doctor.KINDS), "a finding kind nobody provokes here could be switched off unnoticed"


@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_each_kind_of_finding_is_reported_and_repaired(scenario: str, app: Any) -> None:
    api = Api(app)
    expected, repairable = SCENARIOS[scenario](api, app)
    found = findings(app)
    assert {f.kind for f in found} == expected, found
    if repairable:
        assert {f.kind for f in repair(app)} == expected
        assert findings(app) == []
    else:
        assert cli_exit_code(app) == 1  # reported, and left for a person to look at


def cli_exit_code(app: Any) -> int:
    import os

    old = os.environ.get("DATABASE_URL")
    os.environ["DATABASE_URL"] = app.extensions["appraisal.settings"].database_url
    try:
        return cli.main(["doctor"])
    finally:
        if old is None:
            os.environ.pop("DATABASE_URL")
        else:
            os.environ["DATABASE_URL"] = old
