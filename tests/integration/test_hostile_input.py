"""Hostile input: regressions for what the fuzzer found, text the database cannot hold, JSON too deep, HTML kept as given."""
from __future__ import annotations

import html
import json
import os
from io import BytesIO
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from service.auth import ratelimit
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


# --------------------------------------------------------------------------- text the database cannot hold

STORABLE = st.text(alphabet=st.characters(codec="utf-8", exclude_characters="\x00"), max_size=6)
UNSTORABLE_CHAR = st.just("\x00") | st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF)
IN_URL = st.builds(lambda a, b: a + "\x00" + b, STORABLE, STORABLE)  # a URL can only bring NUL (see below)
IN_FILE_NAME = st.builds(lambda a, b: a + "\x00" + b, *[st.text(alphabet=st.characters(
    codec="utf-8", exclude_characters='\x00\r\n"\\'), max_size=6)] * 2)  # what a multipart header can carry
IN_JSON = st.builds(lambda a, c, b: a + c + b, STORABLE, UNSTORABLE_CHAR, STORABLE)
NAMES = st.text(alphabet="abcdefghijklmnopqrstuvwxyz_", min_size=1, max_size=8)


def _shown(text: str) -> str:
    return "".join(f"\\u{ord(c):04x}" if c == "\x00" or 0xD800 <= ord(c) <= 0xDFFF else c for c in text)


@st.composite
def _json_with_hostile_leaf(draw: st.DrawFn) -> tuple[Any, str]:
    """A JSON object with one unstorable string somewhere inside (a value, or a key), and that field's path."""
    hostile = draw(IN_JSON)
    trail: list[str] = []
    leaf: Any = hostile
    as_key = draw(st.booleans())
    if as_key:
        leaf, trail = {hostile: draw(STORABLE)}, [_shown(hostile)]
    for _ in range(draw(st.integers(0, 3))):
        if draw(st.booleans()):
            siblings = draw(st.lists(STORABLE, max_size=2))
            leaf, trail = [*siblings, leaf], [str(len(siblings)), *trail]
        else:
            name = draw(NAMES)
            leaf, trail = {**draw(st.dictionaries(NAMES.filter(lambda n: n != name), STORABLE, max_size=2)), name: leaf}, [name, *trail]
    if not isinstance(leaf, dict):
        name = draw(NAMES)
        leaf, trail = {name: leaf}, [name, *trail]
    return leaf, ".".join(trail)


def _row_counts(app: Any) -> dict[str, int]:
    from sqlalchemy import func, select

    from service.extensions import Base

    with app.extensions["appraisal.sessions"]() as s:
        return {t.name: s.scalar(select(func.count()).select_from(t)) for t in Base.metadata.sorted_tables}


def _api_operations() -> list[tuple[str, str, dict[str, Any]]]:
    from service.api.openapi import spec

    SPEC = spec()

    return [(path, method, op) for path, ops in SPEC["paths"].items() for method, op in ops.items()]


def _page_rules(app: Any) -> list[tuple[str, str, Any]]:
    return [(method, rule.rule, rule) for rule in app.url_map.iter_rules() if not rule.rule.startswith(("/api", "/static"))
            for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"})]


def _targets(app: Any) -> list[tuple[str, ...]]:
    """Every (API operation or page, channel) that brings text in: enumerated, never sampled."""
    targets: list[tuple[str, ...]] = []
    for path, method, op in _api_operations():
        targets.append(("api", method, path, "query"))
        if "{key}" in path:
            targets.append(("api", method, path, "path"))
        if "requestBody" in op:
            targets.append(("api", method, path, "body"))
    for method, rule_text, rule in _page_rules(app):
        if "code" in rule.arguments:
            targets.append(("page", method, rule_text, "path"))
        elif method == "GET":
            targets.append(("page", method, rule_text, "query"))
        else:
            targets += [("page", method, rule_text, "form"), ("page", method, rule_text, "file name")]
    return targets


def test_unstorable_text_in_any_channel_is_a_422_naming_the_field_and_nothing_is_stored(app: Any) -> None:
    """Every API operation (from the OpenAPI document) and every page, through every channel that brings text.

    JSON bodies may carry NUL and lone surrogates (``\\u0000``, ``\\ud800``); a URL,
    a query string or a form post can only bring NUL, since percent-encoded
    surrogates are not UTF-8 and decode to U+FFFD. The hostile text (and where
    it goes in a body) is generated; the operations and channels are all tried.
    """
    from urllib.parse import quote

    from service.api.openapi import spec

    SPEC = spec()
    from tests.web_client import logged_in

    api = Api(app)
    token = api.login("res_office1")
    page_client, csrf_token = logged_in(app, "hc_submitter")
    rules = {rule.rule: rule for rule in app.url_map.iter_rules()}
    before = _row_counts(app)

    def api_case(data: st.DataObject, method: str, path: str, channel: str) -> tuple[Any, set[str]]:
        op = SPEC["paths"][path][method]
        concrete = path.replace("{id}", "1").replace("{key}", "innovation_appraisal")
        kw: dict[str, Any] = {"headers": {"Authorization": f"Bearer {token}"}}
        declared = [p["name"] for p in op.get("parameters", []) if p["in"] == "query"]
        if channel == "query":
            name = data.draw(st.sampled_from(declared) if declared else NAMES)
            kw["query_string"] = {name: data.draw(IN_URL)}
            expected = {name}
        elif channel == "path":
            concrete = path.replace("{id}", "1").replace("{key}", quote(data.draw(IN_URL), safe=""))
            expected = {"key"}
        else:
            body, field = data.draw(_json_with_hostile_leaf())
            kw["data"], kw["content_type"] = json.dumps(body), "application/json"
            expected = {field}
        return api.client.open(concrete, method=method.upper(), **kw), expected

    def page_case(data: st.DataObject, method: str, rule_text: str, channel: str) -> tuple[Any, set[str]]:
        url = rule_text
        for arg in rules[rule_text].arguments:
            value = quote(data.draw(IN_URL), safe="") if arg == "code" else "1"
            url = url.replace(f"<int:{arg}>", value).replace(f"<{arg}>", value)
        if channel == "path":
            return page_client.get(url), {"code"}
        name = data.draw(NAMES)
        if channel == "query":
            return page_client.get(url, query_string={name: data.draw(IN_URL)}), {name}
        if channel == "form":
            return page_client.post(url, data={"csrf_token": csrf_token, name: data.draw(IN_URL)}), {name}
        upload = (BytesIO(b"%PDF-1.4\n%%EOF\n"), data.draw(IN_FILE_NAME) + ".pdf")
        return page_client.post(url, data={"csrf_token": csrf_token, name: upload},
                                content_type="multipart/form-data"), {f"{name}.filename"}

    for kind, method, path, channel in _targets(app):
        @given(data=st.data())
        @settings(max_examples=int(os.environ.get("HOSTILE_EXAMPLES", "4")), deadline=None, database=None,
                  derandomize=True, suppress_health_check=list(HealthCheck))
        def probe(data: st.DataObject) -> None:
            ratelimit.reset()
            r, expected = (page_case if kind == "page" else api_case)(data, method, path, channel)
            where = (kind, method, path, channel, r.request.url)
            assert r.status_code == 422, (where, r.status_code, r.get_data(as_text=True)[:400])
            if kind == "page":
                assert r.mimetype == "text/html" and "无法保存的字符" in r.get_data(as_text=True), where
                assert all(f"“{_shown(f)}”" in html.unescape(r.get_data(as_text=True)) for f in expected), where
            else:
                assert r.mimetype == "application/problem+json", where
                assert {e["field"] for e in r.get_json()["errors"]} == expected, (where, r.get_json())

        probe()
    assert _row_counts(app) == before, "a refused request stored something"


def test_json_nested_a_thousand_levels_deep_is_a_4xx_on_every_json_operation(app: Any) -> None:
    api = Api(app)
    token = api.login("res_office1")
    for path, method, op in _api_operations():
        if "requestBody" not in op:
            continue
        for opener, closer in (("[", "]"), ('{"a":', "}")):
            body = opener * 1000 + "1" + closer * 1000
            r = api.client.open(path.replace("{id}", "1").replace("{key}", "innovation_appraisal"),
                                method=method.upper(), data=body, content_type="application/json",
                                headers={"Authorization": f"Bearer {token}"})
            assert r.status_code == 422 and r.get_json()["errors"][0]["field"] == "$", (path, r.status_code)
    client, csrf_token = logged_in_admin(app)
    deep = '{"type":"object","properties":' * 1000 + "{}" + "}" * 1000
    r = client.post("/admin/forms", data={"csrf_token": csrf_token, "key": "deep_form", "schema": deep})
    assert r.status_code == 200 and "schema: JSON 嵌套超过 64 层" in r.get_data(as_text=True)
    r = client.post("/admin/forms", data={"csrf_token": csrf_token, "key": "nul_form",
                                          "schema": '{"type":"object","title":"a\\u0000b","properties":{}}'})
    assert "schema.title" in r.get_data(as_text=True)
    assert Api(app).get("/api/forms", "process_admin")["items"] == api.get("/api/forms", "res_office1")["items"]
    assert "deep_form" not in {f["key"] for f in api.get("/api/forms", "res_office1")["items"]}


def logged_in_admin(app: Any) -> tuple[Any, str]:
    from tests.web_client import logged_in

    return logged_in(app, "process_admin")
