"""Timer support: SpiffWorkflow's timers use the service clock and :mod:`service.timekeeping`.

SpiffWorkflow reads ``datetime.now`` inside its timer module and ships its own ISO 8601 parser
(months counted from the start month's length, naive dates in the *server's* zone). Both are
replaced here, once, so that a timer fires by the same clock as the rest of the service and
evaluates a duration exactly as validation and task due dates do: the runtime no longer has a
parser of its own. A value that cannot be evaluated raises a SpiffWorkflow exception, which the
engine reports as an :class:`~service.engine.errors.ExecutionError` naming the element, never a 500.
"""
from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from typing import Any, Iterator

import SpiffWorkflow.bpmn.specs.event_definitions.timer as _spiff_timer
from SpiffWorkflow.bpmn.specs.mixins.events.intermediate_event import BoundaryEvent
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimeDateEventDefinition, TimerEventDefinition
from SpiffWorkflow.exceptions import WorkflowException
from SpiffWorkflow.util.task import TaskState

from service import clock, timekeeping
from service.timekeeping import Duration, DurationError, WorkdayCalendar

_calendar: ContextVar[WorkdayCalendar | None] = ContextVar("timer_calendar", default=None)
_grace: ContextVar[int | None] = ContextVar("timer_grace_working_days", default=None)
_extended: ContextVar[list[Extension] | None] = ContextVar("timer_extensions", default=None)


@dataclass(frozen=True)
class Extension:
    """A date timer on an activity entered again after its date: it waits a grace period instead of firing."""
    timer_element_id: str
    activity_element_id: str
    original: str
    due_at: datetime
    working_days: int


class _ClockedDatetime(datetime):
    @classmethod
    def now(cls, tz: tzinfo | None = None) -> datetime:  # type: ignore[override]
        current = clock.now()
        return current.astimezone(tz) if tz is not None else current.replace(tzinfo=None)


@contextmanager
def calendar_in_use(calendar: WorkdayCalendar | None) -> Iterator[None]:
    """Count working-day timer durations on ``calendar`` (a campaign's overrides) during one engine step."""
    token = _calendar.set(calendar)
    try:
        yield
    finally:
        _calendar.reset(token)


@contextmanager
def grace_in_use(working_days: int | None) -> Iterator[list[Extension]]:
    """During one engine step, a date timer armed already past on a re-entered activity waits ``working_days``
    working days (on the step's calendar) from now instead of firing; yields the extensions granted."""
    granted: list[Extension] = []
    tokens = (_grace.set(working_days), _extended.set(granted))
    try:
        yield granted
    finally:
        _grace.reset(tokens[0])
        _extended.reset(tokens[1])


def _reentered_activity(my_task: Any) -> str | None:
    """The activity a boundary event is attached to, if this instance completed it before (a return to it)."""
    parent = my_task.parent
    if parent is None or not isinstance(my_task.task_spec, BoundaryEvent):
        return None
    attached = next((c.task_spec.bpmn_id for c in parent.children if not isinstance(c.task_spec, BoundaryEvent)), None)
    if attached is None:
        return None
    done = (t for t in my_task.workflow.get_tasks(state=TaskState.ANY_MASK) if t.state == TaskState.COMPLETED)
    return attached if any(t.task_spec.bpmn_id == attached for t in done) else None


def _with_grace(my_task: Any, value: Any) -> Any:
    """``value`` itself, or the grace deadline if it has passed and the activity is entered again."""
    days = _grace.get()
    if not days or parse_instant(value) >= clock.now():
        return value
    activity = _reentered_activity(my_task)
    if activity is None:
        return value
    due = timekeeping.add(clock.now(), timekeeping.parse(f"P{days}WD"), _current_calendar())
    granted = _extended.get()
    if granted is not None:
        granted.append(Extension(my_task.task_spec.bpmn_id, activity, str(value), due, days))
    return due.isoformat()


def _current_calendar() -> WorkdayCalendar:
    return _calendar.get() or timekeeping.statutory_calendar()


def parse_duration(expression: Any) -> Duration:
    """A timer's duration, parsed by :func:`service.timekeeping.parse` (raises WorkflowException)."""
    try:
        return timekeeping.parse(expression)
    except DurationError as exc:
        raise WorkflowException(f"timer duration {exc}") from None


def parse_instant(value: Any) -> datetime:
    """A timer's date: ISO 8601, naive values in Asia/Shanghai (raises WorkflowException).

    Returned as the clocked subclass: SpiffWorkflow's timer module tests ``isinstance(x, datetime)``
    against the name this module replaced.
    """
    if isinstance(value, datetime) and value.tzinfo is not None:
        instant = value
    else:
        try:
            instant = clock.parse_iso(str(value))
        except ValueError:
            raise WorkflowException(f"timer date {value!r} is not an ISO 8601 date and time") from None
    return _ClockedDatetime(instant.year, instant.month, instant.day, instant.hour, instant.minute, instant.second,
                            instant.microsecond, tzinfo=instant.tzinfo)


def _from_start(parsed: Duration, start: datetime | None = None) -> timedelta:
    start = start or clock.now()
    return timekeeping.add(start, parsed, _current_calendar()) - start


def _from_end(parsed: Duration, end: datetime) -> timedelta:
    return end - timekeeping.subtract(end, parsed, _current_calendar())


def _time_date_has_fired(self: TimeDateEventDefinition, my_task: Any) -> bool:
    """As SpiffWorkflow's, but the value must be an instant (a duration here used to raise a TypeError)."""
    event_value = my_task._get_internal_data("event_value")
    if event_value is None:
        event_value = _with_grace(my_task, my_task.workflow.script_engine.evaluate(my_task, self.expression))
        my_task._set_internal_data(event_value=event_value)
    if parse_instant(event_value) < clock.now():
        my_task._set_internal_data(event_fired=True)
    return bool(my_task._get_internal_data("event_fired", False))


def install() -> None:
    """Make SpiffWorkflow's timer definitions read the service clock and the timekeeping module."""
    _spiff_timer.datetime = _ClockedDatetime  # type: ignore[misc]
    TimerEventDefinition.get_datetime = staticmethod(parse_instant)  # type: ignore[method-assign]
    TimerEventDefinition.parse_iso_duration = staticmethod(parse_duration)  # type: ignore[method-assign]
    TimerEventDefinition.get_timedelta_from_start = staticmethod(_from_start)  # type: ignore[method-assign]
    TimerEventDefinition.get_timedelta_from_end = staticmethod(_from_end)  # type: ignore[method-assign]
    TimeDateEventDefinition.has_fired = _time_date_has_fired  # type: ignore[method-assign]


def parse_timer_literal(kind: str, literal: str) -> object:
    """Evaluate a literal timer value the way the engine will; raises ValueError (a DurationError says why).

    A cycle repeats its first interval's length, so its interval must be fixed (no months, years
    or working days) — refused here rather than drifting at run time.
    """
    if kind == "timeDate":
        return clock.parse_iso(literal)
    if kind == "timeDuration":
        return timekeeping.parse(literal)
    for part in literal.upper().replace("--", "/").split("/")[1:]:
        if part.startswith("P"):
            timekeeping.parse_fixed(part)
    try:
        return TimerEventDefinition.parse_iso_recurring_interval(literal)
    except DurationError:
        raise
    except Exception as exc:  # noqa: BLE001 - SpiffWorkflow raises bare Exception / IndexError here
        raise ValueError(f"not a valid ISO 8601 repeating interval: {exc}") from None


install()
