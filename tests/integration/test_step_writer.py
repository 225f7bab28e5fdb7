"""The step writer (service/repositories/steps.py): a plan's rows go out when it is written, together, and a lost
race writes nothing; no session listener writes anything behind a caller's back.

(Rewritten from test_row_writes.py, which tested the queue the writer replaced: each of its cases is here, as
the writer does it.)
"""
from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from service import clock
from service.models import Application, AuditRecord, ProcessInstance, Task
from service.repositories import steps as writer
from service.repositories.steps import StepPlan
from service.workflows import audit
from tests.api_client import Api
from tests.integration import flows


def _instance_id(app: Any) -> int:
    application_id = flows.create(Api(app), "hc_submitter")["id"]
    with app.extensions["appraisal.sessions"]() as s:
        return s.scalar(select(Application.instance_id).where(Application.id == application_id))


def _statements(app: Any) -> list[str]:
    seen: list[str] = []
    event.listen(app.extensions["appraisal.db_engine"], "before_cursor_execute",
                 lambda conn, cur, statement, *_: seen.append(statement))
    return seen


def _writes(seen: list[str]) -> list[str]:
    return [s for s in seen if s.lstrip().startswith(("UPDATE", "INSERT", "WITH"))]


def _listeners(session: Session) -> list[str]:
    return [name for name in session.dispatch._event_names for _ in getattr(session.dispatch, name)]


def test_no_session_listeners_are_registered(app: Any) -> None:
    """Nothing flushes or writes on a read or a commit behind the caller's back: no class-wide Session listener."""
    assert _listeners(Session()) == []
    assert _listeners(sessionmaker()()) == []
    with app.extensions["appraisal.sessions"]() as s:
        assert _listeners(s) == []


def test_writes_only_what_differs_and_leaves_nothing_to_flush(app: Any) -> None:
    instance_id = _instance_id(app)
    seen = _statements(app)
    with app.extensions["appraisal.sessions"]() as s:
        instance = s.get(ProcessInstance, instance_id)
        revision = instance.revision
        unchanged = StepPlan(instance_id=instance_id, at=clock.now())
        unchanged.change(instance, {"status": instance.status}, versioned=True)
        writer.write(s, unchanged)
        assert _writes(seen) == [] and instance.revision == revision  # nothing differed: nothing sent
        plan = StepPlan(instance_id=instance_id, at=clock.now())
        plan.change(instance, {"status": instance.status, "error": "checked"}, versioned=True)
        assert _writes(seen) == []  # planned, not sent
        writer.write(s, plan)
        assert (instance.error, instance.revision) == ("checked", revision + 1)
        assert not s.dirty  # the object agrees with the row: the commit's flush writes nothing more
        s.commit()
    written = _writes(seen)
    assert len(written) == 1 and "error" in written[0] and "status" not in written[0].split("WHERE")[0]
    with app.extensions["appraisal.sessions"]() as s:
        stored = s.get(ProcessInstance, instance_id)
        assert (stored.error, stored.revision) == ("checked", revision + 1)


def test_written_rows_are_seen_by_the_next_statement_and_a_rollback_discards_them(app: Any) -> None:
    instance_id = _instance_id(app)
    with app.extensions["appraisal.sessions"]() as s:
        instance = s.get(ProcessInstance, instance_id)
        plan = StepPlan(instance_id=instance_id, at=clock.now())
        plan.change(instance, {"error": "seen"})
        audit.record(s, actor=None, action="probe", object_type="process_instance", object_id=instance_id, plan=plan)
        writer.write(s, plan)
        assert s.scalar(select(ProcessInstance.error).where(ProcessInstance.id == instance_id)) == "seen"
        assert s.scalar(select(func.count()).select_from(AuditRecord).where(AuditRecord.action == "probe")) == 1
        s.rollback()
    with app.extensions["appraisal.sessions"]() as s:
        assert s.get(ProcessInstance, instance_id).error is None
        assert s.scalar(select(func.count()).select_from(AuditRecord).where(AuditRecord.action == "probe")) == 0


def test_a_plan_travels_as_one_statement_on_postgresql(app: Any, db_url: str) -> None:
    instance_id = _instance_id(app)
    seen = _statements(app)
    with app.extensions["appraisal.sessions"]() as s:
        instance = s.get(ProcessInstance, instance_id)
        task = s.scalar(select(Task).where(Task.instance_id == instance_id))
        revision = instance.revision
        plan = StepPlan(instance_id=instance_id, at=clock.now())
        plan.change(instance, {"error": "batched"}, versioned=True)
        plan.change(task, {"name": "renamed"})
        for n in (1, 2):
            audit.record(s, actor=None, action=f"probe{n}", object_type="process_instance", object_id=instance_id,
                         detail={"n": n, "名称": "审核"}, plan=plan)
        writer.write(s, plan)
        s.commit()
    written = _writes(seen)
    if db_url.startswith("postgresql"):
        assert len(written) == 1 and written[0].lstrip().startswith("WITH")
    else:
        assert len(written) == 3  # the two updates, and the audit rows in one INSERT
    with app.extensions["appraisal.sessions"]() as s:
        assert (s.get(ProcessInstance, instance_id).error, s.get(ProcessInstance, instance_id).revision) == (
            "batched", revision + 1)
        assert s.scalar(select(Task.name).where(Task.id == task.id)) == "renamed"
        details = s.scalars(select(AuditRecord.detail).where(AuditRecord.action.in_(["probe1", "probe2"]))
                            .order_by(AuditRecord.id)).all()
        assert details == [{"n": 1, "名称": "审核"}, {"n": 2, "名称": "审核"}]


def test_the_same_row_planned_twice_is_one_update_with_the_later_values(app: Any) -> None:
    instance_id = _instance_id(app)
    with app.extensions["appraisal.sessions"]() as s:
        instance = s.get(ProcessInstance, instance_id)
        revision = instance.revision
        plan = StepPlan(instance_id=instance_id, at=clock.now())
        plan.change(instance, {"error": "first", "status": instance.status}, versioned=True)
        plan.change(instance, {"error": "second"})
        assert len(plan.changes) == 1 and plan.planned(instance, "error") == "second"
        writer.write(s, plan)
        s.commit()
    with app.extensions["appraisal.sessions"]() as s:
        stored = s.get(ProcessInstance, instance_id)
        assert (stored.error, stored.revision) == ("second", revision + 1)


def test_lost_race_raises_and_writes_nothing(app: Any) -> None:
    instance_id = _instance_id(app)
    sessions = app.extensions["appraisal.sessions"]
    with sessions() as late:
        stale = late.get(ProcessInstance, instance_id)
        revision = stale.revision
        late.commit()  # the values stay loaded (expire_on_commit is off); the next statement is a new transaction
        with sessions() as first:
            plan = StepPlan(instance_id=instance_id, at=clock.now())
            plan.change(first.get(ProcessInstance, instance_id), {"error": "first"}, versioned=True)
            writer.write(first, plan)
            first.commit()
        plan = StepPlan(instance_id=instance_id, at=clock.now())
        plan.change(stale, {"error": "late"}, versioned=True)
        audit.record(late, actor=None, action="late_probe", object_type="process_instance", object_id=instance_id,
                     plan=plan)
        with pytest.raises(StaleDataError):
            writer.write(late, plan)
        late.rollback()
    with sessions() as s:
        stored = s.get(ProcessInstance, instance_id)
        assert (stored.error, stored.revision) == ("first", revision + 1)
        assert s.scalar(select(func.count()).select_from(AuditRecord).where(AuditRecord.action == "late_probe")) == 0


def test_a_plan_not_written_writes_nothing(app: Any) -> None:
    instance_id = _instance_id(app)
    seen = _statements(app)
    with app.extensions["appraisal.sessions"]() as s:
        instance = s.get(ProcessInstance, instance_id)
        plan = StepPlan(instance_id=instance_id, at=clock.now())
        plan.change(instance, {"error": "never sent"})
        s.commit()
    assert _writes(seen) == []
    with app.extensions["appraisal.sessions"]() as s:
        assert s.get(ProcessInstance, instance_id).error is None


def test_new_objects_are_refused(app: Any) -> None:
    with app.extensions["appraisal.sessions"]() as s:
        plan = StepPlan(instance_id=0, at=clock.now())
        plan.change(ProcessInstance(business_key="x"), {"status": "active"})
        with pytest.raises(ValueError):
            writer.write(s, plan)


def test_savepoints_are_refused(app: Any) -> None:
    instance_id = _instance_id(app)
    with app.extensions["appraisal.sessions"]() as s:
        instance = s.get(ProcessInstance, instance_id)
        plan = StepPlan(instance_id=instance_id, at=clock.now())
        plan.change(instance, {"error": "inside"})
        with s.begin_nested():
            with pytest.raises(RuntimeError, match="savepoint"):
                writer.write(s, plan)
