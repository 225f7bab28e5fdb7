"""Instance migration (Camunda's migration plans) and instance modification, through the HTTP API.

On SQLite and PostgreSQL, with the real engine: a version 2 renames the unit leader's sign-off; the
dry run lists what happens to each open instance and which cannot move and why; the run moves the
campaign's instances, each in its own transaction, and an instance whose write fails (a trigger
refuses its row: the failure comes after the engine step and the first index-row updates) is left
exactly as it was while the others move. Modification cancels an active element and starts the
instance again before another.
"""
from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select, text

from service.config import ROOT
from service.models import AuditRecord, ProcessInstance, Task, Timer
from tests.api_client import Api
from service.workflows import migrations
from tests.integration import flows

BPMN = (ROOT / "processes" / "innovation_appraisal.bpmn").read_bytes()
# Version 2: the sign-off step gets another id and name (a renamed element; everything else as it was).
RENAMED = (BPMN.replace(b'id="leader_signoff"', b'id="signoff_by_leader"')
           .replace(b'Ref="leader_signoff"', b'Ref="signoff_by_leader"')
           .replace(b">leader_signoff<", b">signoff_by_leader<")
           .replace(b'bpmnElement="leader_signoff"', b'bpmnElement="signoff_by_leader"')
           .replace('name="主要领导签字"'.encode(), 'name="单位主要领导签字"'.encode()))


# A process drawn as SpiffArena or Camunda Modeler may draw one: its review is an embedded subprocess with a user
# task inside (the office checks the record); the lane names the role of the inner elements too.
SUB_V1 = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
                  xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core"
                  id="sub_review_defs" targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:process id="sub_review" name="子流程复核" isExecutable="true">
    <bpmn:laneSet id="lanes">
      <bpmn:lane id="office" name="评比办公室">
        <bpmn:flowNodeRef>start</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>review</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>inner_start</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>check_record</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>inner_end</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>end</bpmn:flowNodeRef>
      </bpmn:lane>
    </bpmn:laneSet>
    <bpmn:startEvent id="start" name="开始"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:subProcess id="review" name="子流程审核">
      <bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
      <bpmn:startEvent id="inner_start" name="子流程开始"><bpmn:outgoing>s1</bpmn:outgoing></bpmn:startEvent>
      <bpmn:userTask id="check_record" name="核对讲述记录">
        <bpmn:extensionElements><spiffworkflow:properties>
          <spiffworkflow:property name="formKey" value="presentation"/>
          <spiffworkflow:property name="dueIn" value="P5WD"/>
        </spiffworkflow:properties></bpmn:extensionElements>
        <bpmn:incoming>s1</bpmn:incoming><bpmn:outgoing>s2</bpmn:outgoing></bpmn:userTask>
      <bpmn:endEvent id="inner_end" name="子流程结束"><bpmn:incoming>s2</bpmn:incoming></bpmn:endEvent>
      <bpmn:sequenceFlow id="s1" sourceRef="inner_start" targetRef="check_record"/>
      <bpmn:sequenceFlow id="s2" sourceRef="check_record" targetRef="inner_end"/>
    </bpmn:subProcess>
    <bpmn:endEvent id="end" name="结束"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="review"/>
    <bpmn:sequenceFlow id="f2" sourceRef="review" targetRef="end"/>
  </bpmn:process>
</bpmn:definitions>
"""
SECOND = """<bpmn:userTask id="confirm_record" name="确认讲述记录">
        <bpmn:extensionElements><spiffworkflow:properties>
          <spiffworkflow:property name="formKey" value="presentation"/>
        </spiffworkflow:properties></bpmn:extensionElements>
        <bpmn:incoming>s2</bpmn:incoming><bpmn:outgoing>s3</bpmn:outgoing></bpmn:userTask>
      <bpmn:endEvent id="inner_end" name="子流程结束"><bpmn:incoming>s3</bpmn:incoming></bpmn:endEvent>
      <bpmn:sequenceFlow id="s3" sourceRef="confirm_record" targetRef="inner_end"/>"""
# version 2: the subprocess gained a task after the one instances wait at
SUB_GAINED = (SUB_V1.replace('<bpmn:endEvent id="inner_end" name="子流程结束"><bpmn:incoming>s2</bpmn:incoming></bpmn:endEvent>', SECOND)
              .replace('targetRef="inner_end"/>\n    </bpmn:subProcess>', 'targetRef="inner_end"/>\n    </bpmn:subProcess>')
              .replace('<bpmn:sequenceFlow id="s2" sourceRef="check_record" targetRef="inner_end"/>',
                       '<bpmn:sequenceFlow id="s2" sourceRef="check_record" targetRef="confirm_record"/>')
              .replace("<bpmn:flowNodeRef>inner_end</bpmn:flowNodeRef>",
                       "<bpmn:flowNodeRef>confirm_record</bpmn:flowNodeRef>\n        <bpmn:flowNodeRef>inner_end</bpmn:flowNodeRef>"))
# version 3: the task inside the subprocess is gone (its start leads to its end): an instance waiting there cannot move
SUB_DROPPED = (SUB_V1.replace('''      <bpmn:userTask id="check_record" name="核对讲述记录">
        <bpmn:extensionElements><spiffworkflow:properties>
          <spiffworkflow:property name="formKey" value="presentation"/>
          <spiffworkflow:property name="dueIn" value="P5WD"/>
        </spiffworkflow:properties></bpmn:extensionElements>
        <bpmn:incoming>s1</bpmn:incoming><bpmn:outgoing>s2</bpmn:outgoing></bpmn:userTask>
''', "").replace('<bpmn:sequenceFlow id="s1" sourceRef="inner_start" targetRef="check_record"/>', '<bpmn:sequenceFlow id="s1" sourceRef="inner_start" targetRef="inner_end"/>')
  .replace('<bpmn:sequenceFlow id="s2" sourceRef="check_record" targetRef="inner_end"/>', '')
  .replace('<bpmn:incoming>s2</bpmn:incoming></bpmn:endEvent>\n      <bpmn:sequenceFlow id="s1"', '<bpmn:incoming>s1</bpmn:incoming></bpmn:endEvent>\n      <bpmn:sequenceFlow id="s1"')
  .replace("<bpmn:flowNodeRef>check_record</bpmn:flowNodeRef>\n        ", ""))


def _deploy(api: Api, xml: bytes) -> dict[str, Any]:
    return api.post("/api/process-definitions?comment=rename%20sign-off&confirm_removed=true", "process_admin",
                    expect=201, data=xml, content_type="application/xml")


def _rows(app: Any, instance_id: int) -> dict[str, Any]:
    """Everything migration may change about one instance, as stored."""
    with app.extensions["appraisal.sessions"]() as s:
        instance = s.get(ProcessInstance, instance_id)
        tasks = sorted((t.id, t.element_id, t.name, t.state, t.engine_task_id) for t in
                       s.scalars(select(Task).where(Task.instance_id == instance_id)))
        timers = sorted((t.engine_task_id, t.element_id, t.state, str(t.due_at)) for t in
                        s.scalars(select(Timer).where(Timer.instance_id == instance_id)))
        return {"definition_id": instance.definition_id, "state": instance.state, "revision": instance.revision,
                "tasks": tasks, "timers": timers}


def _audits(app: Any, action: str) -> list[AuditRecord]:
    with app.extensions["appraisal.sessions"]() as s:
        return list(s.scalars(select(AuditRecord).where(AuditRecord.action == action).order_by(AuditRecord.id)))


def _refuse_updates_of(app: Any, instance_id: int) -> None:
    """A trigger that refuses any update of one instance row: its migration fails after the engine ran."""
    engine = app.extensions["appraisal.db_engine"]
    with engine.begin() as c:
        if engine.dialect.name == "sqlite":
            c.execute(text(f"CREATE TRIGGER refuse_instance BEFORE UPDATE ON process_instances "
                           f"WHEN OLD.id = {instance_id} BEGIN SELECT RAISE(ABORT, 'row refused'); END"))
        else:
            c.execute(text(f"CREATE OR REPLACE FUNCTION refuse_instance() RETURNS trigger AS $$ BEGIN "
                           f"IF OLD.id = {instance_id} THEN RAISE EXCEPTION 'row refused'; END IF; RETURN NEW; END "
                           f"$$ LANGUAGE plpgsql"))
            c.execute(text("CREATE TRIGGER refuse_instance BEFORE UPDATE ON process_instances "
                           "FOR EACH ROW EXECUTE FUNCTION refuse_instance()"))


def _drop_trigger(app: Any) -> None:
    engine = app.extensions["appraisal.db_engine"]
    with engine.begin() as c:
        c.execute(text("DROP TRIGGER refuse_instance" if engine.dialect.name == "sqlite"
                       else "DROP TRIGGER refuse_instance ON process_instances"))


def test_dry_run_then_bulk_migration_of_a_campaign_leaves_a_failing_instance_untouched(app: Any) -> None:
    api = Api(app)
    campaign = flows.campaign_id(api)
    drafting = flows.create(api, "hc_submitter")  # at fill_application, its submission deadline waiting
    signing = flows.create(api, "econ_submitter")
    api.complete("econ_submitter", "fill_application", signing["id"], {})  # at leader_signoff
    failing = flows.create(api, "hc_submitter", theme="第二项创新")
    api.complete("hc_submitter", "fill_application", failing["id"], {})  # at leader_signoff too
    v1 = api.get(f"/api/process-instances/{drafting['process_instance_id']}", "res_office1")["definition_id"]
    v2 = _deploy(api, RENAMED)["id"]
    ids = {a["id"]: a["process_instance_id"] for a in (drafting, signing, failing)}

    plan = api.post("/api/migration/generate", "process_admin",
                    json={"source_definition_id": v1, "target_definition_id": v2})
    assert plan["source_version"] == 1 and plan["target_version"] == 2
    mapped = {i["source"]: i["target"] for i in plan["instructions"]}
    assert mapped["fill_application"] == "fill_application" and mapped["submission_window_closed"]
    by_id_only = [i for i in plan["instructions"] if i["source"] != "leader_signoff"]
    body = {"source_definition_id": v1, "target_definition_id": v2,
            "instructions": [{"source": i["source"], "target": i["target"]} for i in by_id_only]}
    if "leader_signoff" not in mapped:
        assert {"source": "leader_signoff", "source_name": "主要领导签字"} in plan["unmapped"]

    # the dry run by id alone: the two at the renamed step cannot move, and the report says why in Chinese
    dry = api.post("/api/migration/validate", "process_admin", json={"plan": body, "campaign_id": campaign})
    report = {r["id"]: r for r in dry["instances"]}
    assert set(report) == set(ids.values()) and dry["movable"] == 1 and dry["blocked"] == 2
    assert report[ids[drafting["id"]]]["can_move"] and "“填写申报表”留在原处" in report[ids[drafting["id"]]]["moves"]
    assert report[ids[signing["id"]]]["problems"] == [
        "办理中的环节“主要领导签字”在目标版本中不存在：请在映射中为它指定目标版本的环节"]

    # with the explicit mapping of the renamed step every instance can move
    body["instructions"].append({"source": "leader_signoff", "target": "signoff_by_leader"})
    dry = api.post("/api/migration/validate", "res_office1", json={"plan": body, "campaign_id": campaign})
    assert dry["movable"] == 3 and dry["blocked"] == 0 and dry["migrated"] == 0
    report = {r["id"]: r for r in dry["instances"]}
    assert "“主要领导签字”移到目标版本的“单位主要领导签字”" in report[ids[signing["id"]]]["moves"]
    assert _audits(app, "migrate_instance") == []  # a dry run changes nothing

    before_failing = _rows(app, ids[failing["id"]])
    signing_task = api.task_for("econ_leader", "leader_signoff", signing["id"])
    _refuse_updates_of(app, ids[failing["id"]])
    try:
        done = api.post("/api/migration/execute", "process_admin",
                        json={"plan": body, "campaign_id": campaign, "reason": "签字环节改名，统一迁移"})
    finally:
        _drop_trigger(app)
    result = {r["id"]: r for r in done["instances"]}
    assert done["migrated"] == 2 and not result[ids[failing["id"]]]["migrated"]
    assert result[ids[failing["id"]]]["problems"][0].startswith("迁移时出错，实例保持不变")
    assert _rows(app, ids[failing["id"]]) == before_failing  # untouched: version, state, task and timer rows

    for app_id in (drafting["id"], signing["id"]):
        instance = api.get(f"/api/process-instances/{ids[app_id]}", "res_office1")
        assert instance["definition_version"] == 2 and instance["status"] == "active"
    # the open sign-off row is the same task, now the target's element and name; its deadline timer followed
    moved = api.task_for("econ_leader", "signoff_by_leader", signing["id"])
    assert moved["id"] == signing_task["id"] and moved["name"] == "单位主要领导签字"
    assert moved["due_at"] == signing_task["due_at"]
    assert api.get(f"/api/applications/{signing['id']}", "res_office1")["status"] == "awaiting_signoff"
    timers = _rows(app, ids[signing["id"]])["timers"]
    assert [t[1] for t in timers if t[2] == "waiting"] == ["signoff_window_closed"]
    drafting_timers = [t for t in _rows(app, ids[drafting["id"]])["timers"] if t[2] == "waiting"]
    assert [t[1] for t in drafting_timers] == ["submission_window_closed"]

    audits = _audits(app, "migrate_instance")
    assert sorted(a.object_id for a in audits) == sorted(str(ids[a]) for a in (drafting["id"], signing["id"]))
    assert all(a.detail["reason"] == "签字环节改名，统一迁移" and a.detail["to_version"] == 2 for a in audits)
    assert all(a.campaign_id == campaign for a in audits)

    # the migrated instances run on the new version: the sign-off completes, the draft goes to the new step
    api.complete("econ_leader", "signoff_by_leader", signing["id"],
                 {"signoff_decision": "approve", "leader_name": "主要领导"})
    assert api.get(f"/api/process-instances/{ids[signing['id']]}", "res_office1")["active_elements"] != [
        "signoff_by_leader"]
    api.complete("hc_submitter", "fill_application", drafting["id"], {})
    assert api.task_for("hc_leader", "signoff_by_leader", drafting["id"])

    # the failed one is still on version 1 and moves on a second run (the cause gone)
    again = api.post("/api/migration/execute", "process_admin",
                     json={"plan": body, "process_instance_ids": [ids[failing["id"]]], "reason": "补迁移"})
    assert again["migrated"] == 1
    assert api.task_for("hc_leader", "signoff_by_leader", failing["id"])


def test_migration_refuses_mismatched_plans_and_other_roles(app: Any) -> None:
    api = Api(app)
    defs = api.get("/api/process-definitions", "process_admin")["items"]
    appraisal = next(d for d in defs if d["key"] == "innovation_appraisal")["id"]
    other = next(d for d in defs if d["key"] != "innovation_appraisal")["id"]
    bad = api.post("/api/migration/generate", "process_admin", expect=422,
                   json={"source_definition_id": appraisal, "target_definition_id": other}).get_json()
    assert bad["errors"][0]["field"] == "target_definition_id"
    v2 = _deploy(api, RENAMED)["id"]
    bad = api.post("/api/migration/validate", "process_admin", expect=422, json={"plan": {
        "source_definition_id": appraisal, "target_definition_id": v2,
        "instructions": [{"source": "leader_signoff", "target": "no_such_step"}]}}).get_json()
    assert bad["errors"][0]["field"] == "instructions.0.target"
    api.post("/api/migration/execute", "process_admin", expect=422, json={"plan": {
        "source_definition_id": appraisal, "target_definition_id": v2}, "reason": ""})
    for user in ("hc_submitter", "lg_member1"):
        api.post("/api/migration/validate", user, expect=403, json={"plan": {
            "source_definition_id": appraisal, "target_definition_id": v2}})


def test_modification_cancels_an_active_element_and_starts_before_another(app: Any) -> None:
    api = Api(app)
    item = flows.create(api, "econ_submitter")
    api.complete("econ_submitter", "fill_application", item["id"], {})
    instance_id = item["process_instance_id"]
    signoff = api.task_for("econ_leader", "leader_signoff", item["id"])

    def modify(user: str, cancel: str, start: str, expect: int = 200, reason: str = "填报有误，退回重填") -> Any:
        return api.call("POST", f"/api/process-instances/{instance_id}/modification", user, expect=expect, json={
            "instructions": [{"type": "cancel", "element_id": cancel}, {"type": "start_before", "element_id": start}],
            "reason": reason}).get_json()

    modify("hc_submitter", "leader_signoff", "fill_application", expect=403)
    bad = modify("res_office1", "county_vetting", "fill_application", expect=422)  # not where the instance is
    assert bad["errors"][0]["field"] == "cancel" and "当前没有在办理" in bad["errors"][0]["message"]
    bad = modify("res_office1", "leader_signoff", "submission_window_closed", expect=422)
    assert bad["errors"][0]["field"] == "start_before"
    modify("res_office1", "leader_signoff", "fill_application", expect=422, reason=" ")

    done = modify("res_office1", "leader_signoff", "fill_application")
    assert "fill_application" in done["active_elements"] and "leader_signoff" not in done["active_elements"]
    with app.extensions["appraisal.sessions"]() as s:
        assert s.get(Task, signoff["id"]).state == "cancelled"
        waiting = {t.element_id for t in s.scalars(select(Timer).where(Timer.instance_id == instance_id,
                                                                        Timer.state == "waiting"))}
    assert waiting == {"submission_window_closed"}
    [record] = _audits(app, "modify_instance")
    assert record.detail["cancel"] == "leader_signoff" and record.detail["start_before"] == "fill_application"
    assert record.detail["reason"] == "填报有误，退回重填"
    # the instance runs on from there: the submitter fills in again, the leader signs
    flows.submit(api, item["id"], "econ_submitter", "econ_leader")
    assert api.get(f"/api/applications/{item['id']}", "res_office1")["status"] != "draft"


def test_scoring_sheets_and_a_changed_timer_move_with_their_instances(app: Any) -> None:
    """An item in democratic scoring (one open sheet per scorer, a multi-instance activity) keeps every sheet,
    its scorer and its data; an item at the presentation record gets the target's reminder timer recomputed."""
    api = Api(app)
    scoring = flows.create(api, "hc_submitter")["id"]
    flows.submit(api, scoring, "hc_submitter", "hc_leader")
    flows.review_to_scoring(api, scoring)
    presenting = flows.create(api, "econ_submitter")["id"]
    flows.submit(api, presenting, "econ_submitter", "econ_leader")
    flows.shortlist(api, presenting)
    instance = {a: api.get(f"/api/applications/{a}", "res_office1")["process_instance_id"]
                for a in (scoring, presenting)}
    sheets = sorted(t["id"] for t in api.tasks("res_office1", application_id=scoring, role="scorer")) or None
    before = _rows(app, instance[presenting])["timers"]
    v1 = api.get(f"/api/process-instances/{instance[scoring]}", "res_office1")["definition_id"]
    changed = BPMN.replace(b'"P8D"', b'"P5D"', 1)
    v2 = _deploy(api, changed)["id"]
    plan = {"source_definition_id": v1, "target_definition_id": v2, "instructions": []}
    dry = api.post("/api/migration/validate", "process_admin",
                   json={"plan": plan, "process_instance_ids": list(instance.values())})
    report = {r["id"]: r for r in dry["instances"]}
    assert dry["movable"] == 2, dry
    assert "定时“陈述记录即将到期”按目标版本重新计时" in report[instance[presenting]]["moves"]
    assert "“民主评分”留在原处" in report[instance[scoring]]["moves"]
    done = api.post("/api/migration/execute", "process_admin",
                    json={"plan": plan, "process_instance_ids": list(instance.values()), "reason": "提醒提前"})
    assert done["migrated"] == 2
    after = _rows(app, instance[presenting])["timers"]
    waiting_before = [t for t in before if t[2] == "waiting"]
    waiting_after = [t for t in after if t[2] == "waiting"]
    assert [t[1] for t in waiting_after] == ["presentation_due_soon"]
    assert waiting_after[0][3] < waiting_before[0][3]  # five days from the migration, not eight from the start
    if sheets:
        assert sorted(t["id"] for t in api.tasks("res_office1", application_id=scoring, role="scorer")) == sheets
    # the scoring runs on the new version to the end
    scored = flows.score_all(api, scoring)
    assert len(scored) >= 3
    flows.decide(api, scoring)
    flows.confirm(api, scoring)
    flows.finalise(api, scoring)
    assert api.get(f"/api/applications/{scoring}", "res_office1")["status"] == "awarded"


def _start_sub_reviews(api: Api, count: int) -> list[int]:
    return [api.post("/api/process-definitions/key/sub_review/start", "res_office1", expect=201,
                     json={"business_key": f"sub-review-{i}", "variables": {}})["id"] for i in range(count)]


def _sub_task(app: Any, instance_id: int) -> Task:
    with app.extensions["appraisal.sessions"]() as s:
        [task] = s.scalars(select(Task).where(Task.instance_id == instance_id, Task.state == "open"))
        s.expunge(task)
        return task


def test_an_instance_waiting_inside_an_embedded_subprocess_moves_and_keeps_its_task(app: Any) -> None:
    """The subprocess gained a task after the one the instance waits at: the instance moves, its open task row keeps
    its id, claim and due date, and the new task follows. A version without that task cannot take it: the dry run
    names the element."""
    api = Api(app)
    v1 = _deploy(api, SUB_V1.encode())["id"]
    [instance_id] = _start_sub_reviews(api, 1)
    waiting = _sub_task(app, instance_id)
    assert waiting.element_id == "check_record" and waiting.due_at is not None
    api.post(f"/api/tasks/{waiting.id}/claim", "res_office1")
    waiting = _sub_task(app, instance_id)
    v2 = _deploy(api, SUB_GAINED.encode())["id"]
    v3 = _deploy(api, SUB_DROPPED.encode())["id"]

    generated = api.post("/api/migration/generate", "process_admin",
                         json={"source_definition_id": v1, "target_definition_id": v3})
    assert {"source": "check_record", "source_name": "核对讲述记录"} in generated["unmapped"]
    dropped = {"source_definition_id": v1, "target_definition_id": v3, "instructions": []}
    dry = api.post("/api/migration/validate", "process_admin",
                   json={"plan": dropped, "process_instance_ids": [instance_id]})
    assert dry["blocked"] == 1 and dry["instances"][0]["problems"] == [
        "办理中的环节“核对讲述记录”在目标版本中不存在：请在映射中为它指定目标版本的环节"]
    refused = api.post("/api/migration/execute", "process_admin",
                       json={"plan": dropped, "process_instance_ids": [instance_id], "reason": "删除核对"})
    assert refused["migrated"] == 0 and _rows(app, instance_id)["definition_id"] == v1

    gained = {"source_definition_id": v1, "target_definition_id": v2, "instructions": []}
    dry = api.post("/api/migration/validate", "process_admin",
                   json={"plan": gained, "process_instance_ids": [instance_id]})
    assert dry["movable"] == 1, dry
    assert "“核对讲述记录”留在原处" in dry["instances"][0]["moves"]
    done = api.post("/api/migration/execute", "process_admin",
                    json={"plan": gained, "process_instance_ids": [instance_id], "reason": "子流程增加确认环节"})
    assert done["migrated"] == 1, done
    moved = _sub_task(app, instance_id)
    assert (moved.id, moved.element_id, moved.assignee_id, moved.due_at) == (
        waiting.id, "check_record", waiting.assignee_id, waiting.due_at) and moved.assignee_id is not None
    assert _rows(app, instance_id)["definition_id"] == v2

    record = {"presentation_date": "2026-12-28", "presenter": "组长", "presentation_notes": "核对无误。"}
    api.post(f"/api/tasks/{moved.id}/complete", "res_office1", json=record)
    added = _sub_task(app, instance_id)
    assert added.element_id == "confirm_record" and added.name == "确认讲述记录"
    api.post(f"/api/tasks/{added.id}/complete", "res_office1", json=record)
    assert api.get(f"/api/process-instances/{instance_id}", "res_office1")["status"] == "completed"


def test_bulk_migration_goes_through_every_instance_in_batches_and_a_second_run_skips_the_moved(
        app: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """No cap on a run: every instance on the version, batch after batch (here of 2), each in its own transaction;
    the response shows the batches; an instance that failed stays and a second run moves only it."""
    monkeypatch.setattr(migrations, "BATCH_SIZE", 2)
    api = Api(app)
    v1 = _deploy(api, SUB_V1.encode())["id"]
    ids = _start_sub_reviews(api, 5)
    v2 = _deploy(api, SUB_GAINED.encode())["id"]
    plan = {"source_definition_id": v1, "target_definition_id": v2, "instructions": []}

    dry = api.post("/api/migration/validate", "process_admin", json={"plan": plan})  # by version: every instance
    assert dry["movable"] == 5 and [b["instances"] for b in dry["batches"]] == [2, 2, 1]
    assert dry["already_on_target"] == 0 and dry["migrated"] == 0

    before = _rows(app, ids[3])
    _refuse_updates_of(app, ids[3])
    try:
        first = api.post("/api/migration/execute", "process_admin", json={"plan": plan, "reason": "分批迁移"})
    finally:
        _drop_trigger(app)
    assert [(b["number"], b["instances"], b["migrated"]) for b in first["batches"]] == [(1, 2, 2), (2, 2, 1), (3, 1, 1)]
    assert first["migrated"] == 4 and first["already_on_target"] == 0
    assert _rows(app, ids[3]) == before  # the failed one is untouched

    second = api.post("/api/migration/execute", "process_admin", json={"plan": plan, "reason": "分批迁移（续）"})
    assert second["already_on_target"] == 4 and [r["id"] for r in second["instances"]] == [ids[3]]
    assert second["migrated"] == 1 and len(second["batches"]) == 1
    third = api.post("/api/migration/execute", "process_admin", json={"plan": plan, "reason": "再次运行"})
    assert third["already_on_target"] == 5 and third["instances"] == [] and third["batches"] == []
    assert len(_audits(app, "migrate_instance")) == 5
