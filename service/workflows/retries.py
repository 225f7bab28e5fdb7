"""Retrying a transaction that lost a race, with tenacity, on the database's error codes.

A use case that owns its transaction hands its one attempt to :func:`run`; the
attempt is rolled back on any error and run again only when the error says a
concurrent transaction won and trying again is the answer:

* PostgreSQL SQLSTATE ``40001`` (serialization_failure) and ``40P01``
  (deadlock_detected), read from the driver's exception (psycopg's ``sqlstate``),
  never from its message text;
* SQLite ``SQLITE_BUSY`` / ``SQLITE_LOCKED`` ("database is locked"), by the
  primary result code in ``sqlite3.Error.sqlite_errorcode``;
* our own optimistic check, :class:`StaleDataError` (a versioned row changed
  meanwhile: service/repositories/steps.py).

Anything else (the database went away, a constraint, a bug) is raised at once,
after the rollback: a lost connection is the API's 503, not a retry.
"""
from __future__ import annotations

from typing import Callable, TypeVar

from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError
from tenacity import Retrying, retry_if_exception, stop_after_attempt, wait_incrementing

T = TypeVar("T")

RETRYABLE_SQLSTATES = frozenset({"40001", "40P01"})  # serialization_failure, deadlock_detected
SQLITE_BUSY, SQLITE_LOCKED = 5, 6  # primary result codes (extended codes keep them in the low byte)
UNIQUE_SQLSTATE = "23505"  # unique_violation
SQLITE_CONSTRAINT_UNIQUE, SQLITE_CONSTRAINT_PRIMARYKEY = 2067, 1555  # extended result codes


def retryable(exc: BaseException) -> bool:
    """Whether ``exc`` says a concurrent transaction won (so the same attempt may succeed now)."""
    if isinstance(exc, StaleDataError):
        return True
    if not isinstance(exc, DBAPIError):
        return False
    orig = exc.orig
    if getattr(orig, "sqlstate", None) in RETRYABLE_SQLSTATES:
        return True
    code = getattr(orig, "sqlite_errorcode", None)
    return isinstance(code, int) and code & 0xFF in (SQLITE_BUSY, SQLITE_LOCKED)


def unique_violation(exc: BaseException) -> bool:
    """Whether ``exc`` is a unique constraint refusing a row another transaction wrote first.

    A check-then-insert (is there a view/score/row for this key? no: insert it) loses this race when two
    requests run it at once; the loser is told the other got there first (409), never a 500.
    """
    if not isinstance(exc, DBAPIError):
        return False
    orig = exc.orig
    if getattr(orig, "sqlstate", None) == UNIQUE_SQLSTATE:
        return True
    return getattr(orig, "sqlite_errorcode", None) in (SQLITE_CONSTRAINT_UNIQUE, SQLITE_CONSTRAINT_PRIMARYKEY)


def unique_table(exc: BaseException) -> str | None:
    """The table whose unique constraint or index refused the row (:func:`unique_violation`), when the driver says.

    PostgreSQL names it in the error's diagnostics; SQLite in its message (``UNIQUE constraint failed:
    table.column`` or, for an index on an expression, ``… failed: index 'name'``, whose table the metadata knows).
    """
    if not unique_violation(exc):
        return None
    orig = getattr(exc, "orig", None)
    table = getattr(getattr(orig, "diag", None), "table_name", None)
    if table:
        return str(table)
    message = str(orig or "")
    if "failed: index '" in message:
        return _index_table(message.split("failed: index '", 1)[1].split("'", 1)[0])
    if "failed: " in message:
        return message.split("failed: ", 1)[1].split(".", 1)[0].strip() or None
    return None


def _index_table(index: str) -> str | None:
    from service.extensions import Base

    for table in Base.metadata.tables.values():
        if any(i.name == index for i in table.indexes):
            return table.name
    return None


def run(session: Session, attempt: Callable[[], T], *, attempts: int, wait_step: float) -> T:
    """``attempt()`` until it returns, at most ``attempts`` times; each failure is rolled back first.

    Waits ``wait_step``, 2×, 3× … seconds between attempts. When the last attempt
    also lost its race, its error is raised (the caller turns it into its answer).
    """
    def once() -> T:
        try:
            return attempt()
        except BaseException:
            session.rollback()
            raise

    retrying = Retrying(retry=retry_if_exception(retryable), stop=stop_after_attempt(attempts),
                        wait=wait_incrementing(start=wait_step, increment=wait_step), reraise=True)
    return retrying(once)
