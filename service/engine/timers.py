"""Timer support: SpiffWorkflow's timers follow the service clock.

SpiffWorkflow reads ``datetime.now`` inside its timer module. Pointing that
name at a subclass whose ``now`` asks :mod:`service.clock` makes timers fire by
the same clock as the rest of the service (and lets tests move time).
"""
from __future__ import annotations

from datetime import datetime, tzinfo

import SpiffWorkflow.bpmn.specs.event_definitions.timer as _spiff_timer
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition

from service import clock


class _ClockedDatetime(datetime):
    @classmethod
    def now(cls, tz: tzinfo | None = None) -> datetime:  # type: ignore[override]
        current = clock.now()
        return current.astimezone(tz) if tz is not None else current.replace(tzinfo=None)


def install() -> None:
    """Make SpiffWorkflow's timer definitions read the service clock."""
    _spiff_timer.datetime = _ClockedDatetime  # type: ignore[misc]


def parse_timer_literal(kind: str, literal: str) -> object:
    """Parse a literal timer value the way the engine will, raising ValueError."""
    try:
        if kind == "timeDate":
            return TimerEventDefinition.get_datetime(literal)
        if kind == "timeDuration":
            return TimerEventDefinition.parse_iso_duration(literal)
        return TimerEventDefinition.parse_iso_recurring_interval(literal)
    except Exception as exc:  # noqa: BLE001 - SpiffWorkflow raises bare Exception here
        raise ValueError(f"not a valid ISO 8601 {kind}: {exc}") from None


install()
