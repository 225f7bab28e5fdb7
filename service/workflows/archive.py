"""One campaign as a single zip archive, and back.

The archive holds everything needed to rebuild the campaign in an empty
database: the organisation and people it refers to, every process version, the
campaign and its scorers, applications with their attachments, process
instances (state, tasks, timers, history), scores with their calculations,
decisions, the campaign's notifications (outbox rows and the in-app messages
they delivered) and its audit trail with its seals (the campaign's chain and
chain 0, so ``appraisal audit verify`` checks it whole). Rows keep their ids, so references inside
JSON (scores, calculations, audit details) stay true. Which rows of each table
belong to a campaign is said once, in ``PARTS``; the tables left out are in
``EXCLUDED`` with the reason, and every table of the metadata must be in one of
the two (tests/integration/test_archive.py enumerates them).

Layout::

    manifest.json            format, campaign, when, row counts and a SHA-256 per file
    tables/<table>.json      rows as JSON (datetimes ISO 8601, decimals as text, bytes base64)
    attachments/<id>-<name>  each attachment's bytes, for people reading the archive
"""
from __future__ import annotations

import base64
import hashlib
import json
import zipfile
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from dataclasses import dataclass
from typing import Any, Callable, Iterable

from sqlalchemy import (ColumnElement, DateTime, Float, LargeBinary, Numeric, Table, TypeDecorator, func, insert,
                        select, text)
from sqlalchemy.orm import Session

from service import clock
from service.errors import Conflict, ValidationFailed
from service.extensions import Base
from service.models import Campaign
from service.workflows import audit_chain
from service.workflows.campaigns import get_campaign
from service.workflows.filenames import clean_filename

FORMAT = "appraisal-flow-campaign/1"


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
    apps = _c("applications")
    return select(apps.instance_id).where(apps.campaign_id == campaign_id, apps.instance_id.is_not(None))


def _applications(campaign_id: int) -> Any:
    return select(_c("applications").id).where(_c("applications").campaign_id == campaign_id)


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
    "tasks": Part(lambda c: _c("tasks").instance_id.in_(_instances(c))),
    "timers": Part(lambda c: _c("timers").instance_id.in_(_instances(c))),
    "instance_events": Part(lambda c: _c("instance_events").instance_id.in_(_instances(c))),
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
}


def check_tables() -> None:
    """Refuse to run while a table is neither archived nor excluded (or both)."""
    tables = set(Base.metadata.tables)
    missing = sorted(tables - set(PARTS) - set(EXCLUDED))
    both = sorted(set(PARTS) & set(EXCLUDED))
    unknown = sorted((set(PARTS) | set(EXCLUDED)) - tables)
    if missing or both or unknown:
        raise RuntimeError(f"archive tables out of date: not archived nor excluded {missing}, "
                           f"both {both}, no such table {unknown} (service/workflows/archive.py)")


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


def _table(name: str) -> Table:
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


def _decode(table: Table, row: dict[str, Any]) -> dict[str, Any]:
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


def _rows(session: Session, table: Table, where: Any = None) -> list[dict[str, Any]]:
    query = select(table)
    if where is not None:
        query = query.where(where)
    pk = list(table.primary_key.columns)
    return [{k: _encode(v) for k, v in row._mapping.items()} for row in session.execute(query.order_by(*pk))]


def collect(session: Session, campaign_id: int) -> dict[str, list[dict[str, Any]]]:
    """Every row the campaign consists of, by table."""
    get_campaign(session, campaign_id)
    return {name: _rows(session, _table(name), PARTS[name].rows(campaign_id)) for name in insert_order()}


def export_campaign(*, session: Session, campaign_id: int, path: str | Path) -> dict[str, int]:
    """Write the campaign to ``path`` (a zip); returns the row count per table.

    The audit trail is sealed first, so the archive carries each record's
    place in its chain and ``appraisal audit verify`` can check it after import
    (or in the file itself, ``--archive``).
    """
    get_campaign(session, campaign_id)
    audit_chain.seal(session, full=True)
    data = collect(session, campaign_id)
    session.rollback()
    files: dict[str, bytes] = {f"tables/{name}.json": json.dumps(rows, ensure_ascii=False, indent=1).encode("utf-8")
                               for name, rows in data.items()}
    for row in data["attachments"]:
        name = clean_filename(row["filename"], default="file")
        files[f"attachments/{row['id']}-{name}"] = base64.b64decode(row["content"])
    counts = {name: len(rows) for name, rows in data.items()}
    manifest = {"format": FORMAT, "campaign_id": campaign_id, "exported_at": clock.now().isoformat(),
                "counts": counts, "sha256": {name: hashlib.sha256(body).hexdigest() for name, body in files.items()}}
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(target.name + ".part")
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("manifest.json", json.dumps(manifest, ensure_ascii=False, indent=1))
        for name, body in files.items():
            archive.writestr(name, body)
    tmp.replace(target)
    return counts


def read_archive(path: str | Path) -> tuple[dict[str, Any], dict[str, list[dict[str, Any]]]]:
    """The manifest and the tables of an archive, after checking every checksum."""
    try:
        archive = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile) as exc:
        raise ValidationFailed([{"field": "archive", "message": f"not a readable zip archive: {exc}"}]) from None
    with archive:
        manifest = json.loads(archive.read("manifest.json"))
        if manifest.get("format") != FORMAT:
            raise ValidationFailed([{"field": "archive", "message": f"unknown archive format {manifest.get('format')!r}"}])
        tables = {}
        for name, digest in manifest["sha256"].items():
            body = archive.read(name)
            if hashlib.sha256(body).hexdigest() != digest:
                raise ValidationFailed([{"field": name, "message": "checksum mismatch: the archive is damaged"}])
            if name.startswith("tables/"):
                tables[name.removeprefix("tables/").removesuffix(".json")] = json.loads(body)
    return manifest, tables


def audit_trail(path: str | Path) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """An archive's audit records and seals, as the database would give them back."""
    _, tables = read_archive(path)
    return ([_decode(_table("audit_log"), r) for r in tables.get("audit_log", [])],
            [_decode(_table("audit_seals"), r) for r in tables.get("audit_seals", [])])


def import_archive(*, session: Session, path: str | Path) -> dict[str, int]:
    """Load an archive into this database in one transaction; returns the rows added per table."""
    manifest, tables = read_archive(path)
    campaign_rows = tables.get("campaigns", [])
    for row in campaign_rows:
        if session.get(Campaign, row["id"]) is not None or session.scalar(
                select(Campaign.id).where(Campaign.year == row["year"], Campaign.process_key == row["process_key"])):
            raise Conflict(f"campaign {row['id']} ({row['year']}) already exists here; import into an empty database")
    added: dict[str, int] = {}
    try:
        for name in insert_order():
            rows = [_decode(_table(name), r) for r in tables.get(name, [])]
            added[name] = _insert(session, _table(name), rows)
        session.flush()
        _reset_sequences(session)
        session.commit()
    except Exception:
        session.rollback()
        raise
    return added


def _insert(session: Session, table: Table, rows: list[dict[str, Any]]) -> int:
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
                    raise Conflict(f"{table.name} {ident[0]} is {here!r} here but {row[key]!r} in the archive")
            continue
        raise Conflict(f"{table.name} row {ident} already exists; import into an empty database")
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
            raise ValidationFailed([{"field": "org_units", "message": "parent units are missing from the archive"}])
        for r in ready:
            ordered.append(r)
            done.add(r["id"])
        pending = [r for r in pending if r["id"] not in done]
    return ordered


def _chunks(rows: list[dict[str, Any]], size: int) -> Iterable[list[dict[str, Any]]]:
    for i in range(0, len(rows), size):
        yield rows[i:i + size]


def _reset_sequences(session: Session) -> None:
    """PostgreSQL: move each id sequence past the imported ids."""
    if session.get_bind().dialect.name != "postgresql":
        return
    for name in insert_order():
        table = _table(name)
        if "id" not in table.c or not table.c.id.autoincrement:
            continue
        highest = session.scalar(select(func.max(table.c.id)))
        if highest:
            session.execute(text("SELECT setval(pg_get_serial_sequence(:t, 'id'), :v)"), {"t": name, "v": highest})

