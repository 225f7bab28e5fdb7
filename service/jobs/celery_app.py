"""Celery: thin tasks with explicit names, and the beat schedule.

``celery -A service.jobs.celery_app worker`` and ``celery -A service.jobs.celery_app beat``
run them against ``REDIS_URL``. Every task takes ids only and opens its own
sessions; the workflow functions they call are idempotent, so a job delivered
twice (``acks_late`` after a crash, two beats, an ETA job plus a sweep) does no
harm.

Beat entries (intervals from the settings):

* ``appraisal.sweep_timers`` every ``TIMER_SWEEP_SECONDS`` (2 s): fire due
  timers, and queue timers falling due before the next sweep with an ETA;
* ``appraisal.sweep_outbox`` every ``OUTBOX_SWEEP_SECONDS`` (2 s): hand due
  outbox rows to ``appraisal.deliver_notification``;
* ``appraisal.sweep_reminders`` every ``REMINDER_SWEEP_SECONDS`` (60 s);
* ``appraisal.seal_audit`` every ``AUDIT_SEAL_SECONDS`` (5 s): seal new audit
  records into their chains (service/workflows/audit_chain.py);
* ``appraisal.sweep_notices`` every ``NOTICE_SWEEP_SECONDS`` (60 s): make final the
  public notices whose period has ended with no objection pending
  (service/workflows/public_notice.py).
"""
from __future__ import annotations

import logging
from typing import Any

from celery import Celery
from celery.signals import worker_process_init

from service import config
from service.config import Settings
from service.jobs import runtime

LOGGER = logging.getLogger(__name__)


def celery_init_app(settings: Settings | None = None) -> Celery:
    """A Celery app configured from ``settings`` (this process's settings by default)."""
    settings = settings or config.current()
    broker = settings.redis_url or "memory://"
    celery = Celery("appraisal", broker=broker, include=[__name__])
    transport = {
        # An unacknowledged job (its worker died) goes back to the queue after this long.
        "visibility_timeout": settings.celery_visibility_timeout,
        "unacked_restore_interval": settings.celery_restore_interval,
        "unacked_restore_throttle": settings.celery_restore_throttle,
        # Never hang on a Redis that vanished without closing the connection.
        "socket_timeout": settings.celery_redis_socket_timeout,
        "socket_connect_timeout": 5.0,
        "health_check_interval": 10,
    }
    celery.conf.update(
        task_default_queue=settings.celery_queue,
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_ignore_result=True,
        timezone="UTC",
        enable_utc=True,
        broker_connection_retry_on_startup=True,
        broker_transport_options=transport,
        worker_hijack_root_logger=False,
        beat_schedule={
            "sweep-timers": {"task": "appraisal.sweep_timers", "schedule": settings.timer_sweep_seconds,
                             "options": {"expires": max(settings.timer_sweep_seconds * 5, 10)}},
            "sweep-outbox": {"task": "appraisal.sweep_outbox", "schedule": settings.outbox_sweep_seconds,
                             "options": {"expires": max(settings.outbox_sweep_seconds * 5, 10)}},
            "seal-audit": {"task": "appraisal.seal_audit", "schedule": settings.audit_seal_seconds,
                           "options": {"expires": max(settings.audit_seal_seconds * 5, 10)}},
            "sweep-reminders": {"task": "appraisal.sweep_reminders", "schedule": settings.reminder_sweep_seconds,
                                "options": {"expires": max(settings.reminder_sweep_seconds, 10)}},
            "sweep-notices": {"task": "appraisal.sweep_notices", "schedule": settings.notice_sweep_seconds,
                              "options": {"expires": max(settings.notice_sweep_seconds, 10)}},
        },
    )
    celery.conf.appraisal_timer_sweep_seconds = settings.timer_sweep_seconds
    return celery


app = celery_init_app()


@worker_process_init.connect
def _fresh_runtime(**_: Any) -> None:
    runtime.reset()


@app.task(name="appraisal.sweep_timers")
def sweep_timers() -> dict[str, Any]:
    """Hand every instance with a due timer to a worker, and queue those due before the next sweep.

    The sweep only finds and enqueues (an indexed query plus one message per
    instance), so its cost follows the number due and workers fire in parallel.
    Firing is idempotent under the instance lock, so an instance queued twice
    (two beats, a slow worker) still fires each timer once.
    """
    rt = runtime.current()
    due = rt.due_timer_instances()
    upcoming = rt.upcoming_timers(rt.settings.timer_sweep_seconds)
    batch = rt.settings.timer_batch  # due instances per message: few messages, yet workers share a large batch
    with app.producer_or_acquire() as producer:  # one connection for the whole batch
        for start in range(0, len(due), batch):
            fire_timer_batch.apply_async(args=[due[start:start + batch]], producer=producer)
        for instance_id, countdown in upcoming:
            fire_instance_timers.apply_async(args=[instance_id], countdown=countdown, producer=producer)
    return {"dispatched": due, "scheduled": [i for i, _ in upcoming]}


@app.task(name="appraisal.fire_timer_batch")
def fire_timer_batch(instance_ids: list[int]) -> dict[str, Any]:
    """Fire a batch of instances' due timers; one broken instance does not stop the others."""
    fired, errors = [], {}
    for instance_id in instance_ids:
        try:
            fired.extend(runtime.current().fire_instance(instance_id))
        except Exception as exc:  # noqa: BLE001 - logged and retried by the next sweep
            errors[instance_id] = f"{type(exc).__name__}: {exc}"
    if errors:
        LOGGER.error("timer batch errors: %s", errors)
    return {"fired": fired, "errors": errors}


@app.task(name="appraisal.fire_instance_timers")
def fire_instance_timers(instance_id: int) -> list[int]:
    return runtime.current().fire_instance(instance_id)


@app.task(name="appraisal.sweep_reminders")
def sweep_reminders() -> dict[str, Any]:
    report = runtime.current().sweep_reminders()
    return {"queued": report.queued, "warnings": report.warnings}


@app.task(name="appraisal.sweep_notices")
def sweep_notices() -> dict[str, Any]:
    """Finalise the public notices whose period has ended (idempotent under the notice's row lock)."""
    report = runtime.current().sweep_notices()
    return {"final": report.final, "held": report.held, "errors": report.errors}


@app.task(name="appraisal.seal_audit")
def seal_audit() -> int:
    return runtime.current().seal_audit().sealed


@app.task(name="appraisal.sweep_outbox")
def sweep_outbox() -> int:
    ids = runtime.current().claim_outbox()
    for message_id in ids:
        deliver_notification.delay(message_id)
    return len(ids)


@app.task(name="appraisal.deliver_notification")
def deliver_notification(message_id: int) -> str:
    return runtime.current().deliver(message_id)
