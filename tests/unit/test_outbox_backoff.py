"""The outbox's retry delay: the first retry after the base delay, doubling, never more than six hours."""
from __future__ import annotations

from datetime import timedelta

from service.workflows import outbox


def test_backoff_doubles_from_the_base_and_stops_at_six_hours() -> None:
    assert [outbox.backoff(n, 30).total_seconds() for n in (0, 1, 2, 3, 4)] == [30, 30, 60, 120, 240]
    assert outbox.backoff(2, 0.5) == timedelta(seconds=1)
    assert outbox.backoff(12, 30) == outbox.backoff(40, 30) == timedelta(hours=6)
    assert outbox.backoff(10, 30) == timedelta(seconds=30 * 2 ** 9)  # 4.3 h: not yet capped
