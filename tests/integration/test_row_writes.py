"""rows.update_row: only what differs is written, the ORM agrees afterwards, a lost race writes nothing."""
from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import event, select, text
from sqlalchemy.orm.exc import StaleDataError

from service.models import Application, ProcessInstance
from service.repositories import rows
from tests.api_client import Api
from tests.integration import flows


def _instance_id(app: Any) -> int:
    application_id = flows.create(Api(app), "hc_submitter")["id"]
    with app.extensions["appraisal.sessions"]() as s:
        return s.scalar(select(Application.instance_id).where(Application.id == application_id))


def _updates(app: Any) -> list[str]:
    seen: list[str] = []
    event.listen(app.extensions["appraisal.db_engine"], "before_cursor_execute",
                 lambda conn, cur, statement, *_: seen.append(statement) if statement.startswith("UPDATE") else None)
    return seen


def test_writes_only_what_differs_and_leaves_nothing_to_flush(app: Any) -> None:
    instance_id = _instance_id(app)
    updates = _updates(app)
    with app.extensions["appraisal.sessions"]() as s:
        instance = s.get(ProcessInstance, instance_id)
        revision = instance.revision
        assert rows.update_row(s, instance, {"status": instance.status}, versioned=True) is False
        assert updates == []
        assert rows.update_row(s, instance, {"status": instance.status, "error": "checked"}, versioned=True)
        assert len(updates) == 1 and "error" in updates[0] and "status" not in updates[0].split("WHERE")[0]
        assert (instance.error, instance.revision) == ("checked", revision + 1)
        assert not s.dirty  # the object agrees with the row: the commit's flush writes nothing more
        s.commit()
    assert len(updates) == 1
    with app.extensions["appraisal.sessions"]() as s:
        stored = s.get(ProcessInstance, instance_id)
        assert (stored.error, stored.revision) == ("checked", revision + 1)


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
        with pytest.raises(StaleDataError):
            rows.update_row(late, stale, {"error": "late"}, versioned=True)
        late.rollback()
    with sessions() as s:
        stored = s.get(ProcessInstance, instance_id)
        assert (stored.error, stored.revision) == ("first", revision + 1)


def test_new_objects_are_refused(app: Any) -> None:
    with app.extensions["appraisal.sessions"]() as s:
        with pytest.raises(ValueError):
            rows.update_row(s, ProcessInstance(business_key="x"), {"status": "active"})
