"""The one duration parser and the deadline arithmetic in Asia/Shanghai (service.timekeeping)."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from service import timekeeping
from service.clock import SHANGHAI
from service.catalogue import locale
from service.timekeeping import Duration, DurationError, WorkdayCalendar, add, describe, format_duration, parse

START = datetime(2026, 1, 31, 10, 0, tzinfo=SHANGHAI)  # a Saturday, the last day of a 31-day month

# (text, canonical form, Chinese description, where START + it lands in Asia/Shanghai)
ACCEPTED = [
    ("P5D", "P5D", "5 天", datetime(2026, 2, 5, 10, 0)),
    ("PT36H", "PT36H", "36 小时", datetime(2026, 2, 1, 22, 0)),
    ("P1M", "P1M", "1 个月", datetime(2026, 2, 28, 10, 0)),  # clamped to the month's end
    ("P1Y", "P1Y", "1 年", datetime(2027, 1, 31, 10, 0)),
    ("P1Y1M", "P1Y1M", "1 年 1 个月", datetime(2027, 2, 28, 10, 0)),
    ("P2W", "P2W", "2 周", datetime(2026, 2, 14, 10, 0)),
    ("PT1.5H", "PT1H30M", "1 小时 30 分钟", datetime(2026, 1, 31, 11, 30)),
    ("PT0,5S", "PT0.5S", "0.5 秒", datetime(2026, 1, 31, 10, 0, 0, 500000)),
    ("P1DT12H", "P1DT12H", "1 天 12 小时", datetime(2026, 2, 1, 22, 0)),
    (" P3D ", "P3D", "3 天", datetime(2026, 2, 3, 10, 0)),
    # Spring Festival 2026: 15–23 February off, Saturday 14 February and 28 February worked.
    ("P10WD", "P10WD", "10 个工作日", datetime(2026, 2, 13, 23, 59, 59)),
    ("P11WD", "P11WD", "11 个工作日", datetime(2026, 2, 14, 23, 59, 59)),
    ("P12WD", "P12WD", "12 个工作日", datetime(2026, 2, 24, 23, 59, 59)),
]
REFUSED = [
    ("", "syntax"), ("P", "syntax"), ("PT", "syntax"), ("P1DT", "syntax"), ("5D", "syntax"), ("p5d", "syntax"),
    ("P5", "syntax"), ("P1W2D", "syntax"), ("P1.5D", "syntax"), ("P1.5M", "syntax"), ("P-1D", "syntax"),
    ("PT1.5H30M", "fraction"), ("P0D", "zero"), ("PT0S", "zero"), ("P0WD", "zero"), ("P11Y", "too_long"),
    ("P99999999999Y", "too_long"), ("PT99999999H", "too_long"), ("P3000WD", "too_long"),
    ("10 个工作日", "syntax"), ("P10DW", "syntax"), ("P1WDT1H", "syntax"), ("R3/PT1H", "syntax"),
]


@pytest.mark.parametrize("text, canonical, zh, lands", ACCEPTED, ids=[a[0].strip() for a in ACCEPTED])
def test_accepted_durations_and_where_they_land(text: str, canonical: str, zh: str, lands: datetime) -> None:
    duration = parse(text)
    assert format_duration(duration) == canonical and parse(canonical) == duration
    assert describe(duration) == zh
    assert add(START, duration) == lands.replace(tzinfo=SHANGHAI).astimezone(timezone.utc)


@pytest.mark.parametrize("text, reason", REFUSED, ids=[r[0] or "empty" for r in REFUSED])
def test_refused_durations_say_why_in_chinese_and_english(text: str, reason: str) -> None:
    with pytest.raises(DurationError) as err:
        parse(text)
    assert err.value.reason == reason
    with locale("zh_CN"):
        zh = str(err.value.message)
    with locale("en"):
        assert str(err.value.message) and str(err.value.message) != zh


def test_working_days_skip_national_day_and_end_at_the_end_of_the_day() -> None:
    start = datetime(2025, 9, 30, 16, 0, tzinfo=SHANGHAI)  # Tuesday; 1–8 October are off
    assert add(start, parse("P1WD")) == datetime(2025, 10, 9, 23, 59, 59, tzinfo=SHANGHAI)


def test_working_days_follow_the_override_table() -> None:
    start = datetime(2025, 9, 30, 16, 0, tzinfo=SHANGHAI)
    calendar = timekeeping.from_overrides({"2025-10-08": True})
    assert add(start, parse("P1WD"), calendar) == datetime(2025, 10, 8, 23, 59, 59, tzinfo=SHANGHAI)


def test_a_year_without_calendar_data_counts_monday_to_friday_and_is_reported() -> None:
    calendar = timekeeping.statutory_calendar()
    due = add(datetime(2099, 1, 2, 9, 0, tzinfo=SHANGHAI), parse("P1WD"), calendar)
    assert due == datetime(2099, 1, 5, 23, 59, 59, tzinfo=SHANGHAI) and calendar.missing_years == {2099}


def test_months_count_on_the_local_date_not_in_utc() -> None:
    # 1 March 00:30 in Shanghai is still 28 February in UTC: a month later is 1 April local.
    start = datetime(2026, 3, 1, 0, 30, tzinfo=SHANGHAI)
    assert add(start, parse("P1M")) == datetime(2026, 4, 1, 0, 30, tzinfo=SHANGHAI)


def test_a_naive_instant_is_refused() -> None:
    with pytest.raises(ValueError):
        add(datetime(2026, 1, 1), parse("P1D"))


def test_subtract_undoes_add_for_fixed_durations() -> None:
    for text in ("P3D", "PT90M", "P2W"):
        assert timekeeping.subtract(add(START, parse(text)), parse(text)) == START


def test_fixed_length_only_for_fixed_durations() -> None:
    assert parse("P1DT1H").fixed_length == timedelta(hours=25)
    for text in ("P1M", "P1Y", "P3WD"):
        with pytest.raises(DurationError) as err:
            timekeeping.parse_fixed(text)
        assert err.value.reason == "not_fixed"


# ----------------------------------------------------------------------------- properties

_component = st.integers(min_value=0, max_value=400)


@st.composite
def duration_texts(draw: st.DrawFn) -> str:
    """Durations as a modeler user might type them: mostly well-formed, sometimes not."""
    form = draw(st.sampled_from(["iso", "weeks", "working", "noise"]))
    if form == "weeks":
        return f"P{draw(_component)}W"
    if form == "working":
        return f"P{draw(_component)}WD"
    if form == "noise":
        return draw(st.text(alphabet="PTYMWDHS0123456789.,-+ R/", max_size=14))
    parts = {k: draw(st.none() | _component) for k in ("Y", "M", "D", "H", "m", "S")}
    fraction = draw(st.none() | st.integers(min_value=0, max_value=999))
    text = "P" + "".join(f"{parts[k]}{k}" for k in ("Y", "M", "D") if parts[k] is not None)
    time = "".join(f"{parts[k]}{k.upper()}" for k in ("H", "m", "S") if parts[k] is not None)
    if time and fraction is not None:
        time = time[:-1] + f".{fraction}" + time[-1]
    return text + (f"T{time}" if time else "")


instants = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2090, 12, 31),
                        timezones=st.just(timezone.utc))


@settings(max_examples=600, deadline=None)
@given(text=duration_texts(), start=instants)
def test_every_accepted_duration_is_evaluated_from_any_instant(text: str, start: datetime) -> None:
    """What parse accepts, add evaluates: validation and runtime cannot disagree."""
    try:
        duration = parse(text)
    except DurationError:
        return
    due = add(start, duration, WorkdayCalendar(lenient=True))
    assert due.tzinfo is not None and due > start
    assert parse(format_duration(duration)) == duration
    if duration.is_fixed:
        assert due - start == duration.fixed_length


@settings(max_examples=300, deadline=None)
@given(start=instants, n=st.integers(min_value=1, max_value=60))
def test_working_days_land_on_a_working_day_after_the_start(start: datetime, n: int) -> None:
    calendar = WorkdayCalendar(lenient=True)
    due = add(start, Duration(working_days=n), calendar)
    local = due.astimezone(SHANGHAI)
    assert calendar.is_working_day(local.date()) and local.date() > start.astimezone(SHANGHAI).date()
    assert calendar.working_days_between(start.astimezone(SHANGHAI).date(), local.date()) == n
