"""Helpers for the deadline, reminder and worker tests: time travel, SMTP capture, Redis, Celery."""
from __future__ import annotations

import email
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from datetime import datetime, timezone
from email.header import decode_header, make_header
from pathlib import Path
from typing import Any, Callable

from aiosmtpd.controller import Controller

from service import clock
from service.config import ROOT

SHANGHAI = clock.SHANGHAI


def shanghai(*args: int) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI).astimezone(timezone.utc)


def travel(at: datetime, offset_file: Path | None = None) -> None:
    """Set the service clock (this process, and worker processes reading ``offset_file``) to ``at``."""
    offset = at - datetime.now(timezone.utc)
    clock.set_offset(offset)
    if offset_file is not None:
        clock.write_offset_file(str(offset_file), offset)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _Collect:
    def __init__(self) -> None:
        self.messages: list[email.message.Message] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd hook
        message = email.message_from_bytes(envelope.content)
        message["X-Rcpt"] = ",".join(envelope.rcpt_tos)
        with self.lock:
            self.messages.append(message)
        return "250 OK"


class SmtpSink:
    """An aiosmtpd server on loopback that keeps every message it receives."""

    def __init__(self) -> None:
        self.handler = _Collect()
        self.port = free_port()
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)

    def __enter__(self) -> "SmtpSink":
        self.controller.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.controller.stop()

    @property
    def env(self) -> dict[str, str]:
        return {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(self.port), "SMTP_SENDER": "评比办公室 <noreply@example.org>"}

    @property
    def messages(self) -> list[email.message.Message]:
        with self.handler.lock:
            return list(self.handler.messages)

    def subjects(self, to: str | None = None) -> list[str]:
        return [str(make_header(decode_header(m["Subject"]))) for m in self.messages
                if to is None or to in m["X-Rcpt"]]

    def find(self, to: str, subject_part: str) -> list[email.message.Message]:
        return [m for m in self.messages if to in m["X-Rcpt"]
                and subject_part in str(make_header(decode_header(m["Subject"])))]

    def text(self, message: email.message.Message) -> str:
        for part in message.walk():
            if part.get_content_type() == "text/plain":
                return part.get_payload(decode=True).decode(part.get_content_charset() or "utf-8")
        return ""


def wait_for(predicate: Callable[[], Any], timeout: float = 20.0, interval: float = 0.1, what: str = "") -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what or predicate}")
        time.sleep(interval)


def redis_available(url: str = "redis://127.0.0.1:6379/0") -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=1).ping())
    except Exception:  # noqa: BLE001
        return False


class RedisServer:
    """A private redis-server on a free port (so a test may stop it without disturbing others)."""

    def __init__(self, tmp: Path) -> None:
        self.port = free_port()
        self.tmp = tmp
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.proc = subprocess.Popen(["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
                                      "--appendonly", "no", "--dir", str(self.tmp)],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for(lambda: redis_available(self.url), 10, what="redis-server to start")

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait(10)
            self.proc = None


class CeleryProcess:
    """``celery -A service.jobs.celery_app worker`` (optionally with an embedded beat) as a subprocess."""

    def __init__(self, name: str, env: dict[str, str], log_dir: Path, *, beat: bool = True, pool: str = "solo",
                 extra: list[str] | None = None) -> None:
        self.name, self.env, self.log_dir, self.beat, self.pool = name, env, log_dir, beat, pool
        self.extra = extra or []
        self.proc: subprocess.Popen[bytes] | None = None
        self.log_path = log_dir / f"{name}.log"

    def start(self) -> "CeleryProcess":
        cmd = [str(Path(sys.executable).parent / "celery"), "-A", "service.jobs.celery_app", "worker",
               "--loglevel=INFO", f"--pool={self.pool}", "--concurrency=1", "-n", f"{self.name}@%h",
               "--without-gossip", "--without-mingle", *self.extra]
        if self.beat:
            cmd += ["-B", "-s", str(self.log_dir / f"{self.name}-beat-schedule")]
        env = {**os.environ, **self.env, "PYTHONPATH": str(ROOT)}
        self.log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT,
                                     start_new_session=True)
        wait_for(lambda: b"ready." in self.log_path.read_bytes() or self.proc.poll() is not None, 60,
                 what=f"worker {self.name} to be ready")
        assert self.proc.poll() is None, self.log_path.read_text(errors="replace")[-3000:]
        return self

    def kill(self, sig: int = signal.SIGKILL) -> None:
        """Signal the whole process group (the embedded beat is a child process), then reap it."""
        if self.proc is None:
            return
        try:
            os.killpg(self.proc.pid, sig)
        except ProcessLookupError:
            pass
        try:
            self.proc.wait(20)
        except subprocess.TimeoutExpired:
            pass
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:  # wait for the group to be gone; SIGKILL stragglers
            try:
                os.killpg(self.proc.pid, 0)
            except ProcessLookupError:
                break
            if sig != signal.SIGKILL and time.monotonic() > deadline - 5:
                os.killpg(self.proc.pid, signal.SIGKILL)
            time.sleep(0.1)
        self.proc = None

    def stop(self) -> None:
        self.kill(signal.SIGKILL)  # the tests' outcome is already in the database and the SMTP sink
        if getattr(self, "log", None):
            self.log.close()

    def output(self) -> str:
        return self.log_path.read_text(errors="replace")


def celery_env(*, database_url: str, redis_url: str, smtp: SmtpSink, clock_file: Path, queue: str,
               **extra: str) -> dict[str, str]:
    return {"DATABASE_URL": database_url, "REDIS_URL": redis_url, "SECRET_KEY": "test-secret",
            clock.CLOCK_FILE_ENV: str(clock_file), "CELERY_QUEUE": queue,
            "OUTBOX_SWEEP_SECONDS": "1", "REMINDER_SWEEP_SECONDS": "2", "OUTBOX_BACKOFF_SECONDS": "1",
            "OUTBOX_LEASE_SECONDS": "30", **smtp.env, **extra}
