"""Working days on the Chinese statutory calendar (法定节假日与调休).

Deadlines in the appraisal ("某日前 N 个工作日", "公示 N 个工作日") must skip public holidays and
count adjusted weekend workdays (调休上班). The ``chinese_calendar`` package knows the State
Council schedule only for the years it ships data for. For any other year a strict calendar
refuses to guess and asks for rows in the override table, because silently treating Spring
Festival as ordinary weekdays would move a deadline by a week; a lenient calendar (what a running
process uses, so a step never fails on a missing year) counts Monday to Friday there and lists the
year in :attr:`WorkdayCalendar.missing_years` so the caller can warn.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

import chinese_calendar

from service.catalogue import _l


class CalendarError(ValueError):
    """The calendar cannot answer: bad override rows, bad arguments, or a year without data. The message
    is a lazy msgid (``_l``): shown in its reader's language, kept as msgid and parameters."""

    def __init__(self, message: object) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return str(self.message)


MAX_CONSECUTIVE_DAYS_OFF = 366
"""Safety stop: no real calendar has a year of consecutive non-working days."""


class CalendarYearMissing(CalendarError):
    """The statutory holiday schedule for a year is unknown to us."""

    def __init__(self, year: int) -> None:
        self.year = year
        first, last = covered_years()[0], covered_years()[-1]
        super().__init__(_l("缺少 {year} 年的法定节假日安排（已有 {first}–{last} 年）：请在节假日调整表中补录 {year} 年的"
                            "放假日期（false）和调休上班日期（true），或升级 chinesecalendar 软件包。",
                            year=year, first=first, last=last))


def covered_years() -> list[int]:
    """Years the installed chinesecalendar package has holiday data for, ascending.

    The package validates dates against the span of its ``holidays`` table, so
    that span is exactly what it covers.
    """
    years = [day.year for day in chinese_calendar.holidays]
    return list(range(min(years), max(years) + 1))


def _as_date(value: object, what: str = "date") -> dt.date:
    """Accept a date (a datetime is cut to its date); anything else is a caller bug."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    raise CalendarError(_l("{what} 必须是日期（收到 {value}）", what=what, value=repr(value)))


class WorkdayCalendar:
    """Statutory working days, with administrator overrides taking precedence.

    ``overrides`` maps a date to True (working day, e.g. 调休上班) or False (day
    off). For a year the package does not cover, the override rows *are* the
    schedule: once any override exists in that year, its other dates follow the
    ordinary Monday–Friday rule. A year with neither package data nor override
    rows raises :class:`CalendarYearMissing`, or with ``lenient`` counts Monday
    to Friday and is added to ``missing_years``.
    """

    def __init__(self, overrides: Mapping[dt.date, bool] | None = None, *, lenient: bool = False) -> None:
        self.lenient = lenient
        self.missing_years: set[int] = set()
        self._overrides: dict[dt.date, bool] = {}
        for day, working in (overrides or {}).items():
            if not isinstance(working, bool):
                raise CalendarError(_l("节假日调整 {day} 的值必须是 true/false", day=str(day)))
            self._overrides[_as_date(day, "override date")] = working
        self._override_years = {day.year for day in self._overrides}

    def is_working_day(self, day: dt.date) -> bool:
        """Override first, then the package; unknown years raise CalendarYearMissing."""
        day = _as_date(day)
        if day in self._overrides:
            return self._overrides[day]
        try:
            return bool(chinese_calendar.is_workday(day))
        except NotImplementedError:
            if day.year in self._override_years:
                return day.weekday() < 5
            if self.lenient:
                self.missing_years.add(day.year)
                return day.weekday() < 5
            raise CalendarYearMissing(day.year) from None

    def add_working_days(self, start: dt.date, n: int) -> dt.date:
        """The n-th working day after ``start`` (before it if n < 0); n == 0 gives ``start``.

        ``start`` itself is never counted, so add_working_days(Friday, 1) is the
        next working day, whatever ``start`` is.
        """
        start = _as_date(start, "start")
        if isinstance(n, bool) or not isinstance(n, int):
            raise CalendarError(_l("工作日天数必须是整数（收到 {value}）", value=repr(n)))
        step = dt.timedelta(days=1 if n > 0 else -1)
        remaining = abs(n)
        day = start
        days_off = 0
        while remaining:
            day += step
            if self.is_working_day(day):
                remaining -= 1
                days_off = 0
            else:
                days_off += 1
                if days_off > MAX_CONSECUTIVE_DAYS_OFF:
                    raise CalendarError(_l("{day} 附近连续超过 {n} 天没有工作日，请检查节假日调整表", day=str(day),
                                           n=MAX_CONSECUTIVE_DAYS_OFF))
        return day

    def working_days_between(self, a: dt.date, b: dt.date) -> int:
        """Signed number of working days stepped over going from ``a`` to ``b``.

        As in :meth:`add_working_days`, the day arrived at counts and the day
        left does not: forwards that is the working days in (a, b], backwards
        minus those in [b, a). This makes it the exact inverse of
        :meth:`add_working_days`: ``working_days_between(a, add_working_days(a, n)) == n``.
        """
        a, b = _as_date(a, "a"), _as_date(b, "b")
        if a == b:
            return 0
        step = dt.timedelta(days=1 if b > a else -1)
        count = 0
        day = a
        while day != b:
            day += step
            if self.is_working_day(day):
                count += 1
        return count if b > a else -count


def from_overrides(rows: Mapping[str, object] | None, *, lenient: bool = False) -> WorkdayCalendar:
    """A calendar from the JSON override table (``{"2027-01-01": false, ...}``); raises CalendarError."""
    days: dict[dt.date, bool] = {}
    for key, working in (rows or {}).items():
        try:
            day = dt.date.fromisoformat(str(key))
        except ValueError:
            raise CalendarError(_l("节假日调整表中的日期 {key} 无效，应为 YYYY-MM-DD", key=repr(key))) from None
        if not isinstance(working, bool):
            raise CalendarError(_l("节假日调整 {day} 的值必须是 true/false", day=str(key)))
        days[day] = working
    return WorkdayCalendar(days, lenient=lenient)
