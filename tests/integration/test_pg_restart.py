"""PostgreSQL restarted while scorers are completing tasks: nothing lost, nothing applied twice.

A throwaway PostgreSQL server (its own data directory and port; the shared one
is never touched) is restarted with ``pg_ctl restart -m fast`` while threads
keep completing scoring tasks. A request caught by the restart gets a 503
problem (never a 409 that would claim someone else did it); the client retries
until it gets 200, or 409 "already completed" when its first attempt had in fact
committed. Afterwards every task is completed exactly once, each score counted
once, and `doctor` finds every instance consistent.
"""
from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from pathlib import Path
from typing import Any, Iterator

import pytest
from sqlalchemy import func, select

from service.cli import migrate
from service.demo.baoding import SCORER_USERNAMES
from service.models import AuditRecord, Task
from service.workflows import doctor
from tests.api_client import Api
from tests.conftest import _settings, make_app
from tests.integration import flows

pytestmark = [pytest.mark.slow, pytest.mark.postgres]
BINDIR = sorted(glob.glob("/usr/lib/postgresql/*/bin"))[-1:] or [""]


def _as_owner(cmd: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else cmd


class ThrowawayPostgres:
    def __init__(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="appraisal-pg-"))
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres", "postgres")
        self.data = self.dir / "data"
        self.pg_ctl = str(Path(BINDIR[0]) / "pg_ctl")
        subprocess.run(_as_owner([str(Path(BINDIR[0]) / "initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres",
                                  "--no-sync"]), check=True, capture_output=True)
        self.start()
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def _ctl(self, *args: str) -> None:
        subprocess.run(_as_owner([self.pg_ctl, "-D", str(self.data), "-l", str(self.dir / "log"), "-w", *args,
                                  "-o", f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off"]),
                       check=True, capture_output=True, timeout=60)

    def start(self) -> None:
        self._ctl("start")

    def restart(self) -> None:
        self._ctl("restart", "-m", "fast")

    def destroy(self) -> None:
        subprocess.run(_as_owner([self.pg_ctl, "-D", str(self.data), "-m", "immediate", "stop"]), capture_output=True)
        shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture
def own_postgres() -> Iterator[ThrowawayPostgres]:
    if not Path(BINDIR[0], "initdb").exists():
        pytest.skip("PostgreSQL server binaries (initdb, pg_ctl) are not installed")
    server = ThrowawayPostgres()
    try:
        yield server
    finally:
        server.destroy()


def test_postgres_restart_during_completions(own_postgres: ThrowawayPostgres, december_clock: Any) -> None:
    migrate(_settings(own_postgres.url))
    app = make_app(own_postgres.url)
    try:
        api = Api(app)
        work: list[tuple[str, int]] = []
        app_ids = []
        per_app: dict[int, int] = {}
        for submitter, leader in (("hc_submitter", "hc_leader"), ("econ_submitter", "econ_leader")):
            app_id = flows.create(api, submitter)["id"]
            flows.submit(api, app_id, submitter, leader)
            flows.review_to_scoring(api, app_id)
            app_ids.append(app_id)
            for user in SCORER_USERNAMES:
                mine = [t for t in api.tasks(user, application_id=app_id) if t["element_id"] == "democratic_scoring"]
                if mine:
                    work.append((user, mine[0]["id"]))
                    per_app[app_id] = per_app.get(app_id, 0) + 1
        tokens = {user: api.login(user) for user, _ in work}
        outcomes: dict[int, list[int]] = {task_id: [] for _, task_id in work}
        body = {"confirm": True, "score": {"criteria": {"innovation": 80, "effectiveness": 80, "promotion": 80, "recognition": 80,
                                       "standardization": 80}}}
        started = threading.Event()
        unhelpful: list[dict[str, str]] = []

        def scorer(user: str, task_id: int) -> None:
            client = app.test_client()
            started.wait()
            deadline = time.monotonic() + 90
            while time.monotonic() < deadline:
                r = client.post(f"/api/tasks/{task_id}/complete", json=body,
                                headers={"Authorization": f"Bearer {tokens[user]}"})
                outcomes[task_id].append(r.status_code)
                if r.status_code == 503 and not (r.headers.get("Retry-After", "").isdigit()
                                                 and r.mimetype == "application/problem+json"):
                    unhelpful.append(dict(r.headers))  # a 503 must say when to retry
                if r.status_code in (200, 409):
                    return
                time.sleep(0.2)

        threads = [threading.Thread(target=scorer, args=w) for w in work]
        for t in threads:
            t.start()
        started.set()
        time.sleep(0.05)
        own_postgres.restart()
        for t in threads:
            t.join(120)

        assert any(503 in codes for codes in outcomes.values()), outcomes  # the restart did hit requests in flight
        assert not unhelpful, f"503s without Retry-After: {unhelpful[:3]}"
        for task_id, codes in outcomes.items():
            assert codes and codes[-1] in (200, 409), (task_id, codes)
            assert set(codes) <= {200, 409, 503}, (task_id, codes)  # never a 500, never a wrong answer
            if codes[-1] == 409:
                assert 503 in codes, (task_id, codes)  # a 409 only after an attempt that did commit
        with app.extensions["appraisal.sessions"]() as s:
            for (_, task_id) in work:
                assert s.get(Task, task_id).state == "completed"
                audited = s.scalar(select(func.count()).select_from(AuditRecord).where(
                    AuditRecord.action == "complete", AuditRecord.object_id == str(task_id)))
                assert audited == 1, task_id
            assert doctor.check(session=s, services=app.extensions["appraisal.services"]) == []
        for app_id in app_ids:
            final = api.get(f"/api/applications/{app_id}", "res_office1")
            assert final["stage"] == "decision" and final["calculation"]["count"] == per_app[app_id], final
    finally:
        app.extensions["appraisal.db_engine"].dispose()
