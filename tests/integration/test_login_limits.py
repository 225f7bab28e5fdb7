"""The login limit is shared by every web worker through Redis: per username and per client address; a 429 says
when to retry (``Retry-After``) as problem+json for the API and as a page in the reader's language."""
from __future__ import annotations

import re
import secrets
from datetime import datetime, timezone
from typing import Any

import pytest
from sqlalchemy import select

from service import create_app
from service.auth.passwords import hash_password
from service.config import Settings
from service.models import OrgUnit, User
from tests.integration.deadline_support import redis_available

pytestmark = [pytest.mark.redis]
PER_USERNAME, PER_ADDRESS = 4, 6
PASSWORD = "probe-pass-2026"
REDIS = "redis://127.0.0.1:6379/10"


def _workers(app: Any, redis_url: str | None, **overrides: Any) -> list[Any]:
    """Two app instances on one database, as two gunicorn workers are (each its own process and Limiter)."""
    settings = Settings.from_env({"SECRET_KEY": "test-secret"},
                                 database_url=app.extensions["appraisal.settings"].database_url,
                                 redis_url=redis_url, login_attempts_per_minute=PER_USERNAME,
                                 login_attempts_per_address_per_minute=PER_ADDRESS, **overrides)
    return [create_app(settings), create_app(settings)]


def _probe_user(app: Any) -> str:
    """A user of this test run only: the counts in a shared Redis cannot collide with another run's."""
    name = f"limit_probe_{secrets.token_hex(4)}"
    with app.extensions["appraisal.sessions"]() as s:
        s.add(User(username=name, display_name="限流测试", password_hash=hash_password(PASSWORD),
                   unit_id=s.scalar(select(OrgUnit.id)), created_at=datetime.now(timezone.utc)))
        s.commit()
    return name


def _address() -> str:
    return f"10.{secrets.randbelow(250)}.{secrets.randbelow(250)}.{1 + secrets.randbelow(250)}"


def _token(worker: Any, username: str, password: str, address: str) -> Any:
    return worker.test_client().post("/api/auth/token", json={"username": username, "password": password},
                                     environ_base={"REMOTE_ADDR": address})


def _check_429(r: Any) -> int:
    assert r.status_code == 429, r.status_code
    seconds = int(r.headers["Retry-After"])
    assert 1 <= seconds <= 60, seconds
    return seconds


def test_two_workers_share_the_login_limit_per_username_and_per_address(sqlite_app: Any) -> None:
    if not redis_available(REDIS):
        pytest.fail("Redis is required on 127.0.0.1:6379 (.ci/run starts it)")
    a, b = _workers(sqlite_app, REDIS)
    username = _probe_user(sqlite_app)

    # per username: guesses from many addresses, alternating workers, share one count
    codes = [_token((a, b)[i % 2], username, "wrong-guess", _address()).status_code for i in range(PER_USERNAME)]
    assert codes == [401] * PER_USERNAME, codes
    refused = _token(b, username, PASSWORD, _address())  # even the right password, until the window ends
    seconds = _check_429(refused)
    assert refused.mimetype == "application/problem+json"
    body = refused.get_json()
    assert body["status"] == 429 and "登录尝试过多" in body["detail"] and body["retry_after"] == seconds
    page_client = a.test_client()
    form = page_client.get("/login", environ_base={"REMOTE_ADDR": _address()}).get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
    page = page_client.post("/login", data={"csrf_token": token, "username": username, "password": PASSWORD},
                            environ_base={"REMOTE_ADDR": _address()})
    _check_429(page)
    assert page.mimetype == "text/html" and "登录尝试过多" in page.get_data(as_text=True)  # the login form: Chinese

    # per client address: one address trying a new username each time, alternating workers
    address = _address()
    codes = [_token((a, b)[i % 2], f"nobody_{secrets.token_hex(3)}", "guess", address).status_code
             for i in range(PER_ADDRESS)]
    assert codes == [401] * PER_ADDRESS, codes
    _check_429(_token(a, f"nobody_{secrets.token_hex(3)}", "guess", address))
    assert _token(a, username + "_other", "guess", _address()).status_code == 401  # other addresses go on
    office = _address()  # successful logins from one address (an office behind NAT) do not use its limit up
    codes = [_token((a, b)[i % 2], _probe_user(sqlite_app), PASSWORD, office).status_code for i in range(PER_ADDRESS + 2)]
    assert codes == [201] * (PER_ADDRESS + 2), codes
    for worker in (a, b):
        worker.extensions["appraisal.db_engine"].dispose()


def test_without_redis_each_worker_counts_alone(sqlite_app: Any) -> None:
    """The control: the embedded mode's in-memory count is per process, so the sharing above is Redis's doing."""
    a, b = _workers(sqlite_app, None)
    username = _probe_user(sqlite_app)
    for worker in (a, b):
        codes = [_token(worker, username, "wrong-guess", _address()).status_code for _ in range(PER_USERNAME + 1)]
        assert codes == [401] * PER_USERNAME + [429], codes
        worker.extensions["appraisal.db_engine"].dispose()


def test_behind_a_proxy_the_limit_counts_the_forwarded_client_address(sqlite_app: Any) -> None:
    """FORWARDED_HOPS=1: each client behind the proxy has its own count; without it X-Forwarded-For is ignored."""
    (direct, _), (proxied, _) = _workers(sqlite_app, None), _workers(sqlite_app, None, forwarded_hops=1)

    def attempts(worker: Any, forwarded: str) -> list[int]:
        return [worker.test_client().post("/api/auth/token", json={"username": f"u{secrets.token_hex(3)}",
                                                                   "password": "x"},
                                          headers={"X-Forwarded-For": forwarded},
                                          environ_base={"REMOTE_ADDR": "10.0.0.1"}).status_code
                for _ in range(PER_ADDRESS)]

    assert attempts(proxied, "203.0.113.5") == [401] * PER_ADDRESS
    assert attempts(proxied, "203.0.113.6") == [401] * PER_ADDRESS  # another client behind the same proxy
    assert attempts(direct, "203.0.113.5") == [401] * PER_ADDRESS
    assert attempts(direct, "203.0.113.6")[0] == 429  # a forged header does not make a new client
