"""A step that opens several reviewer tasks queues its ``task_assigned`` rows in one INSERT.

The rows must be exactly those the per-recipient ``outbox.enqueue`` calls wrote:
one per active candidate and usable channel (no e-mail row for a user without
an address, nothing for an inactive user), keyed ``task_assigned:<task>:<user>:<channel>``.
Runs on SQLite and PostgreSQL (the ``app`` fixture).
"""
from __future__ import annotations

from contextlib import contextmanager
from typing import Any, Iterator

from sqlalchemy import event, select, update

from service import clock
from service.models import OutboxMessage, Task, User
from service.workflows import outbox
from tests.api_client import Api
from tests.integration import flows


def _users(app: Any, *usernames: str) -> dict[str, int]:
    with app.extensions["appraisal.sessions"]() as s:
        rows = s.execute(select(User.username, User.id).where(User.username.in_(usernames))).tuples()
        return {name: user_id for name, user_id in rows}


def _change_user(app: Any, username: str, **values: Any) -> None:
    with app.extensions["appraisal.sessions"]() as s:
        s.execute(update(User).where(User.username == username).values(**values))
        s.commit()


@contextmanager
def _statements(app: Any) -> Iterator[list[str]]:
    seen: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *_: Any) -> None:
        seen.append(" ".join(statement.split()))

    engine = app.extensions["appraisal.db_engine"]
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


def _assigned_keys(app: Any, task_ids: set[int]) -> set[str]:
    with app.extensions["appraisal.sessions"]() as s:
        return {row.dedupe_key for row in s.scalars(select(OutboxMessage).where(OutboxMessage.template == "task_assigned"))
                if int(row.dedupe_key.split(":")[1]) in task_ids}


def _open_tasks(app: Any, application_id: int, element: str) -> list[Task]:
    with app.extensions["appraisal.sessions"]() as s:
        return list(s.scalars(select(Task).where(Task.application_id == application_id, Task.element_id == element,
                                                 Task.state == "open").order_by(Task.id)))


def _outbox_inserts(statements: list[str]) -> list[str]:
    return [s for s in statements if s.upper().startswith("INSERT INTO OUTBOX")]


def test_parallel_scoring_tasks_are_announced_with_one_insert(app: Any) -> None:
    api = Api(app)
    app_id = flows.create(api, "hc_submitter")["id"]
    flows.submit(api, app_id, "hc_submitter", "hc_leader")
    api.complete("lg_member1", "preliminary_review", app_id, {"shortlisted": True, "review_reasons": "创新性突出"})
    _change_user(app, "scorer_org", email=None)
    _change_user(app, "scorer_pub", is_active=False)
    with _statements(app) as statements:
        api.complete("res_office1", "record_presentation", app_id, {
            "presentation_date": "2027-01-08", "presenter": "刘晓燕", "presentation_notes": "陈述15分钟，答辩5分钟"})
    tasks = _open_tasks(app, app_id, "democratic_scoring")
    ids = _users(app, "scorer_org", "scorer_pub")
    candidates = {t.candidate_user_id: t.id for t in tasks}
    # scorers are the campaign's active ones when scoring begins: the deactivated one gets no sheet
    assert len(tasks) >= 4 and ids["scorer_org"] in candidates and ids["scorer_pub"] not in candidates
    with app.extensions["appraisal.sessions"]() as s:
        people = {u.id: u for u in s.scalars(select(User).where(User.id.in_(candidates)))}
    expected = {f"task_assigned:{task_id}:{user_id}:{channel}"
                for user_id, task_id in candidates.items() if people[user_id].is_active
                for channel in (("inapp",) if user_id == ids["scorer_org"] else ("email", "inapp"))}
    assert len(expected) == 2 * (len(tasks) - 1) + 1
    assert _assigned_keys(app, set(candidates.values())) == expected
    assert len(_outbox_inserts(statements)) == 1, _outbox_inserts(statements)
    user_lookups = [s for s in statements if s.upper().startswith("SELECT") and "FROM USERS" in s.upper()
                    and "USERS.ID IN" in s.upper()]
    assert len(user_lookups) == 1, user_lookups  # all scorers in one query, not one per task
    with app.extensions["appraisal.sessions"]() as s:
        row = s.scalar(select(OutboxMessage).where(
            OutboxMessage.dedupe_key == f"task_assigned:{candidates[ids['scorer_org']]}:{ids['scorer_org']}:inapp"))
        assert row is not None and row.recipient_user_id == ids["scorer_org"] and row.status == "pending"
        assert row.recipient == {"user_id": ids["scorer_org"], "name": people[ids["scorer_org"]].display_name,
                                 "email": None, "phone": None, "locale": "zh-CN"}
        assert row.context["link"] == f"/tasks/{candidates[ids['scorer_org']]}"
        assert row.context["task_name"] == tasks[0].name and row.attempts == 0


def test_role_pool_task_is_announced_to_active_members_with_one_insert(app: Any) -> None:
    api = Api(app)
    app_id = flows.create(api, "hc_submitter")["id"]
    api.complete("hc_submitter", "fill_application", app_id, {})
    _change_user(app, "res_office1", email=None)
    _change_user(app, "res_office2", is_active=False)
    with _statements(app) as statements:
        api.complete("hc_leader", "leader_signoff", app_id, {"signoff_decision": "approve", "leader_name": "主要领导"})
    # the item now waits for the shortlist: the campaign's review starts and the office's pool task opens
    with app.extensions["appraisal.sessions"]() as s:
        task = s.scalar(select(Task).where(Task.element_id == "prepare_shortlist", Task.state == "open"))
        assert task is not None and task.application_id is None
    ids = _users(app, "res_office1", "res_office2")
    assert _assigned_keys(app, {task.id}) == {f"task_assigned:{task.id}:{ids['res_office1']}:inapp"}
    assert len(_outbox_inserts(statements)) == 1


def test_insert_rows_keeps_the_first_row_per_key_and_skips_existing_keys(app: Any) -> None:
    with app.extensions["appraisal.sessions"]() as s:
        user = s.scalar(select(User).where(User.username == "lg_member1"))
        assert user is not None
        now = clock.now()
        first = outbox.rows_for(key="batch-test:a", user=user, template="task_assigned", context={"n": 1}, now=now)
        again = outbox.rows_for(key="batch-test:a", user=user, template="task_assigned", context={"n": 2}, now=now)
        other = outbox.rows_for(key="batch-test:b", user=user, template="task_assigned", context={"n": 3},
                                channels=("inapp", "sms"), now=now)
        assert [r["channel"] for r in first] == ["email", "inapp"] and [r["channel"] for r in other] == ["inapp"]
        assert outbox.insert_rows(s, [*first, *again]) == 2
        assert outbox.insert_rows(s, [*again, *other]) == 1
        assert outbox.enqueue(s, key="batch-test:b", user=user, template="task_assigned", context={}) == 1
        assert outbox.insert_rows(s, []) == 0
        user.is_active = False
        assert outbox.enqueue(s, key="batch-test:c", user=user, template="task_assigned", context={}) == 0
        s.commit()
        rows = {r.dedupe_key: r.context for r in s.scalars(
            select(OutboxMessage).where(OutboxMessage.dedupe_key.like("batch-test:%")))}
    assert rows == {"batch-test:a:email": {"n": 1}, "batch-test:a:inapp": {"n": 1}, "batch-test:b:inapp": {"n": 3},
                    "batch-test:b:email": {}}
