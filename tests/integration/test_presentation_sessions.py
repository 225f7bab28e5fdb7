"""Presentation sessions (issue 14.4): the office schedules a session (date and time in Asia/Shanghai, place, the
shortlisted items in order), each unit is invited with the session's date, place and its order (delivered to a
real SMTP server on loopback), and the office records every item of the session in one go, which completes each
present item's record_presentation step in one transaction; an absent item waits for a later session.
SQLite and PostgreSQL."""
from __future__ import annotations

from typing import Any

from sqlalchemy import select

from service.jobs.runtime import Runtime
from service.models import AuditRecord, Task
from tests.api_client import Api
from tests.integration import flows
from tests.integration.deadline_support import SmtpSink


def _shortlisted(api: Api, submitter: str, leader: str, theme: str) -> int:
    app_id = flows.create(api, submitter, theme=theme)["id"]
    flows.submit(api, app_id, submitter, leader)
    flows.shortlist(api, app_id)
    return app_id


def _session(api: Api, ids: list[int], **over: Any) -> Any:
    body = {"campaign_id": flows.campaign_id(api), "starts_at": "2027-01-08T09:30", "place": "市总工会三楼会议室",
            "items": [{"application_id": i, "presenter": f"讲述人{n}"} for n, i in enumerate(ids, 1)], **over}
    return body


def test_a_session_invites_each_unit_with_date_place_and_order_and_is_recorded_in_one_go(app: Any) -> None:
    api = Api(app)
    first = _shortlisted(api, "hc_submitter", "hc_leader", "网格化服务")
    second = _shortlisted(api, "econ_submitter", "econ_leader", "职工书屋")
    with SmtpSink() as smtp:
        created = api.post("/api/presentation-sessions", "res_office1", expect=201,
                           json=_session(api, [second, first]))
        assert created["starts_at"] == "2027-01-08T09:30:00+08:00"
        assert [(i["application_id"], i["position"]) for i in created["items"]] == [(second, 1), (first, 2)]
        rt = Runtime.build(app.extensions["appraisal.settings"], environ=smtp.env)
        for claimed in rt.claim_outbox():
            rt.deliver(claimed)
        invited = [m for m in smtp.messages if "讲述地点" in smtp.text(m)]
        to = {m["To"].split("@")[0].split("<")[-1]: smtp.text(m) for m in invited}
        assert set(to) >= {"hc_submitter", "hc_leader", "econ_submitter", "econ_leader"}
        assert "2027-01-08 09:30" in to["hc_leader"] and "市总工会三楼会议室" in to["hc_leader"]
        assert "第2位" in to["hc_submitter"] and "第1位" in to["econ_submitter"]

    listed = api.get(f"/api/campaigns/{flows.campaign_id(api)}/presentation-sessions", "res_office1")["items"]
    assert [s["id"] for s in listed] == [created["id"]]
    done = api.post(f"/api/presentation-sessions/{created['id']}/record", "res_office1", json={"items": [
        {"application_id": second, "attended": True, "presenter": "林晓东", "notes": "讲述12分钟，答辩3分钟"},
        {"application_id": first, "attended": True, "presenter": "陈思远", "notes": "讲述15分钟"}]})
    assert done["recorded_at"] and all(i["attended"] for i in done["items"])
    for app_id, presenter in ((first, "陈思远"), (second, "林晓东")):
        assert api.get(f"/api/applications/{app_id}", "res_office1")["stage"] == "scoring"
        with app.extensions["appraisal.sessions"]() as s:
            task = s.scalar(select(Task).where(Task.application_id == app_id, Task.element_id == "record_presentation"))
            assert task.state == "completed" and task.data["presenter"] == presenter
            assert task.data["presentation_date"] == "2027-01-08"
    api.post(f"/api/presentation-sessions/{created['id']}/record", "res_office1", expect=409, json={"items": [
        {"application_id": second, "attended": True, "presenter": "林晓东", "notes": "再记一次"}]})
    with app.extensions["appraisal.sessions"]() as s:
        assert [r.action for r in s.scalars(select(AuditRecord).where(
            AuditRecord.object_type == "presentation_session"))] == ["schedule_session", "record_session"]


def test_recording_is_all_or_nothing_and_an_absent_item_waits_for_a_later_session(app: Any) -> None:
    api = Api(app)
    first = _shortlisted(api, "hc_submitter", "hc_leader", "网格化服务")
    second = _shortlisted(api, "econ_submitter", "econ_leader", "职工书屋")
    created = api.post("/api/presentation-sessions", "res_office1", expect=201, json=_session(api, [first, second]))
    url = f"/api/presentation-sessions/{created['id']}/record"
    # one item missing: refused, naming it; one present without notes: refused, naming the field
    r = api.post(url, "res_office1", expect=422, json={"items": [
        {"application_id": first, "attended": True, "presenter": "陈思远", "notes": "讲述15分钟"}]})
    assert r.mimetype == "application/problem+json" and str(second) in r.get_json()["errors"][0]["message"]
    r = api.post(url, "res_office1", expect=422, json={"items": [
        {"application_id": first, "attended": True, "presenter": "陈思远", "notes": "讲述15分钟"},
        {"application_id": second, "attended": True, "presenter": "林晓东", "notes": ""}]})
    assert r.get_json()["errors"][0]["field"] == "items.1.notes"
    assert api.get(f"/api/applications/{first}", "res_office1")["stage"] == "presentation"  # nothing was written
    api.post(url, "res_office1", json={"items": [
        {"application_id": first, "attended": True, "presenter": "陈思远", "notes": "讲述15分钟"},
        {"application_id": second, "attended": False}]})
    assert api.get(f"/api/applications/{first}", "res_office1")["stage"] == "scoring"
    assert api.get(f"/api/applications/{second}", "res_office1")["stage"] == "presentation"
    later = api.post("/api/presentation-sessions", "res_office1", expect=201,
                     json=_session(api, [second], starts_at="2027-01-15T14:00+08:00", place="第二会议室"))
    assert later["items"][0]["position"] == 1


def test_only_waiting_shortlisted_items_of_the_campaign_and_only_the_office(app: Any) -> None:
    api = Api(app)
    waiting = _shortlisted(api, "hc_submitter", "hc_leader", "网格化服务")
    draft = flows.create(api, "econ_submitter", theme="草稿")["id"]
    r = api.post("/api/presentation-sessions", "res_office1", expect=422, json=_session(api, [waiting, draft]))
    assert r.get_json()["errors"][0]["field"] == "items.1.application_id"
    r = api.post("/api/presentation-sessions", "res_office1", expect=422,
                 json=_session(api, [waiting], starts_at="下周一"))
    assert r.get_json()["errors"][0]["field"] == "starts_at"
    for user in ("group_leader", "hc_submitter", "scorer_org"):
        api.post("/api/presentation-sessions", user, expect=403, json=_session(api, [waiting]))
    created = api.post("/api/presentation-sessions", "res_office1", expect=201, json=_session(api, [waiting]))
    r = api.post("/api/presentation-sessions", "res_office1", expect=422, json=_session(api, [waiting]))
    assert "另一场讲述会" in r.get_json()["errors"][0]["message"]
    api.get(f"/api/presentation-sessions/{created['id']}", "hc_submitter", expect=403)
