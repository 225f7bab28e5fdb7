"""A deployment says why, and does not take user tasks away from running instances unnoticed (issue 15, item 4)."""
from __future__ import annotations

from typing import Any
from urllib.parse import quote

from sqlalchemy import select

from service.config import ROOT
from service.models import AuditRecord
from tests.api_client import Api
from tests.integration import flows

BPMN = (ROOT / "processes" / "innovation_appraisal.bpmn").read_bytes()


def _renamed(xml: bytes, old: str, new: str) -> bytes:
    """The task's id renamed wherever the document refers to it (its form, the same key, kept)."""
    for template in ('id="{}"', 'Ref="{}"', 'bpmnElement="{}"', ">{}<"):
        xml = xml.replace(template.format(old).encode(), template.format(new).encode())
    return xml


RENAMED = _renamed(BPMN, "record_presentation", "record_talk")  # instances of v1 cannot follow a renamed id


def _versions(api: Api) -> list[int]:
    return [v["version"] for v in api.get("/api/process-definitions?key=innovation_appraisal", "process_admin")["items"]]


def test_a_version_without_a_comment_is_refused_naming_the_field(app: Any) -> None:
    api = Api(app)
    changed = BPMN.replace(b'name="dueIn" value="P10D"', b'name="dueIn" value="P12D"', 1)
    for url in ("/api/process-definitions", "/api/process-definitions?comment=%20%20"):
        r = api.post(url, "process_admin", expect=400, data=changed, content_type="application/xml")
        body = r.get_json()
        assert r.headers["Content-Type"] == "application/problem+json" and body["field"] == "comment"
        assert [(p["field"], p["code"]) for p in body["problems"]] == [("comment", "comment_required")]
        assert "版本说明" in body["problems"][0]["message"]
    bad = BPMN.replace(b'id="aggregate_scores"', b'id="run_shell"')  # the document's problems and the comment's, once
    problems = api.post("/api/process-definitions", "process_admin", expect=400, data=bad,
                        content_type="application/xml").get_json()["problems"]
    assert problems[0]["code"] == "unknown_handler" and problems[-1]["code"] == "comment_required"
    assert _versions(api) == [1]
    api.post("/api/process-definitions?comment=" + quote("讲述记录期限 12 天"), "process_admin", expect=201, data=changed,
             content_type="application/xml")
    assert _versions(api) == [2, 1]


def test_removing_a_task_with_running_instances_needs_confirmation_and_says_how_many(app: Any) -> None:
    api = Api(app)
    first, second = flows.create(api, "hc_submitter")["id"], flows.create(api, "econ_submitter")["id"]
    flows.submit(api, first, "hc_submitter", "hc_leader")  # one waits at the preliminary review, one at its form
    r = api.post("/api/process-definitions?comment=rename", "process_admin", expect=409, data=RENAMED,
                 content_type="application/xml")
    body = r.get_json()
    assert r.headers["Content-Type"] == "application/problem+json"
    assert body["code"] == "removes_tasks_with_open_instances" and body["field"] == "confirm_removed"
    assert body["removed_tasks"] == ["record_presentation"] and body["affected_instances"] == 2
    assert body["current_version"] == 1 and body["waiting_at"] == {}
    assert "2 个运行中的实例" in body["detail"]
    assert _versions(api) == [1]
    deployed = api.post("/api/process-definitions?comment=rename&confirm_removed=true", "process_admin", expect=201,
                        data=RENAMED, content_type="application/xml")
    assert deployed["version"] == 2 and "record_talk" in deployed["user_tasks"]
    with app.extensions["appraisal.sessions"]() as db:
        detail = db.scalar(select(AuditRecord.detail).where(AuditRecord.action == "deploy",
                                                            AuditRecord.object_id == str(deployed["id"])))
    assert detail["removed_tasks"] == ["record_presentation"] and detail["affected_instances"] == 2
    # the same version again over v2 removes nothing from v2's instances (there are none): no question asked
    api.post("/api/process-definitions?comment=again", "process_admin", expect=201, data=BPMN,
             content_type="application/xml")
    assert second


def test_counts_who_waits_at_a_removed_task(app: Any) -> None:
    api = Api(app)
    waiting = flows.create(api, "hc_submitter")["id"]
    flows.submit(api, waiting, "hc_submitter", "hc_leader")
    without_review = _renamed(BPMN, "preliminary_review", "first_review")
    body = api.post("/api/process-definitions?comment=x", "process_admin", expect=409, data=without_review,
                    content_type="application/xml").get_json()
    assert body["waiting_at"] == {"preliminary_review": 1} and body["affected_instances"] == 1


def test_durations_as_people_type_them(app: Any) -> None:
    api = Api(app)
    for text, value, zh in (("10 个工作日", "P10WD", "10 个工作日"), ("7天", "P7D", "7 天"), ("P14D", "P14D", "14 天"),
                            ("1 个月 5 天", "P1M5D", "1 个月 5 天"), ("36 小时", "PT36H", "36 小时")):
        got = api.get("/api/durations?text=" + quote(text), "process_admin")
        assert (got["value"], got["text"]) == (value, zh), text
    english = api.get("/api/durations?text=" + quote("10 个工作日"), "process_admin",
                      headers={"Accept-Language": "en"})
    assert (english["value"], english["text"]) == ("P10WD", "10 working days")
    r = api.call("GET", "/api/durations?text=" + quote("十天"), "process_admin", expect=422)
    assert r.get_json()["errors"][0]["field"] == "text" and "工作日" in r.get_json()["errors"][0]["message"]
    api.call("GET", "/api/durations?text=7", "res_office1", expect=403)
