"""Browser-less page sessions for the tests: log in through the form and carry its CSRF token."""
from __future__ import annotations

import re
from typing import Any

from service.demo.baoding import DEMO_PASSWORD


def csrf(client: Any, path: str = "/login") -> str:
    """The CSRF token of the form on ``path``."""
    return re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).get_data(as_text=True)).group(1)


def logged_in(app: Any, username: str) -> tuple[Any, str]:
    """A test client logged in as ``username`` (demo password), and a CSRF token for its posts."""
    client = app.test_client()
    r = client.post("/login", data={"csrf_token": csrf(client), "username": username, "password": DEMO_PASSWORD})
    assert r.status_code == 302, r.get_data(as_text=True)[:300]
    return client, csrf(client, "/notifications")
