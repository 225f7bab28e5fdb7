"""Per-process collaborators for background jobs: settings, sessions, services, dispatchers.

Built lazily on first use, so a prefork worker builds them in each child after
the fork and never shares a database connection across processes.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from service import clock, config
from service.config import Settings
from service.extensions import make_engine, make_session_factory
from service.workflows import audit_chain, outbox, public_notice, reminders, timers
from service.workflows.services import Services, build_services


@dataclass
class Runtime:
    settings: Settings
    sessions: sessionmaker[Session]
    services: Services
    make_dispatcher: outbox.DispatcherFactory
    db_engine: Any

    @classmethod
    def build(cls, settings: Settings | None = None, environ: dict[str, str] | None = None) -> "Runtime":
        settings = settings or config.current()
        engine = make_engine(settings.database_url)
        env = environ if environ is not None else dict(settings.extra)
        return cls(settings, make_session_factory(engine, settings), build_services(settings),
                   outbox.dispatcher_factory(env), engine)

    # -- the jobs, each in sessions of its own ---------------------------
    def sweep_timers(self) -> timers.SweepReport:
        with self.sessions() as session:
            return timers.sweep(session=session, services=self.services)

    def due_timer_instances(self, limit: int = 1000) -> list[int]:
        """Instances with a timer due now; the Celery sweep hands each to a worker."""
        with self.sessions() as session:
            return timers.due_instance_ids(session, now=clock.now(), limit=limit)

    def upcoming_timers(self, within_seconds: float) -> list[tuple[int, float]]:
        """(instance id, seconds from now) for timers due before the next sweep."""
        now = clock.now()
        with self.sessions() as session:
            rows = timers.upcoming(session, after=now, until=now + _seconds(within_seconds))
        return [(instance_id, max((due - now).total_seconds(), 0.0)) for instance_id, due in rows]

    def fire_instance(self, instance_id: int) -> list[int]:
        with self.sessions() as session:
            return timers.fire_timers_for_instance(session=session, services=self.services, instance_id=instance_id)

    def seal_audit(self) -> audit_chain.SealReport:
        with self.sessions() as session:
            return audit_chain.seal(session)

    def sweep_reminders(self) -> reminders.ReminderReport:
        with self.sessions() as session:
            return reminders.sweep(session=session)

    def sweep_notices(self) -> public_notice.SweepReport:
        with self.sessions() as session:
            return public_notice.sweep(session=session, services=self.services)

    def claim_outbox(self) -> list[int]:
        s = self.settings
        with self.sessions() as session:
            ids = outbox.claim_due(session, now=clock.now(), limit=s.outbox_batch,
                                   lease=_seconds(s.outbox_lease_seconds))
            session.commit()
            return ids

    def deliver(self, message_id: int) -> str:
        s = self.settings
        with self.sessions() as session:
            return outbox.deliver(session=session, message_id=message_id, make_dispatcher=self.make_dispatcher,
                                  max_attempts=s.outbox_max_attempts, backoff_seconds=s.outbox_backoff_seconds,
                                  lease_seconds=s.outbox_lease_seconds, base_url=s.base_url)


def _seconds(value: float) -> Any:
    from datetime import timedelta

    return timedelta(seconds=value)


_lock = threading.Lock()
_current: Runtime | None = None


def current() -> Runtime:
    """This process's runtime, from this process's settings."""
    global _current
    with _lock:
        if _current is None:
            _current = Runtime.build()
        return _current


def reset() -> None:
    global _current
    with _lock:
        if _current is not None:
            _current.db_engine.dispose()
        _current = None
