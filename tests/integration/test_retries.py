"""Retries on the database's error codes (service/workflows/retries.py), provoked for real.

On PostgreSQL a deadlock (40P01) and a serialization failure (40001) are made to
happen between two connections; the attempt that lost is rolled back and run
again, and the second run succeeds. A query cancelled by its statement timeout
(57014, also an OperationalError) is not retried. On SQLite a writer meeting
another's lock ("database is locked", SQLITE_BUSY) is retried once the lock is gone.
"""
from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path
from typing import Any, Iterator

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from service.errors import Conflict
from service.extensions import make_engine
from service.workflows import retries, tasks


@pytest.fixture
def pg(pg_only_url: str) -> Iterator[Engine]:
    engine = make_engine(pg_only_url)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE retry_probe (id int PRIMARY KEY, n int NOT NULL)"))
        conn.execute(text("INSERT INTO retry_probe VALUES (1, 0), (2, 0)"))
    yield engine
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE retry_probe"))
    engine.dispose()


def _values(engine: Engine) -> dict[int, int]:
    with engine.connect() as conn:
        return dict(conn.execute(text("SELECT id, n FROM retry_probe")).tuples().all())


def _bump(session: Session, row: int) -> None:
    session.execute(text("UPDATE retry_probe SET n = n + 1 WHERE id = :id"), {"id": row})


@pytest.mark.postgres
def test_a_deadlock_is_retried_and_the_retry_succeeds(pg: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    barrier = threading.Barrier(2, timeout=20)
    failures: list[BaseException] = []

    def other() -> None:  # takes row 2, then wants row 1: the opposite order
        try:
            with pg.begin() as conn:
                conn.execute(text("SET LOCAL deadlock_timeout = '10s'"))  # the attempt below is the one to detect it
                conn.execute(text("UPDATE retry_probe SET n = n + 1 WHERE id = 2"))
                barrier.wait()
                conn.execute(text("UPDATE retry_probe SET n = n + 1 WHERE id = 1"))
        except BaseException as exc:  # noqa: BLE001 - asserted below
            failures.append(exc)

    seen: list[str] = []

    def attempt() -> str:
        session.execute(text("SET LOCAL deadlock_timeout = '50ms'"))
        _bump(session, 1)
        if not seen:
            seen.append("first")
            barrier.wait()
            time.sleep(0.1)  # let the other transaction queue behind our row 1
        else:
            seen.append("again")
        _bump(session, 2)
        session.commit()
        return "done"

    errors: list[str] = []
    original = retries.retryable

    def noting(exc: BaseException) -> bool:
        errors.append(getattr(getattr(exc, "orig", None), "sqlstate", type(exc).__name__))
        return original(exc)

    monkeypatch.setattr(retries, "retryable", noting)
    thread = threading.Thread(target=other)
    thread.start()
    with Session(pg) as session:
        assert retries.run(session, attempt, attempts=3, wait_step=0.01) == "done"
    thread.join(30)
    assert not failures
    assert errors == ["40P01"]  # deadlock_detected, by its code
    assert seen == ["first", "again"]
    assert _values(pg) == {1: 2, 2: 2}  # both transactions' writes, the loser's once


@pytest.mark.postgres
def test_a_serialization_failure_is_retried_and_the_retry_succeeds(pg: Engine) -> None:
    calls: list[int] = []

    def attempt() -> int:
        calls.append(1)
        session.execute(text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ"))
        n = session.execute(text("SELECT n FROM retry_probe WHERE id = 1")).scalar_one()  # the snapshot is taken
        if len(calls) == 1:
            with pg.begin() as conn:  # a concurrent writer commits meanwhile
                conn.execute(text("UPDATE retry_probe SET n = n + 10 WHERE id = 1"))
        session.execute(text("UPDATE retry_probe SET n = :n WHERE id = 1"), {"n": n + 1})
        session.commit()
        return n + 1

    with Session(pg) as session:
        captured: list[BaseException] = []
        try:
            attempt()
        except OperationalError as exc:
            captured.append(exc)
            session.rollback()
        assert captured and captured[0].orig.sqlstate == "40001" and retries.retryable(captured[0])
        calls.clear()
        assert retries.run(session, attempt, attempts=3, wait_step=0.01) == 21  # 10 + 10 (ours, lost), then 21
    assert len(calls) == 2
    assert _values(pg)[1] == 21


@pytest.mark.postgres
def test_an_error_that_is_not_a_lost_race_is_not_retried(pg: Engine) -> None:
    calls: list[int] = []

    def attempt() -> None:
        calls.append(1)
        _bump(session, 1)
        session.execute(text("SET LOCAL statement_timeout = '20ms'"))
        session.execute(text("SELECT pg_sleep(2)"))  # 57014 query_canceled: an OperationalError too

    with Session(pg) as session:
        with pytest.raises(OperationalError) as raised:
            retries.run(session, attempt, attempts=5, wait_step=0.01)
    assert raised.value.orig.sqlstate == "57014" and not retries.retryable(raised.value)
    assert len(calls) == 1
    assert _values(pg)[1] == 0  # rolled back


@pytest.mark.postgres
def test_completing_a_task_answers_409_after_lost_races_and_passes_other_errors_on(
        pg: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    """tasks.complete retries through retries.run: eight lost races are a 409, a timeout is raised at once."""
    lost = _real_error(pg, "40001")
    cancelled = _real_error(pg, "57014")
    for error, expected, attempts in ((lost, Conflict, tasks.MAX_ATTEMPTS), (cancelled, OperationalError, 1)):
        calls: list[int] = []

        def failing(*_: Any, _error: BaseException = error, _calls: list[int] = calls) -> Any:
            _calls.append(1)
            raise _error

        monkeypatch.setattr(tasks, "_complete_once", failing)
        monkeypatch.setattr(retries, "wait_incrementing", lambda **_: (lambda _state: 0.0))
        with Session(pg) as session, pytest.raises(expected):
            tasks.complete(session=session, services=None, user=None, task_id=1, data={})  # type: ignore[arg-type]
        assert len(calls) == attempts


def _real_error(pg: Engine, sqlstate: str) -> OperationalError:
    """An OperationalError PostgreSQL really raised with this SQLSTATE."""
    with pg.connect() as conn:
        try:
            conn.execute(text(f"DO $$ BEGIN RAISE EXCEPTION USING ERRCODE = '{sqlstate}'; END $$"))
        except OperationalError as exc:
            assert exc.orig.sqlstate == sqlstate
            return exc
    raise AssertionError(f"no error {sqlstate}")


def test_sqlite_database_is_locked_is_retried_once_the_lock_is_gone(tmp_path: Path) -> None:
    path = tmp_path / "locked.db"
    blocker = sqlite3.connect(path, isolation_level=None)
    blocker.execute("CREATE TABLE retry_probe (id int PRIMARY KEY, n int NOT NULL)")
    blocker.execute("INSERT INTO retry_probe VALUES (1, 0)")
    blocker.execute("BEGIN IMMEDIATE")  # another writer holds the database
    engine = create_engine(f"sqlite:///{path}", connect_args={"timeout": 0})  # no busy wait: fail at once
    calls: list[int] = []
    codes: list[Any] = []

    def attempt() -> None:
        calls.append(1)
        if len(calls) == 2:
            blocker.execute("COMMIT")  # the other writer is done
        try:
            _bump(session, 1)
            session.commit()
        except OperationalError as exc:
            codes.append((exc.orig.sqlite_errorcode, str(exc.orig)))
            raise

    with Session(engine) as session:
        retries.run(session, attempt, attempts=3, wait_step=0.01)
    assert len(calls) == 2
    assert codes == [(sqlite3.SQLITE_BUSY, "database is locked")]
    assert blocker.execute("SELECT n FROM retry_probe").fetchone() == (1,)
    blocker.close()
    engine.dispose()
