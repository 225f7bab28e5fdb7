"""Every task of every bundled process reaches only the people it is meant for.

For each ``processes/*.bpmn`` an instance is started for one unit and driven
through every one of its user tasks. At each step every demo user's inbox is
compared with who may do each open task (its named candidate; else its lane's
role, within the instance's unit for unit lanes and within the supervising
union for the vetter lane), and everyone else is refused the claim and the
completion. Starting without the variables the lanes need is a 422 naming each.
"""
from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from lxml import etree
from sqlalchemy import create_engine, func, select, text

from service import clock
from service.demo.baoding import DEMO_USERS
from service.auth import tokens
from service.models import OrgUnit, ProcessInstance, Task, User
from tests.api_client import Api
from tests.integration import flows

PROCESSES = Path(__file__).resolve().parents[2] / "processes"
BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
BUNDLED = sorted(p.stem for p in PROCESSES.glob("*.bpmn") if p.stem != "campaign_review")
"""The campaign's review is started by its items and its meetings are done on the meetings' pages (test_meetings)."""
FEDERATION_SEES_ALL = {"office", "group_leader", "process_admin"}  # policies.can_see_task: may open any task, not do it

# Valid data for each form a bundled user task names; a new form needs a line here.
FORM_DATA: dict[str, dict[str, Any]] = {
    "application": {},
    "leader_signoff": {"signoff_decision": "approve", "leader_name": "主要领导"},
    "vetting": {"vetting_decision": "approve", "vetting_reasons": "材料属实"},
    "preliminary_review": {"shortlisted": True, "review_reasons": "创新性突出"},
    "presentation": {"presentation_date": "2027-01-08", "presenter": "刘晓燕", "presentation_notes": "陈述15分钟"},
    "scoring": {"confirm": True, "score": {"criteria": {k: 80 for k in
                                       ("innovation", "effectiveness", "promotion", "recognition", "standardization")}}},
    "grade_proposal": {"proposed_grade": "一等奖", "proposal_reasons": "得分第一"},
    "grade_decision": {"final_grade": "一等奖", "decision_reasons": "同意"},
    "chair_confirmation": {"chair_decision": "confirm"},
    "draft_comments": {"comments": "建议第三条增加量化指标。"},
    "feedback_receipt": {"received_on": "2026-12-27", "receipt_note": "已收"},
}


def _units(app: Any) -> dict[str, int]:
    with app.extensions["appraisal.sessions"]() as s:
        return {u.code: u.id for u in s.scalars(select(OrgUnit))}


def _start(api: Api, key: str, units: dict[str, int]) -> tuple[int, dict[str, int]]:
    """An instance of ``key`` for the enterprise 恒远 (under 竞秀区), and its unit per scoped lane."""
    scope = {"unit_submitter": units["BD-JX-HY"], "unit_leader": units["BD-JX-HY"], "vetter": units["BD-JX"]}
    if key == "innovation_appraisal":
        application = flows.create(api, "hy_submitter")
        return api.get(f"/api/applications/{application['id']}", "res_office1")["process_instance_id"], scope
    variables = {"unit_id": units["BD-JX-HY"], "supervising_union_id": units["BD-JX"], "unit_name": "恒远",
                 "deadline": (clock.local(clock.now()) + timedelta(days=3)).isoformat()}
    started = api.post(f"/api/process-definitions/key/{key}/start", "res_office1", expect=201,
                       json={"business_key": f"scope-{key}", "variables": variables})
    return started["id"], scope


def _may_do(task: Task, user: dict[str, Any], units: dict[str, int], scope: dict[str, int],
            ids: dict[str, int]) -> bool:
    """Who may do the task, written out here independently of the service's policy code."""
    if task.candidate_user_id is not None:
        return ids[user["username"]] == task.candidate_user_id
    if task.role not in user["roles"]:
        return False
    return task.role not in scope or units[user["unit_code"]] == scope[task.role]


def _open_tasks(app: Any, instance_id: int) -> list[Task]:
    with app.extensions["appraisal.sessions"]() as s:
        return list(s.scalars(select(Task).where(Task.instance_id == instance_id, Task.state == "open")
                              .order_by(Task.id)))


def _waiting(app: Any, instance_id: int) -> Task | None:
    """The row of the message catch event the instance waits at (a meeting's decision), if any."""
    with app.extensions["appraisal.sessions"]() as s:
        return s.scalar(select(Task).where(Task.instance_id == instance_id, Task.state == "waiting"))


def _api_for_everyone(app: Any) -> tuple[Api, dict[str, int]]:
    """An Api holding a token for every demo user, minted directly (31 Argon2 logins would dominate the test)."""
    api = Api(app)
    ids: dict[str, int] = {}
    with app.extensions["appraisal.sessions"]() as s:
        for user in s.scalars(select(User)):
            api.tokens[user.username], _ = tokens.issue_token(s, user, timedelta(hours=1))
            ids[user.username] = user.id
        s.commit()
    return api, ids


def _drive(app: Any, key: str) -> set[str]:
    api, ids = _api_for_everyone(app)
    units = _units(app)
    instance_id, scope = _start(api, key, units)
    visited: set[str] = set()
    for _ in range(40):
        open_tasks = _open_tasks(app, instance_id)
        if not open_tasks:
            waiting = _waiting(app, instance_id)
            if waiting is None:
                break
            # the item waits for a meeting: its list (here, of one) is decided on the meeting's API
            if waiting.message == "forwarded":
                api.forward("jx_vetter", [waiting.application_id])
                continue
            if waiting.message == "notice_closed":  # the public notice runs its period: the result is final
                flows.finalise(api, waiting.application_id)
                continue
            api.complete("group_leader" if waiting.role != "chair_office" else "chair_office", waiting.element_id,
                         waiting.application_id, FORM_DATA[waiting.form_key])
            continue
        for user in DEMO_USERS:
            seen = {t["id"] for t in api.tasks(user["username"], page_size=200)
                    if t["process_instance_id"] == instance_id}
            expected = {t.id for t in open_tasks if _may_do(t, user, units, scope, ids)}
            assert seen == expected, (key, user["username"], [(t.element_id, t.unit_id) for t in open_tasks])
        task = open_tasks[0]
        doers = [u["username"] for u in DEMO_USERS if _may_do(task, u, units, scope, ids)]
        assert doers, (key, task.element_id, "nobody may do it")
        data = FORM_DATA[task.form_key]
        # Everyone else who holds the lane's role (other units) or may open any task tries to take it.
        for user in DEMO_USERS:
            if user["username"] in doers or not set(user["roles"]) & ({task.role} | FEDERATION_SEES_ALL):
                continue
            name = user["username"]
            sees = 200 if set(user["roles"]) & FEDERATION_SEES_ALL else 404
            api.get(f"/api/tasks/{task.id}", name, expect=sees)
            claim = api.call("POST", f"/api/tasks/{task.id}/claim", name)
            assert claim.status_code in (403, 404), (key, task.element_id, name, claim.status_code)
            done = api.call("POST", f"/api/tasks/{task.id}/complete", name, json=data)
            assert done.status_code in (403, 404), (key, task.element_id, name, done.status_code)
        api.post(f"/api/tasks/{task.id}/claim", doers[0])
        api.post(f"/api/tasks/{task.id}/unclaim", doers[0])
        api.post(f"/api/tasks/{task.id}/complete", doers[-1], json=data)
        visited.add(task.element_id)
    assert not _open_tasks(app, instance_id), f"{key} did not finish"
    return visited


def _user_tasks(key: str) -> set[str]:
    tree = etree.parse(str(PROCESSES / f"{key}.bpmn"))
    return {e.get("id") for e in tree.iter(f"{{{BPMN_NS}}}userTask")}


def test_every_task_of_every_bundled_process_reaches_only_its_own_unit(app: Any) -> None:
    assert {"innovation_appraisal", "draft_consultation"} <= set(BUNDLED)
    for key in BUNDLED:
        visited = _drive(app, key)
        assert visited == _user_tasks(key), (key, sorted(_user_tasks(key) - visited))
        # the campaign's meeting tasks the items called are each the federation's, not a unit's
        with app.extensions["appraisal.sessions"]() as s:
            meetings = list(s.scalars(select(Task).where(Task.application_id.is_(None), Task.form_key.in_(
                ("shortlist_candidates", "shortlist_close", "group_decision_list", "chair_list_confirmation")))))
        assert all(t.unit_id is None for t in meetings) and (key != "innovation_appraisal" or len(meetings) >= 4)


TWO_LANES = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" id="defs" targetNamespace="urn:test">
  <bpmn:process id="scope_probe" name="范围探针" isExecutable="true">
    <bpmn:laneSet id="lanes">
      <bpmn:lane id="unit_submitter" name="单位填报人">
        <bpmn:flowNodeRef>start</bpmn:flowNodeRef><bpmn:flowNodeRef>comment</bpmn:flowNodeRef>
      </bpmn:lane>
      <bpmn:lane id="vetter" name="主管工会审核">
        <bpmn:flowNodeRef>vet</bpmn:flowNodeRef><bpmn:flowNodeRef>done</bpmn:flowNodeRef>
      </bpmn:lane>
    </bpmn:laneSet>
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:userTask id="comment" name="填写意见">
      <bpmn:extensionElements><spiffworkflow:properties>
        <spiffworkflow:property name="formKey" value="draft_comments"/>
      </spiffworkflow:properties></bpmn:extensionElements>
      <bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:userTask id="vet" name="主管工会审核">
      <bpmn:extensionElements><spiffworkflow:properties>
        <spiffworkflow:property name="formKey" value="vetting"/>
      </spiffworkflow:properties></bpmn:extensionElements>
      <bpmn:incoming>f2</bpmn:incoming><bpmn:outgoing>f3</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:endEvent id="done"><bpmn:incoming>f3</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="comment"/>
    <bpmn:sequenceFlow id="f2" sourceRef="comment" targetRef="vet"/>
    <bpmn:sequenceFlow id="f3" sourceRef="vet" targetRef="done"/>
  </bpmn:process>
</bpmn:definitions>"""


def _instances(app: Any) -> int:
    with app.extensions["appraisal.sessions"]() as s:
        return s.scalar(select(func.count()).select_from(ProcessInstance))


def test_starting_without_the_variables_the_lanes_need_is_refused_naming_each(app: Any) -> None:
    api, _ = _api_for_everyone(app)
    units = _units(app)
    api.post("/api/process-definitions?comment=two%20lanes", "process_admin", expect=201, data=TWO_LANES.encode(),
             headers={"Content-Type": "application/xml"})
    before = _instances(app)
    for key in [k for k in BUNDLED if k != "innovation_appraisal"] + ["scope_probe"]:
        r = api.post(f"/api/process-definitions/key/{key}/start", "res_office1", expect=422,
                     json={"business_key": f"no-scope-{key}", "variables": {}})
        fields = {e["field"] for e in r.get_json()["errors"]}
        assert "variables.unit_id" in fields, (key, fields)
    r = api.post("/api/process-definitions/key/scope_probe/start", "res_office1", expect=422,
                 json={"business_key": "x", "variables": {"unit_id": 999999, "supervising_union_id": "BD-JX"}})
    assert {e["field"]: e["message"] for e in r.get_json()["errors"]} == {
        "variables.unit_id": "单位 999999 不存在",
        "variables.supervising_union_id": "须为已有单位的 id（任务 vet）"}
    for bad in (None, True, "1", 1.0):
        r = api.post("/api/process-definitions/key/scope_probe/start", "res_office1", expect=422,
                     json={"business_key": "x", "variables": {"unit_id": bad, "supervising_union_id": units["BD-JX"]}})
        assert [e["field"] for e in r.get_json()["errors"]] == ["variables.unit_id"], bad
    r = api.post("/api/process-definitions/key/scope_probe/start", "res_office1", expect=422,
                 json={"business_key": "x", "variables": {"unit_id": units["BD-JX-HY"]}})
    assert [e["field"] for e in r.get_json()["errors"]] == ["variables.supervising_union_id"]
    assert _instances(app) == before  # nothing was started


def test_a_vetter_task_in_an_instance_without_a_supervising_union_is_refused_not_shown_to_all(app: Any) -> None:
    api, _ = _api_for_everyone(app)
    units = _units(app)
    api.post("/api/process-definitions?comment=two%20lanes", "process_admin", expect=201, data=TWO_LANES.encode(),
             headers={"Content-Type": "application/xml"})
    started = api.post("/api/process-definitions/key/scope_probe/start", "res_office1", expect=201, json={
        "business_key": "direct-unit", "variables": {"unit_id": units["BD-DG-HC"], "supervising_union_id": None}})
    [task] = _open_tasks(app, started["id"])
    assert task.unit_id == units["BD-DG-HC"]
    r = api.post(f"/api/tasks/{task.id}/complete", "hc_submitter", expect=400, json={"comments": "意见"})
    assert r.get_json()["element"] == "vet"
    [still] = _open_tasks(app, started["id"])  # nothing was written: the comment task is still open
    assert still.id == task.id
    assert not [t for t in api.tasks("jx_vetter") + api.tasks("health_vetter")
                if t["process_instance_id"] == started["id"]]


def test_migration_gives_existing_instances_their_scope_and_leaked_tasks_their_unit(tmp_path: Path) -> None:
    """An instance from before 0007 whose leader_signoff was created without a unit gets the one it was started for."""
    from alembic import command

    from tests.integration.test_migrations import alembic_config

    url = f"sqlite:///{tmp_path / 'm.db'}"
    cfg = alembic_config(url)
    command.upgrade(cfg, "0006_state_lz4")
    engine = create_engine(url)
    now = "2026-12-26 02:00:00"
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO org_units (id, code, name, name_en, type) VALUES (7, 'U', '单位', '', 'direct')"))
        conn.execute(text("INSERT INTO process_definitions (id, key, version, name, xml, spec_json, meta, checksum, "
                          f"deployed_at, comment) VALUES (1, 'k', 1, 'k', '', '', '{{}}', 'c', '{now}', '')"))
        conn.execute(text("INSERT INTO process_instances (id, definition_id, business_key, status, state, variables, "
                          f"revision, started_at) VALUES (1, 1, 'b', 'active', '', '{{}}', 1, '{now}')"))
        for tid, element, role, unit, state in ((1, "draft_comments", "unit_submitter", 7, "completed"),
                                                (2, "leader_signoff", "unit_leader", None, "open"),
                                                (3, "receive_feedback", "office", None, "open")):
            conn.execute(text(
                "INSERT INTO tasks (id, engine_task_id, instance_id, element_id, name, role, form_key, unit_id, state, "
                "created_at, reminders_sent) VALUES (:id, :e, 1, :el, :el, :role, 'f', :unit, :state, :now, '[]')"),
                {"id": tid, "e": f"e{tid}", "el": element, "role": role, "unit": unit, "state": state, "now": now})
    engine.dispose()
    command.upgrade(cfg, "head")
    with engine.connect() as conn:
        assert conn.execute(text("SELECT unit_id, supervising_union_id FROM process_instances")).one() == (7, None)
        units = dict(conn.execute(text("SELECT element_id, unit_id FROM tasks")).all())
    engine.dispose()
    assert units == {"draft_comments": 7, "leader_signoff": 7, "receive_feedback": None}
