"""Formatting of dates and times for recipients, always in Asia/Shanghai.

Contexts arrive from the database or from JSON in the outbox, so values may be
aware datetimes, naive datetimes, dates or ISO 8601 strings. Rules:

* aware datetimes are converted to Asia/Shanghai;
* naive datetimes (and ISO strings without an offset) are taken to be UTC,
  because that is how the service stores time;
* a bare date is a calendar date in Shanghai (midnight there).

Anything else (``None`` included) raises ``ValueError`` so a broken context is
noticed instead of printing "None" to thousands of recipients.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

__all__ = ["SHANGHAI", "format_date", "format_datetime", "format_overdue", "to_shanghai"]

try:
    SHANGHAI: timezone | ZoneInfo = ZoneInfo("Asia/Shanghai")
except ZoneInfoNotFoundError:  # pragma: no cover - slim images without tzdata
    # China has had no DST since 1991, so a fixed offset is exact for our dates.
    SHANGHAI = timezone(timedelta(hours=8), "CST")

DateLike = datetime | date | str


def to_shanghai(value: DateLike) -> datetime:
    """``value`` as an aware datetime in Asia/Shanghai (rules in the module docstring)."""
    if isinstance(value, str):
        value = _parse(value)
    if isinstance(value, datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            value = value.replace(tzinfo=timezone.utc)
        return value.astimezone(SHANGHAI)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=SHANGHAI)
    raise ValueError(f"expected a datetime, date or ISO 8601 string, got {value!r}")


def format_datetime(value: DateLike, locale: str | None = None) -> str:
    """``2026年12月31日 23:59`` (zh) or ``2026-12-31 23:59 (UTC+8)`` (en): the catalogue's words, in
    ``locale`` (a recipient's) or the current one."""
    moment = to_shanghai(value)
    from service import catalogue  # loaded when a date is first written (importing notifications loads no service)

    with catalogue.locale(locale or catalogue.current_locale()):
        return catalogue._("{year}年{month}月{day}日 {time}", year=moment.year, month=moment.month, day=moment.day,
                 iso=moment.date().isoformat(), time=f"{moment:%H:%M}")


def format_date(value: DateLike, locale: str | None = None) -> str:
    """``2026年12月31日`` (zh) or ``2026-12-31`` (en); datetimes are converted first."""
    if isinstance(value, str) and _is_bare_date(value):
        day = date.fromisoformat(value.strip())
    elif isinstance(value, date) and not isinstance(value, datetime):
        day = value
    else:
        day = to_shanghai(value).date()
    from service import catalogue  # loaded when a date is first written (importing notifications loads no service)

    with catalogue.locale(locale or catalogue.current_locale()):
        return catalogue._("{year}年{month}月{day}日", year=day.year, month=day.month, day=day.day, iso=day.isoformat())


def format_overdue(hours: int | float, locale: str | None = None) -> str:
    """How long past due: ``3天``, ``5小时``, ``不足1小时`` (en: ``3 days``, ``5 hours``, ``less than an hour``).

    Whole days from 24 hours on, whole hours below that: a task late by a few
    hours is late, and saying "0 days" (or "not yet overdue") would hide it.
    """
    if isinstance(hours, bool) or not isinstance(hours, (int, float)) or hours < 0:
        raise ValueError(f"expected a non-negative number of hours, got {hours!r}")
    whole = int(hours)
    from service import catalogue  # loaded when a date is first written (importing notifications loads no service)

    with catalogue.locale(locale or catalogue.current_locale()):
        if whole >= 24:
            return catalogue.ngettext("{n}天", "{n} days", whole // 24)
        if whole >= 1:
            return catalogue.ngettext("{n}小时", "{n} hours", whole)
        return catalogue._("不足1小时")


def _is_bare_date(text: str) -> bool:
    return len(text.strip()) == 10 and "T" not in text and " " not in text.strip()


def _parse(text: str) -> datetime | date:
    text = text.strip()
    try:
        if _is_bare_date(text):
            return date.fromisoformat(text)
        return datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"not an ISO 8601 date/time: {text!r}") from None
