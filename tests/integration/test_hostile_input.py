"""Hostile JSON input: regressions for what the fuzzer found, and HTML kept as given."""
from __future__ import annotations

from typing import Any


from tests.api_client import Api
from tests.integration import flows

HUGE = 99999999999999999999

SCRIPT = "<script>alert(document.cookie)</script><img src=x onerror=alert(1)>"


def test_huge_ids_in_paths_are_404_not_a_database_overflow(app: Any) -> None:
    api = Api(app)
    for path in (f"/api/tasks/{HUGE}", f"/api/applications/{HUGE}", f"/api/process-instances/{2**63}",
                 f"/api/campaigns/{2**31}", f"/api/process-definitions/{HUGE}/xml"):
        r = api.call("GET", path, "res_office1")
        assert r.status_code == 404, (path, r.status_code)
    r = api.call("POST", f"/api/tasks/{HUGE}/complete", "res_office1", json={})
    assert r.status_code == 404


def test_huge_or_malformed_numbers_in_bodies_are_422(app: Any) -> None:
    api = Api(app)
    r = api.call("POST", "/api/applications", "hc_submitter", json={"campaign_id": HUGE})
    assert r.status_code == 422 and r.get_json()["errors"][0]["field"] == "campaign_id"
    base = {"year": 2031, "name": "x", "grades": ["一等奖", "不授奖"], "no_award_grade": "不授奖",
            "criteria": [{"code": "c", "name": "创新", "weight": 1, "max": 100}]}
    for extra, field in (({"scorer_ids": [HUGE, -1]}, "scorer_ids"),
                         ({"max_applications_per_unit": "three"}, "max_applications_per_unit"),
                         ({"max_applications_per_unit": 10**12}, "max_applications_per_unit")):
        r = api.call("POST", "/api/campaigns", "res_office1", json={**base, **extra})
        assert r.status_code == 422, (extra, r.status_code, r.get_data(as_text=True))
        assert field in {e["field"] for e in r.get_json()["errors"]}


def test_authentication_is_checked_before_the_body(sqlite_app: Any) -> None:
    app = sqlite_app
    client = app.test_client()
    for path in ("/api/applications", "/api/process-definitions/key/innovation_appraisal/start", "/api/campaigns",
                 "/api/tasks/1/complete"):
        r = client.post(path, data="not json", headers={"Content-Type": "application/json"})
        assert r.status_code == 401, (path, r.status_code)


def test_html_and_script_in_text_fields_are_stored_exactly_as_given(sqlite_app: Any) -> None:
    app = sqlite_app
    api = Api(app)
    created = flows.create(api, "hc_submitter", theme=SCRIPT[:200], content=SCRIPT, effects=f"成效 {SCRIPT}")
    r = api.call("GET", f"/api/applications/{created['id']}", "res_office1")
    assert r.mimetype == "application/json"  # JSON is data, never rendered as HTML by a browser
    body = r.get_json()
    assert body["theme"] == SCRIPT[:200] and body["content"] == SCRIPT and body["effects"] == f"成效 {SCRIPT}"


def test_malformed_json_bodies_are_4xx(sqlite_app: Any) -> None:
    app = sqlite_app
    api = Api(app)
    for payload in ("{", "[]", "null", "\"text\"", "1e999999"):
        r = api.call("POST", "/api/applications", "hc_submitter", data=payload,
                     headers={"Content-Type": "application/json"})
        assert 400 <= r.status_code < 500, (payload, r.status_code)
        assert r.mimetype == "application/problem+json"
