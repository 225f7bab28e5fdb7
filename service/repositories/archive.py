"""The archive's tables: which rows of each belong to a campaign, and reading and writing them as JSON rows.

Which rows of each table belong to a campaign is said once, in ``PARTS``; the tables left
out are in ``EXCLUDED`` with the reason, and every table of the metadata must be in one of
the two (tests/integration/test_archive.py enumerates them). The zip file around the rows
is service/workflows/archive.py's.
"""
from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, Callable, Iterable

from sqlalchemy import (ColumnElement, DateTime, Float, LargeBinary, Numeric, Table, TypeDecorator, func, insert,
                        select, text)
from sqlalchemy.orm import Session

from service.catalogue import _
from service.errors import Conflict, ValidationFailed
from service.extensions import Base
from service.models import Campaign
from service.repositories.meetings import review_key


@dataclass(frozen=True)
class Part:
    """How one table takes part in a campaign's archive.

    ``rows`` picks the campaign's rows (``None``: every row, for shared reference
    tables). A ``shared`` table's rows may already exist in the target, and then
    must be the same thing: by ``natural_key`` when one is given.
    """

    rows: Callable[[int], ColumnElement[bool] | None]
    shared: bool = False
    natural_key: str | None = None


def _c(table: str) -> Any:
    return Base.metadata.tables[table].c


def _instances(campaign_id: int) -> Any:
    """The campaign's process instances: each application's, and the campaign's own review (its meetings)."""
    apps, instances = _c("applications"), _c("process_instances")
    return select(apps.instance_id).where(apps.campaign_id == campaign_id, apps.instance_id.is_not(None)).union(
        select(instances.id).where(instances.business_key == review_key(campaign_id)))


def _applications(campaign_id: int) -> Any:
    return select(_c("applications").id).where(_c("applications").campaign_id == campaign_id)


def _presentation_sessions(campaign_id: int) -> Any:
    return select(_c("presentation_sessions").id).where(_c("presentation_sessions").campaign_id == campaign_id)


def _notices(campaign_id: int) -> Any:
    return select(_c("public_notices").id).where(_c("public_notices").campaign_id == campaign_id)


def _audit_rows(campaign_id: int) -> ColumnElement[bool]:
    """The campaign's chain, and chain 0 (records no campaign owns: deployments, forms), so both verify whole."""
    audit = _c("audit_log")
    return (audit.campaign_id == campaign_id) | audit.campaign_id.is_(None)


# Every table in the metadata is either archived (PARTS) or excluded with its reason (EXCLUDED);
# check_tables() refuses to export or import otherwise, so a new table cannot be left behind silently.
PARTS: dict[str, Part] = {
    "org_units": Part(lambda c: None, shared=True, natural_key="code"),
    "users": Part(lambda c: None, shared=True, natural_key="username"),
    "user_roles": Part(lambda c: None, shared=True),
    "process_definitions": Part(lambda c: None, shared=True, natural_key="checksum"),
    "form_definitions": Part(lambda c: None, shared=True, natural_key="key"),
    "campaigns": Part(lambda c: _c("campaigns").id == c),
    "campaign_scorers": Part(lambda c: _c("campaign_scorers").campaign_id == c),
    "process_instances": Part(lambda c: _c("process_instances").id.in_(_instances(c))),
    "applications": Part(lambda c: _c("applications").campaign_id == c),
    "attachments": Part(lambda c: _c("attachments").application_id.in_(_applications(c))),
    # the presentation sessions (公开讲述) the office scheduled, and who presented in which order
    "presentation_sessions": Part(lambda c: _c("presentation_sessions").campaign_id == c),
    "presentation_slots": Part(lambda c: _c("presentation_slots").session_id.in_(_presentation_sessions(c))),
    # the public notices (公示) of the campaign, what they listed and the objections to them
    "public_notices": Part(lambda c: _c("public_notices").campaign_id == c),
    "notice_items": Part(lambda c: _c("notice_items").notice_id.in_(_notices(c))),
    "objections": Part(lambda c: _c("objections").notice_id.in_(_notices(c))),
    "tasks": Part(lambda c: _c("tasks").instance_id.in_(_instances(c))),
    # the leading-group members' views at the campaign's shortlist sittings (tasks of its review instance)
    "shortlist_views": Part(lambda c: _c("shortlist_views").application_id.in_(_applications(c))),
    "timers": Part(lambda c: _c("timers").instance_id.in_(_instances(c))),
    "instance_events": Part(lambda c: _c("instance_events").instance_id.in_(_instances(c))),
    "incidents": Part(lambda c: _c("incidents").instance_id.in_(_instances(c))),
    "outbox": Part(lambda c: _c("outbox").campaign_id == c),
    # an in-app message is the delivery of the outbox row with the same dedupe key
    "inbox_messages": Part(lambda c: _c("inbox_messages").dedupe_key.in_(
        select(_c("outbox").dedupe_key).where(_c("outbox").campaign_id == c))),
    # shared: chain 0 travels with every campaign, so a second campaign's archive brings rows already here
    "audit_log": Part(_audit_rows, shared=True, natural_key="mac"),
    "audit_seals": Part(lambda c: _c("audit_seals").chain.in_([c, 0]), shared=True, natural_key="mac"),
}
EXCLUDED: dict[str, str] = {
    "api_tokens": "credentials of the source server: bearer tokens are not moved; people log in again on the target",
    "password_links": "credentials of the source server: one-time password links work only where they were sent",
    "org_imports": "the office's uploaded organisation workbooks: about the organisation, not a campaign; "
                   "the units and people they made are archived (org_units, users)",
    "browser_sessions": "credentials of the source server: browser logins are not moved; people log in again on the target",
}


def check_tables() -> None:
    """Refuse to run while a table is neither archived nor excluded (or both)."""
    tables = set(Base.metadata.tables)
    missing = sorted(tables - set(PARTS) - set(EXCLUDED))
    both = sorted(set(PARTS) & set(EXCLUDED))
    unknown = sorted((set(PARTS) | set(EXCLUDED)) - tables)
    if missing or both or unknown:
        raise RuntimeError(f"archive tables out of date: not archived nor excluded {missing}, "
                           f"both {both}, no such table {unknown} (service/repositories/archive.py)")


def insert_order() -> list[str]:
    """The archived tables, each after every table it references (self-references aside)."""
    check_tables()
    depends = {name: {fk.column.table.name for fk in Base.metadata.tables[name].foreign_keys} - {name}
               for name in PARTS}
    ordered: list[str] = []
    while len(ordered) < len(depends):
        ready = sorted(n for n, deps in depends.items() if n not in ordered and deps <= set(ordered))
        if not ready:
            raise RuntimeError(f"archive tables reference each other in a cycle: {sorted(set(depends) - set(ordered))}")
        ordered += ready
    return ordered


def table(name: str) -> Table:
    return Base.metadata.tables[name]


def _encode(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (bytes, memoryview)):
        return base64.b64encode(bytes(value)).decode("ascii")
    return value


def _kind(column_type: Any) -> type:
    """What a column's JSON text stands for: datetime, Decimal, bytes, or as-is."""
    if isinstance(column_type, TypeDecorator):
        column_type = column_type.impl_instance
    if isinstance(column_type, DateTime):
        return datetime
    if isinstance(column_type, Numeric) and not isinstance(column_type, Float):
        return Decimal
    if isinstance(column_type, LargeBinary):
        return bytes
    return object


def decode(table: Table, row: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for key, value in row.items():
        kind = _kind(table.c[key].type)
        if value is not None and kind is datetime:
            value = datetime.fromisoformat(value)
        elif value is not None and kind is Decimal:
            value = Decimal(value)
        elif value is not None and kind is bytes:
            value = base64.b64decode(value)
        out[key] = value
    return out


def campaign_rows(session: Session, name: str, campaign_id: int) -> list[dict[str, Any]]:
    """The rows of table ``name`` that belong to the campaign, as JSON values, by primary key."""
    t = table(name)
    query = select(t)
    where = PARTS[name].rows(campaign_id)
    if where is not None:
        query = query.where(where)
    pk = list(t.primary_key.columns)
    return [{k: _encode(v) for k, v in row._mapping.items()} for row in session.execute(query.order_by(*pk))]


def campaign_exists(session: Session, campaign_id: int, year: int, process_key: str) -> bool:
    """Whether this campaign id, or a campaign of that year and process, is here already."""
    return session.get(Campaign, campaign_id) is not None or session.scalar(
        select(Campaign.id).where(Campaign.year == year, Campaign.process_key == process_key)) is not None


def insert_archived(session: Session, table: Table, rows: list[dict[str, Any]]) -> int:
    """Add the archive's rows of one table that are not here yet; a shared row must be the same thing here."""
    if not rows:
        return 0
    pk = [c.name for c in table.primary_key.columns]
    existing = {tuple(r) for r in session.execute(select(*[table.c[k] for k in pk]))}
    part = PARTS[table.name]
    key = part.natural_key
    fresh = []
    for row in rows:
        ident = tuple(row[k] for k in pk)
        if ident not in existing:
            fresh.append(row)
            continue
        if part.shared:
            if key is not None:
                here = session.execute(select(table.c[key]).where(table.c[pk[0]] == ident[0])).scalar()
                if here != row[key]:
                    raise Conflict(_("{table_name} {ident} 在这里是“{here}”，在归档中是“{row}”", table_name=table.name, ident=ident[0], here=here, row=row[key]))
            continue
        raise Conflict(_("{table_name} 中已有记录 {ident}：请导入到空数据库", table_name=table.name, ident=ident))
    if table.name == "org_units":
        fresh = _parents_first(fresh, existing_ids={i[0] for i in existing})
    for chunk in _chunks(fresh, 500):
        session.execute(insert(table), chunk)
    return len(fresh)


def _parents_first(rows: list[dict[str, Any]], existing_ids: set[int]) -> list[dict[str, Any]]:
    done, ordered, pending = set(existing_ids), [], list(rows)
    while pending:
        ready = [r for r in pending if r["parent_id"] is None or r["parent_id"] in done]
        if not ready:
            raise ValidationFailed([{"field": "org_units", "message": _("归档中缺少上级单位")}])
        for r in ready:
            ordered.append(r)
            done.add(r["id"])
        pending = [r for r in pending if r["id"] not in done]
    return ordered


def _chunks(rows: list[dict[str, Any]], size: int) -> Iterable[list[dict[str, Any]]]:
    for i in range(0, len(rows), size):
        yield rows[i:i + size]


def reset_sequences(session: Session) -> None:
    """PostgreSQL: move each id sequence past the imported ids."""
    if session.get_bind().dialect.name != "postgresql":
        return
    for name in insert_order():
        table_ = table(name)
        if "id" not in table_.c or not table_.c.id.autoincrement:
            continue
        highest = session.scalar(select(func.max(table_.c.id)))
        if highest:
            session.execute(text("SELECT setval(pg_get_serial_sequence(:t, 'id'), :v)"), {"t": name, "v": highest})

