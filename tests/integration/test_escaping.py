"""Every page escapes every piece of text a person supplied (the class, not one field on one page).

Each field a person can fill (the application, every task form's text, attachment
names, campaign and criterion names, unit and user names, BPMN element names and
deploy comments, form titles, business keys, the in-app messages built from them)
holds a probe ``"'><x-p-FIELD>``. Every page of the URL map is then opened as
every role, for every object it can show, and no page may contain ``<x-p-`` as
markup; each probe must show up somewhere, so a field that is rendered is also
checked. A static check keeps ``|safe``, ``Markup`` and ``autoescape false``
out of the templates and the code.
"""
from __future__ import annotations

import re
from datetime import timedelta
from io import BytesIO
from pathlib import Path
from typing import Any

from sqlalchemy import select

from service import clock
from service.demo.baoding import SCORER_USERNAMES
from service.models import (Application, Campaign, OrgUnit, PresentationSession, ProcessDefinition, ProcessInstance,
                            Task, User)
from service.workflows import outbox
from tests.api_client import Api
from tests.integration import flows
from tests.web_client import logged_in

ROOT = Path(__file__).resolve().parents[2]
USERS = ["hc_submitter", "hc_leader", "hy_submitter", "hy_leader", "jx_vetter", "lg_member1", "group_leader",
         "res_office1", "scorer_org", "scorer_jx", "chair_office", "process_admin"]


def probe(field: str) -> str:
    return f"\"'><x-p-{field}>"


APPLICATION_TEXT = ("theme", "content", "proposer", "refinement", "effects")


def _application(api: Api, submitter: str) -> int:
    body = {**flows.GOOD_APPLICATION, **{f: probe(f) for f in APPLICATION_TEXT}}
    body["recognitions"] = [{**flows.GOOD_APPLICATION["recognitions"][0], "department": probe("department")}]
    return flows.create(api, submitter, **body)["id"]


def _rename_people_places_and_the_campaign(app: Any) -> None:
    with app.extensions["appraisal.sessions"]() as s:
        for unit in s.scalars(select(OrgUnit)):
            unit.name, unit.name_en = probe(f"unit-{unit.id}") + unit.name, probe("unit-en")
        for user in s.scalars(select(User)):
            user.display_name = probe("user-name") + user.display_name
        campaign = s.get(Campaign, 1)
        campaign.name = probe("campaign-name")
        campaign.criteria = [{**c, "name": probe("criterion-name")} for c in campaign.criteria]
        s.commit()


def _walk_one_application_to_the_end(api: Api, app_id: int) -> None:
    api.complete("hc_submitter", "fill_application", app_id, {})
    api.complete("hc_leader", "leader_signoff", app_id, {"signoff_decision": "approve",
                                                         "signoff_comment": probe("signoff-comment")})
    api.complete("lg_member1", "preliminary_review", app_id, {"shortlisted": True, "review_reasons": probe("review-reasons")})
    api.complete("res_office1", "record_presentation", app_id, {
        "presentation_date": "2027-01-08", "presenter": probe("presenter"), "presentation_notes": probe("presentation-notes")})
    for i, user in enumerate(SCORER_USERNAMES):
        mine = [t for t in api.tasks(user, application_id=app_id) if t["element_id"] == "democratic_scoring"]
        if mine:
            api.post(f"/api/tasks/{mine[0]['id']}/complete", user, json={"confirm": True, "score": {"criteria": {
                c: 80 + i for c in ("innovation", "effectiveness", "promotion", "recognition", "standardization")},
                "comment": probe("score-comment")}})
    api.complete("res_office1", "propose_grade", app_id, {"proposed_grade": "一等奖", "proposal_reasons": probe("proposal-reasons")})
    api.complete("group_leader", "set_grade", app_id, {"final_grade": "一等奖", "decision_reasons": probe("decision-reasons")})
    api.complete("chair_office", "chair_confirmation", app_id, {"chair_decision": "confirm", "chair_comment": probe("chair-comment")})


def _a_process_and_a_form_with_hostile_names(api: Api) -> None:
    xml = (ROOT / "processes" / "draft_consultation.bpmn").read_text(encoding="utf-8")
    xml = re.sub(r'(<bpmn:(?:userTask|startEvent|endEvent|exclusiveGateway|boundaryEvent|lane|process) [^>]*name=")([^"]*)"',
                 lambda m: m.group(1) + "&quot;&apos;&gt;&lt;x-p-bpmn-name&gt;" + m.group(2) + '"', xml)
    api.call("POST", "/api/process-definitions?comment=" + probe("deploy-comment").replace("'", "%27")
             .replace('"', "%22").replace("<", "%3C").replace(">", "%3E"), "process_admin", expect=201,
             data=xml.encode(), headers={"Content-Type": "application/xml"})
    schema = api.get("/api/forms/draft_comments", "process_admin")["schema"]
    schema = {**schema, "title": probe("form-title"), "description": probe("form-description"),
              "properties": {"comments": {**schema["properties"]["comments"], "title": probe("form-field-title")}}}
    api.call("PUT", "/api/forms/draft_comments", "process_admin", expect=201, json={"schema": schema})
    hy = api.get("/api/me", "hy_submitter")["unit_id"]
    union = api.get("/api/org-units", "res_office1")["items"]
    supervising = next(u["supervising_union_id"] for u in union if u["id"] == hy)
    api.post("/api/process-definitions/key/draft_consultation/start", "res_office1", expect=201, json={
        "business_key": probe("business-key"), "variables": {
            "unit_id": hy, "supervising_union_id": supervising, "unit_name": probe("unit-variable"),
            "deadline": (clock.local(clock.now()) + timedelta(days=3)).isoformat()}})


def _deliver_in_app_messages(app: Any) -> None:
    sessions = app.extensions["appraisal.sessions"]
    with sessions() as db:
        ids = outbox.claim_due(db, now=clock.now(), limit=10_000, lease=timedelta(seconds=1))
        db.commit()
    for message_id in ids:
        with sessions() as db:
            outbox.deliver(session=db, message_id=message_id, make_dispatcher=outbox.dispatcher_factory({}))


def _world(app: Any) -> dict[str, list[int]]:
    api = Api(app)
    _rename_people_places_and_the_campaign(app)
    done = _application(api, "hc_submitter")
    client, token = logged_in(app, "hc_submitter")
    r = client.post(f"/applications/{done}/attachments", content_type="multipart/form-data",
                    data={"csrf_token": token, "file": (BytesIO(b"%PDF-1.4\n%%EOF\n"), "'><x-p-file-name>.pdf")})
    assert r.status_code == 302, r.status_code  # (a browser sends a double quote in a file name as %22)
    _walk_one_application_to_the_end(api, done)
    at_vetting = _application(api, "hy_submitter")
    flows.submit(api, at_vetting, "hy_submitter", "hy_leader")
    at_review = _application(api, "econ_submitter")
    flows.submit(api, at_review, "econ_submitter", "econ_leader")
    _application(api, "hc_submitter")  # a draft
    presenting = _application(api, "htz_submitter")  # shortlisted, in a presentation session
    flows.submit(api, presenting, "htz_submitter", "htz_leader")
    flows.shortlist(api, presenting)
    api.post("/api/presentation-sessions", "res_office1", expect=201, json={
        "campaign_id": 1, "starts_at": "2027-01-08T09:00", "place": probe("session-place"), "notes": probe("session-notes"),
        "items": [{"application_id": presenting, "presenter": probe("session-presenter")}]})
    _a_process_and_a_form_with_hostile_names(api)
    _deliver_in_app_messages(app)
    with app.extensions["appraisal.sessions"]() as s:
        return {"application_id": list(s.scalars(select(Application.id))), "task_id": list(s.scalars(select(Task.id))),
                "instance_id": list(s.scalars(select(ProcessInstance.id))),
                "definition_id": list(s.scalars(select(ProcessDefinition.id))), "campaign_id": [1],
                "unit_id": list(s.scalars(select(OrgUnit.id).limit(5))),
                "person_id": list(s.scalars(select(User.id).limit(5))), "token": ["no-such-link"],
                "session_id": list(s.scalars(select(PresentationSession.id))),
                "kind": ["shortlist", "group_decision", "chair_confirmation", "forwarding"],
                "key": ["draft_comments"]}  # the form editor, on the form whose titles are hostile


def _pages(app: Any, ids: dict[str, list[int]]) -> list[str]:
    """Every HTML page of the URL map, once per object it can show."""
    urls = []
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith(("/api", "/static", "/lang")) or "GET" not in (rule.methods or set()):
            continue
        if rule.rule.endswith(".xlsx") or rule.rule.startswith("/attachments/"):
            continue  # files, not pages (the exports neutralise formulas: test_web_pages)
        assert set(rule.arguments) <= set(ids), f"add ids for {rule.rule}"
        paths = [rule.rule]
        for name in rule.arguments:
            paths = [p.replace(f"<int:{name}>", str(i)).replace(f"<{name}>", str(i)) for p in paths for i in ids[name]]
        urls += paths
    with app.extensions["appraisal.sessions"]() as s:
        versions = sorted(s.scalars(select(ProcessDefinition.id).where(ProcessDefinition.key == "draft_consultation")))
    urls.append(f"/admin/processes/diff?a={versions[0]}&b={versions[-1]}")
    urls.append("/admin/forms?key=draft_comments")
    return urls


def test_every_page_escapes_every_field_a_person_supplied(sqlite_app: Any) -> None:
    app = sqlite_app
    ids = _world(app)
    urls = _pages(app, ids)
    shown: set[str] = set()
    raw: list[str] = []
    opened = 0
    for username in USERS:
        client, _ = logged_in(app, username)
        for url in urls:
            r = client.get(url)
            if r.status_code != 200 or r.mimetype != "text/html":
                continue
            opened += 1
            page = r.get_data(as_text=True)
            raw += [f"{username} {url}: …{page[max(m.start() - 80, 0):m.start() + 40]}…" for m in re.finditer("<x-p-", page)]
            shown |= set(re.findall(r"x-p-([a-z0-9-]+)", page))
    assert not raw, "text shown unescaped:\n" + "\n".join(raw[:10])
    expected = {*APPLICATION_TEXT, "department", "file-name", "signoff-comment", "review-reasons",
                "presenter", "presentation-notes", "score-comment", "proposal-reasons", "decision-reasons",
                "chair-comment", "campaign-name", "criterion-name", "user-name", "bpmn-name", "deploy-comment",
                "form-title", "form-field-title", "business-key", "session-place", "session-notes",
                "session-presenter"}
    assert expected <= shown, f"never shown on any page, so never checked: {sorted(expected - shown)}"
    assert any(s.startswith("unit-") for s in shown)
    assert opened > 100, opened


MARKUP_BYPASSES = re.compile(r"\|\s*safe\b|(?i:autoescape\s+false)|Markup\s*\(|render_template_string|\bsafe\s*=\s*True")


def test_no_template_or_module_switches_escaping_off() -> None:
    """The dynamic test above proves the fields it knows; this keeps the means of unescaping out altogether."""
    files = [*(ROOT / "service").rglob("*.html"), *(ROOT / "service").rglob("*.py"), *(ROOT / "notifications").rglob("*.html"),
             *(ROOT / "notifications").rglob("*.py")]
    found = [f"{path.relative_to(ROOT)}:{n}: {line.strip()}" for path in files
             for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if MARKUP_BYPASSES.search(line)]
    assert not found, "escaping switched off (render the value as text; build markup in the template):\n" + "\n".join(found)
