"""Restarting the service never puts a bundled BPMN file back over an administrator's newer version.

Driven through the real command line: ``appraisal run`` in a subprocess (the path a restart takes),
the administrator's deployment through that server's API, and ``appraisal deploy-bundled``.
"""
from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Iterator

import pytest
import requests

from service.config import ROOT
from service.demo.baoding import DEMO_PASSWORD

pytestmark = [pytest.mark.slow]

BIN = Path(sys.executable).parent
KEY = "innovation_appraisal"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Run:
    """``appraisal run`` on a SQLite file; stopped with SIGINT like an operator's Ctrl-C."""

    def __init__(self, env: dict[str, str], log: Path):
        self.base = f"http://127.0.0.1:{_free_port()}"
        self.log_path = log
        self.log = open(log, "wb")
        self.proc = subprocess.Popen([str(BIN / "appraisal"), "run", "--port", self.base.rsplit(":", 1)[1]],
                                     env=env, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, self.output()[-3000:]
            try:
                if requests.get(f"{self.base}/api/health", timeout=1).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.2)
        raise AssertionError("appraisal run did not start: " + self.output()[-3000:])

    def output(self) -> str:
        if not self.log.closed:
            self.log.flush()
        return self.log_path.read_text(errors="replace")

    def token(self, user: str) -> str:
        r = requests.post(f"{self.base}/api/auth/token", json={"username": user, "password": DEMO_PASSWORD}, timeout=10)
        assert r.status_code == 201, r.text
        return str(r.json()["token"])

    def versions(self) -> list[dict[str, Any]]:
        r = requests.get(f"{self.base}/api/process-definitions?key={KEY}", timeout=10,
                         headers={"Authorization": f"Bearer {self.token('process_admin')}"})
        assert r.status_code == 200, r.text
        return list(r.json()["items"])

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        self.log.close()


@pytest.fixture
def cli_env(tmp_path: Path) -> Iterator[dict[str, str]]:
    """A fresh SQLite database and a private copy of ``processes/`` (so a test can change a bundled file)."""
    processes = tmp_path / "processes"
    shutil.copytree(ROOT / "processes", processes)
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'app.db'}", "SECRET_KEY": "bundled-test",
           "RUN_JOBS": "0", "PROCESSES_DIR": str(processes)}
    env.pop("REDIS_URL", None)
    env.pop("APPRAISAL_CLOCK_OFFSET_FILE", None)
    yield env


def _cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(BIN / "appraisal"), *args], env=env, capture_output=True, text=True, timeout=120)


def test_restart_keeps_an_administrators_newer_version(cli_env: dict[str, str], tmp_path: Path) -> None:
    first = Run(cli_env, tmp_path / "run1.log")
    try:
        [bundled] = first.versions()
        assert bundled["version"] == 1
        admin_xml = (ROOT / "processes" / f"{KEY}.bpmn").read_bytes().replace(
            b'name="dueIn" value="P10D"', b'name="dueIn" value="P2D"', 1)
        r = requests.post(f"{first.base}/api/process-definitions?comment=shorter", data=admin_xml, timeout=30,
                          headers={"Authorization": f"Bearer {first.token('process_admin')}",
                                   "Content-Type": "application/xml"})
        assert r.status_code == 201, r.text
        assert r.json()["version"] == 2
    finally:
        first.stop()

    second = Run(cli_env, tmp_path / "run2.log")
    try:
        versions = second.versions()
        assert [v["version"] for v in versions] == [2, 1], "a restart deployed the bundled file again"
        assert versions[0]["comment"] == "shorter"
    finally:
        second.stop()
    log = second.output()
    assert f"appraisal deploy-bundled --replace {KEY}" in log and "不会覆盖管理员的版本" in log, log[-3000:]

    kept = _cli(cli_env, "deploy-bundled")
    assert kept.returncode == 1 and f"--replace {KEY}" in kept.stderr, (kept.stdout, kept.stderr)
    assert "draft_consultation v1 unchanged" in kept.stdout

    replaced = _cli(cli_env, "deploy-bundled", "--replace", KEY)
    assert replaced.returncode == 0, (replaced.stdout, replaced.stderr)
    assert f"{KEY} v3 deployed" in replaced.stdout
    again = _cli(cli_env, "deploy-bundled")
    assert again.returncode == 0 and f"{KEY} v3 unchanged" in again.stdout, (again.stdout, again.stderr)


def test_a_changed_bundled_file_supersedes_an_older_bundled_version(cli_env: dict[str, str]) -> None:
    """An upgrade of the service brings its new bundled version when nobody deployed one of their own."""
    assert _cli(cli_env, "demo").returncode == 0
    path = Path(cli_env["PROCESSES_DIR"]) / f"{KEY}.bpmn"
    path.write_bytes(path.read_bytes().replace(b'name="dueIn" value="P10D"', b'name="dueIn" value="P6D"', 1))
    upgraded = _cli(cli_env, "demo")
    assert upgraded.returncode == 0 and "--replace" not in upgraded.stderr, upgraded.stderr
    result = _cli(cli_env, "deploy-bundled")
    assert result.returncode == 0 and f"{KEY} v2 unchanged" in result.stdout, (result.stdout, result.stderr)
