"""The ``working_days_before`` handler: working-day arithmetic for BPMN service tasks.

The calendar itself (statutory holidays, adjusted workdays, the override table) lives in
:mod:`service.timekeeping.calendar`, shared with due dates, timers and reminders.
"""
from __future__ import annotations

import datetime as dt

from handlers.registry import HandlerError, handler
from service.catalogue import _l
from service.timekeeping.calendar import CalendarError, WorkdayCalendar

_DEFAULT_CALENDAR = WorkdayCalendar()


def _parse_iso_date(value: object) -> dt.date:
    if not isinstance(value, str):
        raise HandlerError(_l("date 必须是 ISO 日期字符串（收到 {value}）", value=repr(value)))
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        raise HandlerError(_l("无法识别的日期 {value}，应为 YYYY-MM-DD", value=repr(value))) from None


@handler("working_days_before")
def working_days_before(*, date: str, days: int) -> str:
    """The date ``days`` working days before ``date`` (ISO), e.g. a reminder before a deadline."""
    if isinstance(days, bool) or not isinstance(days, int):
        raise HandlerError(_l("days 必须是整数（收到 {value}）", value=repr(days)))
    if days < 0:
        raise HandlerError(_l("days 不能为负数（收到 {value}）", value=days))
    try:
        return _DEFAULT_CALENDAR.add_working_days(_parse_iso_date(date), -days).isoformat()
    except CalendarError as exc:
        raise HandlerError(exc.message) from None
