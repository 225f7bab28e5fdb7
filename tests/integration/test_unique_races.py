"""A check-then-insert that loses its race to a concurrent transaction answers 409, never 500.

The shape: a use case asks "is there a row for this key?", sees none, inserts, and meets the unique constraint
because another transaction inserted the same key in between (a double click, two tabs). The class is caught
once, in the API's error handler (``retries.unique_violation``); this test checks the classification on both
databases with real constraint errors, and plays the race for real on PostgreSQL for each table a request
inserts after such a check (a barrier in the engine's statement hook orders the two requests, no timing).
"""
from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any, Callable

import pytest
from sqlalchemy import create_engine, event, func, select, text
from sqlalchemy.orm import Session

from service.models import (AuditRecord, Campaign, FormDefinition, OrgUnit, ProcessDefinition, ShortlistView, Task,
                            User)
from tests.api_client import Api
from tests.integration import flows
from tests.integration.test_migration import SUB_V1


def test_a_unique_violation_is_told_apart_from_other_constraints_on_both_databases(pg_only_url: str) -> None:
    """Only a second row with a taken key is the lost race; a NOT NULL or CHECK failure stays a bug (500)."""
    from sqlalchemy.exc import IntegrityError

    from service.workflows import retries

    for url in ("sqlite://", pg_only_url):
        engine = create_engine(url)
        try:
            with engine.begin() as conn:
                conn.execute(text("CREATE TEMPORARY TABLE race_probe (k INTEGER UNIQUE, v INTEGER NOT NULL)"))
                conn.execute(text("INSERT INTO race_probe VALUES (1, 1)"))
                for statement, lost_race in (("INSERT INTO race_probe VALUES (1, 2)", True),
                                             ("INSERT INTO race_probe VALUES (2, NULL)", False)):
                    savepoint = conn.begin_nested()
                    try:
                        conn.execute(text(statement))
                    except IntegrityError as exc:
                        assert retries.unique_violation(exc) is lost_race, (url, statement)
                    else:
                        raise AssertionError(f"{statement} was accepted on {url}")
                    finally:
                        savepoint.rollback()
        finally:
            engine.dispose()


# --- the race played for real on PostgreSQL, with a barrier instead of a clock ------------------------------------
#
# Request 1 runs in a thread; a ``before_cursor_execute`` hook on the app's engine stops that thread (and only it)
# right before its INSERT into the raced table, i.e. after its check found no row. Request 2 then runs its check
# and insert and commits; request 1 resumes and meets the unique constraint. Each hand-over is an Event: nothing
# waits on time or on pg_stat_activity (the timeouts only turn a hang into a failure). SQLite needs no such test:
# its BEGIN IMMEDIATE serialises the check and the insert of every writer (service/extensions.py).

HANG = 60.0


class Barrier:
    """Stops the thread ``arm``\\ ed for it before its first statement inserting into ``table``."""

    def __init__(self, engine: Any, table: str) -> None:
        self.engine, self.prefix = engine, f"INSERT INTO {table} "
        self.thread: int | None = None
        self.stopped, self.resume = threading.Event(), threading.Event()
        event.listen(engine, "before_cursor_execute", self._hook)

    def _hook(self, conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool) -> None:
        if threading.get_ident() != self.thread or not statement.lstrip().startswith(self.prefix):
            return
        self.thread = None  # once
        self.stopped.set()
        if not self.resume.wait(HANG):
            raise AssertionError("the test never let request 1 go on")

    def arm(self) -> None:
        self.thread = threading.get_ident()

    def release(self) -> None:
        self.resume.set()

    def remove(self) -> None:
        """Once no request runs any more (removing a listener while a statement runs its hooks is not allowed)."""
        event.remove(self.engine, "before_cursor_execute", self._hook)


def _in_thread(call: Callable[[], Any], before: Callable[[], None] = lambda: None) -> tuple[threading.Thread, list]:
    answers: list[Any] = []

    def run() -> None:
        before()
        try:
            answers.append(call())
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            answers.append(exc)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, answers


@dataclass
class Race:
    """Two requests that insert the same key; ``count`` says how many rows of it exist (and audit records)."""
    table: str
    setup: Callable[[Api, Any], dict[str, Any]]
    first: Callable[[Api, dict[str, Any]], Any]
    second: Callable[[Api, dict[str, Any]], Any]
    second_status: int
    rows: Callable[[Session, dict[str, Any]], list[Any]]
    audit_action: str


def _shortlist_setup(api: Api, app: Any) -> dict[str, Any]:
    a = flows.create(api, "hc_submitter")["id"]
    flows.submit(api, a, "hc_submitter", "hc_leader")
    cid = flows.campaign_id(api)
    api.post(f"/api/campaigns/{cid}/shortlist/candidates", "res_office1", json={"candidate_ids": [a]})
    with app.extensions["appraisal.sessions"]() as s:
        sitting = s.scalar(select(Task).where(Task.element_id == "shortlist_meeting", Task.state == "open"))
        assert sitting is not None
        return {"a": a, "cid": cid, "sitting": sitting.id}


def _view(view: str, note: str) -> Callable[[Api, dict[str, Any]], Any]:
    return lambda api, w: api.post(f"/api/campaigns/{w['cid']}/shortlist/views", "lg_member1", expect=None,
                                   json={"views": [{"application_id": w["a"], "view": view, "note": note}]})


def _unit(code: str) -> Callable[[Api, dict[str, Any]], Any]:
    return lambda api, w: api.post("/api/org-units", "res_office1", expect=None, json={
        "code": code, "name": "恒信机械工会", "type": "enterprise", "parent_id": w["parent"]})


def _person(username: str) -> Callable[[Api, dict[str, Any]], Any]:
    return lambda api, w: api.post("/api/users", "res_office1", expect=None, json={
        "username": username, "display_name": "韩雪", "unit_id": w["parent"], "roles": ["unit_submitter"],
        "phone": "13900001111"})


def _parent(api: Api, app: Any) -> dict[str, Any]:
    return {"parent": next(u["id"] for u in api.get("/api/org-units", "res_office1")["items"] if u["code"] == "BD-JX")}


def _campaign(name: str) -> Callable[[Api, dict[str, Any]], Any]:
    return lambda api, w: api.post("/api/campaigns", "res_office1", expect=None, json={
        "year": 2031, "name": name, "grades": ["一等奖", "不授奖"], "no_award_grade": "不授奖", "scorer_ids": [],
        "criteria": [{"code": "innovation", "name": "创新性", "weight": 1, "max": 100}]})


def _form(title: str) -> Callable[[Api, dict[str, Any]], Any]:
    return lambda api, w: api.call("PUT", "/api/forms/race_record", "process_admin", None, json={"schema": {
        "title": title, "type": "object", "additionalProperties": False, "required": ["note"],
        "properties": {"note": {"type": "string", "maxLength": 200, "title": "记录"}}}})


def _process(name: str) -> Callable[[Api, dict[str, Any]], Any]:
    xml = SUB_V1.replace('name="子流程复核"', f'name="{name}"').encode()
    return lambda api, w: api.call("POST", "/api/process-definitions?comment=race", "process_admin", None, data=xml,
                                   content_type="application/xml")


RACES = {
    # two tabs: the member's view on the item, recorded twice at once (the 500 this class was found by)
    "shortlist_views": Race(
        "shortlist_views", _shortlist_setup, _view("in", "成效突出"), _view("out", "另一个标签页"), 200,
        lambda s, w: [(r.view, r.note) for r in s.scalars(select(ShortlistView).where(
            ShortlistView.sitting_task_id == w["sitting"]))], "shortlist_view"),
    # a unit code is unique whatever its case: the check compares lower-cased codes, and so does the index now
    "org_units": Race(
        "org_units", _parent, _unit("JX-R01"), _unit("jx-r01"), 201,
        lambda s, w: list(s.scalars(select(OrgUnit.code).where(func.lower(OrgUnit.code) == "jx-r01"))), "create_unit"),
    "users": Race(
        "users", _parent, _person("race_person"), _person("Race_Person"), 201,
        lambda s, w: list(s.scalars(select(User.username).where(func.lower(User.username) == "race_person"))),
        "create_person"),
    # the federation's campaign has no owner: NULL never equalled NULL in the unique constraint
    "campaigns": Race(
        "campaigns", lambda api, app: {}, _campaign("2031年度评比（甲）"), _campaign("2031年度评比（乙）"), 201,
        lambda s, w: list(s.scalars(select(Campaign.name).where(Campaign.year == 2031,
                                                                 Campaign.owner_unit_id.is_(None)))), "create"),
    # two administrators publish a form at once: both read the same newest version and take the next one
    "form_definitions": Race(
        "form_definitions", lambda api, app: {}, _form("讲述记录（甲）"), _form("讲述记录（乙）"), 201,
        lambda s, w: list(s.scalars(select(FormDefinition.version).where(FormDefinition.key == "race_record"))),
        "deploy_form"),
    # two deploys of one process at once: both take the next version number
    "process_definitions": Race(
        "process_definitions", lambda api, app: {}, _process("子流程复核（甲）"), _process("子流程复核（乙）"), 201,
        lambda s, w: list(s.scalars(select(ProcessDefinition.version).where(ProcessDefinition.key == "sub_review"))),
        "deploy"),
}


@pytest.mark.parametrize("race", list(RACES), ids=list(RACES))
def test_a_check_then_insert_that_loses_its_race_is_a_409_and_nothing_of_it_is_kept(pg_app: Any, race: str) -> None:
    case = RACES[race]
    api = Api(pg_app)
    world = case.setup(api, pg_app)
    for user in ("lg_member1", "res_office1", "process_admin"):
        api.login(user)
    sessions = pg_app.extensions["appraisal.sessions"]
    with sessions() as s:
        audits_before = s.scalar(select(func.count()).select_from(AuditRecord).where(AuditRecord.action == case.audit_action))
    barrier = Barrier(pg_app.extensions["appraisal.db_engine"], case.table)
    first, first_answer = _in_thread(lambda: case.first(api, world), before=barrier.arm)
    try:
        assert barrier.stopped.wait(HANG), f"request 1 never reached its INSERT INTO {case.table}: {first_answer}"
        second, second_answer = _in_thread(lambda: case.second(api, world))
        second.join(HANG)
        assert not second.is_alive(), "request 2 waited on request 1 (a lock taken before the insert?)"
        assert second_answer[0].status_code == case.second_status, second_answer[0].get_data(as_text=True)[:500]
    finally:
        barrier.release()  # request 1 goes on (also when the test failed above)
        first.join(HANG)
        barrier.remove()
    assert first_answer, "request 1 did not answer"
    answer = first_answer[0]
    assert answer.status_code == 409, answer.get_data(as_text=True)[:500]
    assert answer.headers["Content-Type"] == "application/problem+json"
    body = answer.get_json()
    assert body["conflict"] == case.table and "刷新" in body["detail"]
    assert "（" in body["detail"]  # it says what was saved meanwhile
    # nothing of request 1 was kept: only request 2's row, and only its audit record
    with sessions() as s:
        assert len(case.rows(s, world)) == 1, case.rows(s, world)
        audits = s.scalar(select(func.count()).select_from(AuditRecord).where(AuditRecord.action == case.audit_action))
        assert audits - audits_before == 1
