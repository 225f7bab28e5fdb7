"""The web process killed (SIGKILL) between the engine step and the response.

A real server runs in a subprocess on PostgreSQL. A test-only fault point
(service/faults.py) holds one task completion either just before or just after
its commit; the test kills the process there, starts a fresh one, checks with
`appraisal doctor` that every instance is consistent, and retries the request:
before the commit nothing was applied, so the retry succeeds; after it, the
retry is a 409. Either way the step is applied exactly once.
"""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any, Iterator

import pytest
import requests
from sqlalchemy import create_engine, text

from service.demo.baoding import DEMO_PASSWORD
from tests.integration.flows import GOOD_APPLICATION

pytestmark = [pytest.mark.slow, pytest.mark.postgres]
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """`appraisal run` in a subprocess; killable with SIGKILL."""

    def __init__(self, url: str, tmp: Path, **env: str):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = open(tmp / f"server-{self.port}.log", "wb")
        environment = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": "fault-test", **env}
        environment.pop("APPRAISAL_CLOCK_OFFSET_FILE", None)
        self.proc = subprocess.Popen([str(BIN / "appraisal"), "run", "--port", str(self.port)],
                                     env=environment, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, (tmp / f"server-{self.port}.log").read_text()[-3000:]
            try:
                if requests.get(f"{self.base}/api/health", timeout=1).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.2)
        raise AssertionError("server did not start")

    def kill(self) -> None:
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(10)
        self.log.close()

    def token(self, user: str) -> str:
        r = requests.post(f"{self.base}/api/auth/token", json={"username": user, "password": DEMO_PASSWORD}, timeout=10)
        assert r.status_code == 201, r.text
        return r.json()["token"]

    def call(self, method: str, path: str, token: str, **kw: Any) -> requests.Response:
        return requests.request(method, f"{self.base}{path}", headers={"Authorization": f"Bearer {token}"},
                                timeout=kw.pop("timeout", 30), **kw)


@pytest.fixture
def servers(pg_only_url: str, tmp_path: Path) -> Iterator[list[Server]]:
    started: list[Server] = []
    yield started
    for server in started:
        server.kill()


def open_task(server: Server, token: str, element: str, app_id: int) -> int:
    items = server.call("GET", f"/api/tasks?application_id={app_id}", token).json()["items"]
    found = [t["id"] for t in items if t["element_id"] == element]
    assert found, items
    return found[0]


def complete(server: Server, user: str, element: str, app_id: int, body: dict) -> None:
    token = server.token(user)
    r = server.call("POST", f"/api/tasks/{open_task(server, token, element, app_id)}/complete", token, json=body)
    assert r.status_code == 200, r.text


def shortlist(server: Server, app_id: int) -> None:
    """The leading group's shortlist meeting keeps the item (a sitting of one), as tests/api_client.py drives it."""
    office, leader = server.token("res_office1"), server.token("group_leader")
    campaign = server.call("GET", f"/api/applications/{app_id}", office).json()["campaign_id"]
    sitting = server.call("GET", f"/api/campaigns/{campaign}/shortlist", office).json()
    if not sitting["sitting"]:
        r = server.call("POST", f"/api/campaigns/{campaign}/shortlist/candidates", office,
                        json={"candidate_ids": [app_id]})
        assert r.status_code == 200, r.text
        sitting = r.json()
    listed = [i["application_id"] for i in sitting["items"]]
    for member in ("lg_member1", "lg_member2"):
        r = server.call("POST", f"/api/campaigns/{campaign}/shortlist/views", server.token(member),
                        json={"views": [{"application_id": a, "view": "in", "note": ""} for a in listed]})
        assert r.status_code == 200, r.text
    r = server.call("POST", f"/api/campaigns/{campaign}/shortlist/close", leader,
                    json={"decisions": [{"application_id": app_id, "shortlisted": True, "review_reasons": "创新性突出"}]})
    assert r.status_code == 200, r.text


@pytest.mark.parametrize("point, retry_status", [("task.complete.before_commit", 200),
                                                 ("task.complete.after_commit", 409)],
                         ids=["killed-before-commit", "killed-after-commit"])
def test_web_process_killed_mid_completion(pg_only_url: str, tmp_path: Path, servers: list[Server],
                                           point: str, retry_status: int) -> None:
    armed = tmp_path / "armed"
    first = Server(pg_only_url, tmp_path, APPRAISAL_FAULT_POINT=point, APPRAISAL_FAULT_ARMED_FILE=str(armed))
    servers.append(first)
    sub = first.token("hc_submitter")
    campaign = first.call("GET", "/api/campaigns", sub).json()["items"][0]["id"]
    r = first.call("POST", "/api/applications", sub, json={"campaign_id": campaign, **GOOD_APPLICATION})
    assert r.status_code == 201, r.text
    app_id = r.json()["id"]
    complete(first, "hc_submitter", "fill_application", app_id, {})
    complete(first, "hc_leader", "leader_signoff", app_id, {"signoff_decision": "approve", "leader_name": "黄国栋"})
    shortlist(first, app_id)
    reviewer = first.token("res_office1")
    task_id = open_task(first, reviewer, "record_presentation", app_id)
    body = {"presentation_date": "2027-01-08", "presenter": "刘晓燕", "presentation_notes": "陈述15分钟，答辩5分钟"}

    armed.write_text("1")
    outcome: dict[str, Any] = {}

    def doomed() -> None:
        try:
            outcome["response"] = first.call("POST", f"/api/tasks/{task_id}/complete", reviewer, json=body, timeout=60)
        except requests.RequestException as exc:
            outcome["error"] = exc

    thread = threading.Thread(target=doomed)
    thread.start()
    hit = Path(f"{armed}.hit")
    deadline = time.monotonic() + 30
    while not hit.exists():
        assert time.monotonic() < deadline, "the request never reached the fault point"
        time.sleep(0.05)
    first.kill()
    thread.join(30)
    assert "error" in outcome, "the client should see the connection drop, not a response"

    doctor = subprocess.run([str(BIN / "appraisal"), "doctor"], env={**os.environ, "DATABASE_URL": pg_only_url},
                            capture_output=True, text=True, timeout=120)
    assert doctor.returncode == 0, doctor.stdout + doctor.stderr

    second = Server(pg_only_url, tmp_path)
    servers.append(second)
    reviewer = second.token("res_office1")  # tokens live in the database; a fresh one is as good
    retry = second.call("POST", f"/api/tasks/{task_id}/complete", reviewer, json=body)
    assert retry.status_code == retry_status, retry.text
    office = second.token("res_office1")
    application = second.call("GET", f"/api/applications/{app_id}", office).json()
    assert application["stage"] == "scoring"
    history = second.call("GET", f"/api/process-instances/{application['process_instance_id']}/history", office).json()
    assert [h["element_id"] for h in history["items"]].count("record_presentation") == 1
    done = second.call("GET", f"/api/tasks?application_id={app_id}&state=completed", reviewer).json()["items"]
    assert [t["element_id"] for t in done].count("record_presentation") == 1

    # the step's notifications (each scorer is told about their new task) were queued once per recipient and channel
    engine = create_engine(pg_only_url)
    try:
        with engine.connect() as conn:
            scoring = conn.execute(text(
                "SELECT id, COALESCE(candidate_user_id, assignee_id) AS scorer FROM tasks WHERE application_id = :app AND element_id = 'democratic_scoring'"),
                {"app": app_id}).all()
            rows = conn.execute(text(
                "SELECT o.recipient_user_id, o.channel, o.dedupe_key FROM outbox o JOIN tasks t "
                "ON o.dedupe_key LIKE 'task_assigned:' || t.id || ':%' "
                "WHERE t.application_id = :app AND t.element_id = 'democratic_scoring'"), {"app": app_id}).all()
    finally:
        engine.dispose()
    assert scoring and len(scoring) == len({r.scorer for r in scoring}), scoring  # one task per scorer
    assert rows, rows
    assert len(rows) == len({(r.dedupe_key.split(":")[1], r.recipient_user_id, r.channel) for r in rows}), rows
