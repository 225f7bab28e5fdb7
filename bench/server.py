"""Start and stop gunicorn serving bench.wsgi for one database."""
from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

from bench.common import ROOT, proc_status_mb

GUNICORN = Path(sys.executable).parent / "gunicorn"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Gunicorn:
    def __init__(self, url: str, *, workers: int | None = None, threads: int = 1):
        self.url, self.workers, self.threads = url, workers, threads
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen | None = None

    def __enter__(self) -> "Gunicorn":
        env = {**os.environ, "BENCH_DATABASE_URL": self.url, "PYTHONPATH": str(ROOT)}
        # The project's own gunicorn.conf.py, as deployed; only the address (and, if asked, the
        # worker count) differ.
        cmd = [str(GUNICORN), "-c", str(ROOT / "gunicorn.conf.py"), "--bind", f"127.0.0.1:{self.port}",
               "--log-level", "warning", "--timeout", "120"]
        if self.workers is not None:
            cmd += ["--workers", str(self.workers)]
        if self.threads > 1:
            cmd += ["--worker-class", "gthread", "--threads", str(self.threads)]
        self.proc = subprocess.Popen(cmd + ["bench.wsgi:app"], cwd=ROOT, env=env)
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                urllib.request.urlopen(f"{self.base}/api/health", timeout=2).read()
                return self
            except OSError:
                time.sleep(0.2)
        self.__exit__()
        raise RuntimeError("gunicorn did not come up")

    def worker_pids(self) -> list[int]:
        assert self.proc is not None
        children = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children")
        try:
            return [int(p) for p in children.read_text().split()]
        except OSError:
            return []

    def worker_peak_rss_mb(self) -> float | None:
        values = [v for v in (proc_status_mb(p, "VmHWM") for p in self.worker_pids()) if v is not None]
        return max(values) if values else None

    def __exit__(self, *_: Any) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def run_load(base: str, requests: list[list[Any]], concurrency: int) -> dict[str, Any]:
    """Send ``requests`` from a second process (bench.load) and return its measurements."""
    with tempfile.TemporaryDirectory() as tmp:
        spec, out = Path(tmp) / "spec.json", Path(tmp) / "out.json"
        spec.write_text(json.dumps({"base": base, "concurrency": concurrency, "requests": requests}))
        subprocess.run([sys.executable, "-m", "bench.load", str(spec), str(out)], cwd=ROOT, check=True,
                       env={**os.environ, "PYTHONPATH": str(ROOT)})
        return json.loads(out.read_text())
