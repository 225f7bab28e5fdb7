"""Every JSON endpoint fuzzed from the OpenAPI document: no 5xx, ever.

Schemathesis generates requests (valid and invalid) for each operation in
/api/openapi.json and sends them to the WSGI app on SQLite, authenticated as a
user who may do a lot (the office, the process administrator) and as a unit's
submitter. Any 5xx fails the test with the request that caused it.
"""
from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from tests.api_client import Api
from tests.conftest import make_app
from tests.integration import flows

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("api-fuzz")]
STATUSES: list[tuple[str, int]] = []
USERS = ["res_office1", "process_admin", "hc_submitter"]


@pytest.fixture(scope="module")
def fuzz_app(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> Any:
    """One app for the module, with an application in flight so ids point at real rows."""
    from datetime import datetime, timedelta, timezone

    from service import clock

    path = tmp_path_factory.mktemp("fuzz") / "app.db"
    shutil.copy(sqlite_template, path)
    at = datetime(2026, 12, 26, 2, 0, tzinfo=timezone.utc)
    clock.set_offset(at - datetime.now(timezone.utc))
    try:
        app = make_app(f"sqlite:///{path}")
        api = Api(app)
        app_id = flows.create(api, "hc_submitter")["id"]
        flows.submit(api, app_id, "hc_submitter", "hc_leader")
    finally:
        clock.set_offset(timedelta(0))
    yield app
    app.extensions["appraisal.db_engine"].dispose()


def _labels() -> list[str]:
    from service.api.openapi import SPEC

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

    @given(case=strategy)
    @settings(max_examples=int(os.environ.get("FUZZ_EXAMPLES", "12")), deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    def fuzz(case: Any) -> None:
        ratelimit.reset()
        for user in users:
            headers = {"Authorization": f"Bearer {token_for(fuzz_app, user)}"} if user else {}
            response = case.call_and_validate(headers=headers, checks=[not_a_server_error])
            STATUSES.append((label, response.status_code))

    fuzz()


def test_zz_fuzzing_reached_the_handlers() -> None:
    """The fuzz run above got real answers, not only 401s (ran in this process, in order)."""
    if not STATUSES:
        pytest.skip("the fuzz tests ran in another worker")
    codes = {code for _, code in STATUSES}
    assert {200, 201} & codes and {400, 404, 422} & codes, sorted(codes)
