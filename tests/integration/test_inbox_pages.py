"""The inbox merges its candidate branches in due order, pages them, and caps its count."""
from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import insert, select

from service import clock
from service.auth import policies
from service.models import Application, OrgUnit, Task, User, UserRole
from service.workflows import tasks as task_use_cases
from tests.api_client import Api
from tests.integration import flows
from tests.web_client import logged_in

USER = "res_office1"


def _seed(app: Any, api: Api) -> tuple[User, list[Task]]:
    """Open tasks in every branch an office user reads (named, lane-wide, own unit) and in none of them."""
    application_id = flows.create(api, "hc_submitter")["id"]
    with app.extensions["appraisal.sessions"]() as s:
        user = s.scalar(select(User).where(User.username == USER))
        other = s.scalar(select(User).where(User.username == "lg_member1"))
        instance_id = s.scalar(select(Application.instance_id).where(Application.id == application_id))
        other_unit = s.scalar(select(OrgUnit.id).where(OrgUnit.id != user.unit_id).limit(1))
        now = clock.now()
        rows = []
        for n in range(60):
            kind = n % 6
            rows.append({
                "engine_task_id": f"inbox-{n}", "instance_id": instance_id, "element_id": "record_presentation",
                "name": f"任务{n}", "form_key": "presentation", "stage": "presentation", "state": "open",
                "created_at": now, "reminders_sent": [],
                # several rows share a due time, some have none: the id breaks ties, undated rows go last
                "due_at": None if n % 7 == 0 else now + timedelta(hours=(n * 5) % 11),
                # own-unit rows are a unit lane's (a federation role's pool is its campaign owner, not its unit)
                "role": {2: "unit_leader", 4: "scorer"}.get(kind, "office"),
                "candidate_user_id": {0: user.id, 4: other.id}.get(kind),
                "unit_id": {2: user.unit_id, 3: other_unit}.get(kind),
            })
        user.role_rows.append(UserRole(role="unit_leader", unit_id=user.unit_id))  # draws from its unit's lane too
        s.execute(insert(Task.__table__), rows)
        s.commit()
        opened = list(s.scalars(select(Task).where(Task.state == "open")))
        s.expunge_all()
    return user, opened


def _expected(user: User, opened: list[Task]) -> list[int]:
    mine = [t for t in opened if policies.is_candidate(user, t)]
    mine.sort(key=lambda t: (t.due_at is None, t.due_at.timestamp() if t.due_at else 0.0, t.id))
    return [t.id for t in mine]


def test_pages_merge_every_branch_in_due_order(app: Any) -> None:
    api = Api(app)
    user, opened = _seed(app, api)
    expected = _expected(user, opened)
    assert len(expected) > 30  # named, lane-wide and own-unit rows all count
    seen: list[int] = []
    for page in range(1, 8):
        body = api.get(f"/api/tasks?page={page}&page_size=7", USER)
        assert body["total"] == len(expected) and body["total_exact"] is True
        seen += [t["id"] for t in body["items"]]
    assert seen == expected


def test_filters_apply_to_every_branch(app: Any) -> None:
    api = Api(app)
    user, opened = _seed(app, api)
    expected = [i for i in _expected(user, opened)
                if next(t for t in opened if t.id == i).role == "office"]
    body = api.get("/api/tasks?role=office&page_size=200", USER)
    assert [t["id"] for t in body["items"]] == expected


def test_count_stops_at_the_cap(app: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    api = Api(app)
    user, opened = _seed(app, api)
    expected = _expected(user, opened)
    monkeypatch.setattr(task_use_cases, "TASK_COUNT_CAP", 10)
    body = api.get("/api/tasks?page_size=5", USER)
    assert (body["total"], body["total_exact"]) == (10, False)
    assert [t["id"] for t in body["items"]] == expected[:5]
    monkeypatch.setattr(task_use_cases, "TASK_COUNT_CAP", len(expected))
    body = api.get("/api/tasks?page_size=5", USER)
    assert (body["total"], body["total_exact"]) == (len(expected), True)


def test_inbox_page_says_more_than_the_cap(app: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    api = Api(app)
    _seed(app, api)
    client, _ = logged_in(app, USER)
    monkeypatch.setattr(task_use_cases, "TASK_COUNT_CAP", 10)
    page = client.get("/").get_data(as_text=True)
    assert '<span class="num" id="open-count">10+</span>' in page
