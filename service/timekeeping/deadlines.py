"""Moving an instant by a duration, the way people in Asia/Shanghai count.

* Years and months are calendar months on the local date, the day clamped to the month's end
  (31 January + ``P1M`` = 28 or 29 February), the local time of day kept.
* Weeks and days are local calendar days, the time of day kept.
* Hours, minutes and seconds are elapsed time, added last.
* Working days (``PnWD``) count the statutory calendar from the day after the start, and the
  deadline is the end of the n-th working day (23:59:59 local), as "10 个工作日内" is understood.

Every function takes and returns aware datetimes (UTC out). One module does this arithmetic for
task due dates, BPMN timers and reminders.
"""
from __future__ import annotations

import calendar as _month_lengths
from datetime import date, datetime, time, timedelta, timezone

from service.clock import SHANGHAI
from service.timekeeping.calendar import WorkdayCalendar
from service.timekeeping.durations import Duration

END_OF_DAY = time(23, 59, 59)


def statutory_calendar() -> WorkdayCalendar:
    """The calendar a running process uses when nobody configured overrides: lenient, never failing a step."""
    return WorkdayCalendar(lenient=True)


def add(start: datetime, duration: Duration, calendar: WorkdayCalendar | None = None) -> datetime:
    """``start`` moved forward by ``duration`` (see the module docstring for how each part counts)."""
    local = _local(start)
    if duration.working_days:
        day = (calendar or statutory_calendar()).add_working_days(local.date(), duration.working_days)
        return datetime.combine(day, END_OF_DAY, SHANGHAI).astimezone(timezone.utc)
    moved = _with_date(local, _add_months(local.date(), 12 * duration.years + duration.months)
                       + timedelta(weeks=duration.weeks, days=duration.days))
    return moved.astimezone(timezone.utc) + duration.time


def subtract(end: datetime, duration: Duration, calendar: WorkdayCalendar | None = None) -> datetime:
    """``end`` moved back by ``duration``; working days go back to the start of the n-th working day before."""
    local = _local(end)
    if duration.working_days:
        day = (calendar or statutory_calendar()).add_working_days(local.date(), -duration.working_days)
        return datetime.combine(day, time(0), SHANGHAI).astimezone(timezone.utc)
    earlier = (local.astimezone(timezone.utc) - duration.time).astimezone(SHANGHAI)
    moved = _with_date(earlier, _add_months(earlier.date(), -(12 * duration.years + duration.months))
                       - timedelta(weeks=duration.weeks, days=duration.days))
    return moved.astimezone(timezone.utc)


def _local(instant: datetime) -> datetime:
    if instant.tzinfo is None:
        raise ValueError("a deadline needs an aware datetime")
    return instant.astimezone(SHANGHAI)


def _with_date(local: datetime, day: date) -> datetime:
    return datetime.combine(day, local.timetz().replace(tzinfo=None), SHANGHAI)


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return date(year, month + 1, min(day.day, _month_lengths.monthrange(year, month + 1)[1]))
