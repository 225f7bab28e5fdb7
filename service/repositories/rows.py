"""A transaction's plain row writes, held back and sent together.

A task completion changes the same rows every time (the task, its instance,
its application) and appends history and audit rows. Letting the ORM's flush
find those changes costs more Python than the engine step itself, and sending
each as its own statement costs a PostgreSQL round trip apiece
(bench/README.md, third and fourth rounds). So the hot path hands the values
here instead: :func:`update_row` and :func:`insert_rows` queue them on the
session, the loaded object is told the new values are committed (the identity
map agrees with the row and no ORM flush writes them again), and the queue is
sent before the session's next statement or its commit, whichever comes first.

On PostgreSQL a queue of several writes goes as one statement, each write a
data-modifying CTE (``WITH w0 AS (UPDATE … RETURNING id), w1 AS (INSERT …)
SELECT (SELECT count(*) FROM w0), …``): one round trip, atomic, and the row
counts still come back, so a versioned update that finds its row changed
raises :class:`StaleDataError` as before. SQLite, where a statement costs no
round trip and CTEs cannot write, runs the writes one by one.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Executable, Table, bindparam, event, func, insert, inspect, select, union_all, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.exc import StaleDataError

_QUEUE = "appraisal.pending_writes"
_MAX_CACHED = 512
# A multi-row INSERT with more rows than this goes by itself (executemany), not in the combined statement.
_MAX_INLINE_ROWS = 50


@dataclass(frozen=True)
class _Shape:
    """What a write's SQL depends on (not its values): the key its statements are cached by."""
    kind: str  # "update" or "insert"
    table: Table
    columns: tuple[str, ...]
    versioned: bool = False
    rows: int = 1


@dataclass
class _Write:
    shape: _Shape
    params: list[dict[str, Any]]

    def label(self) -> str:
        """The write for an error message: "process_instances row 7 (revision 3)"."""
        if self.shape.kind == "insert":
            return self.shape.table.name
        row = self.params[0]
        revision = f" (revision {row['row_revision']})" if self.shape.versioned else ""
        return f"{self.shape.table.name} row {row['row_id']}{revision}"


_SINGLE: dict[_Shape, Executable] = {}
_COMBINED: dict[tuple[_Shape, ...], Executable] = {}


def update_row(session: Session, obj: Any, values: dict[str, Any], *, versioned: bool = False) -> bool:
    """Queue an UPDATE of the values that differ from ``obj``'s; returns whether one was queued.

    With ``versioned`` the row's ``revision`` is checked and bumped in the same
    statement, as the ORM's version counter would, and a row changed meanwhile
    raises :class:`StaleDataError` when the queue is sent (callers treat it as
    a lost race and roll back).
    """
    state = inspect(obj)
    if state.pending or state.transient:
        raise ValueError("update_row writes rows that already exist; flush new objects first")
    loaded = state.dict
    changed = {key: value for key, value in values.items() if key not in loaded or loaded[key] != value}
    if not changed:
        return False
    table: Table = state.mapper.local_table
    queue = _queue(session)
    if any(w.shape.kind == "update" and w.shape.table is table and w.params[0]["row_id"] == obj.id for w in queue):
        flush(session)  # one statement must not write a row twice: the earlier write goes first
    params = dict(changed)
    params["row_id"] = obj.id
    if versioned:
        old = obj.revision
        params["row_revision"], params["revision"] = old, old + 1
        changed["revision"] = old + 1
    columns = tuple(sorted(k for k in params if k not in ("row_id", "row_revision")))
    queue.append(_Write(_Shape("update", table, columns, versioned), [params]))
    for name, value in changed.items():
        set_committed_value(obj, name, value)
    return True


def insert_rows(session: Session, table: Table, rows: list[dict[str, Any]]) -> None:
    """Queue an INSERT of ``rows`` (all with the same keys) that nothing reads back in this transaction."""
    if not rows:
        return
    columns = tuple(sorted(rows[0]))
    if any(len(row) != len(columns) or any(c not in row for c in columns) for row in rows):
        raise ValueError("insert_rows needs every row to have the same keys")
    if _needs_defaults(table, columns):
        raise ValueError(f"insert_rows does not apply column defaults: give {table.name} rows every column")
    _queue(session).append(_Write(_Shape("insert", table, columns, rows=len(rows)), list(rows)))


def flush(session: Session) -> None:
    """Send the queued writes now (the session's next statement or commit would)."""
    queue: list[_Write] | None = session.info.get(_QUEUE)
    if not queue:
        return
    writes = list(queue)
    queue.clear()
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        inline = [w for w in writes if w.shape.rows <= _MAX_INLINE_ROWS]
        if len(inline) > 1:
            counts = connection.execute(_combined(tuple(w.shape for w in inline)), _flat(inline)).one()
            for write, count in zip(inline, counts):
                _check(write, count)
            writes = [w for w in writes if w.shape.rows > _MAX_INLINE_ROWS]
    for write in writes:
        _check(write, connection.execute(_single(write.shape), write.params).rowcount)


@functools.cache
def _needs_defaults(table: Table, columns: tuple[str, ...]) -> bool:
    """Whether a column left out has a Python-side default (which INSERT … SELECT would not apply)."""
    return any(c.default is not None and c.name not in columns for c in table.columns)


def _queue(session: Session) -> list[_Write]:
    if session.in_nested_transaction():
        # A savepoint's rollback would have to drop exactly its own writes; nothing here needs that.
        raise RuntimeError("rows queues writes for the whole transaction, not inside a savepoint")
    queue = session.info.get(_QUEUE)
    if queue is None:
        if not session.in_transaction():
            session.begin()  # so a rollback or close before the next statement discards the writes
        queue = session.info[_QUEUE] = []
    return queue


def _check(write: _Write, count: int) -> None:
    if write.shape.versioned and count != 1:
        raise StaleDataError(f"{write.label()} changed meanwhile")
    if write.shape.kind == "insert" and count not in (-1, write.shape.rows):
        raise StaleDataError(f"{write.label()}: {count} of {write.shape.rows} rows written")


def _statement(shape: _Shape, prefix: str, inline: bool) -> Any:
    """The write's statement with its bind names prefixed, so several can share one combined statement."""
    table = shape.table
    if shape.kind == "update":
        statement = update(table).where(table.c.id == bindparam(f"{prefix}row_id", type_=table.c.id.type))
        if shape.versioned:
            statement = statement.where(
                table.c.revision == bindparam(f"{prefix}row_revision", type_=table.c.revision.type))
        return statement.values({c: bindparam(f"{prefix}{c}", type_=table.c[c].type) for c in shape.columns})
    if not inline:
        return insert(table)  # executemany with the rows as they are
    if shape.rows == 1:
        return insert(table).values({c: bindparam(f"{prefix}0_{c}", type_=table.c[c].type) for c in shape.columns})
    # INSERT … SELECT … UNION ALL rather than a multi-row VALUES, which SQLAlchemy compiles afresh every time.
    selects = [select(*(bindparam(f"{prefix}{r}_{c}", type_=table.c[c].type).label(c) for c in shape.columns))
               for r in range(shape.rows)]
    return insert(table).from_select(list(shape.columns), union_all(*selects))


def _single(shape: _Shape) -> Executable:
    statement = _SINGLE.get(shape)
    if statement is None:
        if len(_SINGLE) >= _MAX_CACHED:
            _SINGLE.clear()
        statement = _SINGLE[shape] = _statement(shape, "", inline=False)
    return statement


def _combined(shapes: tuple[_Shape, ...]) -> Executable:
    statement = _COMBINED.get(shapes)
    if statement is None:
        if len(_COMBINED) >= _MAX_CACHED:
            _COMBINED.clear()
        ctes = [_statement(shape, f"w{i}_", inline=True).returning(shape.table.c.id).cte(f"w{i}")
                for i, shape in enumerate(shapes)]
        statement = _COMBINED[shapes] = select(*(select(func.count()).select_from(cte).scalar_subquery()
                                                 for cte in ctes))
    return statement


def _flat(writes: list[_Write]) -> dict[str, Any]:
    """The combined statement's parameters: each write's, under its prefix."""
    params: dict[str, Any] = {}
    for i, write in enumerate(writes):
        if write.shape.kind == "update":
            params.update({f"w{i}_{k}": v for k, v in write.params[0].items()})
        else:
            for r, row in enumerate(write.params):
                params.update({f"w{i}_{r}_{k}": v for k, v in row.items()})
    return params


@event.listens_for(Session, "do_orm_execute")
def _before_statement(orm_execute_state: Any) -> None:
    """A statement may read what is queued: send the queue first."""
    flush(orm_execute_state.session)


@event.listens_for(Session, "before_commit")
def _before_commit(session: Session) -> None:
    flush(session)


@event.listens_for(Session, "after_transaction_end")
def _after_transaction_end(session: Session, transaction: Any) -> None:
    """Ended without being sent (rolled back, closed): the writes belonged to that transaction."""
    if transaction.parent is None:
        session.info.pop(_QUEUE, None)
