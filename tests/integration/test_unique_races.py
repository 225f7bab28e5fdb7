"""A check-then-insert that loses its race to a concurrent transaction answers 409, never 500.

The shape: a use case asks "is there a row for this key?", sees none, inserts, and meets the unique constraint
because another transaction inserted the same key in between (a double click, two tabs). The class is caught
once, in the API's error handler (``retries.unique_violation``); this test plays the race for real on
PostgreSQL: a second connection holds an uncommitted row with the same key until the request is waiting on it.
"""
from __future__ import annotations

import threading
import time
from typing import Any

from sqlalchemy import create_engine, select, text

from service import clock
from service.models import ShortlistView, Task, User
from tests.api_client import Api
from tests.integration import flows


def _wait_for_lock_waiter(url: str, timeout: float = 30.0) -> None:
    """Until some backend waits on a row lock (the request's INSERT behind the held row)."""
    engine = create_engine(url)
    try:
        deadline = time.monotonic() + timeout
        with engine.connect() as conn:
            while time.monotonic() < deadline:
                waiting = conn.execute(text("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                                            "AND query ILIKE '%shortlist_views%'")).scalar()
                if waiting:
                    return
                time.sleep(0.05)
        raise AssertionError("the request never waited on the held row")
    finally:
        engine.dispose()


def test_the_same_view_written_twice_at_once_is_a_409_and_one_row(pg_app: Any, pg_only_url: str) -> None:
    api = Api(pg_app)
    a = flows.create(api, "hc_submitter")["id"]
    flows.submit(api, a, "hc_submitter", "hc_leader")
    cid = flows.campaign_id(api)
    api.post(f"/api/campaigns/{cid}/shortlist/candidates", "res_office1", json={"candidate_ids": [a]})
    with pg_app.extensions["appraisal.sessions"]() as s:
        sitting = s.scalar(select(Task).where(Task.element_id == "shortlist_meeting", Task.state == "open"))
        member = s.scalar(select(User).where(User.username == "lg_member1"))
        assert sitting is not None and member is not None
        sitting_id, member_id = sitting.id, member.id

    other = create_engine(pg_only_url)
    held = other.connect()
    tx = held.begin()
    held.execute(ShortlistView.__table__.insert().values(sitting_task_id=sitting_id, application_id=a,
                                                         user_id=member_id, view="out", note="另一个标签页",
                                                         at=clock.now()))
    api.login("lg_member1")
    answers: list[Any] = []
    request = threading.Thread(target=lambda: answers.append(api.post(
        f"/api/campaigns/{cid}/shortlist/views", "lg_member1", expect=None,
        json={"views": [{"application_id": a, "view": "in", "note": "成效突出"}]})))
    request.start()
    try:
        _wait_for_lock_waiter(pg_only_url)
    finally:
        tx.commit()
        held.close()
        other.dispose()
    request.join(timeout=60)
    assert answers, "the request did not answer"
    answer = answers[0]
    assert answer.status_code == 409, answer.get_data(as_text=True)[:500]
    assert answer.headers["Content-Type"] == "application/problem+json"
    assert "刷新" in answer.get_json()["detail"]
    # nothing of the losing request was kept: the row is the one that won, and no audit record claims the view
    with pg_app.extensions["appraisal.sessions"]() as s:
        rows = s.scalars(select(ShortlistView).where(ShortlistView.sitting_task_id == sitting_id)).all()
        assert [(r.user_id, r.view, r.note) for r in rows] == [(member_id, "out", "另一个标签页")]
    sitting_after = api.get(f"/api/campaigns/{cid}/shortlist", "lg_member1")
    assert sitting_after["sitting"]


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
