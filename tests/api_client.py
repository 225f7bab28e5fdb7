"""A small client that logs in as demo users and fails loudly on surprises."""
from __future__ import annotations

from typing import Any

from service.demo.baoding import DEMO_PASSWORD


class Api:
    def __init__(self, app: Any):
        self.client = app.test_client()
        self.tokens: dict[str, str] = {}

    def login(self, username: str) -> str:
        if username not in self.tokens:
            r = self.client.post("/api/auth/token", json={"username": username, "password": DEMO_PASSWORD})
            assert r.status_code == 201, r.get_json()
            self.tokens[username] = r.get_json()["token"]
        return self.tokens[username]

    def call(self, method: str, path: str, user: str | None = None, expect: int | None = None, **kw: Any) -> Any:
        headers = kw.pop("headers", {})
        if user:
            headers["Authorization"] = f"Bearer {self.login(user)}"
        r = self.client.open(path, method=method, headers=headers, **kw)
        if expect is not None:
            assert r.status_code == expect, (method, path, r.status_code, r.get_data(as_text=True)[:800])
        return r

    def get(self, path: str, user: str | None = None, expect: int | None = 200, **kw: Any) -> Any:
        r = self.call("GET", path, user, expect, **kw)
        return r.get_json() if expect and expect < 300 else r

    def post(self, path: str, user: str | None = None, expect: int | None = 200, **kw: Any) -> Any:
        r = self.call("POST", path, user, expect, **kw)
        return r.get_json() if expect and expect < 300 else r

    def tasks(self, user: str, **params: Any) -> list[dict[str, Any]]:
        query = "&".join(f"{k}={v}" for k, v in params.items())
        return self.get(f"/api/tasks?{query}", user)["items"]

    def task_for(self, user: str, element: str, application_id: int) -> dict[str, Any]:
        found = [t for t in self.tasks(user, application_id=application_id) if t["element_id"] == element]
        assert found, f"{user} has no open {element} task for application {application_id}: {self.tasks(user)}"
        return found[0]

    def complete(self, user: str, element: str, application_id: int, data: dict[str, Any], expect: int = 200) -> Any:
        task = self.task_for(user, element, application_id)
        return self.post(f"/api/tasks/{task['id']}/complete", user, expect=expect, json=data)
