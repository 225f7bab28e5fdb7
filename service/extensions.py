"""Database and Celery objects shared by the app, the worker and the CLI."""
from __future__ import annotations

import select
import time
from typing import Any

from sqlalchemy import MetaData, create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import InvalidatePoolError
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.pool import ConnectionPoolEntry

from service.audit_keys import AuditKeys
from service.config import Settings

# A pooled connection idle for longer than this is pinged on checkout even when its socket is quiet.
IDLE_PING_SECONDS = 10.0


class Base(DeclarativeBase):
    """Declarative base for every table; constraint names are fixed for Alembic."""

    metadata = MetaData(naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    })


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine with the per-dialect settings the service relies on."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False}, **kwargs)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _: Any) -> None:
            # WAL lets readers run beside the single writer; the driver's own
            # transaction handling is replaced so BEGIN IMMEDIATE takes the write
            # lock up front and concurrent writers queue instead of failing.
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn: Any) -> None:
            conn.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    kwargs.setdefault("pool_size", 10)
    kwargs.setdefault("max_overflow", 20)
    engine = create_engine(url, **kwargs)
    if not kwargs.get("pool_pre_ping"):
        _check_liveness_on_checkout(engine)
    return engine


def _check_liveness_on_checkout(engine: Engine) -> None:
    """Stand-in for ``pool_pre_ping`` that skips the round trip when the socket shows the connection is live.

    ``pool_pre_ping`` sends an empty query on every checkout, one round trip per
    request. A server that goes away (restart, crash, ``pg_terminate_backend``,
    an idle timeout) closes its end, so the pooled connection's socket turns
    readable (the goodbye message, or EOF). A connection used within the last
    ``IDLE_PING_SECONDS`` whose socket has nothing to read is therefore taken
    as it is; any other is pinged, and a failed ping invalidates the whole pool,
    as pre-ping does. The long-idle ping covers a peer that vanished without
    closing (a host reset), where only a real exchange tells.
    """
    dialect = engine.dialect

    @event.listens_for(engine, "checkin")
    def _checked_in(dbapi_conn: Any, record: ConnectionPoolEntry) -> None:
        if dbapi_conn is not None:
            record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _checked_out(dbapi_conn: Any, record: ConnectionPoolEntry, _proxy: Any) -> None:
        idle_since = record.info.get("idle_since")
        if idle_since is None:
            return  # a fresh connection, made just now (pre-ping skips these too)
        if time.monotonic() - idle_since < IDLE_PING_SECONDS and _socket_quiet(dbapi_conn):
            return
        try:
            dialect.do_ping(dbapi_conn)
        except dialect.loaded_dbapi.Error as exc:
            if dialect.is_disconnect(exc, dbapi_conn, None):
                raise InvalidatePoolError(f"connection failed its ping: {exc}") from exc
            raise


def _socket_quiet(dbapi_conn: Any) -> bool:
    """True if the idle connection is open and the server has sent nothing (no goodbye, no EOF)."""
    if not hasattr(select, "poll") or getattr(dbapi_conn, "closed", False) or getattr(dbapi_conn, "broken", False):
        return False
    try:
        fd = dbapi_conn.fileno()
    except Exception:  # noqa: BLE001 - no usable socket: let the ping decide
        return False
    poller = select.poll()
    poller.register(fd, select.POLLIN | select.POLLPRI)
    return not poller.poll(0)


def make_session_factory(engine: Engine, settings: Settings) -> sessionmaker[Session]:
    """Sessions that carry the audit keys, so every audit record written through them gets its MAC."""
    keys = AuditKeys.from_settings(settings.audit_key, settings.audit_old_keys)
    return sessionmaker(bind=engine, expire_on_commit=False, info={"appraisal.audit_keys": keys})
