"""The draft, the submit, the API, the OpenAPI document, the page and the export accept the same application values.

Issue 12.10 / 16.1: the application's rules had three definitions that drifted
(``proposer`` 200 in the form, 2,000 at submit; a recognition's date optional in
one, required in the other). Now there is one (service/schemas/applications.py);
this test generates values at and around every limit, choice and "required" of
that definition (tests/application_values.py reads them from the generated form
schema, so a new field is probed too) and puts each through every door:

- the API's draft save (``PUT /api/applications/{id}``) and the OpenAPI document's
  schema of that body (validated with jsonschema): accepted by both or by neither;
- the page's draft save (``POST /applications/{id}/edit``), for every value a form
  post can carry: the same answer as the API;
- the submit: a saved draft's ``missing`` (the submit check) agrees with the form
  schema the task page renders (``GET /api/tasks/{id}/form``); a value the draft
  refuses is refused by the task completion too, naming the same field;
- the export (``applications.xlsx``): a saved value is in its column, under the
  field's title from the same definition.
"""
from __future__ import annotations

import os
from io import BytesIO
from typing import Any

from hypothesis import HealthCheck, given, settings
from jsonschema import Draft202012Validator, FormatChecker
from openpyxl import load_workbook

from service.schemas.applications import cell, columns
from tests import application_values as values
from tests.api_client import Api
from tests.integration import flows
from tests.web_client import logged_in

EMPTY = (None, "", [])


def _form_pairs(name: str, value: Any) -> list[tuple[str, str]] | None:
    """How the page posts ``value`` for field ``name`` (None: a form post cannot carry it as it is)."""
    prop = values.PROPS[name]
    if prop.get("type") == "array" and prop["items"].get("type") == "object":
        if value is None:
            return [(f"{name}.present", "1")]
        if not isinstance(value, list) or not all(isinstance(r, dict) and r for r in value):
            return None
        pairs = [(f"{name}.present", "1")]
        for i, row in enumerate(value):
            for col, cell_value in row.items():
                if col not in prop["items"]["properties"] or not isinstance(cell_value, str) \
                        or cell_value != cell_value.strip() or not cell_value:
                    return None
                pairs.append((f"{name}.{i}.{col}", cell_value))
        return pairs
    if prop.get("type") == "array":
        if value is None:
            return []
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            return None
        return [(name, v) for v in value]
    if value is None:
        return [] if "enum" in prop else [(name, "")]
    if isinstance(value, str) and value and not value.strip():
        return None  # a blank box is an empty field on a page (it clears), whatever its length
    return [(name, value)] if isinstance(value, str) and ("enum" not in prop or value) else None


def _page_post(client: Any, token: str, app_id: int, data: dict[str, Any]) -> int | None:
    pairs: list[tuple[str, str]] = [("csrf_token", token)]
    for name, value in data.items():
        found = _form_pairs(name, value)
        if found is None:
            return None
        pairs += found
    from werkzeug.datastructures import MultiDict

    return client.post(f"/applications/{app_id}/edit", data=MultiDict(pairs)).status_code


def _export_row(client: Any, campaign_id: int, app_id: int) -> dict[str, Any]:
    r = client.get(f"/office/campaigns/{campaign_id}/applications.xlsx")
    assert r.status_code == 200, r.status_code
    sheet = load_workbook(BytesIO(r.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    header, found = rows[0], next(row for row in rows[1:] if row[0] == app_id)
    return {h: ("" if v is None else v) for h, v in zip(header, found)}


def _validator(schema: dict[str, Any], components: dict[str, Any] | None = None) -> Draft202012Validator:
    root = {**schema, "components": components} if components else schema
    return Draft202012Validator(root, format_checker=FormatChecker())


def test_draft_submit_api_document_page_and_export_accept_the_same_values(app: Any) -> None:
    api = Api(app)
    created = flows.create(api, "hc_submitter")
    app_id, campaign_id = created["id"], created["campaign_id"]
    fill = api.task_for("hc_submitter", "fill_application", app_id)
    document = api.get("/api/openapi.json")
    put_schema = document["paths"]["/api/applications/{id}"]["put"]["requestBody"]["content"]["application/json"]
    draft_doc = _validator(put_schema["schema"], document["components"])
    task_form = _validator(api.get(f"/api/tasks/{fill['id']}/form", "hc_submitter"))
    page, token = logged_in(app, "hc_submitter")
    office, _ = logged_in(app, "res_office1")
    good = {k: v for k, v in flows.GOOD_APPLICATION.items() if k in values.PROPS}
    titles = dict(columns())
    seen = {"refused": 0, "accepted": 0, "page": 0}

    @given(values.application())
    @settings(max_examples=int(os.environ.get("ONE_DEFINITION_EXAMPLES", "60")), deadline=None, database=None,
              derandomize=True, suppress_health_check=list(HealthCheck))
    def probe(probe_value: tuple[dict[str, Any], str]) -> None:
        data, name = probe_value
        value = data[name]
        api.call("PUT", f"/api/applications/{app_id}", "hc_submitter", expect=200, json=good)
        r = api.call("PUT", f"/api/applications/{app_id}", "hc_submitter", json={name: value})
        assert r.status_code in (200, 422), (name, value, r.status_code, r.get_data(as_text=True)[:300])
        draft_ok = r.status_code == 200
        assert draft_doc.is_valid({name: value}) == draft_ok, (name, value, r.get_json())
        if not draft_ok:
            seen["refused"] += 1
            assert {e["field"].split(".")[0] for e in r.get_json()["errors"]} == {name}, r.get_json()
            done = api.post(f"/api/tasks/{fill['id']}/complete", "hc_submitter", expect=422, json={name: value})
            assert name in {e["field"].split(".")[0] for e in done.get_json()["errors"]}, done.get_json()
        else:
            seen["accepted"] += 1
            saved = api.get(f"/api/applications/{app_id}", "hc_submitter")
            stored = {k: saved[k] for k in values.PROPS}
            submit_ok = not [m for m in saved["missing"] if m["field"].split(".")[0] == name]
            given_values = {k: v for k, v in stored.items() if v not in EMPTY}
            assert task_form.is_valid(given_values) == submit_ok, (name, value, saved["missing"])
            exported = _export_row(office, campaign_id, app_id)
            assert exported[titles[name]] == cell(name, stored[name]), (name, stored[name], exported[titles[name]])
        api.call("PUT", f"/api/applications/{app_id}", "hc_submitter", expect=200, json=good)
        status = _page_post(page, token, app_id, {**good, name: value})
        if status is not None:
            seen["page"] += 1
            assert status == (302 if draft_ok else 422), (name, value, status)

    probe()
    print(seen)
    assert seen["refused"] and seen["accepted"] and seen["page"], seen
    header = list(_export_row(office, campaign_id, app_id))
    assert header[3:] == [title for _, title in columns()]
    assert [title for _, title in columns()] == [p["title"] for p in values.PROPS.values()]
