"""The diff between two deployed versions, in sentences: API and the process-definition page (issue 15.4)."""
from __future__ import annotations

from typing import Any

from service.config import ROOT
from tests.api_client import Api
from tests.web_client import logged_in

BPMN = (ROOT / "processes" / "innovation_appraisal.bpmn").read_bytes()


def test_changes_between_versions_are_said_in_words(app: Any) -> None:
    api = Api(app)
    [v1] = api.get("/api/process-definitions?key=innovation_appraisal", "process_admin")["items"]
    changed = (BPMN.replace(b'name="dueIn" value="P10D"', b'name="dueIn" value="P10WD"', 1)
               .replace('name="公开陈述记录"'.encode(), 'name="讲述情况记录"'.encode(), 1))
    v2 = api.post("/api/process-definitions?comment=working%20days", "process_admin", expect=201, data=changed,
                  content_type="application/xml")
    body = api.get(f"/api/process-definitions/{v2['id']}/changes", "res_office1")
    assert body["older"] == {"id": v1["id"], "version": 1} and body["newer"] == {"id": v2["id"], "version": 2}
    said = {c["kind"]: c for c in body["changes"]}
    assert set(said) == {"task_renamed", "deadline_changed"}
    assert said["deadline_changed"] == {
        "kind": "deadline_changed", "element": "record_presentation",
        "message": "任务「讲述情况记录」的期限由 10 天 改为 10 个工作日"}
    english = api.get(f"/api/process-definitions/{v2['id']}/changes", "res_office1", headers={"Accept-Language": "en"})
    assert {c["kind"]: c["message"] for c in english["changes"]}["deadline_changed"] == \
        "The deadline of task “讲述情况记录” changed from 10 days to 10 working days"
    back = api.get(f"/api/process-definitions/{v1['id']}/changes?from_id={v2['id']}", "process_admin")
    assert {c["kind"] for c in back["changes"]} == {"task_renamed", "deadline_changed"}
    assert api.get(f"/api/process-definitions/{v1['id']}/changes", "process_admin")["changes"] == []
    other = api.get("/api/process-definitions?key=draft_consultation", "process_admin")["items"][0]["id"]
    r = api.call("GET", f"/api/process-definitions/{v2['id']}/changes?from_id={other}", "process_admin", expect=400)
    assert r.get_json()["field"] == "from_id"
    api.call("GET", "/api/process-definitions/99999/changes", "process_admin", expect=404)

    client, _ = logged_in(app, "process_admin")
    page = client.get(f"/admin/processes/diff?a={v1['id']}&b={v2['id']}").get_data(as_text=True)
    assert "本版本改了什么" in page and "任务「讲述情况记录」的期限由 10 天 改为 10 个工作日" in page
