"""Races on PostgreSQL with real threads: every accepted write is kept, a loser gets 409.

Each thread has its own Flask test client, so its own request context and
database session; a ``threading.Barrier`` releases them together.
"""
from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any, Callable

import pytest
from sqlalchemy import func, select

from service import clock
from service.auth.passwords import hash_password
from service.demo.baoding import DEMO_PASSWORD, SCORER_USERNAMES
from service.models import AuditRecord, InstanceEvent, OrgUnit, Task, User, UserRole
from service.workflows.campaigns import create_campaign
from service.demo import baoding
from tests.api_client import Api
from tests.integration import flows

pytestmark = [pytest.mark.postgres]

EXTRA_SCORER_UNITS = ["BD-LC", "BD-MC", "BD-QY", "BD-XS", "BD-LS", "BD-FP", "BD-DX", "BD-TX", "BD-GY",
                      "BD-RC", "BD-LY", "BD-WD", "BD-AX"]


def race(calls: list[Callable[[], Any]]) -> list[Any]:
    """Run the calls in as many threads, released together; return their results in order."""
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def run(i: int) -> None:
        barrier.wait()
        try:
            results[i] = calls[i]()
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not any(t.is_alive() for t in threads), "a request hung"
    assert not [r for r in results if isinstance(r, BaseException)], results
    return results


def post_as(app: Any, token: str, path: str, body: dict | None = None) -> tuple[int, Any]:
    """One request from a client of its own (its own session and connection)."""
    r = app.test_client().post(path, json=body if body is not None else {},
                               headers={"Authorization": f"Bearer {token}"})
    return r.status_code, r.get_json()


def twenty_scorer_campaign(app: Any) -> tuple[int, list[str]]:
    """A campaign whose appraisal group has 20 scorers, none from 鸿川集团 (so none is recused)."""
    sessions = app.extensions["appraisal.sessions"]
    with sessions() as s:
        units = {u.code: u.id for u in s.scalars(select(OrgUnit))}
        hashed = hash_password(DEMO_PASSWORD)
        names = []
        for i, code in enumerate(EXTRA_SCORER_UNITS[:12]):
            user = User(username=f"race_scorer{i}", display_name=f"评委{i}", password_hash=hashed,
                        unit_id=units[code], is_active=True, created_at=clock.now())
            user.role_rows = [UserRole(role="scorer")]
            s.add(user)
            names.append(user.username)
        s.flush()
        names += [u for u in SCORER_USERNAMES if u != "scorer_hc"]
        ids = [s.scalar(select(User.id).where(User.username == n)) for n in names]
        campaign = create_campaign(
            session=s, user=None, year=clock.local(clock.now()).year + 1, name="并发测试评比",
            criteria=baoding.DEFAULT_CRITERIA, grades=baoding.DEFAULT_GRADES, no_award_grade=baoding.NO_AWARD_GRADE,
            scorer_ids=ids, opens_at=clock.now() - timedelta(hours=1), closes_at=clock.now() + timedelta(days=3),
            opened=True)
        assert len(names) == 20
        return campaign.id, names


def at_scoring(api: Api, campaign_id: int) -> int:
    app_id = api.post("/api/applications", "hc_submitter", expect=201,
                      json={"campaign_id": campaign_id, **flows.GOOD_APPLICATION})["id"]
    flows.submit(api, app_id, "hc_submitter", "hc_leader")
    flows.review_to_scoring(api, app_id)
    return app_id


def test_twenty_scorers_complete_one_instance_at_once(pg_app: Any) -> None:
    api = Api(pg_app)
    campaign_id, scorers = twenty_scorer_campaign(pg_app)
    app_id = at_scoring(api, campaign_id)
    jobs = []
    for i, user in enumerate(scorers):
        task = api.task_for(user, "democratic_scoring", app_id)
        v = 60 + i
        body = {"confirm": True, "score": {"criteria": {c: v for c in
                                       ("innovation", "effectiveness", "promotion", "recognition", "standardization")}}}
        token = api.login(user)
        jobs.append(lambda t=task["id"], tok=token, b=body: post_as(pg_app, tok, f"/api/tasks/{t}/complete", b))
    results = race(jobs)
    assert [code for code, _ in results] == [200] * 20, results
    final = api.get(f"/api/applications/{app_id}", "res_office1")
    calc = final["calculation"]
    assert calc is not None and calc["count"] == 20, calc  # every accepted score was counted once
    assert final["stage"] == "decision"
    with pg_app.extensions["appraisal.sessions"]() as s:
        done = s.scalar(select(func.count()).select_from(Task).where(
            Task.application_id == app_id, Task.element_id == "democratic_scoring", Task.state == "completed"))
        assert done == 20
        scorers_done = s.scalar(select(func.count(func.distinct(Task.completed_by))).where(
            Task.application_id == app_id, Task.element_id == "democratic_scoring", Task.state == "completed"))
        assert scorers_done == 20
        scored_events = s.scalar(select(func.count()).select_from(InstanceEvent).where(
            InstanceEvent.instance_id == final["process_instance_id"], InstanceEvent.element_id == "democratic_scoring",
            InstanceEvent.actor_id.is_not(None)))
        assert scored_events == 20  # each scorer's step in the history, with who did it
        audited = s.scalar(select(func.count()).select_from(AuditRecord).where(
            AuditRecord.action == "complete", AuditRecord.detail["element"].as_string() == "democratic_scoring"))
        assert audited == 20
    open_tasks = [t["element_id"] for t in api.tasks("res_office1", application_id=app_id)]
    assert open_tasks == ["propose_grade"]


PRESENTATION = {"presentation_date": "2027-01-08", "presenter": "刘晓燕", "presentation_notes": "陈述15分钟，答辩5分钟"}


def _at_presentation(api: Api) -> tuple[int, int]:
    """An item the shortlist meeting kept: its presentation is a user task the office's two members can take."""
    app_id = flows.create(api, "hc_submitter")["id"]
    flows.submit(api, app_id, "hc_submitter", "hc_leader")
    flows.shortlist(api, app_id)
    return app_id, api.task_for("res_office1", "record_presentation", app_id)["id"]


def test_two_people_claiming_one_task_one_wins_one_gets_409(pg_app: Any) -> None:
    api = Api(pg_app)
    _, task_id = _at_presentation(api)
    a, b = api.login("res_office1"), api.login("res_office2")
    for _ in range(5):
        results = race([lambda: post_as(pg_app, a, f"/api/tasks/{task_id}/claim"),
                        lambda: post_as(pg_app, b, f"/api/tasks/{task_id}/claim")])
        codes = sorted(code for code, _ in results)
        assert codes == [200, 409], results
        winner = next(body for code, body in results if code == 200)
        loser_token = b if winner["assignee_id"] == api.get("/api/me", "res_office1")["id"] else a
        loser_body = next(body for code, body in results if code == 409)
        assert "已被其他人认领" in loser_body["detail"] and loser_body["status"] == 409
        # the loser cannot complete a task someone else holds
        r = pg_app.test_client().post(f"/api/tasks/{task_id}/complete", json=PRESENTATION,
                                      headers={"Authorization": f"Bearer {loser_token}"})
        assert r.status_code == 403
        winner_token = a if loser_token == b else b
        assert post_as(pg_app, winner_token, f"/api/tasks/{task_id}/unclaim")[0] == 200


@pytest.mark.parametrize("second", ["res_office1", "res_office2"], ids=["same-user-twice", "two-users"])
def test_completing_one_task_twice_at_once_applies_it_once(pg_app: Any, second: str) -> None:
    api = Api(pg_app)
    app_id, task_id = _at_presentation(api)
    body = PRESENTATION
    first_tok, second_tok = api.login("res_office1"), api.login(second)
    results = race([lambda: post_as(pg_app, first_tok, f"/api/tasks/{task_id}/complete", body),
                    lambda: post_as(pg_app, second_tok, f"/api/tasks/{task_id}/complete", body)])
    codes = sorted(code for code, _ in results)
    assert codes == [200, 409], results
    loser = next(b for c, b in results if c == 409)
    assert "已完成" in loser["detail"]  # the state by its name
    app = api.get(f"/api/applications/{app_id}", "res_office1")
    history = api.get(f"/api/process-instances/{app['process_instance_id']}/history", "res_office1")["items"]
    assert [h["element_id"] for h in history].count("record_presentation") == 1
    # the engine moved on exactly once: one scoring task per scorer, nothing else
    assert api.tasks("res_office1", application_id=app_id) == []
    scoring = {u: [t["element_id"] for t in api.tasks(u, application_id=app_id)] for u in SCORER_USERNAMES}
    assert all(rows in ([], ["democratic_scoring"]) for rows in scoring.values()), scoring
    assert any(scoring.values()), scoring
    with pg_app.extensions["appraisal.sessions"]() as s:
        completions = s.scalar(select(func.count()).select_from(AuditRecord).where(
            AuditRecord.action == "complete", AuditRecord.object_id == str(task_id)))
        assert completions == 1


def test_closing_one_shortlist_twice_at_once_decides_each_item_once(pg_app: Any) -> None:
    """The meeting's decision raced: the leader's double click (two requests) closes the list and delivers once."""
    api = Api(pg_app)
    app_id = flows.create(api, "hc_submitter")["id"]
    flows.submit(api, app_id, "hc_submitter", "hc_leader")
    campaign = api.shortlist_sitting([app_id])
    body = {"decisions": [{"application_id": app_id, "shortlisted": True, "review_reasons": "创新性突出"}]}
    leader = api.login("group_leader")
    results = race([lambda: post_as(pg_app, leader, f"/api/campaigns/{campaign}/shortlist/close", body),
                    lambda: post_as(pg_app, leader, f"/api/campaigns/{campaign}/shortlist/close", body)])
    codes = sorted(code for code, _ in results)
    assert codes == [200, 409], results
    app = api.get(f"/api/applications/{app_id}", "res_office1")
    history = api.get(f"/api/process-instances/{app['process_instance_id']}/history", "res_office1")["items"]
    assert [h["element_id"] for h in history].count("preliminary_review") == 1
    assert [t["element_id"] for t in api.tasks("res_office1", application_id=app_id)] == ["record_presentation"]
    with pg_app.extensions["appraisal.sessions"]() as s:
        delivered = s.scalar(select(func.count()).select_from(Task).where(
            Task.application_id == app_id, Task.element_id == "preliminary_review", Task.state == "completed"))
        assert delivered == 1


def test_a_step_computed_from_a_stale_instance_is_refused_and_writes_nothing(app: Any) -> None:
    """The optimistic lock: a writer that read the instance before someone else's step cannot overwrite it.

    Every writer today also locks the row first, so the races above never reach
    this check; it is what stops a writer that forgot to (or an ORM update of a
    stale object) from losing the other step or doing a task twice.
    """
    from sqlalchemy.orm.exc import StaleDataError

    from service.models import Application, ProcessInstance
    from service.workflows.definitions import engine_spec
    from service.workflows import steps

    api = Api(app)
    app_id = flows.create(api, "hc_submitter")["id"]
    services = app.extensions["appraisal.services"]
    sessions = app.extensions["appraisal.sessions"]

    def snapshot() -> tuple[int, int, int, int]:
        with sessions() as s:
            instance_id = s.get(Application, app_id).instance_id
            return (s.get(ProcessInstance, instance_id).revision,
                    s.scalar(select(func.count()).select_from(Task).where(Task.instance_id == instance_id)),
                    s.scalar(select(func.count()).select_from(InstanceEvent).where(InstanceEvent.instance_id == instance_id)),
                    s.scalar(select(func.count()).select_from(AuditRecord)))

    with sessions() as stale:
        instance = stale.get(ProcessInstance, stale.get(Application, app_id).instance_id)
        instance_id = instance.id
        task = stale.scalar(select(Task).where(Task.instance_id == instance.id, Task.state == "open"))
        spec = engine_spec(instance.definition)
        stale.commit()  # the objects keep what was read (expire_on_commit=False)
        api.complete("hc_submitter", "fill_application", app_id, {})  # meanwhile the instance moves on
        after_the_real_step = snapshot()
        result = services.engine.complete_task(**spec, state_json=instance.state, task_id=task.engine_task_id, data={})
        with pytest.raises(StaleDataError):
            plan = steps.plan_step(instance=instance, result=result, actor_id=None, application_id=app_id,
                                   now=clock.now(), completed_task=task)
            steps.write_step(session=stale, plan=plan, instance=instance, result=result, application_id=app_id)
            stale.commit()
        stale.rollback()
    assert snapshot() == after_the_real_step  # the stale step wrote nothing at all
    assert len(api.tasks("hc_leader", application_id=app_id)) == 1  # the sign-off exists once

    with sessions() as stale:  # an ORM update of a stale object: the mapper's version counter refuses it too
        instance = stale.get(ProcessInstance, instance_id)
        stale.commit()
        api.complete("hc_leader", "leader_signoff", app_id, {"signoff_decision": "approve", "leader_name": "领导"})
        after_the_real_step = snapshot()
        instance.error = "stale ORM update"
        with pytest.raises(StaleDataError):
            stale.commit()
    assert snapshot() == after_the_real_step
