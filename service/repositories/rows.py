"""Write a loaded row's changed columns with one plain UPDATE, outside the unit of work.

A task completion changes the same three rows every time (the task, its
instance, its application). Letting the ORM's flush find and write them costs
more Python than the engine step itself (bench/README.md, third round), so the
hot path hands the new values here instead: one cached UPDATE statement per
table and column set, run on the session's connection, after which the loaded
object is told the values are committed, so the identity map agrees with the
row and no later flush writes them again.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import Table, Update, bindparam, inspect, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.exc import StaleDataError

_STATEMENTS: dict[tuple[str, frozenset[str], bool], Update] = {}


def update_row(session: Session, obj: Any, values: dict[str, Any], *, versioned: bool = False) -> bool:
    """Write the values that differ from ``obj``'s; returns whether a statement ran (none if nothing differs).

    With ``versioned`` the row's ``revision`` is checked and bumped in the same
    statement, as the ORM's version counter would, and a row changed meanwhile
    raises :class:`StaleDataError`, which callers already treat as a lost race.
    """
    state = inspect(obj)
    if state.pending or state.transient:
        raise ValueError("update_row writes rows that already exist; flush new objects first")
    loaded = state.dict
    changed = {key: value for key, value in values.items() if key not in loaded or loaded[key] != value}
    if not changed:
        return False
    table: Table = state.mapper.local_table
    params = dict(changed)
    params["row_id"] = obj.id
    if versioned:
        old = obj.revision
        params["row_revision"], params["revision"] = old, old + 1
        changed["revision"] = old + 1
    key = (table.name, frozenset(changed), versioned)
    statement = _STATEMENTS.get(key)
    if statement is None:
        statement = update(table).where(table.c.id == bindparam("row_id"))
        if versioned:
            statement = statement.where(table.c.revision == bindparam("row_revision"))
        _STATEMENTS[key] = statement
    result = session.connection().execute(statement, params)
    if versioned and result.rowcount != 1:
        raise StaleDataError(f"{table.name} row {obj.id} changed since revision {old}")
    for name, value in changed.items():
        set_committed_value(obj, name, value)
    return True
