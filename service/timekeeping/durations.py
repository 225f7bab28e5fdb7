"""The one parser of the durations a process may use: ``dueIn`` and timer durations.

Two written forms, both checked here and nowhere else (validation, task due dates, timers and
reminders all call :func:`parse`, so what validation accepts is exactly what runs):

* an ISO 8601 duration ``PnYnMnDTnHnMnS`` (any non-empty subset, in that order) or ``PnW`` on its
  own — e.g. ``P5D``, ``PT36H``, ``P1M``, ``P1Y2M``, ``P2W``, ``PT1.5H``. Only the last component
  may carry a decimal fraction, and only when it is hours, minutes or seconds;
* ``PnWD``: *n* working days on the Chinese statutory calendar (this service's extension, which an
  ISO parser refuses rather than misreads). The modeler shows it as "n 个工作日".

A duration is longer than zero and at most ten years. How a duration moves an instant (calendar
months, days in Asia/Shanghai, working days to the end of the day) is :mod:`.deadlines`.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from service.catalogue import N_, LazyText, _l, ngettext

MAX_NOMINAL_DAYS = 3660
"""Ten years: a longer deadline is a typing mistake, and would overflow far-future arithmetic."""

_ISO = re.compile(
    r"^P(?!$)(?:(?P<years>\d+)Y)?(?:(?P<months>\d+)M)?(?:(?P<days>\d+)D)?"
    r"(?:T(?=\d)(?:(?P<hours>\d+(?:[.,]\d+)?)H)?(?:(?P<minutes>\d+(?:[.,]\d+)?)M)?(?:(?P<seconds>\d+(?:[.,]\d+)?)S)?)?$")
_WEEKS = re.compile(r"^P(?P<weeks>\d+)W$")
_WORKING_DAYS = re.compile(r"^P(?P<working_days>\d+)WD$")

REASONS: dict[str, str] = {
    "syntax": N_("应为 ISO 8601 时长（如 P5D、PT36H、P1M）或工作日数（如 P10WD 表示 10 个工作日）"),
    "zero": N_("时长必须大于零"),
    "too_long": N_("时长不能超过 10 年"),
    "fraction": N_("只有最后一项（时、分或秒）可以带小数"),
    "not_fixed": N_("循环定时的间隔必须是固定长度（周、天、时、分、秒），不能用年、月或工作日"),
}
"""Why a duration was refused, by reason code (msgids of the catalogue)."""


class DurationError(ValueError):
    """A duration that cannot be evaluated; ``reason`` is a key of :data:`REASONS`."""

    def __init__(self, text: str, reason: str):
        super().__init__(f"{text!r}: {reason}")
        self.text = text
        self.reason = reason

    def __str__(self) -> str:
        return f"{self.text!r}: {self.message}"

    @property
    def message(self) -> LazyText:
        """Why, in the reader's language (translated when shown)."""
        return _l(REASONS[self.reason])


@dataclass(frozen=True)
class Duration:
    """A parsed duration: calendar parts (years, months, days), a fixed time part, or working days."""

    years: int = 0
    months: int = 0
    weeks: int = 0
    days: int = 0
    time: timedelta = timedelta(0)
    working_days: int = 0

    @property
    def is_fixed(self) -> bool:
        """True when its length does not depend on where it starts (no years, months or working days)."""
        return not (self.years or self.months or self.working_days)

    @property
    def fixed_length(self) -> timedelta:
        """The length of a fixed duration (days are 24 hours: Asia/Shanghai keeps no daylight saving)."""
        if not self.is_fixed:
            raise DurationError(format_duration(self), "not_fixed")
        return timedelta(weeks=self.weeks, days=self.days) + self.time

    @property
    def nominal_days(self) -> float:
        """Roughly how many days long (a month 31, a year 366, five working days a week), for the limit."""
        return (self.years * 366 + self.months * 31 + self.weeks * 7 + self.days
                + self.time / timedelta(days=1) + self.working_days * 7 / 5)


def parse(text: str) -> Duration:
    """Parse a duration in either written form; raises DurationError saying why not."""
    if not isinstance(text, str):
        raise DurationError(str(text), "syntax")
    value = text.strip()
    if m := _WORKING_DAYS.match(value):
        duration = Duration(working_days=int(m["working_days"]))
    elif m := _WEEKS.match(value):
        duration = Duration(weeks=int(m["weeks"]))
    elif m := _ISO.match(value):
        duration = _iso(value, m)
    else:
        raise DurationError(value, "syntax")
    if duration.nominal_days <= 0:
        raise DurationError(value, "zero")
    if duration.nominal_days > MAX_NOMINAL_DAYS:
        raise DurationError(value, "too_long")
    return duration


def parse_fixed(text: str) -> Duration:
    """A duration whose length does not depend on its start (what a repeating timer needs)."""
    duration = parse(text)
    if not duration.is_fixed:
        raise DurationError(text.strip(), "not_fixed")
    return duration


def _iso(value: str, m: re.Match[str]) -> Duration:
    parts = {k: v for k, v in m.groupdict().items() if v is not None}
    fractional = [k for k, v in parts.items() if "." in v or "," in v]
    if fractional and (fractional != [list(parts)[-1]] or fractional[0] not in ("hours", "minutes", "seconds")):
        raise DurationError(value, "fraction")
    number = {k: Decimal(v.replace(",", ".")) for k, v in parts.items()}
    seconds = (number.get("hours", Decimal(0)) * 3600 + number.get("minutes", Decimal(0)) * 60
               + number.get("seconds", Decimal(0)))
    if seconds > MAX_NOMINAL_DAYS * 86400:
        raise DurationError(value, "too_long")
    return Duration(years=int(number.get("years", 0)), months=int(number.get("months", 0)),
                    days=int(number.get("days", 0)),
                    time=timedelta(microseconds=int((seconds * 1_000_000).to_integral_value())))


def format_duration(duration: Duration) -> str:
    """The canonical written form (``P10WD``, ``P2W``, ``P1Y2M3DT4H5M6S``)."""
    if duration.working_days:
        return f"P{duration.working_days}WD"
    if duration.weeks and not (duration.years or duration.months or duration.days or duration.time):
        return f"P{duration.weeks}W"
    days = duration.days + 7 * duration.weeks
    date = "".join(f"{n}{unit}" for n, unit in ((duration.years, "Y"), (duration.months, "M"), (days, "D")) if n)
    total = Decimal(duration.time // timedelta(microseconds=1)) / 1_000_000
    hours, rest = divmod(total, 3600)
    minutes, seconds = divmod(rest, 60)
    time = "".join(f"{_plain(n)}{unit}" for n, unit in ((hours, "H"), (minutes, "M"), (seconds, "S")) if n)
    return "P" + date + (f"T{time}" if time else "")


def describe(duration: Duration) -> str:
    """How people read it, in the reader's language: "10 个工作日" / "10 working days", "1 个月 5 天"."""
    if duration.working_days:
        return ngettext("{v} 个工作日", "{v} working days", duration.working_days, v=duration.working_days)
    total = Decimal(duration.time // timedelta(microseconds=1)) / 1_000_000
    hours, rest = divmod(total, 3600)
    minutes, seconds = divmod(rest, 60)
    words = []
    for n, unit in ((duration.years, "years"), (duration.months, "months"), (duration.weeks, "weeks"),
                    (duration.days, "days"), (hours, "hours"), (minutes, "minutes"), (seconds, "seconds")):
        if n:
            count, v = (int(n) if n == int(n) else 2), _plain(n)
            words.append({
                "years": lambda: ngettext("{v} 年", "{v} years", count, v=v),
                "months": lambda: ngettext("{v} 个月", "{v} months", count, v=v),
                "weeks": lambda: ngettext("{v} 周", "{v} weeks", count, v=v),
                "days": lambda: ngettext("{v} 天", "{v} days", count, v=v),
                "hours": lambda: ngettext("{v} 小时", "{v} hours", count, v=v),
                "minutes": lambda: ngettext("{v} 分钟", "{v} minutes", count, v=v),
                "seconds": lambda: ngettext("{v} 秒", "{v} seconds", count, v=v),
            }[unit]())
    return " ".join(words)


_WRITTEN_UNITS: dict[str, str] = {
    "个工作日": "working_days", "工作日": "working_days", "working days": "working_days",
    "working day": "working_days", "年": "years", "years": "years", "year": "years",
    "个月": "months", "月": "months", "months": "months", "month": "months", "周": "weeks", "星期": "weeks",
    "个星期": "weeks", "weeks": "weeks", "week": "weeks", "天": "days", "日": "days", "days": "days",
    "day": "days", "个小时": "hours", "小时": "hours", "hours": "hours", "hour": "hours", "分钟": "minutes",
    "minutes": "minutes", "minute": "minutes", "秒": "seconds", "seconds": "seconds", "second": "seconds",
}
_WRITTEN_PART = re.compile(r"\s*(\d+(?:\.\d+)?)\s*(" + "|".join(
    re.escape(u) for u in sorted(_WRITTEN_UNITS, key=len, reverse=True)) + r")\s*", re.IGNORECASE)
_ORDER = ("years", "months", "weeks", "days", "hours", "minutes", "seconds")


def parse_written(text: str) -> Duration:
    """What a person types ("10 个工作日", "7 天", "1 个月 5 天", "36 hours") or the ISO form, parsed.

    Written parts become the ISO form and go through :func:`parse`, so the same limits apply and
    what is stored is what the engine runs. Working days stand alone (as ``PnWD`` does).
    """
    value = (text or "").strip() if isinstance(text, str) else ""
    if value[:1] in ("P", "p") and value[1:2].isdigit() or value.upper().startswith("PT"):
        return parse(value.upper())
    parts: dict[str, str] = {}
    position = 0
    while position < len(value):
        m = _WRITTEN_PART.match(value, position)
        if m is None or m.end() == position:
            raise DurationError(value, "syntax")
        unit = _WRITTEN_UNITS[m[2].lower()]
        if unit in parts:
            raise DurationError(value, "syntax")
        parts[unit] = m[1]
        position = m.end()
    if not parts:
        raise DurationError(value, "syntax")
    if "working_days" in parts:
        if len(parts) > 1 or "." in parts["working_days"]:
            raise DurationError(value, "syntax")
        return parse(f"P{parts['working_days']}WD")
    if "weeks" in parts and len(parts) == 1:
        return parse(f"P{parts['weeks']}W")
    days = int(parts.get("days", 0)) + 7 * int(parts.get("weeks", 0)) if "." not in parts.get("days", "") + \
        parts.get("weeks", "") else None
    if days is None or "." in parts.get("years", "") + parts.get("months", ""):
        raise DurationError(value, "fraction")
    date = "".join(f"{n}{u}" for n, u in ((parts.get("years"), "Y"), (parts.get("months"), "M"),
                                          (str(days) if "days" in parts or "weeks" in parts else None, "D")) if n)
    time = "".join(f"{parts[k]}{u}" for k, u in (("hours", "H"), ("minutes", "M"), ("seconds", "S")) if k in parts)
    return parse("P" + date + (f"T{time}" if time else ""))


def _plain(n: int | Decimal) -> str:
    text = format(Decimal(n).normalize(), "f") if isinstance(n, Decimal) else str(n)
    return text
