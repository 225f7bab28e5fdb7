"""The service's notion of "now".

Timers, due dates and reminders all ask this module, so tests move time by
setting a clock instead of sleeping, and production reads the system clock.
"""
from __future__ import annotations

import os
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime, timedelta, timezone
from typing import Callable, Iterator
from zoneinfo import ZoneInfo

from service import config

SHANGHAI = ZoneInfo("Asia/Shanghai")

_override: ContextVar[Callable[[], datetime] | None] = ContextVar("clock_override", default=None)
_global_offset = timedelta(0)

#: When this environment variable names a file, its content (seconds, a float)
#: is added to the system clock. Tests use it to move time in worker processes
#: they start; production never sets it.
CLOCK_FILE_ENV = "APPRAISAL_CLOCK_OFFSET_FILE"
_file_cache: tuple[tuple[int, int], timedelta] = ((-1, -1), timedelta(0))


def _file_offset(path: str) -> timedelta:
    global _file_cache
    try:
        st = os.stat(path)
        mtime = (st.st_ino, st.st_mtime_ns)
    except OSError:
        return timedelta(0)
    if mtime != _file_cache[0]:
        try:
            with open(path, encoding="ascii") as fh:
                _file_cache = (mtime, timedelta(seconds=float(fh.read().strip() or 0)))
        except (OSError, ValueError):
            return _file_cache[1]
    return _file_cache[1]


def now() -> datetime:
    """Aware UTC now, honouring a test or process-wide override."""
    fn = _override.get()
    if fn is not None:
        return fn()
    path = config.current().clock_offset_file
    if path:
        return datetime.now(timezone.utc) + _file_offset(path)
    return datetime.now(timezone.utc) + _global_offset


def write_offset_file(path: str, offset: timedelta) -> None:
    """Atomically publish ``offset`` for processes reading ``CLOCK_FILE_ENV`` (tests)."""
    tmp = f"{path}.tmp{os.getpid()}"
    with open(tmp, "w", encoding="ascii") as fh:
        fh.write(repr(offset.total_seconds()))
    os.replace(tmp, path)


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
