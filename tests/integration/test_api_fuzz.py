"""Every JSON endpoint fuzzed from the OpenAPI document: no 5xx, ever, on SQLite and on PostgreSQL.

Schemathesis generates requests (valid and invalid) for each operation in
/api/openapi.json and sends them to the WSGI app, authenticated as a user who
may do a lot (the office, the process administrator) and as a unit's
submitter. Any 5xx fails the test with the request that caused it.

Schemathesis draws strings that can go on the wire as UTF-8, so it never makes
a lone surrogate (which a JSON ``\ud800`` escape carries) and only sometimes a
NUL. Half the cases therefore get one such code point put into one of their
generated strings (a body value or key, a query value, a path parameter), and
those must be refused with a 422 naming that field: PostgreSQL cannot store
either, and SQLite would store what PostgreSQL then cannot import.
"""
from __future__ import annotations

import contextlib
import os
import shutil
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error

from tests.api_client import Api
from tests.conftest import make_app, pg_database
from tests.integration import flows

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("api-fuzz")]


@schemathesis.serializer("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
def _workbook(ctx: Any, value: Any) -> bytes:
    """The organisation workbook's body as generated (a binary string: bytes, or text sent as UTF-8)."""
    if isinstance(value, bytes):
        return value
    return str(value).encode("utf-8", "surrogatepass")
STATUSES: list[tuple[str, int]] = []
USERS = ["res_office1", "process_admin", "hc_submitter"]


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def fuzz_app(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> Any:
    """One app per backend for the module (a database of its own), with an application in flight so ids point at real rows."""
    from datetime import datetime, timedelta, timezone

    from service import clock

    with contextlib.ExitStack() as stack:
        if request.param == "sqlite":
            path = tmp_path_factory.mktemp("fuzz") / "app.db"
            shutil.copy(sqlite_template, path)
            url = f"sqlite:///{path}"
        else:
            url = stack.enter_context(pg_database("appraisal_fuzz"))
        at = datetime(2026, 12, 26, 2, 0, tzinfo=timezone.utc)
        clock.set_offset(at - datetime.now(timezone.utc))
        try:
            app = make_app(url)
            api = Api(app)
            app_id = flows.create(api, "hc_submitter")["id"]
            flows.submit(api, app_id, "hc_submitter", "hc_leader")
        finally:
            clock.set_offset(timedelta(0))
        yield app
        app.extensions["appraisal.db_engine"].dispose()


def _labels() -> list[str]:
    from service.api.openapi import spec

    SPEC = spec()

    return [r.ok().label for r in schemathesis.openapi.from_dict(SPEC).get_all_operations()]


def token_for(app: Any, user: str) -> str:
    """A fresh token per call: a fuzzed DELETE /api/auth/token may revoke the previous one."""
    from service.auth import tokens
    from service.models import User
    from sqlalchemy import select

    with app.app_context(), app.extensions["appraisal.sessions"]() as s:
        row = s.scalar(select(User).where(User.username == user))
        plain, _ = tokens.issue_token(s, row, app.extensions["appraisal.settings"].token_ttl)
        s.commit()
        return plain


@pytest.mark.parametrize("label", _labels())
def test_no_server_errors(label: str, fuzz_app: Any, december_clock: Any) -> None:
    from hypothesis import given

    from service.auth import ratelimit

    api_schema = schemathesis.openapi.from_wsgi("/api/openapi.json", fuzz_app)
    operation = api_schema.find_operation_by_label(label)

    secured = operation.definition.raw.get("security") != []
    users = USERS if secured else [None]

    strategy = operation.as_strategy(schemathesis.GenerationMode.POSITIVE)
    try:  # invalid requests too (wrong types, missing fields), where the operation has inputs to break
        strategy = strategy | operation.as_strategy(schemathesis.GenerationMode.NEGATIVE)
    except Exception:  # noqa: BLE001 - nothing to negate
        pass

    typed_path_params = {p["name"] for p in operation.definition.raw.get("parameters", [])
                         if p.get("in") == "path" and p.get("schema", {}).get("type") not in (None, "string")}

    @given(case=strategy, data=st.data())
    @settings(max_examples=int(os.environ.get("FUZZ_EXAMPLES", "12")), deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    def fuzz(case: Any, data: st.DataObject) -> None:
        ratelimit.reset()
        field = data.draw(st.booleans()) and inject_unstorable(case, data)
        for user in users:
            headers = {"Authorization": f"Bearer {token_for(fuzz_app, user)}"} if user else {}
            response = case.call_and_validate(headers=headers, checks=[not_a_server_error])
            STATUSES.append((label, response.status_code))
            if field and field in typed_path_params and response.status_code == 404:
                continue  # a NUL in a typed path segment (an integer id) matches no route: a 404, never a 500
            if field:
                refused_naming(response, field)

    fuzz()


UNSTORABLE = st.just("\x00") | st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF)


def _shown(text: str) -> str:
    return "".join(f"\\u{ord(c):04x}" if c == "\x00" or 0xD800 <= ord(c) <= 0xDFFF else c for c in text)


def _body_strings(value: Any, path: str, out: list[tuple[str, Any, Any, bool]]) -> None:
    """Every string in a JSON body: (field path, container, key or index, is it the key itself)."""
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, item in items:
        child = f"{path}.{_shown(str(key))}" if path else _shown(str(key))
        if isinstance(key, str):
            out.append((child, value, key, True))
        if isinstance(item, str):
            out.append((child, value, key, False))
        _body_strings(item, child, out)


def inject_unstorable(case: Any, data: st.DataObject) -> str | None:
    """Put NUL or a lone surrogate into one generated string; the field a 422 must name (None: no string to use).

    A URL can only carry NUL (a percent-encoded surrogate is not UTF-8 and decodes to U+FFFD).
    """
    targets: list[tuple[str, Any, Any, bool, bool]] = []
    for name, value in (case.query or {}).items():
        if isinstance(value, str):
            targets.append((name, case.query, name, False, True))
    for name, value in (case.path_parameters or {}).items():
        if isinstance(value, str):
            targets.append((name, case.path_parameters, name, False, True))
    if "json" in (case.media_type or ""):
        if isinstance(case.body, str):
            targets.append(("$", case, "body", False, False))
        found: list[tuple[str, Any, Any, bool]] = []
        _body_strings(case.body, "", found)
        targets += [(*t, False) for t in found]
    if not targets:
        return None
    field, container, key, is_key, in_url = data.draw(st.sampled_from(targets))
    char = "\x00" if in_url else data.draw(UNSTORABLE)
    original = key if is_key else (getattr(container, key) if container is case else container[key])
    at = data.draw(st.integers(0, len(original)))
    changed = original[:at] + char + original[at:]
    if container is case:
        case.body = changed
    elif is_key:
        container[changed] = container.pop(key)
        shown = _shown(key)  # the parent's path is what precedes the key (which may itself contain dots)
        parent = field[:-len(shown) - 1] if len(field) > len(shown) else ""
        field = f"{parent}.{_shown(changed)}" if parent else _shown(changed)
    else:
        container[key] = changed
    return field


def refused_naming(response: Any, field: str) -> None:
    assert response.status_code == 422, (field, response.status_code, response.text[:300])
    assert response.headers["content-type"][0].startswith("application/problem+json")
    named = {e["field"] for e in response.json()["errors"]}
    assert field in named, (field, named)


def test_zz_fuzzing_reached_the_handlers() -> None:
    """The fuzz run above got real answers, not only 401s (ran in this process, in order)."""
    if not STATUSES:
        pytest.skip("the fuzz tests ran in another worker")
    codes = {code for _, code in STATUSES}
    assert {200, 201} & codes and {400, 404, 422} & codes, sorted(codes)
