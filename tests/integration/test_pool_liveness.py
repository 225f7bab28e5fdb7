"""Pooled PostgreSQL connections: closed ones are replaced on checkout, live ones are not pinged.

The engine checks a pooled connection's socket instead of sending ``pool_pre_ping``'s
empty query on every checkout. These tests pin down both halves: a connection the
server has dropped never reaches a request (the request still gets 200, as with
pre-ping), and a recently used, quiet connection costs no round trip.
"""
from __future__ import annotations

import time
from typing import Any, Iterator

import pytest
from sqlalchemy import create_engine, text

from service import extensions
from tests.api_client import Api
from tests.conftest import PG_ADMIN_URL

pytestmark = [pytest.mark.postgres]


@pytest.fixture
def pings(pg_app: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[list[float]]:
    """Every ping the app's engine sends (the dialect's do_ping, counted)."""
    dialect = pg_app.extensions["appraisal.db_engine"].dialect
    sent: list[float] = []
    original = dialect.do_ping

    def counting(dbapi_conn: Any) -> bool:
        sent.append(time.monotonic())
        return original(dbapi_conn)

    monkeypatch.setattr(dialect, "do_ping", counting)
    yield sent


def _terminate_app_backends(app: Any) -> int:
    """Close every server connection of the app's database, as a restart would, and wait until they are gone."""
    name = app.extensions["appraisal.db_engine"].url.database
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            pids = conn.execute(text("SELECT pid FROM pg_stat_activity WHERE datname = :db"), {"db": name}).scalars().all()
            for pid in pids:
                conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
            deadline = time.monotonic() + 10
            while conn.execute(text("SELECT count(*) FROM pg_stat_activity WHERE pid = ANY(:pids)"),
                               {"pids": list(pids)}).scalar() and time.monotonic() < deadline:
                time.sleep(0.02)
        return len(pids)
    finally:
        admin.dispose()


def test_live_pooled_connection_is_not_pinged(pg_app: Any, pings: list[float]) -> None:
    api = Api(pg_app)
    api.get("/api/me", "hc_submitter")
    pings.clear()
    for _ in range(5):
        api.get("/api/me", "hc_submitter")
        api.get("/api/tasks", "hc_submitter")
    assert pings == []


def test_connection_closed_by_the_server_is_replaced_before_the_request_uses_it(pg_app: Any,
                                                                               pings: list[float]) -> None:
    api = Api(pg_app)
    api.get("/api/me", "hc_submitter")
    assert _terminate_app_backends(pg_app) >= 1
    for _ in range(3):
        assert api.get("/api/me", "hc_submitter")["username"] == "hc_submitter"  # 200, never a 503
    assert len(pings) == 1  # the dead connection's readable socket triggered one (failed) ping, then a fresh one


def test_long_idle_connection_is_pinged(pg_app: Any, pings: list[float], monkeypatch: pytest.MonkeyPatch) -> None:
    api = Api(pg_app)
    api.get("/api/me", "hc_submitter")
    monkeypatch.setattr(extensions, "IDLE_PING_SECONDS", 0.0)
    pings.clear()
    api.get("/api/me", "hc_submitter")
    assert len(pings) == 1
