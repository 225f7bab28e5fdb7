"""The audit trail: TRUNCATE refused, nothing recorded for actions that change nothing, and tamper evidence.

Tampering is done as a database owner would: raw SQL with the append-only
triggers set aside (PostgreSQL: ``session_replication_role = replica``, which
also skips foreign keys; SQLite: the triggers dropped). ``audit verify`` must
name every record edited, removed, inserted or moved, on SQLite and PostgreSQL,
in the database and in a campaign archive, and concurrent writers must leave a
chain that verifies.
"""
from __future__ import annotations

import ast
import json
import shutil
import threading
import zipfile
import hashlib
from pathlib import Path
from typing import Any, Callable

import pytest
from sqlalchemy import create_engine, func, select, text

from service import cli
from service.config import ROOT
from service.demo.baoding import SCORER_USERNAMES
from service.models import AuditRecord, AuditSeal, Task
from service.workflows import audit_chain, doctor
from tests.api_client import Api
from tests.conftest import _settings, make_app
from tests.integration import flows

KEY = "test-audit-key-0123456789abcdef"


def audit_app(url: str, key: str = KEY, old: str = "") -> Any:
    from service import create_app

    return create_app(_settings(url, audit_key=key, audit_old_keys=tuple(k for k in old.split(",") if k)))


def count(app: Any, **where: Any) -> int:
    with app.extensions["appraisal.sessions"]() as s:
        query = select(func.count()).select_from(AuditRecord)
        for name, value in where.items():
            query = query.where(getattr(AuditRecord, name) == value)
        return s.scalar(query)


def verify(app: Any, **kw: Any) -> audit_chain.Verification:
    with app.extensions["appraisal.sessions"]() as s:
        return audit_chain.verify(s, **kw)


def owner_sql(url: str, *statements: str) -> None:
    """Run statements as the database owner would, past the append-only triggers and foreign keys."""
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            if engine.dialect.name == "postgresql":
                conn.execute(text("SET LOCAL session_replication_role = replica"))
            else:
                conn.execute(text("PRAGMA foreign_keys = OFF"))
                for name in ("audit_log_no_update", "audit_log_no_delete", "audit_seals_no_update",
                             "audit_seals_no_delete"):
                    conn.execute(text(f"DROP TRIGGER IF EXISTS {name}"))
            for statement in statements:
                conn.execute(text(statement))
    finally:
        engine.dispose()


# --------------------------------------------------------------------------- TRUNCATE and no-op actions


@pytest.mark.postgres
def test_the_database_refuses_to_truncate_the_trail(pg_app: Any) -> None:
    engine = pg_app.extensions["appraisal.db_engine"]
    verify(pg_app)  # seals the trail, so there are seals to refuse changing too
    before = count(pg_app)
    assert before > 0
    for statement in ("TRUNCATE audit_log, audit_seals", "TRUNCATE audit_log CASCADE", "TRUNCATE users CASCADE",
                      "TRUNCATE audit_seals", "UPDATE audit_seals SET chain = 99", "DELETE FROM audit_seals"):
        with pytest.raises(Exception, match="append-only"):
            with engine.begin() as conn:
                conn.execute(text(statement))
    assert count(pg_app) == before


def audit_actions() -> dict[str, str]:
    """Every action name passed to ``audit.record(...)`` in the code, with the file it is in.

    An action is a literal at the call, or the enclosing function's parameter annotated ``Literal[...]`` (a
    step or a hand-over audited under one of a few names), whose every value is taken.
    """
    found: dict[str, str] = {}

    def visit(node: ast.AST, params: dict[str, ast.expr | None], path: Any) -> None:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):  # a closure sees its outer parameters
            params = {**params, **{a.arg: a.annotation for a in node.args.args + node.args.kwonlyargs}}
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "record" \
                and isinstance(node.func.value, ast.Name) and node.func.value.id == "audit":
            action = next((k.value for k in node.keywords if k.arg == "action"), None)
            for name in _action_names(action, params, path):
                found[name] = str(path.relative_to(ROOT))
        for child in ast.iter_child_nodes(node):
            visit(child, params, path)

    for path in sorted((ROOT / "service").rglob("*.py")):
        visit(ast.parse(path.read_text(encoding="utf-8")), {}, path)
    return found


def _action_names(action: ast.expr | None, params: dict[str, ast.expr | None], path: Any) -> list[str]:
    if isinstance(action, ast.Constant):
        return [action.value]
    annotation = params.get(action.id) if isinstance(action, ast.Name) else None
    literal = isinstance(annotation, ast.Subscript) and isinstance(annotation.value, ast.Name) \
        and annotation.value.id == "Literal"
    assert literal, f"{path}: an audit action must be a literal or a parameter annotated Literal[...]"
    values = annotation.slice.elts if isinstance(annotation.slice, ast.Tuple) else [annotation.slice]
    assert all(isinstance(v, ast.Constant) for v in values), f"{path}: Literal[...] of strings only"
    return [v.value for v in values]


# Every audited action, and why repeating it cannot write a record when nothing changed. Those that can be
# repeated without a change are exercised by the test below; a new action must be added here to pass.
NO_CHANGE_CASES = {
    "claim": "tested: claiming a task you already hold",
    "unclaim": "tested: releasing a task nobody holds",
    "update_draft": "tested: saving a draft with the values it has",
    "deploy_form": "tested: deploying a form schema identical to its latest version (PUT is idempotent)",
    "complete": "tested: a completed task cannot complete again (409)",
    "repair": "tested: doctor --repair on a consistent database repairs nothing",
    "create": "always creates an application or campaign row",
    "attach": "always stores a new attachment row",
    "start": "always starts a new process instance",
    "deploy": "an uploaded BPMN is a new version by request (the bundled deploy skips an unchanged file)",
    "fire_timers": "written only when due timers fire, in the transaction that fires them",
    "incident": "written only when a step fails, in the transaction that opens the incident (a retry that fails "
                "again updates it and is recorded as retry_incident)",
    "retry_incident": "always runs the failed element again (a retry of a resolved incident is a 409 and records nothing)",
    "update_scorers": "tested (test_incidents.py::test_no_eligible_scorer_is_an_incident_the_office_fixes_and_retries): "
                      "the list it already has records nothing",
    "reassign": "tested (test_reassignment.py::test_the_office_reassigns_a_claimed_review_and_both_people_are_told): "
                "reassigning to the person who holds it records and tells nothing",
    "migrate_instance": "written only for an instance that moved to another version, in its own transaction (an "
                        "instance already on the target is not on the source any more: listed, not migrated, nothing "
                        "recorded; test_migration.py)",
    "modify_instance": "always moves the instance's token (an element not active is a 422 and records nothing)",
    "delegate": "the same use case as reassign (assignments._hand_over): handing a task to its holder records nothing",
    "create_unit": "always creates a unit row (a taken code is a 422)",
    "update_unit": "tested (test_org_accounts.py::test_office_manages_units_and_people_and_every_change_is_audited): "
                   "an edit with the values the unit has records nothing",
    "create_person": "always creates a person row (a taken username is a 422)",
    "update_person": "tested (test_org_accounts.py::test_office_manages_units_and_people_and_every_change_is_audited): "
                     "an edit with the values the person has records nothing",
    "send_password_link": "always sends a new link (a new account, or the office's reset by request)",
    "set_password": "a link works once (test_org_accounts.py::test_a_password_link_works_once_and_expires); "
                    "changing one's own password is by request",
    "release_task": "written only for a claimed task of a person being deactivated, in that transaction",
    "import_org": "tested (test_org_workbook.py::test_import_is_all_or_nothing_and_a_second_import_changes_nothing): "
                  "a workbook that changes nothing writes no record",
    "copy_campaign": "always creates a campaign row",
    "edit_campaign": "tested (test_campaign_setup.py::test_edits_need_a_reason_are_audited_and_an_edit_that_changes_"
                     "nothing_records_nothing): an edit that changes nothing records nothing",
    "open_window": "opening an open window is a 409 and records nothing",
    "withdraw": "withdrawing a withdrawn application is a 409 and records nothing",
    "urge": "tested (test_worklist_pages.py::test_group_leader_supervises_an_overdue_task_read_only_and_urges_once_a_day): "
            "a second urge the same day queues no notice and writes no record",
    "paper_score_sheet": "a sheet's completion entered by the office: a completed sheet cannot complete again (409)",
    "close_sheet": "written only for a sheet still open when the office closes the item's scoring, in that transaction",
    "close_scoring": "closing an item with no open sheet is a 409 and records nothing",
    "replace_scorer": "the same use case as reassign (assignments._hand_over): giving a sheet to its holder records nothing",
    "propose_grades": "completes every listed item's proposal: a second list finds no item waiting (422), records nothing",
    "decide_grades": "completes every listed item's decision: a second list finds no item waiting (422), records nothing",
    "schedule_session": "always creates a presentation session row",
    "record_session": "recording a session already recorded is a 409 and records nothing",
    "publish_notice": "always creates a notice row (no confirmed item left to list is a 409 and records nothing)",
    "notice_held": "written once, when the period ends with objections pending (the sweep again finds it held)",
    "finalise_notice": "written once, when the period ends with nothing pending (a final notice is left alone)",
    "file_objection": "always stores a new objection (each is a person's filing, with its own reference)",
    "record_finding": "a finding on an objection that has one is a 409 and records nothing",
    "decide": "a meeting's decision completes each listed item's waiting row once: the same list again finds nothing "
              "waiting (409/422) and records nothing",
    "forward": "forwarding takes the items waiting for their union's batch: the same batch again is a 422 (nothing "
               "waits) and records nothing",
    "shortlist_view": "tested: recording the views a member already recorded records nothing",
}


def test_every_audited_action_is_classified() -> None:
    assert set(audit_actions()) == set(NO_CHANGE_CASES), audit_actions()


def test_actions_that_change_nothing_write_no_audit_record(app: Any) -> None:
    api = Api(app)
    app_id = flows.create(api, "hc_submitter")["id"]
    path = f"/api/applications/{app_id}"
    draft = api.get(path, "hc_submitter")

    fields = {"theme": draft["theme"], "proposer": draft["proposer"]}
    before = count(app, action="update_draft")
    api.call("PATCH", path, "hc_submitter", 200, json=fields)  # the values it already has
    assert count(app, action="update_draft") == before
    assert api.get(path, "hc_submitter")["updated_at"] == draft["updated_at"]
    api.call("PATCH", path, "hc_submitter", 200, json={**fields, "theme": draft["theme"] + "（修订）"})
    assert count(app, action="update_draft") == before + 1
    with app.extensions["appraisal.sessions"]() as s:
        last = s.scalars(select(AuditRecord).where(AuditRecord.action == "update_draft")
                         .order_by(AuditRecord.id.desc())).first()
        assert last.detail == {"fields": ["theme"]}  # only what changed

    flows.submit(api, app_id, "hc_submitter", "hc_leader")
    campaign = flows.campaign_id(api)
    api.shortlist_sitting([app_id])  # two members record their views
    views = {"views": [{"application_id": app_id, "view": "in", "note": ""}]}
    before = count(app, action="shortlist_view")
    api.post(f"/api/campaigns/{campaign}/shortlist/views", "lg_member1", json=views)  # the view it already has
    assert count(app, action="shortlist_view") == before
    api.complete("group_leader", "preliminary_review", app_id, {"shortlisted": True, "review_reasons": "好"})
    task = api.task_for("res_office1", "record_presentation", app_id)
    api.post(f"/api/tasks/{task['id']}/unclaim", "res_office1")  # nobody holds it: nothing to release
    assert count(app, action="unclaim") == 0
    api.post(f"/api/tasks/{task['id']}/claim", "res_office1")
    api.post(f"/api/tasks/{task['id']}/claim", "res_office1")  # already theirs
    assert count(app, action="claim") == 1
    api.post(f"/api/tasks/{task['id']}/unclaim", "res_office1")
    api.post(f"/api/tasks/{task['id']}/unclaim", "res_office1")
    assert count(app, action="unclaim") == 1

    body = {"presentation_date": "2027-01-08", "presenter": "刘晓燕", "presentation_notes": "入围"}
    api.post(f"/api/tasks/{task['id']}/complete", "res_office1", json=body)
    api.post(f"/api/tasks/{task['id']}/complete", "res_office1", json=body, expect=409)
    assert count(app, action="complete", object_type="task", object_id=str(task["id"])) == 1

    schema = api.get("/api/forms/presentation", "process_admin")["schema"]
    first = api.call("PUT", "/api/forms/presentation", "process_admin", 201, json={"schema": schema}).get_json()
    again = api.call("PUT", "/api/forms/presentation", "process_admin", 201, json={"schema": schema}).get_json()
    assert again["version"] == first["version"] and count(app, action="deploy_form") == 1  # not a new version
    schema["title"] = schema.get("title", "") + "（修订）"
    changed = api.call("PUT", "/api/forms/presentation", "process_admin", 201, json={"schema": schema}).get_json()
    assert changed["version"] == first["version"] + 1 and count(app, action="deploy_form") == 2

    with app.extensions["appraisal.sessions"]() as s:
        assert doctor.repair(session=s, services=app.extensions["appraisal.services"]) == []
    assert count(app, action="repair") == 0


# --------------------------------------------------------------------------- tamper evidence


def trail(app: Any) -> int:
    """Some history: an application through review and part of scoring; returns the campaign id."""
    api = Api(app)
    app_id = flows.create(api, "hc_submitter")["id"]
    flows.submit(api, app_id, "hc_submitter", "hc_leader")
    flows.review_to_scoring(api, app_id)
    for i, username in enumerate(SCORER_USERNAMES[:7]):
        mine = [t for t in api.tasks(username, application_id=app_id) if t["element_id"] == "democratic_scoring"]
        if mine and i < 3:
            api.post(f"/api/tasks/{mine[0]['id']}/complete", username, json={"confirm": True, "score": {"criteria": dict.fromkeys(
                ("innovation", "effectiveness", "promotion", "recognition", "standardization"), 80 + i)}})
        elif mine:
            api.post(f"/api/tasks/{mine[0]['id']}/claim", username)
    return flows.campaign_id(api)


@pytest.fixture
def keyed_app(db_url: str, december_clock: Any) -> Any:
    from service.workflows.demo import load_demo

    application = audit_app(db_url)
    with application.extensions["appraisal.sessions"]() as session:
        load_demo(session, application.extensions["appraisal.services"])
    yield application
    application.extensions["appraisal.db_engine"].dispose()


def records(app: Any) -> list[AuditRecord]:
    with app.extensions["appraisal.sessions"]() as s:
        return list(s.scalars(select(AuditRecord).order_by(AuditRecord.id)))


def test_an_untouched_trail_verifies_and_every_kind_of_tampering_is_named(keyed_app: Any, db_url: str,
                                                                         monkeypatch: pytest.MonkeyPatch,
                                                                         capsys: pytest.CaptureFixture[str]) -> None:
    campaign_id = trail(keyed_app)
    result = verify(keyed_app)
    assert result.ok, result.findings
    assert result.sealed == result.records == count(keyed_app) > 12
    assert set(result.heads) == {0, campaign_id} and not result.development_key
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.setenv("AUDIT_KEY", KEY)
    assert cli.main(["audit", "verify"]) == 0
    assert "verified" in capsys.readouterr().out

    rows = [r for r in records(keyed_app) if r.campaign_id == campaign_id]
    edited, deleted, gone_with_seal, swapped_a, swapped_b, copied = (r.id for r in rows[2:8])
    template = rows[8]
    forged_id, copy_id, spare = 900001, 900002, 900003
    columns = "id, at, actor_id, actor_roles, action, object_type, object_id, detail, campaign_id, nonce, key_id, mac"
    owner_sql(
        db_url,
        # edited: a decision's detail rewritten
        f"UPDATE audit_log SET detail = '{{\"element\": \"forged\"}}' WHERE id = {edited}",
        # removed: the row only, and a row together with its seal
        f"DELETE FROM audit_log WHERE id = {deleted}",
        f"DELETE FROM audit_seals WHERE record_id = {gone_with_seal}",
        f"DELETE FROM audit_log WHERE id = {gone_with_seal}",
        # moved: two records swap ids
        f"UPDATE audit_log SET id = {spare} WHERE id = {swapped_a}",
        f"UPDATE audit_log SET id = {swapped_a} WHERE id = {swapped_b}",
        f"UPDATE audit_log SET id = {swapped_b} WHERE id = {spare}",
        # inserted: a made-up record with a made-up MAC, and a verbatim copy of a real one
        f"INSERT INTO audit_log ({columns}) SELECT {forged_id}, at, actor_id, actor_roles, 'complete', object_type, "
        f"object_id, detail, campaign_id, nonce, key_id, '{'0' * 64}' FROM audit_log WHERE id = {template.id}",
        f"INSERT INTO audit_log ({columns}) SELECT {copy_id}, at, actor_id, actor_roles, action, object_type, "
        f"object_id, detail, campaign_id, nonce, key_id, mac FROM audit_log WHERE id = {copied}",
    )
    result = verify(keyed_app)
    named = {(f.kind, f.record_id) for f in result.findings}
    assert ("edited", edited) in named
    assert ("removed", deleted) in named
    assert any(f.kind == "removed" and f.record_id is None and f.chain == campaign_id for f in result.findings)
    assert {("moved", swapped_a), ("moved", swapped_b)} <= named
    assert ("inserted", forged_id) in named and ("copied", copy_id) in named
    touched = {edited, deleted, swapped_a, swapped_b, forged_id, copy_id, None}
    assert {f.record_id for f in result.findings} <= touched, result.findings  # nothing else is accused
    assert count(keyed_app, id=forged_id) == 1 and forged_id not in {s.record_id for s in seals(keyed_app)}

    assert cli.main(["audit", "verify"]) == 1
    out = capsys.readouterr().out
    for rid in (edited, deleted, swapped_a, forged_id, copy_id):
        assert f"record #{rid}" in out


def seals(app: Any) -> list[AuditSeal]:
    with app.extensions["appraisal.sessions"]() as s:
        return list(s.scalars(select(AuditSeal).order_by(AuditSeal.chain, AuditSeal.seq)))


def test_reordered_seals_and_a_truncated_tail_are_caught(keyed_app: Any, db_url: str, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    campaign_id = trail(keyed_app)
    heads = tmp_path / "heads.json"
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.setenv("AUDIT_KEY", KEY)
    assert cli.main(["audit", "verify", "--save-heads", str(heads)]) == 0
    chain = [s for s in seals(keyed_app) if s.chain == campaign_id]
    first, second, last = chain[3], chain[4], chain[-1]
    owner_sql(db_url,
              f"UPDATE audit_seals SET seq = -1 WHERE record_id = {first.record_id}",
              f"UPDATE audit_seals SET seq = {first.seq} WHERE record_id = {second.record_id}",
              f"UPDATE audit_seals SET seq = {second.seq} WHERE record_id = {first.record_id}",
              # the newest record and its seal removed: the shorter chain is still a valid chain
              f"DELETE FROM audit_seals WHERE record_id = {last.record_id}",
              f"DELETE FROM audit_log WHERE id = {last.record_id}")
    result = verify(keyed_app, seal_first=False)
    assert any(f.kind == "broken" and f.chain == campaign_id for f in result.findings), result.findings
    assert not any("saved earlier" in f.message for f in result.findings)
    with_heads = verify(keyed_app, seal_first=False,
                        saved_heads={int(k): (v["seq"], v["mac"]) for k, v in json.loads(heads.read_text()).items()})
    assert any("saved earlier" in f.message and f.chain == campaign_id for f in with_heads.findings)
    assert cli.main(["audit", "verify", "--heads", str(heads)]) == 1


def test_records_are_sealed_by_the_job_and_unsealed_ones_are_checked_too(keyed_app: Any, db_url: str) -> None:
    trail(keyed_app)
    with keyed_app.extensions["appraisal.sessions"]() as s:
        report = audit_chain.seal(s)
    assert report.sealed == count(keyed_app) and not report.skipped
    api = Api(keyed_app)
    flows.create(api, "rz_submitter")  # written after the seal: waiting for the next one
    pending = verify(keyed_app, seal_first=False)
    assert pending.ok and pending.pending
    newest = max(r.id for r in records(keyed_app))
    owner_sql(db_url, f"UPDATE audit_log SET actor_roles = '[\"office\"]' WHERE id = {newest}")
    result = verify(keyed_app)  # the seal refuses the edited record, and verify names it
    assert [(f.kind, f.record_id) for f in result.findings] == [("inserted", newest)]


def test_without_audit_key_the_trail_is_only_a_hash_chain_and_says_so(app: Any, db_url: str,
                                                                      monkeypatch: pytest.MonkeyPatch,
                                                                      capsys: pytest.CaptureFixture[str]) -> None:
    assert verify(app).development_key
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.delenv("AUDIT_KEY", raising=False)
    assert cli.main(["audit", "verify"]) == 0
    assert "AUDIT_KEY is not set" in capsys.readouterr().err
    monkeypatch.setenv("AUDIT_KEY", "another-key")
    assert cli.main(["audit", "verify"]) == 1  # records made with a key this server does not hold
    assert "AUDIT_OLD_KEYS" in capsys.readouterr().out


# --------------------------------------------------------------------------- archives and concurrency


def empty_sqlite(tmp_path: Path, sqlite_template: Path) -> str:
    shutil.copy(sqlite_template, tmp_path / "target.db")
    return f"sqlite:///{tmp_path / 'target.db'}"


def test_an_archive_carries_its_chain_and_verifies_after_import(tmp_path: Path, sqlite_template: Path,
                                                                december_clock: Any, pg_only_url: str,
                                                                monkeypatch: pytest.MonkeyPatch,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    from service.workflows.demo import load_demo

    source_url = empty_sqlite(tmp_path, sqlite_template)
    source = audit_app(source_url)
    with source.extensions["appraisal.sessions"]() as s:
        load_demo(s, source.extensions["appraisal.services"])
    campaign_id = trail(source)
    out = tmp_path / "campaign.zip"
    monkeypatch.setenv("DATABASE_URL", source_url)
    monkeypatch.setenv("AUDIT_KEY", KEY)
    assert cli.main(["export", "--campaign", str(campaign_id), "--out", str(out)]) == 0
    assert cli.main(["audit", "verify", "--archive", str(out)]) == 0

    # the target has a key of its own and knows the source's as an old one
    monkeypatch.setenv("DATABASE_URL", pg_only_url)
    monkeypatch.setenv("AUDIT_KEY", "target-server-key")
    monkeypatch.setenv("AUDIT_OLD_KEYS", KEY)
    assert cli.main(["import", str(out)]) == 0
    assert cli.main(["audit", "verify"]) == 0
    target = audit_app(pg_only_url, key="target-server-key", old=KEY)
    try:
        api = Api(target)  # the campaign goes on here: the chain continues under the target's key
        app_id = flows.create(api, "econ_submitter")["id"]
        assert count(target, object_id=str(app_id), action="create") == 1
        result = verify(target)
        assert result.ok, result.findings
        assert result.heads[campaign_id][0] > max(s.seq for s in seals(source) if s.chain == campaign_id)
    finally:
        target.extensions["appraisal.db_engine"].dispose()
        source.extensions["appraisal.db_engine"].dispose()
    monkeypatch.delenv("AUDIT_OLD_KEYS")
    assert cli.main(["audit", "verify"]) == 1  # without the source's key its records cannot be checked
    capsys.readouterr()

    # an archive edited by hand (checksums recomputed) is caught by verify --archive
    edited = tmp_path / "edited.zip"
    with zipfile.ZipFile(out) as src, zipfile.ZipFile(edited, "w") as dst:
        manifest = json.loads(src.read("manifest.json"))
        for item in src.infolist():
            body = src.read(item.filename)
            if item.filename == "tables/audit_log.json":
                rows = json.loads(body)
                victim = next(r for r in rows if r["action"] == "claim")
                victim["actor_id"] = 1
                body = json.dumps(rows, ensure_ascii=False).encode("utf-8")
                manifest["sha256"][item.filename] = hashlib.sha256(body).hexdigest()
            if item.filename != "manifest.json":
                dst.writestr(item, body)
        dst.writestr("manifest.json", json.dumps(manifest))
    monkeypatch.setenv("AUDIT_KEY", KEY)
    assert cli.main(["audit", "verify", "--archive", str(edited)]) == 1
    assert f"record #{victim['id']} was edited" in capsys.readouterr().out


def run_together(calls: list[Callable[[], Any]]) -> list[Any]:
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def run(i: int) -> None:
        barrier.wait()
        try:
            results[i] = calls[i]()
        except BaseException as exc:  # noqa: BLE001 - reported below
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not any(t.is_alive() for t in threads)
    assert not [r for r in results if isinstance(r, BaseException)], results
    return results


@pytest.mark.postgres
def test_concurrent_writers_and_sealers_leave_a_chain_that_verifies(pg_only_url: str, december_clock: Any) -> None:
    from service.workflows.demo import load_demo

    app = audit_app(pg_only_url)
    try:
        with app.extensions["appraisal.sessions"]() as s:
            load_demo(s, app.extensions["appraisal.services"])
        api = Api(app)
        items = []
        for submitter, leader in (("hc_submitter", "hc_leader"), ("rz_submitter", "rz_leader")):
            app_id = flows.create(api, submitter)["id"]
            if submitter == "rz_submitter":
                items.append(app_id)
                continue
            flows.submit(api, app_id, submitter, leader)
            flows.review_to_scoring(api, app_id)
            items.append(app_id)
        jobs: list[Callable[[], Any]] = []
        for i, username in enumerate(SCORER_USERNAMES):
            mine = [t for t in api.tasks(username, application_id=items[0]) if t["element_id"] == "democratic_scoring"]
            if mine:
                token = api.login(username)
                body = {"confirm": True, "score": {"criteria": dict.fromkeys(
                    ("innovation", "effectiveness", "promotion", "recognition", "standardization"), 80 + i)}}
                jobs.append(lambda t=mine[0]["id"], tok=token, b=body: app.test_client().post(
                    f"/api/tasks/{t}/complete", json=b, headers={"Authorization": f"Bearer {tok}"}).status_code)
        token = api.login("rz_submitter")
        for n in range(6):  # draft saves on the other item, each a change
            jobs.append(lambda n=n: app.test_client().patch(f"/api/applications/{items[1]}", json={
                "theme": f"并发草稿 {n}"}, headers={"Authorization": f"Bearer {token}"}).status_code)
        stop = threading.Event()

        def sealer() -> int:
            sealed = 0
            while not stop.is_set():
                with app.extensions["appraisal.sessions"]() as s:
                    sealed += audit_chain.seal(s).sealed
            return sealed

        def writers() -> list[int]:
            try:
                return run_together(jobs)
            finally:
                stop.set()

        codes, sealed_a, sealed_b = run_together([writers, sealer, sealer])
        assert set(codes) == {200}, codes
        result = verify(app)
        assert result.ok, result.findings
        assert result.sealed == result.records == count(app)
        for chain in result.heads:
            positions = [s.seq for s in seals(app) if s.chain == chain]
            assert positions == list(range(1, len(positions) + 1))
        assert api.get(f"/api/applications/{items[0]}", "res_office1")["stage"] == "decision"
    finally:
        app.extensions["appraisal.db_engine"].dispose()
