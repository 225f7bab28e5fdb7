"""A campaign exported from SQLite and imported into an empty PostgreSQL database loses nothing."""
from __future__ import annotations

import hashlib
import shutil
import zipfile
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from service import cli, clock
from service.models import Attachment, User
from service.workflows import archive, doctor
from tests.api_client import Api
from tests.conftest import make_app
from tests.integration import flows

pytestmark = [pytest.mark.postgres]
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def build_campaign(app: Any) -> tuple[int, dict[str, int]]:
    """One awarded application, one half-way through scoring, one draft with an attachment."""
    api = Api(app)
    done = flows.create(api, "hc_submitter", theme="<script>alert('x')</script> 网格化")["id"]
    flows.submit(api, done, "hc_submitter", "hc_leader")
    flows.review_to_scoring(api, done)
    flows.score_all(api, done)
    flows.decide(api, done)
    flows.confirm(api, done)
    scoring = flows.create(api, "hy_submitter")["id"]
    flows.submit(api, scoring, "hy_submitter", "hy_leader")
    api.complete("jx_vetter", "county_vetting", scoring, {"vetting_decision": "approve"})
    flows.review_to_scoring(api, scoring)
    api.post(f"/api/tasks/{api.task_for('scorer_org', 'democratic_scoring', scoring)['id']}/complete", "scorer_org",
             json={"score": {"criteria": {"innovation": 90, "effectiveness": 88, "promotion": 86, "recognition": 84,
                                          "standardization": 82}}})
    draft = flows.create(api, "rz_submitter")["id"]
    with app.extensions["appraisal.sessions"]() as s:
        uploader = s.scalar(select(User.id).where(User.username == "rz_submitter"))
        s.add(Attachment(application_id=draft, filename="成效证明.pdf", content_type="application/pdf", size=len(PDF),
                         sha256=hashlib.sha256(PDF).hexdigest(), content=PDF, uploaded_by=uploader,
                         uploaded_at=clock.now()))
        s.commit()
    return flows.campaign_id(api), {"done": done, "scoring": scoring, "draft": draft}


def test_export_from_sqlite_import_into_empty_postgres(tmp_path: Path, sqlite_template: Path, december_clock: Any,
                                                       pg_only_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    db = tmp_path / "source.db"
    shutil.copy(sqlite_template, db)
    source = make_app(f"sqlite:///{db}")
    campaign_id, ids = build_campaign(source)
    out = tmp_path / "backup" / f"campaign-{campaign_id}.zip"

    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{db}")
    assert cli.main(["export", "--campaign", str(campaign_id), "--out", str(out)]) == 0
    with zipfile.ZipFile(out) as z:
        names = z.namelist()
        assert "manifest.json" in names and "tables/audit_log.json" in names
        assert z.read(f"attachments/{next(n for n in names if n.startswith('attachments/')).split('/', 1)[1]}") == PDF

    monkeypatch.setenv("DATABASE_URL", pg_only_url)
    assert cli.main(["import", str(out)]) == 0
    target = __import__("service").create_app(__import__("tests.conftest", fromlist=["_settings"])._settings(pg_only_url))
    try:
        with source.extensions["appraisal.sessions"]() as a, target.extensions["appraisal.sessions"]() as b:
            before, after = archive.collect(a, campaign_id), archive.collect(b, campaign_id)
        for table in archive.TABLES:
            assert after[table] == before[table], table  # row for row, column for column
        assert len(before["audit_log"]) > 10 and len(before["attachments"]) == 1 and len(before["process_definitions"]) >= 1
        with target.extensions["appraisal.sessions"]() as b:
            assert doctor.check(session=b, services=target.extensions["appraisal.services"]) == []

        # the imported campaign works: logins, results with calculations, and the in-flight application goes on
        api = Api(target)
        results = {r["application_id"]: r for r in api.get(f"/api/campaigns/{campaign_id}/results", "group_leader")["items"]}
        assert results[ids["done"]]["grade"] == "一等奖" and results[ids["done"]]["calculation"]["count"] == 8
        assert results[ids["done"]]["theme"] == "<script>alert('x')</script> 网格化"  # stored as given
        flows.score_all(api, ids["scoring"])
        assert api.get(f"/api/applications/{ids['scoring']}", "res_office1")["stage"] == "decision"
        created = flows.create(api, "econ_submitter")  # the id sequences moved past the imported rows
        assert created["id"] > max(ids.values())

        # importing the same archive twice is refused, and changes nothing
        assert cli.main(["import", str(out)]) == 2
    finally:
        target.extensions["appraisal.db_engine"].dispose()
        source.extensions["appraisal.db_engine"].dispose()


def test_a_damaged_archive_is_refused(tmp_path: Path, app: Any) -> None:
    campaign_id = flows.campaign_id(Api(app))
    path = tmp_path / "a.zip"
    with app.extensions["appraisal.sessions"]() as s:
        archive.export_campaign(session=s, campaign_id=campaign_id, path=path)
    damaged = tmp_path / "b.zip"
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(damaged, "w") as dst:
        for item in src.infolist():
            body = src.read(item.filename)
            dst.writestr(item, body.replace(b"\"year\"", b"\"yaer\"") if item.filename == "tables/campaigns.json" else body)
    with pytest.raises(Exception, match="checksum"):
        archive.read_archive(damaged)
