"""rows: queued writes go out before the next statement or the commit, together, and a lost race writes nothing."""
from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.orm.exc import StaleDataError

from service.models import Application, AuditRecord, ProcessInstance, Task
from service.repositories import rows
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


def test_writes_only_what_differs_and_leaves_nothing_to_flush(app: Any) -> None:
    instance_id = _instance_id(app)
    seen = _statements(app)
    with app.extensions["appraisal.sessions"]() as s:
        instance = s.get(ProcessInstance, instance_id)
        revision = instance.revision
        assert rows.update_row(s, instance, {"status": instance.status}, versioned=True) is False
        assert rows.update_row(s, instance, {"status": instance.status, "error": "checked"}, versioned=True)
        assert _writes(seen) == []  # queued, not sent yet
        assert (instance.error, instance.revision) == ("checked", revision + 1)
        assert not s.dirty  # the object agrees with the row: the commit's flush writes nothing more
        s.commit()
    written = _writes(seen)
    assert len(written) == 1 and "error" in written[0] and "status" not in written[0].split("WHERE")[0]
    with app.extensions["appraisal.sessions"]() as s:
        stored = s.get(ProcessInstance, instance_id)
        assert (stored.error, stored.revision) == ("checked", revision + 1)


def test_a_statement_sees_the_queued_writes(app: Any) -> None:
    instance_id = _instance_id(app)
    with app.extensions["appraisal.sessions"]() as s:
        instance = s.get(ProcessInstance, instance_id)
        rows.update_row(s, instance, {"error": "seen"})
        audit.record(s, actor=None, action="probe", object_type="process_instance", object_id=instance_id)
        assert s.scalar(select(ProcessInstance.error).where(ProcessInstance.id == instance_id)) == "seen"
        assert s.scalar(select(func.count()).select_from(AuditRecord).where(AuditRecord.action == "probe")) == 1
        s.rollback()
    with app.extensions["appraisal.sessions"]() as s:
        assert s.get(ProcessInstance, instance_id).error is None
        assert s.scalar(select(func.count()).select_from(AuditRecord).where(AuditRecord.action == "probe")) == 0


def test_queued_writes_travel_as_one_statement_on_postgresql(app: Any, db_url: str) -> None:
    instance_id = _instance_id(app)
    seen = _statements(app)
    with app.extensions["appraisal.sessions"]() as s:
        instance = s.get(ProcessInstance, instance_id)
        task = s.scalar(select(Task).where(Task.instance_id == instance_id))
        revision = instance.revision
        rows.update_row(s, instance, {"error": "batched"}, versioned=True)
        rows.update_row(s, task, {"name": "renamed"})
        for n in (1, 2):
            audit.record(s, actor=None, action=f"probe{n}", object_type="process_instance", object_id=instance_id,
                         detail={"n": n, "名称": "审核"})
        s.commit()
    written = _writes(seen)
    if db_url.startswith("postgresql"):
        assert len(written) == 1 and written[0].lstrip().startswith("WITH")
    else:
        assert len(written) == 4
    with app.extensions["appraisal.sessions"]() as s:
        assert (s.get(ProcessInstance, instance_id).error, s.get(ProcessInstance, instance_id).revision) == (
            "batched", revision + 1)
        assert s.scalar(select(Task.name).where(Task.id == task.id)) == "renamed"
        details = s.scalars(select(AuditRecord.detail).where(AuditRecord.action.in_(["probe1", "probe2"]))
                            .order_by(AuditRecord.id)).all()
        assert details == [{"n": 1, "名称": "审核"}, {"n": 2, "名称": "审核"}]


def test_the_same_row_twice_is_written_in_order(app: Any) -> None:
    instance_id = _instance_id(app)
    with app.extensions["appraisal.sessions"]() as s:
        instance = s.get(ProcessInstance, instance_id)
        revision = instance.revision
        rows.update_row(s, instance, {"error": "first"}, versioned=True)
        rows.update_row(s, instance, {"error": "second"}, versioned=True)
        s.commit()
    with app.extensions["appraisal.sessions"]() as s:
        stored = s.get(ProcessInstance, instance_id)
        assert (stored.error, stored.revision) == ("second", revision + 2)


def test_lost_race_raises_and_writes_nothing(app: Any) -> None:
    instance_id = _instance_id(app)
    sessions = app.extensions["appraisal.sessions"]
    with sessions() as late:
        stale = late.get(ProcessInstance, instance_id)
        revision = stale.revision
        late.commit()  # the values stay loaded (expire_on_commit is off); the next statement is a new transaction
        with sessions() as first:
            rows.update_row(first, first.get(ProcessInstance, instance_id), {"error": "first"}, versioned=True)
            first.commit()
        rows.update_row(late, stale, {"error": "late"}, versioned=True)
        audit.record(late, actor=None, action="late_probe", object_type="process_instance", object_id=instance_id)
        with pytest.raises(StaleDataError):
            late.commit()
        late.rollback()
    with sessions() as s:
        stored = s.get(ProcessInstance, instance_id)
        assert (stored.error, stored.revision) == ("first", revision + 1)
        assert s.scalar(select(func.count()).select_from(AuditRecord).where(AuditRecord.action == "late_probe")) == 0


def test_rollback_discards_the_queue(app: Any) -> None:
    instance_id = _instance_id(app)
    seen = _statements(app)
    with app.extensions["appraisal.sessions"]() as s:
        instance = s.get(ProcessInstance, instance_id)
        s.commit()
        rows.update_row(s, instance, {"error": "discarded"})  # queued outside any statement's transaction
        s.rollback()
        s.commit()
    assert _writes(seen) == []
    with app.extensions["appraisal.sessions"]() as s:
        assert s.get(ProcessInstance, instance_id).error is None


def test_new_objects_are_refused(app: Any) -> None:
    with app.extensions["appraisal.sessions"]() as s:
        with pytest.raises(ValueError):
            rows.update_row(s, ProcessInstance(business_key="x"), {"status": "active"})


def test_savepoints_are_refused(app: Any) -> None:
    instance_id = _instance_id(app)
    with app.extensions["appraisal.sessions"]() as s:
        instance = s.get(ProcessInstance, instance_id)
        with s.begin_nested():
            with pytest.raises(RuntimeError, match="savepoint"):
                rows.update_row(s, instance, {"error": "inside"})
