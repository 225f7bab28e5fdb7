"""Element ids belong to the diagram's author: the service runs a copy of its processes with every id renamed.

A process administrator may rename any element in the modeler (or import a diagram whose ids another modeler
generated); the service finds its kinds of work by form key (service/work_kinds.py), an application's outcome by
its end event's ``outcome`` property. Here the bundled appraisal and meeting processes are deployed with every
element id prefixed ``x_`` (flows, lanes, messages, boundary attachments and diagram shapes following), and
an application walks the whole appraisal on SQLite and PostgreSQL: its status and stage at each step, and every
meeting (shortlist, presentation, scoring, grades, the chair's confirmation, the public notice) finding its items.
"""
from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

from lxml import etree

from service.config import ROOT
from tests.api_client import Api
from tests.integration import flows

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
SPIFF_NS = "http://spiffworkflow.org/bpmn/schema/1.0/core"
PREFIX = "x_"
KEPT = {"process", "dataInput", "dataOutput", "property", "dataObject", "definitions", "inputDataItem",
        "outputDataItem"}
"""Ids that are not the diagram's own names: the process id is its deployment key, data inputs, properties and
multi-instance items are the process's variable names (and a spiffworkflow extension's id names a handler)."""
REFERENCES = ("sourceRef", "targetRef", "attachedToRef", "bpmnElement", "messageRef", "default", "processRef")
TEXT_REFERENCES = {"flowNodeRef", "incoming", "outgoing"}
FLOW_NODES = {"startEvent", "endEvent", "userTask", "serviceTask", "intermediateCatchEvent",
              "intermediateThrowEvent", "boundaryEvent", "exclusiveGateway", "parallelGateway", "inclusiveGateway",
              "eventBasedGateway", "scriptTask", "manualTask", "task", "subProcess", "callActivity", "sendTask",
              "receiveTask", "businessRuleTask"}


def renamed(xml: bytes, prefix: str = PREFIX) -> bytes:
    """The document with every element id renamed and every reference following; a lane keeps its role by a
    ``role`` property (its id named the role)."""
    root = etree.fromstring(xml)
    ids = {el.get("id") for el in root.iter() if isinstance(el.tag, str) and el.get("id")
           and etree.QName(el).namespace != SPIFF_NS and etree.QName(el).localname not in KEPT}
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        local = etree.QName(el).localname
        if local == "lane" and el.get("id") in ids:
            extension = etree.Element(f"{{{BPMN_NS}}}extensionElements")
            props = etree.SubElement(extension, f"{{{SPIFF_NS}}}properties")
            etree.SubElement(props, f"{{{SPIFF_NS}}}property", name="role", value=el.get("id"))
            el.insert(0, extension)
        for attribute in ("id", *REFERENCES):
            if el.get(attribute) in ids:
                el.set(attribute, prefix + el.get(attribute))
        if local in TEXT_REFERENCES and (el.text or "").strip() in ids:
            el.text = prefix + el.text.strip()
        if local == "parameter" and el.get("value"):  # an expression naming an element (the reminder's task)
            value = el.get("value")
            for old in ids:
                value = value.replace(f'"{old}"', f'"{prefix}{old}"')
            el.set("value", value)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def flow_node_ids() -> set[str]:
    return {el.get("id") for path in (ROOT / "processes").glob("*.bpmn") for el in etree.parse(str(path)).iter()
            if isinstance(el.tag, str) and etree.QName(el).localname in FLOW_NODES}


def _deploy_renamed(api: Api) -> None:
    for key in ("innovation_appraisal", "campaign_review"):
        xml = renamed((ROOT / "processes" / f"{key}.bpmn").read_bytes())
        api.post("/api/process-definitions?comment=renamed%20ids&confirm_removed=true", "process_admin", expect=201,
                 data=xml, content_type="application/xml")


def _vetting_queue(app: Any, vetter: str, campaign_id: int) -> set[int]:
    from service.repositories import users as user_repo
    from service.workflows import meetings

    with app.app_context(), app.extensions["appraisal.sessions"]() as session:
        user = user_repo.by_username(session)[vetter]
        return {row["application"].id for row in meetings.vetting_tasks(session=session, user=user,
                                                                          campaign_id=campaign_id)}


def _status(api: Api, app_id: int) -> tuple[str, str | None]:
    found = api.get(f"/api/applications/{app_id}", "res_office1")
    return found["status"], found["stage"]


def test_the_renamed_processes_deploy_without_a_problem(app: Any) -> None:
    api = Api(app)
    for key in ("innovation_appraisal", "campaign_review"):
        xml = renamed((ROOT / "processes" / f"{key}.bpmn").read_bytes())
        assert not (ids := flow_node_ids() & {el.get("id") for el in etree.fromstring(xml).iter()
                                              if isinstance(el.tag, str)}), ids
        checked = api.post("/api/process-definitions/validate", "process_admin", data=xml,
                           content_type="application/xml")
        bundled = api.post("/api/process-definitions/validate", "process_admin", content_type="application/xml",
                           data=(ROOT / "processes" / f"{key}.bpmn").read_bytes())
        assert checked["key"] == key
        assert [(w["element"], w["code"]) for w in checked["warnings"]] == [
            (PREFIX + w["element"] if w["element"] else None, w["code"]) for w in bundled["warnings"]]


def test_an_application_walks_the_renamed_appraisal_and_its_meetings(app: Any) -> None:
    api = Api(app, element_prefix=PREFIX)
    _deploy_renamed(api)
    returned_id = flows.create(api, "hy_submitter")["id"]  # vetted by its supervising union, and returned once
    app_id = flows.create(api, "hc_submitter")["id"]  # a direct unit, walked to its award
    assert _status(api, app_id) == ("draft", "submit")
    instance = api.get(f"/api/applications/{app_id}", "res_office1")["process_instance_id"]
    assert api.get(f"/api/process-instances/{instance}", "res_office1")["definition_version"] >= 2

    api.complete("hc_submitter", "fill_application", app_id, {})
    assert _status(api, app_id) == ("awaiting_signoff", "submit")
    api.complete("hc_leader", "leader_signoff", app_id, {"signoff_decision": "return", "leader_name": "黄国栋",
                                                         "signoff_comment": "请补充成效"})
    assert _status(api, app_id) == ("returned", "submit")
    flows.submit(api, app_id, "hc_submitter", "hc_leader")
    assert _status(api, app_id) == ("in_review", "preliminary")

    flows.submit(api, returned_id, "hy_submitter", "hy_leader")
    assert _status(api, returned_id) == ("in_review", "vetting")
    campaign = api.campaign_of(returned_id)
    assert returned_id in _vetting_queue(app, "jx_vetter", campaign)  # the forwarding page's list, found by kind
    api.complete("jx_vetter", "county_vetting", returned_id, {"vetting_decision": "return", "vetting_reasons": "补充"})
    assert _status(api, returned_id) == ("returned", "submit")

    flows.shortlist(api, app_id)  # the shortlist meeting (campaign_review, renamed) finds the waiting item
    assert _status(api, app_id) == ("in_review", "presentation")
    sitting = api.post("/api/presentation-sessions", "res_office1", expect=201, json={
        "campaign_id": campaign, "starts_at": "2027-01-08T09:30", "place": "市总工会三楼会议室",
        "items": [{"application_id": app_id, "presenter": "刘晓燕"}]})
    api.post(f"/api/presentation-sessions/{sitting['id']}/record", "res_office1", json={"items": [
        {"application_id": app_id, "attended": True, "presenter": "刘晓燕", "notes": "讲述15分钟"}]})
    assert _status(api, app_id) == ("in_review", "scoring")
    sheets = api.get(f"/api/applications/{app_id}/scoring", "res_office1")  # the item's sheets, found by kind
    assert len(sheets["sheets"]) == 8, sheets  # nine scorers, one recused (the same unit)
    assert len(flows.score_all(api, app_id)) == 8
    assert _status(api, app_id) == ("in_review", "decision")
    ranking = api.get(f"/api/campaigns/{campaign}/ranking", "res_office1")
    assert app_id in ranking["waiting_for_proposal"]
    flows.decide(api, app_id)
    assert _status(api, app_id) == ("in_review", "confirmation")
    flows.confirm(api, app_id)
    assert _status(api, app_id) == ("in_review", "notice")
    flows.finalise(api, app_id)  # the public notice finds the item waiting for it
    final = api.get(f"/api/applications/{app_id}", "res_office1")
    assert (final["status"], final["outcome"], final["stage"], final["grade"]) == ("awarded", "awarded", None, "一等奖")
    ended = api.get(f"/api/process-instances/{instance}", "res_office1")
    assert ended["end_event"] == "x_end_awarded"
    history = api.get(f"/api/process-instances/{instance}/history", "res_office1")["items"]
    assert {h["element_id"] for h in history} <= {PREFIX + i for i in flow_node_ids()}
    review = [i for i in api.get("/api/process-instances?page_size=200", "res_office1")["items"]
              if i["definition_key"] == "campaign_review"]
    assert review and all(i["definition_version"] >= 2 for i in review), review


def _literals(path: Path) -> list[tuple[int, str]]:
    return [(node.lineno, node.value) for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
            if isinstance(node, ast.Constant) and isinstance(node.value, str)]


ALSO_MEANS = {
    "start": "an audit action (the instance was started) and a calendar's bound",
    "group_decision": "a meeting's kind in the pages' URLs (/meetings/group_decision)",
}
"""Words that are flow-node ids of a bundled process and also mean something else in the service's code."""


def _not_element_ids() -> set[str]:
    """What the service's code may name although a bundled diagram uses it as an element id: the form keys (the
    kinds of work), message names, and the legacy end-event map of service/work_kinds.py."""
    from service import work_kinds

    names: set[str] = set(ALSO_MEANS) | set(work_kinds.LEGACY_OUTCOMES)
    for path in (ROOT / "processes").glob("*.bpmn"):
        for el in etree.parse(str(path)).iter():
            if not isinstance(el.tag, str):
                continue
            if etree.QName(el).localname == "property" and el.get("name") == "formKey":
                names.add(el.get("value"))
            if etree.QName(el).localname == "message":
                names.add(el.get("name"))
    return names


def test_no_code_names_an_element_of_the_bundled_processes() -> None:
    """The service's code names kinds of work (form keys), never the element ids of the bundled diagrams."""
    forbidden = flow_node_ids() - _not_element_ids()
    found = [f"{path.relative_to(ROOT)}:{line}: {value!r}"
             for folder in ("service", "handlers", "notifications") for path in sorted((ROOT / folder).rglob("*.py"))
             for line, value in _literals(path) if value in forbidden]
    assert found == []
