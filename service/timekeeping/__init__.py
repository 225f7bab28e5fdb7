"""Time as the appraisal counts it: durations, deadlines in Asia/Shanghai, and Chinese working days.

One package, pure and typed, that every part of the service asks: BPMN validation (what may be
written), the engine's timers and the task due dates (what runs), and the reminder sweep. It sits
beside :mod:`service.clock` (which says what time it is) rather than inside the engine, because
workflows and handlers need the same arithmetic without importing SpiffWorkflow.

* :mod:`.durations` — parse and describe ``dueIn`` / timer durations (ISO 8601 and ``PnWD``);
* :mod:`.deadlines` — apply a duration to an instant (calendar months, local days, working days);
* :mod:`.calendar` — the statutory working-day calendar with its override table.
"""
from service.timekeeping.calendar import CalendarError, CalendarYearMissing, WorkdayCalendar, from_overrides
from service.timekeeping.deadlines import add, statutory_calendar, subtract
from service.timekeeping.durations import Duration, DurationError, describe, format_duration, parse, parse_fixed

__all__ = [
    "CalendarError", "CalendarYearMissing", "Duration", "DurationError", "WorkdayCalendar", "add", "describe",
    "format_duration", "from_overrides", "parse", "parse_fixed", "statutory_calendar", "subtract",
]
