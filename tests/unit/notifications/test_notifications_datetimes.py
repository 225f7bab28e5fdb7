"""Dates are shown in Asia/Shanghai whatever form they arrive in."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from notifications import format_date, format_datetime, format_overdue
from notifications.datetimes import to_shanghai

UTC_END_OF_YEAR = datetime(2026, 12, 31, 15, 59, tzinfo=timezone.utc)


@pytest.mark.parametrize(
    "value",
    [
        UTC_END_OF_YEAR,
        UTC_END_OF_YEAR.astimezone(timezone(timedelta(hours=-5))),
        "2026-12-31T23:59:00+08:00",
        "2026-12-31T15:59:00Z",
        "2026-12-31 15:59:00+00:00",
        "2026-12-31T15:59:30.123456",  # naive: taken as UTC, seconds dropped
        datetime(2026, 12, 31, 15, 59),
    ],
)
def test_datetime_formats(value) -> None:
    assert format_datetime(value, "zh-CN") == "2026年12月31日 23:59"
    assert format_datetime(value, "en") == "2026-12-31 23:59 (UTC+8)"


def test_single_digit_month_and_day_in_chinese() -> None:
    assert format_datetime("2026-01-05T01:05:00Z", "zh-CN") == "2026年1月5日 09:05"
    assert format_datetime("2026-01-05T01:05:00Z", "en") == "2026-01-05 09:05 (UTC+8)"


def test_conversion_can_cross_midnight_and_year() -> None:
    moment = "2026-12-31T16:30:00Z"
    assert format_datetime(moment, "zh-CN") == "2027年1月1日 00:30"
    assert format_date(moment, "zh-CN") == "2027年1月1日"
    assert format_date(moment, "en") == "2027-01-01"


def test_bare_dates_are_shanghai_calendar_dates() -> None:
    assert format_date(date(2026, 3, 8), "zh-CN") == "2026年3月8日"
    assert format_date("2026-03-08", "en") == "2026-03-08"
    assert format_datetime(date(2026, 3, 8), "zh-CN") == "2026年3月8日 00:00"
    assert to_shanghai("2026-03-08").utcoffset() == timedelta(hours=8)


@pytest.mark.parametrize("bad", [None, "", "31/12/2026", "tomorrow", 1767196740, object()])
def test_rejects_unusable_values(bad) -> None:
    with pytest.raises(ValueError):
        format_datetime(bad)


@pytest.mark.parametrize(("hours", "zh", "en"), [
    (0, "不足1小时", "less than an hour"), (0.9, "不足1小时", "less than an hour"), (1, "1小时", "1 hour"),
    (23.99, "23小时", "23 hours"), (24, "1天", "1 day"), (47, "1天", "1 day"), (48, "2天", "2 days"),
])
def test_overdue_durations(hours, zh, en) -> None:
    assert format_overdue(hours, "zh-CN") == zh and format_overdue(hours, "en") == en


@pytest.mark.parametrize("bad", [-1, None, "3", True])
def test_overdue_rejects_what_is_not_a_duration(bad) -> None:
    with pytest.raises(ValueError):
        format_overdue(bad)
