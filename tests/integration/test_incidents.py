"""Incidents: a failing handler leaves its instance at the failed element; the office fixes the cause and retries.

On SQLite and PostgreSQL, through the HTTP API and the pages, with the real engine and handlers.
"""
from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from handlers import registry
from service.models import AuditRecord
from tests.api_client import Api
from tests.integration import flows
from tests.web_client import logged_in

PRESENTATION = {"presentation_date": "2027-01-08", "presenter": "刘晓燕", "presentation_notes": "陈述15分钟"}


def _to_presentation(api: Api, submitter: str = "hc_submitter", leader: str = "hc_leader") -> int:
    app_id = flows.create(api, submitter)["id"]
    flows.submit(api, app_id, submitter, leader)
    api.complete("lg_member1", "preliminary_review", app_id, {"shortlisted": True, "review_reasons": "创新性突出"})
    return app_id


def _scorers(api: Api, campaign: int, ids: list[int]) -> None:
    api.call("PUT", f"/api/campaigns/{campaign}/scorers", "res_office1", 200, json={"scorer_ids": ids})


def _incidents(api: Api, **query: Any) -> list[dict[str, Any]]:
    q = "&".join(f"{k}={v}" for k, v in query.items())
    return api.get(f"/api/incidents?{q}", "res_office1")["items"]


def _actions(app: Any, action: str) -> list[AuditRecord]:
    with app.extensions["appraisal.sessions"]() as s:
        return list(s.scalars(select(AuditRecord).where(AuditRecord.action == action).order_by(AuditRecord.id)))


def test_no_eligible_scorer_is_an_incident_the_office_fixes_and_retries(app: Any) -> None:
    api = Api(app)
    campaign = flows.campaign_id(api)
    everyone = api.get(f"/api/campaigns/{campaign}", "res_office1")["scorer_ids"]
    _scorers(api, campaign, [])  # none configured
    app_id = _to_presentation(api)

    # the office's own completion succeeds: the failure is the process's, not the person's
    api.complete("res_office1", "record_presentation", app_id, PRESENTATION)
    [incident] = _incidents(api)
    assert incident["element_id"] == "select_scorers_task" and incident["state"] == "open"
    assert "没有配置评分成员" in incident["error"] and incident["attempts"] == 1
    assert incident["data"]["handler"] == "select_scorers" and incident["data"]["params"]["scorers"] == []
    assert incident["application_id"] == app_id and incident["failed_at"]
    instance_id = incident["instance_id"]
    instance = api.get(f"/api/process-instances/{instance_id}", "res_office1")
    assert instance["status"] == "active"
    assert not [t for t in api.tasks("scorer_org", application_id=app_id)]
    assert _incidents(api, instance_id=instance_id, state="open")[0]["id"] == incident["id"]

    # retried before the fix is complete (only 鸿川's own scorer, who must step aside): open, with the new error
    _scorers(api, campaign, [everyone[1]])
    again = api.post(f"/api/incidents/{incident['id']}/retry", "res_office1")
    assert again["state"] == "open" and again["attempts"] == 2
    assert "回避后没有可评分的成员" in again["error"]
    assert _incidents(api)[0]["error"] == again["error"]

    # the office adds the scorers and retries: resolved, and the scorers get their tasks
    _scorers(api, campaign, everyone)
    done = api.post(f"/api/incidents/{incident['id']}/retry", "res_office1")
    assert done["state"] == "resolved" and done["resolved_at"] and done["resolved_by"]
    assert _incidents(api) == [] and _incidents(api, state="resolved")[0]["id"] == incident["id"]
    api.post(f"/api/incidents/{incident['id']}/retry", "res_office1", expect=409)  # nothing left to retry
    scored = flows.score_all(api, app_id)
    assert "scorer_hc" not in scored and len(scored) == len(everyone) - 1
    flows.decide(api, app_id)
    flows.confirm(api, app_id)
    flows.finalise(api, app_id)
    assert api.get(f"/api/applications/{app_id}", "res_office1")["status"] == "awarded"

    opened, retried = _actions(app, "incident"), _actions(app, "retry_incident")
    assert [r.detail["element"] for r in opened] == ["select_scorers_task"] and opened[0].campaign_id == campaign
    assert [r.detail["outcome"] for r in retried] == ["failed_again", "resolved"]
    assert all(r.actor_roles == ["office"] and r.campaign_id == campaign for r in retried)
    _scorers(api, campaign, everyone)  # the list it already has: nothing changes, nothing recorded
    assert [r.detail["after"] for r in _actions(app, "update_scorers")] == [[], [everyone[1]], everyone]


def test_a_handler_that_raises_is_an_incident_and_a_retry_after_the_fix_resolves_it(
        app: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    api = Api(app)
    app_id = _to_presentation(api)
    real = registry.get_handler("select_scorers")
    assert real is not None

    def broken(**_: Any) -> Any:
        raise ZeroDivisionError("division by zero")

    monkeypatch.setitem(registry._REGISTRY, "select_scorers", registry.Handler("select_scorers", broken, "broken"))
    api.complete("res_office1", "record_presentation", app_id, PRESENTATION)
    [incident] = _incidents(api)
    assert incident["element_id"] == "select_scorers_task"
    assert "ZeroDivisionError" in incident["error"] and "division by zero" in incident["error"]

    still = api.post(f"/api/incidents/{incident['id']}/retry", "res_office1")  # the bug is still there
    assert still["state"] == "open" and still["attempts"] == 2

    monkeypatch.setitem(registry._REGISTRY, "select_scorers", real)  # the fix is deployed
    assert api.post(f"/api/incidents/{incident['id']}/retry", "process_admin")["state"] == "resolved"
    assert len(flows.score_all(api, app_id)) == 8


def test_incidents_are_for_the_office_and_the_administrator_and_shown_on_their_pages(
        app: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    api = Api(app)
    campaign = flows.campaign_id(api)
    _scorers(api, campaign, [])
    app_id = _to_presentation(api)
    api.complete("res_office1", "record_presentation", app_id, PRESENTATION)
    [incident] = _incidents(api)
    for user in ("scorer_org", "hc_submitter", "lg_member1", "group_leader", "chair_office"):
        api.get("/api/incidents", user, expect=403)
        api.post(f"/api/incidents/{incident['id']}/retry", user, expect=403)
    seen = api.get("/api/incidents", "process_admin")["items"][0]
    assert seen["id"] == incident["id"] and "data" not in seen  # who scores is not the administrator's to see
    api.post("/api/incidents/999999/retry", "res_office1", expect=404)

    client, token = logged_in(app, "res_office1")
    page = client.get(f"/office/campaigns/{campaign}").get_data(as_text=True)
    assert "流程异常" in page and "确定评分成员" in page and "没有配置评分成员" in page and "重试" in page
    view = client.get(f"/instances/{incident['instance_id']}").get_data(as_text=True)
    assert "流程异常" in view and "确定评分成员" in view and "重试" in view
    r = client.post(f"/incidents/{incident['id']}/retry", data={"csrf_token": token})
    assert r.status_code == 302  # back where the office was; the incident is still open (nothing fixed yet)
    assert _incidents(api)[0]["attempts"] == 2
    lg, lg_token = logged_in(app, "lg_member1")
    assert lg.post(f"/incidents/{incident['id']}/retry", data={"csrf_token": lg_token}).status_code == 403
    assert "流程异常" not in lg.get(f"/instances/{incident['instance_id']}").get_data(as_text=True)


def test_a_timer_step_whose_handler_fails_is_an_incident_and_the_sweep_goes_on(
        app: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from service.models import Timer
    from tests.integration.test_deadlines import make_api, runtime, travel

    api = make_api(app)
    app_id = _to_presentation(api)
    with app.extensions["appraisal.sessions"]() as s:
        reminder_at = s.scalar(select(Timer.due_at).where(Timer.element_id == "presentation_due_soon"))
    real = registry.get_handler("notify")
    assert real is not None

    def broken(**_: Any) -> Any:
        raise ConnectionError("mail relay unreachable")

    monkeypatch.setitem(registry._REGISTRY, "notify", registry.Handler("notify", broken, "broken"))
    travel(reminder_at + timedelta(seconds=1))
    report = runtime(app).sweep_timers()
    assert len(report.fired) == 1 and not report.errors  # the timer fired; its failed reminder is an incident
    [incident] = _incidents(api)
    assert incident["element_id"] == "remind_presentation_task" and "ConnectionError" in incident["error"]
    assert incident["caused_by"] is None  # no person's step met it
    assert runtime(app).sweep_timers().fired == []  # fired once, not again at every sweep

    monkeypatch.setitem(registry._REGISTRY, "notify", real)
    assert api.post(f"/api/incidents/{incident['id']}/retry", "res_office1")["state"] == "resolved"
    api.complete("res_office1", "record_presentation", app_id, PRESENTATION)  # the office's task was never blocked
    assert [t for t in api.tasks("scorer_org", application_id=app_id)]
