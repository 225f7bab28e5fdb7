"""Which working-day calendar a process counts on: the statutory one with its campaign's override rows.

The override table is per campaign (``campaigns.reminders.calendar_overrides``, JSON), because a
campaign spans the turn of the year, when the next year's State Council schedule may not be in the
calendar package yet. Due dates, BPMN timers and reminders of a campaign's applications all count
on this calendar; a process without a campaign counts on the statutory one. A running step never
fails on the calendar: bad override rows are logged and ignored, and a year without data counts
Monday to Friday with a warning.
"""
from __future__ import annotations

import logging

from service.catalogue import _
from service.models import Application, Campaign
from service.timekeeping import CalendarError, WorkdayCalendar, from_overrides, statutory_calendar

LOGGER = logging.getLogger(__name__)


def for_campaign(campaign: Campaign | None, *, lenient: bool = True) -> WorkdayCalendar:
    """The campaign's calendar (lenient unless asked: a missing year counts Monday to Friday)."""
    rows = (campaign.reminders or {}).get("calendar_overrides") if campaign is not None else None
    try:
        return from_overrides(rows, lenient=lenient)
    except CalendarError as exc:
        LOGGER.warning("campaign %s: %s", campaign.id if campaign else None, exc)
        return statutory_calendar() if lenient else WorkdayCalendar()


def for_application(application: Application | None) -> WorkdayCalendar:
    """The calendar an application's process counts working days on."""
    return for_campaign(application.campaign if application is not None else None)


def missing_year_warnings(calendar: WorkdayCalendar, what: str) -> list[str]:
    """A warning per year ``calendar`` counted Monday to Friday for lack of data (in the current locale)."""
    return [_("缺少 {year} 年的法定节假日安排，{what}按周一至周五计算工作日：请在节假日调整表中补录 {year} 年的放假"
              "和调休上班日期。", year=year, what=what) for year in sorted(calendar.missing_years)]
