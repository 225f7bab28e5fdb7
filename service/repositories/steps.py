"""The one writer of an engine step's rows: it sends a :class:`StepPlan`, all of it, at once.

A step's writes are planned as data first (service/workflows/steps.py, a pure function of
the engine's result and the rows the step started from): the completed task, the
instance's new state (versioned), the application's new stage and status, the task and
timer rows the step closes and opens, its history and its audit record. :func:`write`
sends them; nothing else writes a step's rows, and no session listener does anything behind
a caller's back (a test asserts none is registered).

A task completion changes the same rows every time (the task, its instance, its
application) and appends history and audit rows. Letting the ORM's flush find those
changes costs more Python than the engine step itself, and sending each as its own
statement costs a PostgreSQL round trip apiece (bench/README.md, third and fourth rounds).
So on PostgreSQL the plan's updates and plain inserts go as one statement, each write a
data-modifying CTE (``WITH w0 AS (UPDATE … RETURNING id), w1 AS (INSERT …) SELECT (SELECT
count(*) FROM w0), …``): one round trip, atomic, and the row counts still come back, so a
versioned update that finds its row changed raises :class:`StaleDataError`. SQLite, where a
statement costs no round trip and CTEs cannot write, runs the writes one by one. New task
rows, whose ids the step's notifications link to, go first in one INSERT … RETURNING; the
rows the step closes by engine id (tasks it cancelled, timers it fired or cancelled) in one
UPDATE each. The loaded objects a plan changes are told the new values are committed, so the
identity map agrees with the rows and no ORM flush writes them again.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Executable, Table, bindparam, func, insert, inspect, select, union_all, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.exc import StaleDataError

from service.models import AuditRecord, InstanceEvent, Task, Timer
from service.repositories import outbox

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


@dataclass
class RowChange:
    """An UPDATE of a loaded row: the columns ``values`` gives that differ from ``obj``'s.

    ``versioned``: the row's ``revision`` is checked and bumped in the same statement, as the
    ORM's version counter would; a row changed meanwhile raises :class:`StaleDataError`.
    """

    obj: Any
    values: dict[str, Any]
    versioned: bool = False


@dataclass
class StepPlan:
    """Every row an engine step writes, as data (planned by service/workflows/steps.py, sent by :func:`write`)."""

    instance_id: int
    at: datetime
    changes: list[RowChange] = field(default_factory=list)  # the completed task, the instance, the application
    new_tasks: list[dict[str, Any]] = field(default_factory=list)  # task rows the step opens
    cancelled_tasks: list[str] = field(default_factory=list)  # engine ids of open tasks the step ended
    fired_timers: list[str] = field(default_factory=list)  # engine ids of waiting timers that fired
    cancelled_timers: list[str] = field(default_factory=list)  # … and of those the step cancelled
    new_timers: list[dict[str, Any]] = field(default_factory=list)
    history: list[dict[str, Any]] = field(default_factory=list)  # instance_events rows
    audit: list[dict[str, Any]] = field(default_factory=list)  # audit_log rows (with their MACs)

    def change(self, obj: Any, values: dict[str, Any], *, versioned: bool = False) -> None:
        """Plan an update of ``obj`` (a second change of the same row merges into the first)."""
        for planned in self.changes:
            if planned.obj is obj:
                planned.values.update(values)
                planned.versioned = planned.versioned or versioned
                return
        self.changes.append(RowChange(obj, dict(values), versioned))

    def planned(self, obj: Any, key: str, default: Any = None) -> Any:
        """The value the plan gives ``obj``'s column ``key`` (else the loaded one)."""
        for planned in self.changes:
            if planned.obj is obj and key in planned.values:
                return planned.values[key]
        return getattr(obj, key, default)


def write(session: Session, plan: StepPlan) -> list[Task]:
    """Send the plan in the caller's transaction; returns the tasks it opened (with their ids).

    The returned tasks are plain objects of the written rows (not in the session); a
    lost race (a versioned row changed meanwhile) raises :class:`StaleDataError` and the
    caller rolls back.
    """
    _refuse_savepoint(session)
    # The versioned instance update goes first, with the rows no constraint can refuse: a step computed
    # from a stale instance stops there (StaleDataError), before its task and timer rows collide with the
    # ones the step that won wrote.
    writes = [_insert(table, rows) for table, rows in ((InstanceEvent.__table__, plan.history),
                                                        (AuditRecord.__table__, plan.audit)) if rows]
    _apply(session, plan.changes, writes)
    if plan.cancelled_tasks:
        session.execute(update(Task).where(Task.instance_id == plan.instance_id, Task.state.in_(("open", "waiting")),
                                           Task.engine_task_id.in_(plan.cancelled_tasks))
                        .values(state="cancelled", completed_at=plan.at))
    for state, ids in (("fired", plan.fired_timers), ("cancelled", plan.cancelled_timers)):
        if ids:
            session.execute(update(Timer).where(Timer.instance_id == plan.instance_id, Timer.state == "waiting",
                                                Timer.engine_task_id.in_(ids))
                            .values(state=state, fired_at=plan.at if state == "fired" else None))
    if plan.new_timers:
        _send(session, [_insert(Timer.__table__, plan.new_timers)])
    created: list[Task] = []
    if plan.new_tasks:
        ids = session.scalars(insert(Task).returning(Task.id, sort_by_parameter_order=True), plan.new_tasks).all()
        created = [Task(id=i, **row) for i, row in zip(ids, plan.new_tasks)]
    return created


def insert_now(session: Session, table: Table, rows: list[dict[str, Any]]) -> None:
    """Insert rows nothing reads back (e.g. an audit record outside a step) with the writer's cached statements."""
    if rows:
        _refuse_savepoint(session)
        _send(session, [_insert(table, rows)])


def _update(change: RowChange) -> tuple[_Write | None, dict[str, Any]]:
    state = inspect(change.obj)
    if state.pending or state.transient:
        raise ValueError("a RowChange writes a row that already exists; flush new objects first")
    obj, loaded = change.obj, state.dict
    changed = {key: value for key, value in change.values.items() if key not in loaded or loaded[key] != value}
    if not changed:
        return None, {}
    table: Table = state.mapper.local_table
    params = dict(changed)
    params["row_id"] = obj.id
    if change.versioned:
        old = obj.revision
        params["row_revision"], params["revision"] = old, old + 1
        changed["revision"] = old + 1
    columns = tuple(sorted(k for k in params if k not in ("row_id", "row_revision")))
    return _Write(_Shape("update", table, columns, change.versioned), [params]), changed


def _insert(table: Table, rows: list[dict[str, Any]]) -> _Write:
    columns = tuple(sorted(rows[0]))
    if any(len(row) != len(columns) or any(c not in row for c in columns) for row in rows):
        raise ValueError("an insert needs every row to have the same keys")
    if _needs_defaults(table, columns):
        raise ValueError(f"the writer does not apply column defaults: give {table.name} rows every column")
    return _Write(_Shape("insert", table, columns, rows=len(rows)), list(rows))


def _send(session: Session, writes: list[_Write]) -> None:
    if not writes:
        return
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        inline = [w for w in writes if w.shape.rows <= _MAX_INLINE_ROWS]
        if len(inline) > 1:
            counts = connection.execute(_combined(tuple(w.shape for w in inline)), _flat(inline)).one()
            for write_, count in zip(inline, counts):
                _check(write_, count)
            writes = [w for w in writes if w.shape.rows > _MAX_INLINE_ROWS]
    for write_ in writes:
        _check(write_, connection.execute(_single(write_.shape), write_.params).rowcount)


@functools.cache
def _needs_defaults(table: Table, columns: tuple[str, ...]) -> bool:
    """Whether a column left out has a Python-side default (which INSERT … SELECT would not apply)."""
    return any(c.default is not None and c.name not in columns for c in table.columns)


def _refuse_savepoint(session: Session) -> None:
    if session.in_nested_transaction():
        # The plan is one step's writes for the whole transaction; nothing here needs a savepoint.
        raise RuntimeError("the step writer writes for the whole transaction, not inside a savepoint")


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


def write_notifications(session: Session, outbox_rows: list[dict[str, Any]], changes: list[RowChange]) -> int:
    """The step's notifications (outbox rows, one INSERT … ON CONFLICT DO NOTHING) and the marks they set on
    open tasks (``reminders_sent``); returns how many outbox rows were new."""
    _apply(session, changes, [])
    return outbox.insert_new(session, outbox_rows)


def _apply(session: Session, changes: list[RowChange], writes: list[_Write]) -> None:
    """Send the changes' updates first, then ``writes``, together; then mark the objects' new values committed."""
    updates, committed = [], []
    for change in changes:
        write_, values = _update(change)
        if write_ is not None:
            updates.append(write_)
            committed.append((change.obj, values))
    _send(session, updates + writes)
    for obj, values in committed:
        for name, value in values.items():
            set_committed_value(obj, name, value)
