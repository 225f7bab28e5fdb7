"""One campaign as a single zip archive, and back.

The archive holds everything needed to rebuild the campaign in an empty
database: the organisation and people it refers to, every process version, the
campaign and its scorers, applications with their attachments, process
instances (state, tasks, timers, history), scores with their calculations,
decisions, the campaign's notifications and its audit trail. Rows keep their
ids, so references inside JSON (scores, calculations, audit details) stay true.

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
from typing import Any, Iterable

from sqlalchemy import DateTime, Float, LargeBinary, Numeric, Table, TypeDecorator, func, insert, select, text
from sqlalchemy.orm import Session

from service import clock
from service.errors import Conflict, ValidationFailed
from service.extensions import Base
from service.models import Application, Campaign, Task
from service.workflows.campaigns import get_campaign

FORMAT = "appraisal-flow-campaign/1"
# Insert order: every row's references come earlier (instances before the applications that point at them).
TABLES = ["org_units", "users", "user_roles", "process_definitions", "form_definitions", "campaigns", "campaign_scorers",
          "process_instances", "applications", "attachments", "tasks", "timers", "instance_events", "outbox",
          "audit_log"]
# Shared reference rows: an existing row with the same id must be the same thing (by this natural key).
REFERENCE_KEYS = {"org_units": "code", "users": "username", "process_definitions": "checksum",
                  "form_definitions": "key"}


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
    t = _table
    app_ids = list(session.scalars(select(Application.id).where(Application.campaign_id == campaign_id)))
    instance_ids = [i for i in session.scalars(select(Application.instance_id).where(Application.campaign_id == campaign_id)) if i]
    task_ids = [str(i) for i in session.scalars(select(Task.id).where(Task.instance_id.in_(instance_ids)))]
    audit = t("audit_log").c
    audit_where = (
        ((audit.object_type == "campaign") & (audit.object_id == str(campaign_id)))
        | ((audit.object_type == "application") & audit.object_id.in_([str(i) for i in app_ids]))
        | ((audit.object_type == "process_instance") & audit.object_id.in_([str(i) for i in instance_ids]))
        | ((audit.object_type == "task") & audit.object_id.in_(task_ids))
        | (audit.object_type == "process_definition")
    )
    return {
        "org_units": _rows(session, t("org_units")),
        "users": _rows(session, t("users")),
        "user_roles": _rows(session, t("user_roles")),
        "process_definitions": _rows(session, t("process_definitions")),
        "form_definitions": _rows(session, t("form_definitions")),
        "campaigns": _rows(session, t("campaigns"), t("campaigns").c.id == campaign_id),
        "campaign_scorers": _rows(session, t("campaign_scorers"), t("campaign_scorers").c.campaign_id == campaign_id),
        "process_instances": _rows(session, t("process_instances"), t("process_instances").c.id.in_(instance_ids)),
        "applications": _rows(session, t("applications"), t("applications").c.campaign_id == campaign_id),
        "attachments": _rows(session, t("attachments"), t("attachments").c.application_id.in_(app_ids)),
        "tasks": _rows(session, t("tasks"), t("tasks").c.instance_id.in_(instance_ids)),
        "timers": _rows(session, t("timers"), t("timers").c.instance_id.in_(instance_ids)),
        "instance_events": _rows(session, t("instance_events"), t("instance_events").c.instance_id.in_(instance_ids)),
        "outbox": _rows(session, t("outbox"), t("outbox").c.campaign_id == campaign_id),
        "audit_log": _rows(session, t("audit_log"), audit_where),
    }


def export_campaign(*, session: Session, campaign_id: int, path: str | Path) -> dict[str, int]:
    """Write the campaign to ``path`` (a zip); returns the row count per table."""
    data = collect(session, campaign_id)
    session.rollback()
    files: dict[str, bytes] = {f"tables/{name}.json": json.dumps(rows, ensure_ascii=False, indent=1).encode("utf-8")
                               for name, rows in data.items()}
    for row in data["attachments"]:
        safe = "".join(c for c in row["filename"] if c not in '/\\:*?"<>|') or "file"
        files[f"attachments/{row['id']}-{safe}"] = base64.b64decode(row["content"])
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
        for name in TABLES:
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
    key = REFERENCE_KEYS.get(table.name)
    fresh = []
    for row in rows:
        ident = tuple(row[k] for k in pk)
        if ident not in existing:
            fresh.append(row)
            continue
        if table.name in REFERENCE_KEYS or table.name == "user_roles":
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
    for name in TABLES:
        table = _table(name)
        if "id" not in table.c or not table.c.id.autoincrement:
            continue
        highest = session.scalar(select(func.max(table.c.id)))
        if highest:
            session.execute(text("SELECT setval(pg_get_serial_sequence(:t, 'id'), :v)"), {"t": name, "v": highest})

