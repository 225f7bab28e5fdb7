"""Field-level visibility (issue 12.1): what each person sees of an application, field group by field group.

One world holds an application per stage: H1 (another unit's draft), A1 (being scored: two sheets in),
A2 (scores aggregated and a grade decided, not yet published) and A3 (published: its public notice (公示) ran,
an objection to it was dismissed, and its result is final). Every free-text
field carries a marker naming its application and field group (``mk_a2_internal_…``, each scorer's
comment ``mk_a2_sheet_<scorer>``); the calculation's per-scorer totals and each final score are
distinct numbers; scorers' and leading-group members' names are markers too. Then every person
calls every GET operation of the OpenAPI document (the award PDFs' text included) and opens every page
and both Excel exports, and
what comes back is checked three ways:

* every JSON key is classified by the policy (``service/auth/visibility.py``; an unclassified key
  fails), and the groups present are exactly the spec's ``SPEC`` ∩ what the response carries at that
  stage (``CARRIES``) for the responses that describe one application, a subset of the spec otherwise;
* every marker found anywhere (JSON, HTML, Excel) belongs to a group the person may see for that
  application: a path that bypasses the policy shows up here;
* across everything a person can open, every group the spec gives them does appear somewhere.

The public is a viewer too: without a login it opens every GET operation and every page, and what it
gets is what the notice publishes (A3's unit, title and grade, the objection's state and finding by its
reference), nothing else; the objector's name, contact and reasons are the office's alone.

Operations and pages that take parameters must be declared below (how to call them for the world,
or why they carry no application data), so a new endpoint or page cannot slip through unchecked.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import timedelta
from io import BytesIO
from types import SimpleNamespace
from typing import Any, Callable, Iterator

from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import select

from handlers.scoring import aggregate_scores
from service import clock
from service.auth import visibility
from service.demo.baoding import DEFAULT_CRITERIA, DEMO_USERS, SCORER_USERNAMES
from service.models import ProcessDefinition, Task
from tests.api_client import Api
from tests.integration import flows
from tests.web_client import logged_in

CONTENT, WORKFLOW, FEEDBACK, INTERNAL = "content", "workflow", "feedback", "internal_review"
SUMMARY, CALC, SHEETS, IDS, GRADE, OWN, REF = ("score_summary", "calculation", "score_sheets", "scorer_identities",
                                              "grade", "own", "reference")
NOTICE, OBJECTOR = "notice", "objector"
PUBLIC = "public"  # the reader without a login

# ---------------------------------------------------------------- the spec (written here, not read from the policy)

BASE = {CONTENT, WORKFLOW}
UNIT_SIDE = BASE | {FEEDBACK}
DECIDING = BASE | {FEEDBACK, INTERNAL, SUMMARY, CALC, SHEETS, IDS, GRADE}
ONCE_PUBLISHED = {SUMMARY, GRADE}
DECIDERS = ("lg_member1", "group_leader", "res_office1", "chair_office")

# Who may open the hy applications (A1–A3) and the hc draft (H1), and what they see before publication.
SPEC: dict[str, dict[str, set[str]]] = {
    "hy": {"hy_submitter": UNIT_SIDE, "hy_leader": UNIT_SIDE, "jx_vetter": UNIT_SIDE,
           "scorer_org": BASE, "scorer_hc": BASE, "process_admin": BASE, **{u: DECIDING for u in DECIDERS}},
    "hc": {"hc_submitter": UNIT_SIDE, "hc_leader": UNIT_SIDE, "process_admin": BASE, **{u: DECIDING for u in DECIDERS}},
}
# A scorer who stepped aside cannot open the item, but the scoring sheet names it with their own recusal.
RECUSED = {"scorer_jx": {CONTENT}}
USERS = ["hy_submitter", "hy_leader", "jx_vetter", "hc_submitter", "health_vetter", "scorer_org", "scorer_hc",
         "scorer_jx", "lg_member1", "group_leader", "res_office1", "chair_office", "process_admin"]
APPS = ("H1", "A1", "A2", "A3")
PUBLISHED = {"A3"}
NOTICED = {"A3"}  # a public notice listed it: its unit, title and grade are everyone's, without a login too

# What each kind of response carries about an application at each stage, whoever looks.
_SCORED = {CONTENT, WORKFLOW, SUMMARY, CALC, SHEETS, IDS, GRADE}
CARRIES: dict[str, dict[str, set[str]]] = {
    "application": {"H1": {CONTENT, WORKFLOW}, "A1": {CONTENT, WORKFLOW, IDS}, "A2": _SCORED, "A3": _SCORED},
    "instance": {"H1": {WORKFLOW}, "A1": {WORKFLOW, FEEDBACK, INTERNAL, IDS},
                 "A2": {WORKFLOW, FEEDBACK, INTERNAL, IDS, CALC, SHEETS, GRADE},
                 "A3": {WORKFLOW, FEEDBACK, INTERNAL, IDS, CALC, SHEETS, GRADE}},
    # the ranked list: the results with each item's rank and the office's proposal (internal to the deciders)
    "ranking": {"H1": {CONTENT, WORKFLOW}, "A1": {CONTENT, WORKFLOW, IDS}, "A2": _SCORED | {INTERNAL},
                "A3": _SCORED | {INTERNAL}},
    "history": {"H1": {WORKFLOW}, "A1": {WORKFLOW, INTERNAL, IDS}, "A2": {WORKFLOW, INTERNAL, IDS},
                "A3": {WORKFLOW, INTERNAL, IDS}},
}


# Data tied to no one application (the campaign's scorer pool, notification delivery records).
CAMPAIGN_LEVEL = {**{u: {REF, OWN, WORKFLOW, IDS, INTERNAL} for u in DECIDERS}, "process_admin": {REF, OWN, WORKFLOW}}


def may_open(user: str, app: str) -> bool:
    return user in SPEC["hc" if app == "H1" else "hy"]


def allowed(user: str, app: str) -> set[str]:
    """Groups ``user`` may see of ``app`` (its own entries and reference data always)."""
    if user == PUBLIC:
        return {NOTICE} if app in NOTICED else set()
    groups = set(SPEC["hc" if app == "H1" else "hy"].get(user) or (RECUSED.get(user, set()) if app != "H1" else set()))
    if groups and app in PUBLISHED:
        groups |= ONCE_PUBLISHED
    if app in NOTICED:
        groups |= {NOTICE} | ({OBJECTOR} if user == "res_office1" else set())  # the office handles objections
    return groups | {OWN, REF}


# ---------------------------------------------------------------- the world

ELIGIBLE = [u for u in SCORER_USERNAMES if u != "scorer_jx"]  # scorer_jx's union supervises hy: recused
NAMES = {u["username"]: u["display_name"] for u in DEMO_USERS}


def sheet(app: str, index: int) -> dict[str, int]:
    """Criterion values whose weighted totals end in 5 (two decimals): distinct numbers to look for."""
    b = {"A1": 0, "A2": 4, "A3": 10}[app]
    return {"innovation": 70 + b + index, "effectiveness": 71 + b + 2 * index, "promotion": 72 + index,
            "recognition": 70 + 2 * index, "standardization": 80 + index}


@dataclass
class World:
    ids: dict[str, int] = field(default_factory=dict)          # app key -> application id
    instances: dict[str, int] = field(default_factory=dict)    # app key -> instance id
    tasks: dict[str, list[int]] = field(default_factory=dict)  # app key -> task ids
    sample: dict[str, list[int]] = field(default_factory=dict)  # app key -> a task per step (and per scorer watched)
    campaign: int = 0
    definition: int = 0
    lanes: dict[str, str] = field(default_factory=dict)        # user task element -> lane (role)
    markers: list[tuple[str, str, str, str | None]] = field(default_factory=list)  # text, app, group, scorer
    user_ids: dict[str, int] = field(default_factory=dict)
    scorer_ids: set[int] = field(default_factory=set)
    notice: int = 0
    reference: str = ""

    def app_of_id(self, application_id: Any) -> str | None:
        return next((k for k, v in self.ids.items() if v == application_id), None)

    def app_of_instance(self, instance_id: Any) -> str | None:
        return next((k for k, v in self.instances.items() if v == instance_id), None)


def build(app: Any, api: Api) -> World:
    w = World(campaign=flows.campaign_id(api))
    w.ids["H1"] = flows.create(api, "hc_submitter", theme="mk_h1_content 草稿")["id"]
    w.markers.append(("mk_h1_content", "H1", CONTENT, None))
    for k in ("A1", "A3", "A2"):  # A3 is confirmed before A2 reaches the chair's office, whose list A2 then waits on
        m = k.lower()
        app_id = w.ids[k] = flows.create(api, "hy_submitter", theme=f"mk_{m}_content 网格化服务")["id"]
        api.complete("hy_submitter", "fill_application", app_id, {})
        api.complete("hy_leader", "leader_signoff", app_id, {"signoff_decision": "approve", "leader_name": "周永强",
                                                             "signoff_comment": f"mk_{m}_feedback_signoff"})
        api.complete("jx_vetter", "county_vetting", app_id, {"vetting_decision": "approve",
                                                            "vetting_reasons": f"mk_{m}_feedback_vetting"})
        api.complete("lg_member2", "preliminary_review", app_id, {"shortlisted": True,
                                                                 "review_reasons": f"mk_{m}_internal_review"})
        api.complete("res_office1", "record_presentation", app_id, {
            "presentation_date": "2027-01-08", "presenter": "孙丽华", "presentation_notes": f"mk_{m}_internal_notes"})
        scorers = ["scorer_org", "scorer_rights"] if k == "A1" else ELIGIBLE  # A1: scorer_hc is still to score
        sheets = []
        for i, user in enumerate(scorers):
            values = sheet(k, i)
            api.complete(user, "democratic_scoring", app_id, {"confirm": True, "score": {"criteria": values,
                                                                        "comment": f"mk_{m}_sheet_{user}"}})
            sheets.append({"scorer": i, "criteria": values})
            w.markers.append((f"mk_{m}_sheet_{user}", k, SHEETS, user))
        # the public notice publishes A3's title (and grade): there they are everyone's
        for marker, group in ((f"mk_{m}_content", NOTICE if k in NOTICED else CONTENT), (f"mk_{m}_feedback", FEEDBACK),
                              (f"mk_{m}_internal", INTERNAL)):
            w.markers.append((marker, k, group, None))
        if k == "A1":
            continue
        calc = aggregate_scores(scores=sheets, criteria=DEFAULT_CRITERIA)
        numbers = [f"{row['total']:.2f}" for row in calc["per_scorer"]] + [f"{calc['final']:.2f}"]
        assert all(str(float(n)) == n and n[-1] != "0" for n in numbers), numbers  # printed alike in JSON, HTML, Excel
        w.markers += [(n, k, CALC, None) for n in numbers[:-1]] + [(numbers[-1], k, SUMMARY, None)]
        grade = "二等奖" if k == "A2" else "一等奖"
        w.markers.append((grade, k, NOTICE if k in NOTICED else GRADE, None))
        api.complete("res_office1", "propose_grade", app_id, {"proposed_grade": grade,
                                                             "proposal_reasons": f"mk_{m}_internal_proposal"})
        api.complete("group_leader", "set_grade", app_id, {"final_grade": grade,
                                                           "decision_reasons": f"mk_{m}_internal_decision"})
        if k == "A3":
            api.complete("chair_office", "chair_confirmation", app_id, {"chair_decision": "confirm",
                                                                        "chair_comment": f"mk_{m}_internal_chair"})
            notice = flows.publish(api, [app_id])
            objection = api.post("/api/public/objections", None, expect=201, json={
                "notice_id": notice["id"], "item_id": notice["items"][0]["id"], "name": f"mk_{m}_objector",
                "contact": "13912345678", "reason": f"mk_{m}_objection_reason 推广范围与申报不符"})
            found = api.get("/api/objections", "res_office1")["items"][0]["id"]
            api.post(f"/api/objections/{found}/finding", "res_office1", json={
                "finding": "dismissed", "reasons": f"mk_{m}_notice_finding 经核实，异议不成立"})
            w.markers += [(f"mk_{m}_objector", k, OBJECTOR, None), (f"mk_{m}_objection_reason", k, OBJECTOR, None),
                          (f"mk_{m}_notice_finding", k, NOTICE, None)]
            w.notice, w.reference = notice["id"], objection["reference"]
            flows.sweep_notices(api, clock.parse_iso(notice["ends_at"]) + timedelta(seconds=1))
    w.user_ids = {u: api.get("/api/me", u)["id"] for u in {*USERS, *SCORER_USERNAMES, "lg_member2"}}
    w.scorer_ids = {w.user_ids[u] for u in SCORER_USERNAMES}
    for k, app_id in w.ids.items():
        w.instances[k] = api.get(f"/api/applications/{app_id}", "res_office1")["process_instance_id"]
    with app.extensions["appraisal.sessions"]() as s:
        for k, app_id in w.ids.items():
            rows = list(s.scalars(select(Task).where(Task.application_id == app_id).order_by(Task.id)))
            w.tasks[k] = [t.id for t in rows]
            watched = {w.user_ids[u] for u in ("scorer_org", "scorer_hc")}
            steps = {(t.element_id, t.candidate_user_id if t.candidate_user_id in watched else None): t.id for t in rows}
            w.sample[k] = sorted(steps.values())
        definition = s.scalar(select(ProcessDefinition).where(ProcessDefinition.key == "innovation_appraisal")
                              .order_by(ProcessDefinition.version.desc()))
        w.definition = definition.id
        w.lanes = {e: info.get("role", "") for e, info in definition.meta["user_tasks"].items()}
    assert api.get(f"/api/applications/{w.ids['A3']}", "res_office1")["status"] == "awarded"
    assert api.get(f"/api/applications/{w.ids['A2']}", "res_office1")["stage"] == "confirmation"
    return w


# ---------------------------------------------------------------- reading responses


def _empty(value: Any) -> bool:
    return value is None or value == [] or value == {} or value == ""


def _groups(spec: Any, value: Any, viewer: int) -> set[str]:
    """The groups a (non-empty) value shows under ``spec``, down through its classified parts."""
    spec = spec if isinstance(spec, visibility.Field) else visibility.Field(spec)
    if spec.owner and isinstance(value, list) and all(isinstance(r, dict) and r.get(spec.owner) == viewer
                                                      for r in value):
        found = {OWN}
    else:
        found = {str(spec.group)}
    items = [value] if isinstance(value, dict) else [v for v in value if isinstance(v, dict)] \
        if isinstance(value, list) else []
    for item in items:
        for key, value_part in item.items():
            part = spec.parts.get(key, spec.rest)
            if part is not None and not _empty(value_part):
                found |= _groups(part, value_part, viewer)
    return found


def classify(fields: dict[str, Any], body: dict[str, Any], viewer: int, where: str) -> set[str]:
    """Groups of the non-empty keys of ``body``; a key the policy does not classify fails the test."""
    found: set[str] = set()
    for key, value in body.items():
        assert key in fields, f"{where}: the response key {key!r} is not classified by service/auth/visibility.py"
        if not _empty(value):
            found |= _groups(fields[key], value, viewer)
    return found


def task_groups(body: dict[str, Any], viewer: int, where: str) -> set[str]:
    task = SimpleNamespace(role=body.get("role"), form_key=body.get("form_key"),
                           candidate_user_id=body.get("candidate_user_id"), assignee_id=body.get("assignee_id"),
                           completed_by=body.get("completed_by"))
    return classify(visibility.task_fields(task, viewer), body, viewer, where)  # type: ignore[arg-type]


def instance_groups(body: dict[str, Any], viewer: int, where: str) -> set[str]:
    found = classify(dict(visibility.INSTANCE_FIELDS), {k: v for k, v in body.items() if k != "variables"}, viewer, where)
    return found | classify(dict(visibility.VARIABLE_FIELDS), body.get("variables") or {}, viewer, where + " variables")


def event_groups(w: World, body: dict[str, Any], viewer: int, where: str) -> set[str]:
    return classify(visibility.event_fields(body.get("actor_id"), w.lanes.get(body.get("element_id")), viewer),
                    body, viewer, where)


Records = Iterator[tuple[str | None, dict[str, Any], set[str]]]  # (app key, record, its groups) per record


@dataclass
class Operation:
    """A GET operation of the API: the calls that exercise it, and how to read each answer into records."""

    calls: Callable[[World], list[tuple[str, str | None]]]  # (path, the app it is about, if one)
    read: Callable[[World, Any, int, str], Records] | None  # None: carries no application data (reason given)
    exact: str | None = None  # a CARRIES kind: the groups present must be exactly the allowed ones
    reason: str = ""


def _items(key: Callable[[World, dict], str | None], reader: Callable[[World, dict, int, str], set[str]]) -> Any:
    def read(w: World, body: Any, viewer: int, where: str) -> Records:
        for item in body["items"]:
            yield key(w, item), item, reader(w, item, viewer, where)
    return read


def _one(key: Callable[[World, dict], str | None], reader: Callable[[World, dict, int, str], set[str]]) -> Any:
    def read(w: World, body: Any, viewer: int, where: str) -> Records:
        yield key(w, body), body, reader(w, body, viewer, where)
    return read


def _application(w: World, b: dict, v: int, where: str) -> set[str]:
    return classify(dict(visibility.APPLICATION_FIELDS), b, v, where)


def _campaign(w: World, b: dict, v: int, where: str) -> set[str]:
    return classify(dict(visibility.CAMPAIGN_FIELDS), b, v, where)


def _notice_records(w: World, notice: dict, viewer: int, where: str) -> Records:
    """A notice (data tied to no one application) and each of its items (about its application)."""
    yield None, notice, classify(dict(visibility.NOTICE_FIELDS), {k: v for k, v in notice.items() if k != "items"},
                                 viewer, where)
    for item in notice.get("items") or []:
        yield w.app_of_id(item["application_id"]), item, classify(dict(visibility.NOTICE_ITEM_FIELDS), item, viewer,
                                                                  where)


def _notices(w: World, body: Any, viewer: int, where: str) -> Records:
    for notice in body["items"]:
        yield from _notice_records(w, notice, viewer, where)


def _notice(w: World, body: Any, viewer: int, where: str) -> Records:
    yield from _notice_records(w, body, viewer, where)


def _objection(w: World, b: dict, v: int, where: str) -> set[str]:
    return classify(dict(visibility.OBJECTION_FIELDS), b, v, where)


def _per_app(template: str, ids: Callable[[World, str], list[int]]) -> Callable[[World], list[tuple[str, str | None]]]:
    return lambda w: [(template.format(id=i), k) for k in APPS for i in ids(w, k)]


def _history(w: World, body: Any, viewer: int, where: str) -> Records:
    app = w.app_of_instance(int(where.split("/")[3]))
    for item in body["items"]:
        yield app, item, event_groups(w, item, viewer, where)


OPERATIONS: dict[str, Operation] = {
    "/api/applications": Operation(lambda w: [("/api/applications?page_size=200", None)],
                                   _items(lambda w, b: w.app_of_id(b["id"]), _application), exact="application"),
    "/api/applications/{id}": Operation(_per_app("/api/applications/{id}", lambda w, k: [w.ids[k]]),
                                        _one(lambda w, b: w.app_of_id(b["id"]), _application), exact="application"),
    "/api/campaigns/{id}/results": Operation(
        lambda w: [(f"/api/campaigns/{w.campaign}/results", None)],
        _items(lambda w, b: w.app_of_id(b["application_id"]), _application), exact="application"),
    "/api/campaigns/{id}/ranking": Operation(
        lambda w: [(f"/api/campaigns/{w.campaign}/ranking", None)],
        _items(lambda w, b: w.app_of_id(b["application_id"]), _application), exact="ranking"),
    "/api/applications/{id}/scoring": Operation(
        _per_app("/api/applications/{id}/scoring", lambda w, k: [w.ids[k]]),
        _one(lambda w, b: w.app_of_id(b["application_id"]),
             lambda w, b, v, where: classify(dict(visibility.SCORING_FIELDS), b, v, where))),
    "/api/process-instances": Operation(
        lambda w: [("/api/process-instances?page_size=200", None)],
        _items(lambda w, b: w.app_of_instance(b["id"]), lambda w, b, v, where: instance_groups(b, v, where)),
        exact="instance"),
    "/api/process-instances/{id}": Operation(
        _per_app("/api/process-instances/{id}", lambda w, k: [w.instances[k]]),
        _one(lambda w, b: w.app_of_instance(b["id"]), lambda w, b, v, where: instance_groups(b, v, where)),
        exact="instance"),
    "/api/process-instances/{id}/history": Operation(
        _per_app("/api/process-instances/{id}/history", lambda w, k: [w.instances[k]]), _history, exact="history"),
    "/api/tasks": Operation(
        lambda w: [("/api/tasks?state=all&page_size=200", None)]
        + [(f"/api/tasks?state=all&application_id={w.ids[k]}", k) for k in APPS],
        _items(lambda w, b: w.app_of_id(b["application_id"]), lambda w, b, v, where: task_groups(b, v, where))),
    "/api/tasks/{id}": Operation(
        _per_app("/api/tasks/{id}", lambda w, k: w.tasks[k]),
        _one(lambda w, b: w.app_of_id(b["application_id"]), lambda w, b, v, where: task_groups(b, v, where))),
    "/api/campaigns": Operation(lambda w: [("/api/campaigns", None)], _items(lambda w, b: None, _campaign)),
    "/api/notifications": Operation(lambda w: [("/api/notifications?page_size=200", None)],
                                    _items(lambda w, b: None, lambda w, b, v, where: classify(
                                        dict(visibility.NOTIFICATION_FIELDS), b, v, where))),
    "/api/campaigns/{id}": Operation(lambda w: [(f"/api/campaigns/{w.campaign}", None)],
                                     _one(lambda w, b: None, _campaign)),
    **{path: Operation(lambda w, path=path: [(path.replace("{id}", str(w.campaign)), None)], None,
                       reason="a meeting's list: only the office and the deciding roles, who see every group of every "
                              "item, or (forwarding) a union's vetter, given its own enterprises' content and workflow "
                              "only (no score, no grade: api/meetings.sitting_body)")
       for path in ("/api/campaigns/{id}/shortlist", "/api/campaigns/{id}/group-decision",
                    "/api/campaigns/{id}/chair-confirmation", "/api/campaigns/{id}/forwarding")},
    "/api/tasks/{id}/form": Operation(_per_app("/api/tasks/{id}/form", lambda w, k: w.tasks[k][:3]), None,
                                      reason="the form's JSON schema: no entered data"),
    "/api/process-definitions/{id}": Operation(lambda w: [(f"/api/process-definitions/{w.definition}", None)], None,
                                               reason="a process version's metadata"),
    "/api/process-definitions/{id}/xml": Operation(
        lambda w: [(f"/api/process-definitions/{w.definition}/xml", None)], None, reason="BPMN XML"),
    "/api/process-definitions/{id}/changes": Operation(
        lambda w: [(f"/api/process-definitions/{w.definition}/changes", None)], None,
        reason="what changed between two process versions: element names and properties, no entered data"),
    "/api/forms/{key}": Operation(lambda w: [("/api/forms/scoring", None)], None, reason="a form's JSON schema"),
    "/api/forms/{key}/formjs": Operation(lambda w: [("/api/forms/scoring/formjs", None)], None,
                                         reason="a form's definition for the form editor: no entered data"),
    # the award documents: PDFs, whose text is scanned for markers like every other response
    "/api/campaigns/{id}/commendation-list.pdf": Operation(
        lambda w: [(f"/api/campaigns/{w.campaign}/commendation-list.pdf", None)], None, reason="a PDF"),
    "/api/campaigns/{id}/certificates.pdf": Operation(
        lambda w: [(f"/api/campaigns/{w.campaign}/certificates.pdf", None)], None, reason="a PDF"),
    "/api/applications/{id}/certificate.pdf": Operation(
        _per_app("/api/applications/{id}/certificate.pdf", lambda w, k: [w.ids[k]]), None, reason="a PDF"),
    "/api/org-units/{id}": Operation(lambda w: [("/api/org-units/1", None)], None, reason="a unit: no application data"),
    "/api/users/{id}": Operation(lambda w: [(f"/api/users/{w.user_ids['hc_submitter']}", None)], None,
                                 reason="a person's account (the office's): no application data"),
    "/api/campaigns/{id}/presentation-sessions": Operation(
        lambda w: [(f"/api/campaigns/{w.campaign}/presentation-sessions", None)], None,
        reason="the office's presentation sessions (the office sees every group of every item; 403 to anyone else: "
               "test_presentation_sessions.py, test_access_matrix.py)"),
    "/api/presentation-sessions/{id}": Operation(
        lambda w: [("/api/presentation-sessions/1", None)], None,
        reason="one of the office's presentation sessions (the office only, as above)"),
    # the public notice (公示): read without a login too (below); the objections' list is the office's
    "/api/public/notices": Operation(lambda w: [("/api/public/notices", None)], _notices),
    "/api/public/notices/{id}": Operation(lambda w: [(f"/api/public/notices/{w.notice}", None)], _notice),
    "/api/public/objections/{key}": Operation(lambda w: [(f"/api/public/objections/{w.reference}", None)],
                                              _one(lambda w, b: w.app_of_id(b["application_id"]), _objection)),
    "/api/objections": Operation(lambda w: [("/api/objections", None)],
                                 _items(lambda w, b: w.app_of_id(b["application_id"]), _objection)),
    "/api/campaigns/{id}/readiness": Operation(lambda w: [(f"/api/campaigns/{w.campaign}/readiness", None)], None,
                                               reason="the office's set-up check: units, roles and settings, no "
                                                      "application data"),
}
# GET operations without parameters and not listed above are called too and scanned for markers.

PAGES: dict[str, Callable[[World], list[tuple[str, str | None]]] | str] = {
    "web.application_view": _per_app("/applications/{id}", lambda w, k: [w.ids[k]]),
    "web.application_print": _per_app("/applications/{id}/print", lambda w, k: [w.ids[k]]),
    "web.application_edit": _per_app("/applications/{id}/edit", lambda w, k: [w.ids[k]]),
    "web.instance_view": _per_app("/instances/{id}", lambda w, k: [w.instances[k]]),
    "web.task_page": _per_app("/tasks/{id}", lambda w, k: w.sample[k]),
    "web.campaign_dashboard": lambda w: [(f"/office/campaigns/{w.campaign}", None)],
    "web.campaign_setup_page": "the office's campaign set-up: the campaign's own settings (its grade names are also "
                               "markers here) and no application data; the scorers' names only to those who may see "
                               "scorer identities (test_campaign_setup.py::test_scorers_see_the_campaigns_scoring_"
                               "rules_on_their_scoring_page_before_they_score)",
    "web.export_scores": lambda w: [(f"/office/campaigns/{w.campaign}/scores.xlsx", None)],
    # the group decision on the ranked list: scores, calculations, scorer names and the office's proposal
    "web.list_decision": lambda w: [(f"/office/campaigns/{w.campaign}/decision", None)],
    "web.presentation_sessions": lambda w: [(f"/office/campaigns/{w.campaign}/sessions", None)],
    "web.office_scoring": _per_app("/office/applications/{id}/scoring", lambda w, k: [w.ids[k]]),
    "web.presentation_session": "one of the office's presentation sessions (the office only: "
                                "test_presentation_sessions.py, test_meeting_pages.py)",
    "web.export_results": lambda w: [(f"/office/campaigns/{w.campaign}/results.xlsx", None)],
    "web.export_applications": lambda w: [(f"/office/campaigns/{w.campaign}/applications.xlsx", None)],
    "web.modeler": lambda w: [(f"/admin/processes/{w.definition}/edit", None)],
    "web.form_editor": lambda w: [("/admin/forms/vetting/editor", None)],
    "web.diff": lambda w: [(f"/admin/processes/diff?a={w.definition}&b={w.definition}", None)],
    "web.attachment_download": "an uploaded file, served only to those who may open its application "
                               "(test_web_pages.py::test_attachments_are_sniffed_limited_and_served_as_downloads)",
    "web.set_language": "switches the language and redirects",
    "web.application_task": "redirects to the reader's open task on the application, or to its page (both opened "
                            "here); 404 for others (test_worklist_pages.py::"
                            "test_application_task_entry_opens_the_readers_task_or_says_there_is_none)",
    "web.org_unit_edit": lambda w: [("/office/org/units/1", None)],
    "web.org_person_edit": lambda w: [(f"/office/org/people/{w.user_ids['hc_submitter']}", None)],
    "web.password_link": "a one-time link's password form: no application data (test_org_accounts.py)",
    "web.notice_campaign": lambda w: [(f"/notice/{w.campaign}", None)],
    "web.objection_lookup": lambda w: [(f"/notice/objection?reference={w.reference}", None)],
    "web.office_notice": lambda w: [(f"/office/campaigns/{w.campaign}/objections", None)],
    "static": "static files",
    "web.favicon": "the site's icon, a static file",
    "web.shortlist_page": lambda w: [(f"/campaigns/{w.campaign}/shortlist", None)],
    "web.group_decision_page": "the old address of the group decision: redirects to web.list_decision (opened here)",
    "web.chair_confirmation_page": lambda w: [(f"/campaigns/{w.campaign}/chair-confirmation", None)],
    "web.forwarding_page": lambda w: [(f"/campaigns/{w.campaign}/forwarding", None)],
    "web.meeting_of_current": "redirects to a meeting's page of the newest campaign (those pages are opened here)",
}
# Pages without parameters and not listed above are opened too and scanned for markers.


# ---------------------------------------------------------------- markers


def marker_groups(w: World, text: str, viewer: str, page: bool) -> Iterator[tuple[str, str, str]]:
    """(app, group, marker) for every marker in ``text``; a scorer's own sheet is their own.

    Grade names are also the campaign's list of grades (reference data in the JSON, where the keys
    tell a grade apart), so they count as markers on pages and in exports only.
    """
    for marker, app, group, scorer in w.markers:
        if marker in text and (page or group != GRADE):
            yield app, OWN if scorer == viewer else group, marker


def name_groups(w: World, text: str, viewer: str) -> Iterator[tuple[str, str]]:
    """(group, name) for scorers' and leading-group members' names in ``text`` (one's own name excepted)."""
    for username in [*SCORER_USERNAMES, "lg_member2"]:
        if username != viewer and NAMES[username] in text:
            yield (IDS if username in SCORER_USERNAMES else INTERNAL), NAMES[username]


PERSON_KEYS = {"actor_id", "candidate_user_id", "assignee_id", "completed_by", "scorer", "user_id", "created_by",
               "recipient_user_id", "eligible_scorers", "kept", "scorer_ids", "deployed_by"}


def person_groups(w: World, value: Any, viewer: str, key: str | None = None) -> set[str]:
    """Groups that the people named by id anywhere in a JSON record reveal, read from the ids themselves
    (not from the policy): a scorer's id is a scorer identity, a leading-group member's a view's author."""
    if isinstance(value, dict):
        return set().union(set(), *(person_groups(w, v, viewer, k) for k, v in value.items()))
    if isinstance(value, list):
        return set().union(set(), *(person_groups(w, v, viewer, key) for v in value))
    if key in PERSON_KEYS and isinstance(value, int) and value != w.user_ids[viewer]:
        return {IDS} if value in w.scorer_ids else {INTERNAL} if value == w.user_ids["lg_member2"] else set()
    return set()


def pdf_text(data: bytes) -> str:
    """A PDF's text, as laid out and with the layout's line breaks taken out (a table cell may wrap a marker)."""
    text = "\n".join(page.extract_text() for page in PdfReader(BytesIO(data)).pages)
    return text + "\n" + re.sub(r"\s+", "", text)


def xlsx_text(data: bytes) -> str:
    book = load_workbook(BytesIO(data))
    return "\n".join(str(c) for ws in book.worksheets for row in ws.iter_rows(values_only=True) for c in row
                     if c is not None)


# ---------------------------------------------------------------- the test


@dataclass
class Findings:
    problems: list[str] = field(default_factory=list)
    seen: dict[tuple[str, str], set[str]] = field(default_factory=dict)  # (user, app) -> groups shown somewhere

    def saw(self, user: str, app: str, groups: set[str]) -> None:
        self.seen.setdefault((user, app), set()).update(groups)

    def check_subset(self, user: str, app: str | None, groups: set[str], where: str) -> None:
        if app is None:  # data tied to no one application: who scores and who was told is the deciders' alone
            extra = groups - CAMPAIGN_LEVEL.get(user, {REF, OWN}) - {NOTICE}  # a notice is everyone's
            if user == PUBLIC:
                extra = groups - {NOTICE}
        else:
            extra = groups - allowed(user, app)
            self.saw(user, app, groups)
        if extra:
            self.problems.append(f"{user} {where} [{app}]: shows {sorted(extra)}")


def scan(w: World, f: Findings, user: str, text: str, where: str, subject: str | None, page: bool) -> None:
    """Markers in a response: each must belong to a group the viewer may see for its application."""
    for app, group, marker in marker_groups(w, text, user, page):
        f.saw(user, app, {group})
        if group not in allowed(user, app):
            f.problems.append(f"{user} {where}: {marker!r} ({group} of {app})")
    subjects = [subject] if subject else [k for k in APPS if k != "H1"]
    for group, name in name_groups(w, text, user):
        if not any(group in allowed(user, k) for k in subjects):
            f.problems.append(f"{user} {where}: {name} ({group})")
        elif subject:
            f.saw(user, subject, {group})


def api_paths(api: Api) -> dict[str, bool]:
    """Every GET operation of the OpenAPI document: path -> takes parameters."""
    spec = api.get("/api/openapi.json")
    return {path: "{" in path for path, ops in spec["paths"].items() if "get" in ops}


def test_every_response_shows_each_person_exactly_the_field_groups_the_policy_allows(app: Any) -> None:
    api = Api(app)
    w = build(app, api)
    f = Findings()

    # ---- the API: every GET operation of the OpenAPI document
    paths = api_paths(api)
    undeclared = sorted(p for p, params in paths.items() if params and p not in OPERATIONS)
    assert not undeclared, f"declare how to call {undeclared} in OPERATIONS (or why it carries no application data)"
    assert not set(OPERATIONS) - set(paths), f"OPERATIONS names operations that no longer exist: {set(OPERATIONS) - set(paths)}"
    plain = [p for p, params in paths.items() if not params and p not in OPERATIONS]
    for user in USERS:
        viewer = w.user_ids[user]
        for path, op in [*OPERATIONS.items(), *((p, None) for p in plain)]:
            calls = op.calls(w) if op else [(path, None)]
            for url, subject in calls:
                r = api.call("GET", url, user)
                assert r.status_code < 500, (user, url, r.status_code)
                if subject is not None and op is not None and op.read is not None and op.exact:
                    expected = 200 if may_open(user, subject) else 404
                    if r.status_code != expected:
                        f.problems.append(f"{user} GET {url}: {r.status_code}, expected {expected}")
                if r.status_code != 200:
                    continue
                spreadsheet = r.mimetype.endswith("spreadsheetml.sheet")  # the organisation workbook
                if r.mimetype == "application/pdf":
                    text = pdf_text(r.data)
                elif spreadsheet:
                    text = xlsx_text(r.data)
                else:
                    text = r.get_data(as_text=True)
                scan(w, f, user, text, f"GET {url}", subject, page=r.mimetype == "application/pdf" or spreadsheet)
                if op is None or op.read is None:
                    continue
                shown: dict[str | None, set[str]] = {}
                for app_key, record, groups in op.read(w, json.loads(text), viewer, url):
                    groups = groups | person_groups(w, record, user)
                    f.check_subset(user, app_key, groups, f"GET {url}")
                    shown.setdefault(app_key, set()).update(groups)
                for app_key, groups in shown.items():
                    if op.exact and app_key is not None:
                        want = (allowed(user, app_key) & CARRIES[op.exact][app_key]) - {OWN, REF}
                        if op.exact == "history" and user == "group_leader":
                            want -= {INTERNAL}  # the leading group's shortlist decision is his own: he closed the list
                        if groups - {OWN, REF} != want:
                            f.problems.append(f"{user} GET {url} [{app_key}]: shows {sorted(groups - {OWN, REF})}, "
                                              f"the policy gives exactly {sorted(want)}")

    # ---- the pages and the exports
    rules = {r.endpoint: r for r in app.url_map.iter_rules() if "GET" in r.methods and not r.rule.startswith("/api")}
    undeclared = sorted(e for e, r in rules.items() if r.arguments and e not in PAGES)
    assert not undeclared, f"declare how to open {undeclared} in PAGES (or why it carries no application data)"
    pages: list[tuple[str, str | None]] = []
    for endpoint, rule in sorted(rules.items()):
        how = PAGES.get(endpoint)
        if callable(how):
            pages += how(w)
        elif how is None:
            pages.append((rule.rule, None))
    for user in USERS:
        client, _ = logged_in(app, user)
        for url, subject in pages:
            r = client.get(url)
            assert r.status_code < 500, (user, url, r.status_code)
            if subject is not None and url.startswith(("/applications/", "/instances/")):
                expected = 200 if may_open(user, subject) else 404
                if r.status_code != expected:
                    f.problems.append(f"{user} GET {url}: {r.status_code}, expected {expected}")
            if r.status_code != 200:
                continue
            text = xlsx_text(r.data) if url.endswith(".xlsx") else r.get_data(as_text=True)
            scan(w, f, user, text, f"page {url}", subject, page=True)

    # ---- each group a person may see does appear for them somewhere
    for user in USERS:
        for k in APPS:
            if not may_open(user, k):
                continue
            available = set().union(*(CARRIES[kind][k] for kind in CARRIES)) | (
                {FEEDBACK, INTERNAL} if k != "H1" else set())
            missing = (allowed(user, k) & available) - f.seen.get((user, k), set()) - {OWN, REF}
            if missing:
                f.problems.append(f"{user} [{k}]: never shown {sorted(missing)}, which the policy gives them")
    assert OWN in f.seen.get(("scorer_org", "A2"), set()), "a scorer sees their own sheet"
    # ---- the public, without a login: every GET operation and every page
    anonymous = app.test_client()
    public_calls = [(path, op, call) for path, op in [*OPERATIONS.items(), *((p, None) for p in plain)]
                    for call in (op.calls(w) if op else [(path, None)])]
    opened = []
    for path, op, (url, subject) in public_calls:
        r = anonymous.get(url)
        assert r.status_code < 500, (PUBLIC, url, r.status_code)
        if r.status_code != 200:
            continue
        opened.append(path)
        text = r.get_data(as_text=True)
        scan(w, f, PUBLIC, text, f"GET {url}", subject, page=False)
        if op is not None and op.read is not None:
            for app_key, record, groups in op.read(w, json.loads(text), 0, url):
                f.check_subset(PUBLIC, app_key, groups, f"GET {url}")
    assert {"/api/public/notices", "/api/public/notices/{id}", "/api/public/objections/{key}"} <= set(opened)
    for url, subject in pages:
        r = anonymous.get(url)
        assert r.status_code < 500, (PUBLIC, url, r.status_code)
        if r.status_code == 200:
            scan(w, f, PUBLIC, r.get_data(as_text=True), f"page {url}", subject, page=True)
    assert f.seen.get((PUBLIC, "A3")) == {NOTICE}, "the public reads the notice, and nothing else of A3"
    assert not any(app != "A3" for user, app in f.seen if user == PUBLIC)

    recused, _ = logged_in(app, "scorer_jx")
    sheet_page = recused.get("/scoring").get_data(as_text=True)
    assert "mk_a1_content" in sheet_page and "依规回避" in sheet_page, "a recused scorer sees their own recusal"
    assert not f.problems, f"{len(f.problems)} problems:\n" + "\n".join(dict.fromkeys(f.problems))
