"""What a person reads in zh_CN carries no untranslated code and no identifier from a known list: every
GET page for every role with an application walked to its award, the Excel exports, the PDFs and the
notification bodies. (Issue 16.2: codes are named by service/catalogue/codes.py, never shown as they are.)"""
from __future__ import annotations

import html
import re
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import select

from notifications import render
from service.catalogue.codes import CODES
from service.demo.baoding import DEMO_USERS, SCORER_USERNAMES
from service.models import Application, Attachment, OutboxMessage, ProcessDefinition, Task
from service.schemas.applications import APPLICANT_TYPES, RECOGNITION_LEVELS
from tests.api_client import Api
from tests.integration import flows
from tests.integration.test_incidents import PRESENTATION
from tests.integration.test_migration import RENAMED
from tests.web_client import logged_in

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
# One person per role (the demo data).
PEOPLE = ["hc_submitter", "hc_leader", "jx_vetter", "lg_member1", "res_office1", SCORER_USERNAMES[0], "group_leader",
          "chair_office", "process_admin"]
# Codes a person must never read as they are: the codes of the tables a page, export or message names.
SHOWN_KINDS = ("status", "stage", "delivery", "channel", "notification", "method", "rounding", "unit_type", "role",
               "action", "import_result", "task_state", "instance_state", "dropped")
USERNAMES = re.compile(r"(?<![\w\-.@])(" + "|".join(re.escape(u["username"]) for u in DEMO_USERS) + r")(?![\w\-@])")
# ... and the application form's choices (申报者 collective/individual, the recognitions' levels): a choice shows
# its label, only the seed's numbered lists (成果范围, 申报条件) their number.
# ... and the processes' element ids (a step without a name is never shown by its id: democratic_scoring).
PROCESSES = Path(__file__).resolve().parents[2] / "processes"
ELEMENT_IDS = {m.group(1) for path in PROCESSES.glob("*.bpmn") for m in re.finditer(
    r'<bpmn:(?:\w*Task|\w*Event|subProcess|callActivity|\w*Gateway)\s[^>]*?\bid="([a-z][a-z0-9_]*_[a-z0-9_]+)"',
    path.read_text(encoding="utf-8"))}
# ... and the processes' own ids (a process is shown by its name: 创新性工作评比, not innovation_appraisal), and the
# instances' business keys (an instance is shown by its application's title and unit, not application-2).
PROCESS_IDS = {m.group(1) for path in PROCESSES.glob("*.bpmn") for m in re.finditer(
    r'<bpmn:process\s[^>]*?\bid="([A-Za-z_][\w\-]*)"', path.read_text(encoding="utf-8"))}
CODE_WORDS = sorted({code for kind in SHOWN_KINDS for code in CODES[kind] if len(code) > 2 and not code.isdigit()}
                    | {code for choices in (APPLICANT_TYPES, RECOGNITION_LEVELS) for code in choices} | ELEMENT_IDS
                    | PROCESS_IDS)
LEAKS = [
    ("code", re.compile(r"(?<![\w\-./@])(" + "|".join(map(re.escape, CODE_WORDS)) + r")(?![\w\-/@])")),
    ("business key", re.compile(r"(?<![\w\-./@])(?:application|campaign)-\d+\b")),
    ("key=value", re.compile(r"\b[a-z][a-z_]*=\S")),
    ("dict dump", re.compile(r"\{'|\{&#39;|'[a-z_]+': ")),
    ("exception", re.compile(r"\b[A-Z]\w*(Error|Exception)\b|Traceback")),
]


def leaks(text: str) -> list[tuple[str, str]]:
    text = USERNAMES.sub(" ", text)  # a login name is what a person types, not a code (demo: group_leader)
    return [(what, m.group(0)) for what, rx in LEAKS for m in rx.finditer(text)]


def visible(page: str) -> str:
    """The text a reader sees: no scripts, styles, tags or attributes; the raw delivery error the office
    may open (the dashboard's <details class="raw-error">) left out."""
    page = re.sub(r"<details class=\"raw-error\">.*?</details>", " ", page, flags=re.S)
    page = re.sub(r"<(script|style|code|pre|textarea)\b.*?</\1>", " ", page, flags=re.S | re.I)
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


@pytest.fixture
def walked(app: Any) -> dict[str, Any]:
    """An application through to its award (timeline, scores, grade, notifications), a draft with an
    attachment, and the ids the page routes take."""
    api = Api(app)
    app_id = flows.create(api, "hc_submitter")["id"]
    api.call("PATCH", f"/api/applications/{app_id}", "hc_submitter", 200, json={"theme": "职工创新工作室（修订）"})
    flows.submit(api, app_id, "hc_submitter", "hc_leader")
    flows.review_to_scoring(api, app_id)
    flows.score_all(api, app_id)
    flows.decide(api, app_id)
    flows.confirm(api, app_id)
    flows.finalise(api, app_id)
    draft = flows.create(api, "hy_submitter")["id"]
    client, token = logged_in(app, "hy_submitter")
    assert client.post(f"/applications/{draft}/attachments", content_type="multipart/form-data",
                       data={"csrf_token": token, "file": (BytesIO(PDF), "证明.pdf")}).status_code == 302
    campaign = flows.campaign_id(api)
    # A running instance the office must act on: an application stopped at an incident (no scorers configured),
    # its open tasks (改派), its modification form; and a second version to migrate it to.
    running = flows.create(api, "econ_submitter")["id"]
    flows.submit(api, running, "econ_submitter", "econ_leader")
    api.complete("lg_member1", "preliminary_review", running, {"shortlisted": True, "review_reasons": "创新性突出"})
    api.call("PUT", f"/api/campaigns/{campaign}/scorers", "res_office1", 200, json={"scorer_ids": []})
    api.complete("res_office1", "record_presentation", running, PRESENTATION)
    [incident] = api.get("/api/incidents?state=open", "res_office1")["items"]
    target = api.post("/api/process-definitions?comment=%E6%94%B9%E5%90%8D&confirm_removed=true", "process_admin",
                      expect=201, data=RENAMED, content_type="application/xml")
    source = api.get(f"/api/process-instances/{incident['instance_id']}", "res_office1")["definition_id"]
    migration = f"/admin/migrations?source={source}&target={target['id']}"
    with app.extensions["appraisal.sessions"]() as s:
        task = s.scalar(select(Task.id).where(Task.application_id == app_id).order_by(Task.id))
        attachment = s.scalar(select(Attachment.id))
        definition = s.scalar(select(ProcessDefinition).order_by(ProcessDefinition.id))
        ids = {"application_id": str(app_id), "task_id": str(task), "definition_id": str(definition.id),
               "instance_id": "1", "campaign_id": str(campaign), "attachment_id": str(attachment),
               "key": definition.key}
        drafting = s.scalar(select(Application.instance_id).where(Application.id == draft))
    return {"ids": ids, "app_id": app_id, "draft": draft,
            "extra": [f"/instances/{incident['instance_id']}", f"/instances/{drafting}", migration, f"/office/campaigns/{campaign}"],
            "dry_run": migration}


# The pages the office and the process administrator operate a running campaign on: the walk must read each of
# them (instance page with its incident, open tasks and modification form; version list; migration plan and dry
# run; the dashboard's incidents).
OPERATING_PAGES = ("/instances/", "/admin/processes", "/admin/migrations?", "/office/campaigns/")


def _read(app: Any, person: str, language: str, walked: dict[str, Any]) -> list[tuple[str, Any]]:
    """Every page the person may GET (and the migration page's dry run), in ``language``."""
    client, token = logged_in(app, person)
    client.get(f"/lang/{language}")
    read = [(path, client.get(path)) for path in _pages(app, walked["ids"]) + walked["extra"]]
    read.append((walked["dry_run"] + "#dry-run", client.post(walked["dry_run"], data={
        "csrf_token": token, "action": "validate"})))
    return read


def _pages(app: Any, ids: dict[str, str]) -> list[str]:
    paths = set()
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.rule.startswith(("/api", "/static")) or rule.endpoint in (
                "web.set_language", "web.favicon"):
            continue
        path = rule.rule
        for name in rule.arguments:
            path = re.sub(rf"<(?:[a-z]+:)?{name}>", ids.get(name, "1"), path)
        paths.add(path)
    return sorted(paths)


def test_pages_exports_and_messages_in_chinese_show_no_codes(app: Any, walked: dict[str, Any]) -> None:
    found: list[tuple[str, str, str, str]] = []
    read = {"html": 0, "xlsx": 0, "pdf": 0}
    seen: set[str] = set()
    for person in PEOPLE:
        for path, r in _read(app, person, "zh-CN", walked):
            if r.status_code != 200:
                continue
            seen.update(p for p in OPERATING_PAGES if path.startswith(p))
            if r.mimetype == "text/html":
                text, read["html"] = visible(r.get_data(as_text=True)), read["html"] + 1
            elif r.mimetype.endswith("spreadsheetml.sheet"):
                book = load_workbook(BytesIO(r.data), read_only=True)
                text = "\n".join(str(v) for ws in book.worksheets for row in ws.iter_rows(values_only=True)
                                 for v in row if isinstance(v, str))
                read["xlsx"] += 1
            elif r.mimetype == "application/pdf" and r.data.startswith(b"%PDF") and len(r.data) > len(PDF):
                text = "\n".join(p.extract_text() or "" for p in PdfReader(BytesIO(r.data)).pages)
                read["pdf"] += 1
            else:
                continue
            found += [(person, path, what, leak) for what, leak in leaks(text)]
    assert read["html"] >= 40 and read["xlsx"] >= 2, read
    assert seen == set(OPERATING_PAGES), seen
    with app.extensions["appraisal.sessions"]() as s:
        messages = list(s.scalars(select(OutboxMessage)))
    assert messages
    for m in messages:
        rendered = render(m.template, m.context, "zh-CN")
        found += [("notification", m.template, what, leak)
                  for what, leak in leaks("\n".join((rendered.subject, rendered.text, visible(rendered.html))))]
    if found:
        pytest.fail("shown as they are in zh_CN:\n" + "\n".join(
            f"{path}: {what} {leak!r}" for path, what, leak in sorted({f[1:] for f in found})))


CJK_RUN = re.compile(r"[\u3400-\u9fff\u3000-\u303f\uff00-\uffef“”‘’]*[\u3400-\u9fff][\u3400-\u9fff\u3000-\u303f\uff00-\uffef“”‘’]*")
ORG_WORKBOOK = "/office/org/"
"""The organisation workbook and its import template are the import's format: Chinese sheet names,
headers and notes, read back by the import (tests/unit/test_text_mechanisms.py counts them as pending)."""
SWITCH_TO_CHINESE = "中文"
"""The English page's link to the Chinese one says so in Chinese (the catalogue's translation of "English")."""


def _data_words(app: Any) -> list[str]:
    """Every Chinese string the database holds (unit, people and campaign names, themes, form entries,
    grades, reasons…): what people entered is shown as they wrote it, in any page language."""
    from service.extensions import Base

    def strings(value: Any) -> list[str]:
        if isinstance(value, str):
            return [value] if CJK_RUN.search(value) else []
        if isinstance(value, dict):
            return [s for v in (*value.keys(), *value.values()) for s in strings(v)]
        if isinstance(value, (list, tuple)):
            return [s for v in value for s in strings(v)]
        return []

    found: set[str] = set()
    with app.extensions["appraisal.sessions"]() as s:
        for table in Base.metadata.sorted_tables:
            if table.name in ("outbox_messages", "audit_records"):
                continue  # messages and records are made by the service (their words are the catalogue's)
            for row in s.execute(select(*table.columns)):
                found.update(x for v in row for x in strings(v))
    lines = {line.strip() for text in found for line in text.splitlines() if line.strip()}
    return sorted(lines | found, key=len, reverse=True)


def test_pages_and_exports_in_english_show_no_chinese_but_the_data(app: Any, walked: dict[str, Any]) -> None:
    """The same walk in English: every Chinese run left on a page or in an export, once what people
    entered (the data) is taken out, is text that did not go through the catalogue."""
    data = _data_words(app)
    found: dict[tuple[str, str], str] = {}
    read = 0
    for person in PEOPLE:
        for path, r in _read(app, person, "en", walked):
            if r.status_code != 200:
                continue
            if r.mimetype == "text/html":
                text = visible(r.get_data(as_text=True))
            elif r.mimetype.endswith("spreadsheetml.sheet") and not path.startswith(ORG_WORKBOOK):
                book = load_workbook(BytesIO(r.data), read_only=True)
                text = "\n".join(str(v) for ws in book.worksheets for row in ws.iter_rows(values_only=True)
                                 for v in row if isinstance(v, str))
            else:
                continue
            read += 1
            for word in data:
                if word in text:
                    text = text.replace(word, " ")
            text = text.replace(SWITCH_TO_CHINESE, " ")
            for run in CJK_RUN.findall(text):
                found.setdefault((path.split("/")[1] if "/" in path else path, run), f"{person} {path}")
    assert read >= 40
    assert not found, "untranslated on English pages:\n" + "\n".join(
        f"{where}: {run!r}" for (_, run), where in sorted(found.items()))
