"""The service's notion of "now".

Timers, due dates and reminders all ask this module, so tests move time by
setting a clock instead of sleeping, and production reads the system clock.
"""
from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime, timedelta, timezone
from typing import Callable, Iterator
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")

_override: ContextVar[Callable[[], datetime] | None] = ContextVar("clock_override", default=None)
_global_offset = timedelta(0)


def now() -> datetime:
    """Aware UTC now, honouring a test or process-wide override."""
    fn = _override.get()
    if fn is not None:
        return fn()
    return datetime.now(timezone.utc) + _global_offset


@contextmanager
def frozen(at: datetime) -> Iterator[None]:
    """Run a block as if it were ``at`` (used by tests and by timer firing)."""
    token = _override.set(lambda: at)
    try:
        yield
    finally:
        _override.reset(token)


def set_offset(offset: timedelta) -> None:
    """Shift the whole process's clock; lets a test move time in a worker process."""
    global _global_offset
    _global_offset = offset


def local(dt: datetime) -> datetime:
    """``dt`` in Asia/Shanghai, for display."""
    return dt.astimezone(SHANGHAI)


def parse_iso(value: str) -> datetime:
    """Parse an ISO 8601 datetime; a naive value is read as Asia/Shanghai."""
    dt = datetime.fromisoformat(value)
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=SHANGHAI)
    return dt.astimezone(timezone.utc)
