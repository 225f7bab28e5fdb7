"""One campaign as a single zip archive, and back.

The archive holds everything needed to rebuild the campaign in an empty
database: the organisation and people it refers to, every process version, the
campaign and its scorers, applications with their attachments, process
instances (state, tasks, timers, history), scores with their calculations,
decisions, the campaign's notifications (outbox rows and the in-app messages
they delivered) and its audit trail with its seals (the campaign's chain and
chain 0, so ``appraisal audit verify`` checks it whole). Rows keep their ids, so references inside
JSON (scores, calculations, audit details) stay true. Which rows of each table
belong to a campaign is said once, in ``PARTS`` (service/repositories/archive.py);
the tables left out are in ``EXCLUDED`` with the reason, and every table of the
metadata must be in one of the two (tests/integration/test_archive.py enumerates them).

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
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from service.catalogue import _
from service import clock
from service.errors import Conflict, ValidationFailed
from service.repositories import archive as repo
from service.workflows import audit_chain
from service.workflows.campaigns import get_campaign
from service.workflows.filenames import clean_filename

FORMAT = "appraisal-flow-campaign/1"


# Which rows of each table belong to a campaign (and reading and writing them): the repository's.
PARTS, EXCLUDED, Part = repo.PARTS, repo.EXCLUDED, repo.Part
check_tables, insert_order = repo.check_tables, repo.insert_order


def collect(session: Session, campaign_id: int) -> dict[str, list[dict[str, Any]]]:
    """Every row the campaign consists of, by table."""
    get_campaign(session, campaign_id)
    return {name: repo.campaign_rows(session, name, campaign_id) for name in insert_order()}


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
        raise ValidationFailed([{"field": "archive", "message": _("不是可读取的 zip 归档：{exc}", exc=exc)}]) from None
    with archive:
        manifest = json.loads(archive.read("manifest.json"))
        if manifest.get("format") != FORMAT:
            raise ValidationFailed([{"field": "archive", "message": _("未知的归档格式“{value}”", value=manifest.get('format'))}])
        tables = {}
        for name, digest in manifest["sha256"].items():
            body = archive.read(name)
            if hashlib.sha256(body).hexdigest() != digest:
                raise ValidationFailed([{"field": name, "message": _("校验和不符：归档已损坏")}])
            if name.startswith("tables/"):
                tables[name.removeprefix("tables/").removesuffix(".json")] = json.loads(body)
    return manifest, tables


def audit_trail(path: str | Path) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """An archive's audit records and seals, as the database would give them back."""
    _, tables = read_archive(path)
    return ([repo.decode(repo.table("audit_log"), r) for r in tables.get("audit_log", [])],
            [repo.decode(repo.table("audit_seals"), r) for r in tables.get("audit_seals", [])])


def import_archive(*, session: Session, path: str | Path) -> dict[str, int]:
    """Load an archive into this database in one transaction; returns the rows added per table."""
    manifest, tables = read_archive(path)
    campaign_rows = tables.get("campaigns", [])
    for row in campaign_rows:
        if repo.campaign_exists(session, row["id"], row["year"], row["process_key"]):
            raise Conflict(_("评比活动 {id}（{year} 年）在这里已经存在：请导入到空数据库", id=row['id'], year=row['year']))
    added: dict[str, int] = {}
    try:
        for name in insert_order():
            rows = [repo.decode(repo.table(name), r) for r in tables.get(name, [])]
            added[name] = repo.insert_archived(session, repo.table(name), rows)
        session.flush()
        repo.reset_sequences(session)
        session.commit()
    except Exception:
        session.rollback()
        raise
    return added


