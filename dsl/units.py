"""The one place where dates, durations and money become integers (and back), shared by every
back end, and the one formatter that shows a value in its unit.

A date is coded as `(year * 12 + month - 1) * 32 + day`. The code keeps calendar order, and a
calendar month is always 32 units, so "N months/years before a date", "age in whole years" and
"12 months of work" are exact integer arithmetic that clingo, Z3 and Python all agree on:

- age on day D of someone born on day B is `(D - B) // 384` (384 = 12 × 32);
- "the 5 years before lodgement" start at `lodgement - 5 × 384`;
- a period from 2022-01-01 up to (not including) 2024-01-01 lasts exactly 24 × 32 units.

A duration is a difference of date codes: whole calendar months are exact; a part month counts
its days as 32nds of a month. Money is integer cents. Durations are shown in months and days.
"""

from __future__ import annotations

import datetime as dt

UNITS_PER_MONTH = 32
UNITS_PER_YEAR = 12 * UNITS_PER_MONTH


def date_code(day: dt.date) -> int:
    return (day.year * 12 + day.month - 1) * UNITS_PER_MONTH + day.day


def last_day_code(day: dt.date) -> int:
    """An inclusive last day, coded as the day after so that periods measure exactly."""
    return date_code(day + dt.timedelta(days=1))


def decode_date(code: int) -> dt.date:
    """The calendar date of a code; a code past the end of a month (e.g. 31 June) clamps to it."""
    months, day = divmod(code, UNITS_PER_MONTH)
    if day == 0:  # code just before the 1st: the last day of the previous month
        months, day = months - 1, 31
    year, month0 = divmod(months, 12)
    last = _days_in_month(year, month0 + 1)
    return dt.date(year, month0 + 1, min(max(day, 1), last))


def decode_last_day(code: int) -> dt.date:
    return decode_date(code) - dt.timedelta(days=1)


def is_exact_date(code: int) -> bool:
    months, day = divmod(code, UNITS_PER_MONTH)
    year, month0 = divmod(months, 12)
    return 1 <= year <= 9998 and 1 <= day <= _days_in_month(year, month0 + 1)


def _days_in_month(year: int, month: int) -> int:
    if month == 12:
        return 31
    return (dt.date(year, month + 1, 1) - dt.date(year, month, 1)).days


def months_code(months: int) -> int:
    return months * UNITS_PER_MONTH


def format_duration(units: int) -> str:
    sign = "-" if units < 0 else ""
    months, days = divmod(abs(units), UNITS_PER_MONTH)
    parts = []
    if months or not days:
        parts.append(f"{months} month{'s' if months != 1 else ''}")
    if days:
        parts.append(f"{days} day{'s' if days != 1 else ''}")
    return sign + " ".join(parts)


def format_money(cents: int) -> str:
    sign = "-" if cents < 0 else ""
    whole, part = divmod(abs(cents), 100)
    return f"{sign}${whole:,}.{part:02d}"


def format_decimal(tenths: int) -> str:
    """A decimal held in tenths, as written: 65 → 6.5, 70 → 7, -5 → -0.5."""
    sign = "-" if tenths < 0 else ""
    whole, tenth = divmod(abs(int(tenths)), 10)
    return f"{sign}{whole}" + (f".{tenth}" if tenth else "")


def format_value(
    kind: str,
    value: int | str,
    *,
    labels: tuple[str, ...] = (),
    last_day: bool = False,
    quote_text: bool = False,
) -> str:
    """A value as the back ends hold it, shown in its unit: $45.00, 2024-05-01, 12 months, yes.

    `kind` is an IR type kind; `labels` name the members of an enumeration; `last_day` marks an
    inclusive last day (stored as the day after); `quote_text` puts text in double quotes, as an
    explanation shows it beside other values (a reason text shows it bare).
    """
    if kind == "money":
        return format_money(int(value))
    if kind == "decimal":
        return format_decimal(int(value))
    if kind == "date":
        if not isinstance(value, int) or not is_exact_date(value):  # e.g. the max of an empty list
            return "no date"
        return (decode_last_day(value) if last_day else decode_date(value)).isoformat()
    if kind == "duration":
        return format_duration(int(value))
    if kind == "bool":
        return "yes" if value else "no"
    if kind == "enum":
        return labels[int(value)] if labels else str(value)
    if kind == "text" and quote_text:
        return f'"{value}"'
    return str(value)
