"""Working-day arithmetic on the Chinese statutory calendar."""
from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from service.catalogue import locale

from handlers.calendar import working_days_before
from handlers.registry import HandlerError, get_handler
from service.timekeeping.calendar import CalendarError, CalendarYearMissing, WorkdayCalendar, covered_years

# 2025 National Day + Mid-Autumn: 1–8 October off; Sunday 28 September and
# Saturday 11 October are adjusted workdays (调休上班).
NATIONAL_DAY_2025 = [date(2025, 10, day) for day in range(1, 9)]
ADJUSTED_SUNDAY = date(2025, 9, 28)
ADJUSTED_SATURDAY = date(2025, 10, 11)

UNCOVERED = 2099  # far beyond any chinesecalendar release


@pytest.fixture
def cal() -> WorkdayCalendar:
    return WorkdayCalendar()


# --------------------------------------------------------------------------- covered_years


def test_covered_years_is_a_contiguous_span_including_2025() -> None:
    years = covered_years()
    assert years == list(range(years[0], years[-1] + 1))
    assert years[0] == 2004
    assert 2025 in years
    assert UNCOVERED not in years


# --------------------------------------------------------------------------- is_working_day


@pytest.mark.parametrize("day", NATIONAL_DAY_2025)
def test_national_day_week_is_off(cal: WorkdayCalendar, day: date) -> None:
    assert cal.is_working_day(day) is False


@pytest.mark.parametrize("day", [ADJUSTED_SUNDAY, ADJUSTED_SATURDAY])
def test_adjusted_weekend_days_are_working_days(cal: WorkdayCalendar, day: date) -> None:
    assert day.weekday() >= 5
    assert cal.is_working_day(day) is True


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (date(2025, 9, 26), True),  # Friday
        (date(2025, 9, 27), False),  # ordinary Saturday
        (date(2025, 9, 30), True),  # Tuesday before the holiday
        (date(2025, 10, 9), True),  # Thursday after it
        (date(2025, 10, 12), False),  # ordinary Sunday
        (date(2025, 1, 1), False),  # New Year
    ],
)
def test_ordinary_days(cal: WorkdayCalendar, day: date, working: bool) -> None:
    assert cal.is_working_day(day) is working


def test_datetime_is_treated_as_its_date(cal: WorkdayCalendar) -> None:
    assert cal.is_working_day(datetime(2025, 10, 1, 9, 30)) is False
    assert cal.is_working_day(datetime(2025, 9, 28, 23, 59)) is True


def test_non_date_is_rejected(cal: WorkdayCalendar) -> None:
    with pytest.raises(CalendarError):
        cal.is_working_day("2025-10-01")  # type: ignore[arg-type]


def test_overrides_take_precedence_over_the_package() -> None:
    cal = WorkdayCalendar({date(2025, 10, 8): True, ADJUSTED_SUNDAY: False, date(2025, 9, 29): False})
    assert cal.is_working_day(date(2025, 10, 8)) is True
    assert cal.is_working_day(ADJUSTED_SUNDAY) is False
    assert cal.is_working_day(date(2025, 9, 29)) is False
    assert cal.is_working_day(date(2025, 9, 30)) is True  # untouched dates still use the package


def test_override_values_must_be_booleans() -> None:
    with pytest.raises(CalendarError):
        WorkdayCalendar({date(2025, 10, 8): 1})  # type: ignore[dict-item]
    with pytest.raises(CalendarError):
        WorkdayCalendar({"2025-10-08": True})  # type: ignore[dict-item]


# --------------------------------------------------------------------------- years the package lacks


def test_uncovered_year_raises_calendar_year_missing(cal: WorkdayCalendar) -> None:
    with pytest.raises(CalendarYearMissing) as excinfo:
        cal.is_working_day(date(UNCOVERED, 3, 2))
    error = excinfo.value
    assert isinstance(error, CalendarError)
    assert error.year == UNCOVERED
    message = str(error)
    assert str(UNCOVERED) in message
    assert "调整表" in message
    with locale("en"):
        assert "override" in str(error)


def test_years_before_the_package_data_are_missing_too(cal: WorkdayCalendar) -> None:
    with pytest.raises(CalendarYearMissing, match="1999"):
        cal.is_working_day(date(1999, 6, 1))


def test_override_row_answers_for_its_date_in_an_uncovered_year() -> None:
    new_year = date(UNCOVERED, 1, 1)  # a Thursday
    cal = WorkdayCalendar({new_year: False})
    assert cal.is_working_day(new_year) is False


def test_override_rows_make_an_uncovered_year_usable() -> None:
    # The administrator enters the year's holidays and adjusted workdays;
    # the other dates of that year follow the Monday–Friday rule.
    cal = WorkdayCalendar({
        date(UNCOVERED, 1, 1): False,  # Thursday, New Year
        date(UNCOVERED, 1, 2): False,  # Friday, bridged
        date(UNCOVERED, 1, 4): True,  # Sunday, adjusted workday
    })
    assert cal.is_working_day(date(UNCOVERED, 1, 3)) is False  # Saturday
    assert cal.is_working_day(date(UNCOVERED, 1, 5)) is True  # Monday
    assert cal.add_working_days(date(2098, 12, 31), 1) == date(UNCOVERED, 1, 4)
    assert cal.add_working_days(date(UNCOVERED, 1, 5), -1) == date(UNCOVERED, 1, 4)


def test_the_neighbouring_uncovered_year_still_needs_its_own_rows() -> None:
    cal = WorkdayCalendar({date(UNCOVERED, 1, 1): False})
    with pytest.raises(CalendarYearMissing) as excinfo:
        cal.add_working_days(date(UNCOVERED, 1, 5), -5)
    assert excinfo.value.year == UNCOVERED - 1


def test_counting_past_the_last_covered_year_asks_for_rows() -> None:
    last = covered_years()[-1]
    with pytest.raises(CalendarYearMissing) as excinfo:
        WorkdayCalendar().add_working_days(date(last, 12, 28), 10)
    assert excinfo.value.year == last + 1
    # …and supplying the next year's rows fixes it.
    fixed = WorkdayCalendar({date(last + 1, 1, 1): False})
    result = fixed.add_working_days(date(last, 12, 28), 10)
    assert result.year == last + 1


# --------------------------------------------------------------------------- add_working_days


def test_zero_returns_start_even_on_a_holiday(cal: WorkdayCalendar) -> None:
    assert cal.add_working_days(date(2025, 10, 3), 0) == date(2025, 10, 3)
    assert cal.add_working_days(date(2025, 9, 30), 0) == date(2025, 9, 30)


def test_zero_does_not_need_calendar_data(cal: WorkdayCalendar) -> None:
    assert cal.add_working_days(date(UNCOVERED, 5, 5), 0) == date(UNCOVERED, 5, 5)


@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        (date(2025, 9, 30), 1, date(2025, 10, 9)),  # jumps the whole holiday
        (date(2025, 9, 30), 2, date(2025, 10, 10)),
        (date(2025, 9, 30), 3, ADJUSTED_SATURDAY),  # the adjusted Saturday counts
        (date(2025, 9, 30), 4, date(2025, 10, 13)),
        (date(2025, 9, 26), 1, ADJUSTED_SUNDAY),  # Friday → adjusted Sunday, not Monday
        (date(2025, 10, 3), 1, date(2025, 10, 9)),  # starting inside the holiday
        (date(2025, 9, 22), 8, date(2025, 10, 9)),
        (date(2025, 9, 22), 10, ADJUSTED_SATURDAY),
    ],
)
def test_forward_across_national_day(cal: WorkdayCalendar, start: date, n: int, expected: date) -> None:
    assert cal.add_working_days(start, n) == expected


@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        (date(2025, 10, 9), -1, date(2025, 9, 30)),
        (date(2025, 10, 9), -2, date(2025, 9, 29)),
        (date(2025, 10, 9), -3, ADJUSTED_SUNDAY),
        (date(2025, 10, 9), -4, date(2025, 9, 26)),  # skips the ordinary Saturday 27th
        (date(2025, 10, 13), -1, ADJUSTED_SATURDAY),
        (date(2025, 10, 5), -1, date(2025, 9, 30)),  # starting inside the holiday
    ],
)
def test_backward_across_national_day(cal: WorkdayCalendar, start: date, n: int, expected: date) -> None:
    assert cal.add_working_days(start, n) == expected


def test_forward_and_back_round_trip_from_working_days(cal: WorkdayCalendar) -> None:
    start = date(2025, 9, 15)
    for n in range(0, 30):
        assert cal.add_working_days(cal.add_working_days(start, n), -n) == start


def test_overrides_change_the_count() -> None:
    cal = WorkdayCalendar({date(2025, 10, 8): True})
    assert cal.add_working_days(date(2025, 9, 30), 1) == date(2025, 10, 8)


@pytest.mark.parametrize("n", [1.5, "3", True, None])
def test_n_must_be_an_integer(cal: WorkdayCalendar, n: object) -> None:
    with pytest.raises(CalendarError):
        cal.add_working_days(date(2025, 9, 30), n)  # type: ignore[arg-type]


def test_runaway_override_tables_are_stopped() -> None:
    start = date(2024, 1, 1)
    all_off = {start + timedelta(days=i): False for i in range(1, 500)}
    with pytest.raises(CalendarError, match="连续超过"):
        WorkdayCalendar(all_off).add_working_days(start, 1)


# --------------------------------------------------------------------------- working_days_between


def test_between_counts_the_destination_but_not_the_origin(cal: WorkdayCalendar) -> None:
    # (26 Sep, 13 Oct]: 28, 29, 30 Sep and 9, 10, 11, 13 Oct
    assert cal.working_days_between(date(2025, 9, 26), date(2025, 10, 13)) == 7
    # backwards, [26 Sep, 13 Oct): 26, 28, 29, 30 Sep and 9, 10, 11 Oct
    assert cal.working_days_between(date(2025, 10, 13), date(2025, 9, 26)) == -7
    # from a holiday back to the last working day before it: one step
    assert cal.working_days_between(date(2025, 10, 5), date(2025, 9, 30)) == -1
    assert cal.working_days_between(date(2025, 9, 30), date(2025, 10, 5)) == 0
    assert cal.working_days_between(date(2025, 10, 1), date(2025, 10, 8)) == 0
    assert cal.working_days_between(date(2025, 9, 30), date(2025, 9, 30)) == 0
    assert cal.working_days_between(date(2025, 10, 8), date(2025, 10, 9)) == 1


def test_between_is_the_inverse_of_add(cal: WorkdayCalendar) -> None:
    for start in [date(2025, 9, 20), date(2025, 9, 30), date(2025, 10, 3), ADJUSTED_SATURDAY]:
        for n in range(-15, 16):  # from a Saturday, a working day, a holiday, an adjusted Saturday
            assert cal.working_days_between(start, cal.add_working_days(start, n)) == n


def test_between_a_whole_covered_year_is_plausible(cal: WorkdayCalendar) -> None:
    # China has 250 or so working days a year.
    assert 240 <= cal.working_days_between(date(2024, 12, 31), date(2025, 12, 31)) <= 255


def test_between_uncovered_years_raises(cal: WorkdayCalendar) -> None:
    with pytest.raises(CalendarYearMissing):
        cal.working_days_between(date(UNCOVERED, 1, 1), date(UNCOVERED, 2, 1))


# --------------------------------------------------------------------------- the working_days_before handler


def test_handler_is_registered_once_imported() -> None:
    registered = get_handler("working_days_before")
    assert registered is not None and registered.fn is working_days_before
    assert registered.description


@pytest.mark.parametrize(
    ("day", "days", "expected"),
    [
        ("2025-10-09", 1, "2025-09-30"),
        ("2025-10-09", 3, "2025-09-28"),
        ("2025-10-13", 1, "2025-10-11"),
        ("2025-10-09", 0, "2025-10-09"),
        ("2025-12-31", 5, "2025-12-24"),
    ],
)
def test_working_days_before(day: str, days: int, expected: str) -> None:
    assert working_days_before(date=day, days=days) == expected


@pytest.mark.parametrize(
    "kwargs",
    [
        {"date": "2025-13-01", "days": 1},
        {"date": "next Friday", "days": 1},
        {"date": 20251009, "days": 1},
        {"date": "2025-10-09", "days": -1},
        {"date": "2025-10-09", "days": "1"},
        {"date": "2025-10-09", "days": True},
    ],
)
def test_working_days_before_rejects_bad_input(kwargs: dict) -> None:
    with pytest.raises(HandlerError):
        working_days_before(**kwargs)


def test_working_days_before_in_an_uncovered_year() -> None:
    with pytest.raises(HandlerError, match=str(UNCOVERED)):
        working_days_before(date=f"{UNCOVERED}-06-15", days=2)


def test_a_lenient_calendar_counts_monday_to_friday_in_a_missing_year_and_says_so() -> None:
    cal = WorkdayCalendar(lenient=True)
    assert cal.add_working_days(date(UNCOVERED, 1, 2), 1) == date(UNCOVERED, 1, 5)  # Friday → Monday
    assert cal.missing_years == {UNCOVERED}
