"""The embedded scheduler: with no REDIS_URL, one daemon thread runs the same sweeps.

``appraisal run`` (``make run``) starts it beside the development server. It
calls the same workflow functions as the Celery tasks, in this order, every
``TIMER_SWEEP_SECONDS``: fire due timers, deliver due outbox rows; and the
reminder sweep every ``REMINDER_SWEEP_SECONDS``, the public notices' every
``NOTICE_SWEEP_SECONDS``. It sleeps only until the next
waiting timer if that comes sooner, so timers fire on time here too.
"""
from __future__ import annotations

import logging
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from service.config import ROOT, Settings
from service.jobs.runtime import Runtime

LOGGER = logging.getLogger(__name__)


class EmbeddedScheduler(threading.Thread):
    def __init__(self, rt: Runtime) -> None:
        super().__init__(name="appraisal-embedded-jobs", daemon=True)
        self.rt = rt
        self.stopping = threading.Event()
        self._last_reminders = 0.0
        self._last_seal = 0.0
        self._last_notices = 0.0

    def tick(self) -> None:
        """One round of every job (also handy in tests)."""
        self.rt.sweep_timers()
        for message_id in self.rt.claim_outbox():
            self.rt.deliver(message_id)
        if time.monotonic() - self._last_seal >= self.rt.settings.audit_seal_seconds:
            self._last_seal = time.monotonic()
            self.rt.seal_audit()
        if time.monotonic() - self._last_reminders >= self.rt.settings.reminder_sweep_seconds:
            self._last_reminders = time.monotonic()
            self.rt.sweep_reminders()
        if time.monotonic() - self._last_notices >= self.rt.settings.notice_sweep_seconds:
            self._last_notices = time.monotonic()
            self.rt.sweep_notices()

    def run(self) -> None:
        interval = min(self.rt.settings.timer_sweep_seconds, self.rt.settings.outbox_sweep_seconds)
        while not self.stopping.is_set():
            try:
                self.tick()
                soon = self.rt.upcoming_timers(interval)
            except Exception:  # noqa: BLE001 - keep the loop alive; the next round retries
                LOGGER.exception("embedded jobs round failed")
                soon = []
            self.stopping.wait(min([interval] + [seconds for _, seconds in soon]))

    def stop(self) -> None:
        self.stopping.set()


def start(rt: Runtime | None = None) -> EmbeddedScheduler:
    scheduler = EmbeddedScheduler(rt or Runtime.build())
    scheduler.start()
    LOGGER.info("embedded scheduler started (no REDIS_URL): timers every %ss, reminders every %ss",
                scheduler.rt.settings.timer_sweep_seconds, scheduler.rt.settings.reminder_sweep_seconds)
    return scheduler


@contextmanager
def background_jobs(settings: Settings) -> Iterator[None]:
    """What ``appraisal run`` runs beside the web server.

    No REDIS_URL: the embedded scheduler thread. With REDIS_URL: a Celery worker
    and a beat as child processes (stopped when the server stops); set
    ``RUN_JOBS=0`` when they run elsewhere (docker-compose, other machines).
    """
    if not settings.run_jobs:
        yield
        return
    if not settings.redis_url:
        scheduler = start(Runtime.build(settings))
        try:
            yield
        finally:
            scheduler.stop()
        return
    (ROOT / "instance").mkdir(exist_ok=True)
    celery = str(Path(sys.executable).parent / "celery")
    procs = [subprocess.Popen([celery, "-A", "service.jobs.celery_app", "worker", "--loglevel=INFO"]),
             subprocess.Popen([celery, "-A", "service.jobs.celery_app", "beat", "--loglevel=INFO",
                               "-s", str(ROOT / "instance" / "celerybeat-schedule")])]
    try:
        yield
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                proc.kill()
