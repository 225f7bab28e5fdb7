"""A small client that logs in as demo users and fails loudly on surprises."""
from __future__ import annotations

from typing import Any

from service.demo.baoding import DEMO_PASSWORD


class Api:
    def __init__(self, app: Any, element_prefix: str = ""):
        self.client = app.test_client()
        self.tokens: dict[str, str] = {}
        self.element_prefix = element_prefix
        """The prefix of the deployed processes' element ids (a copy of the bundled BPMN with every id renamed)."""

    def element(self, name: str) -> str:
        """The deployed element id of the bundled process's element ``name``."""
        return self.element_prefix + name

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
        found = [t for t in self.tasks(user, application_id=application_id) if t["element_id"] == self.element(element)]
        assert found, f"{user} has no open {element} task for application {application_id}: {self.tasks(user)}"
        return found[0]

    def complete(self, user: str, element: str, application_id: int, data: dict[str, Any], expect: int = 200) -> Any:
        """Complete the item's task; an item's decision taken by a meeting goes through that meeting's list (a
        sitting of one), and a supervising union's approval is forwarded at once (a batch of one)."""
        if element in MEETINGS:
            return MEETINGS[element](self, user, application_id, data, expect)
        task = self.task_for(user, element, application_id)
        done = self.post(f"/api/tasks/{task['id']}/complete", user, expect=expect, json=data)
        if element == "county_vetting" and data.get("vetting_decision") == "approve" and expect == 200:
            self.forward(user, [application_id])
        return done

    def campaign_of(self, application_id: int) -> int:
        return self.get(f"/api/applications/{application_id}", "res_office1")["campaign_id"]

    def forward(self, vetter: str, application_ids: list[int], opinion: str = "同意上报", expect: int = 200) -> Any:
        """The supervising union forwards these approved items as one batch."""
        campaign = self.campaign_of(application_ids[0])
        return self.post(f"/api/campaigns/{campaign}/forwarding/forward", vetter, expect=expect,
                         json={"application_ids": application_ids, "opinion": opinion})

    def shortlist_sitting(self, application_ids: list[int]) -> int:
        """The office lists these candidates (when the shortlist is being prepared) and two members record views."""
        campaign = self.campaign_of(application_ids[0])
        sitting = self.get(f"/api/campaigns/{campaign}/shortlist", "res_office1")
        if not sitting["sitting"]:
            sitting = self.post(f"/api/campaigns/{campaign}/shortlist/candidates", "res_office1",
                                json={"candidate_ids": application_ids})
        listed = [i["application_id"] for i in sitting["items"]]
        assert set(application_ids) <= set(listed), (application_ids, sitting)
        for member in ("lg_member1", "lg_member2"):
            self.post(f"/api/campaigns/{campaign}/shortlist/views", member,
                      json={"views": [{"application_id": a, "view": "in", "note": ""} for a in listed]})
        return campaign


def _shortlist(api: Api, user: str, application_id: int, data: dict[str, Any], expect: int) -> Any:
    campaign = api.shortlist_sitting([application_id])
    decision = {"application_id": application_id, **data}
    return api.post(f"/api/campaigns/{campaign}/shortlist/close", "group_leader", expect=expect,
                    json={"decisions": [decision]})


def _grade(api: Api, user: str, application_id: int, data: dict[str, Any], expect: int) -> Any:
    campaign = api.campaign_of(application_id)
    return api.post(f"/api/campaigns/{campaign}/group-decision/complete", user, expect=expect,
                    json={"decisions": [{"application_id": application_id, **data}]})


def _chair(api: Api, user: str, application_id: int, data: dict[str, Any], expect: int) -> Any:
    campaign = api.campaign_of(application_id)
    back = [{"application_id": application_id, "reasons": data.get("chair_comment", "")}] \
        if data.get("chair_decision") == "send_back" else []
    return api.post(f"/api/campaigns/{campaign}/chair-confirmation/complete", user, expect=expect,
                    json={"send_back": back, "note": data.get("chair_comment", "") if not back else ""})


MEETINGS = {"preliminary_review": _shortlist, "set_grade": _grade, "chair_confirmation": _chair}
"""The items' steps a meeting now decides, each driven through its meeting's API."""
