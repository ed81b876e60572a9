"""Dates, durations and money as integers: the choices every back end shares."""

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from visarules.dsl.units import (
    UNITS_PER_MONTH,
    UNITS_PER_YEAR,
    date_code,
    decode_date,
    decode_last_day,
    format_duration,
    format_money,
    last_day_code,
)


@given(st.dates(dt.date(1900, 1, 1), dt.date(2100, 12, 31)), st.dates(dt.date(1900, 1, 1), dt.date(2100, 12, 31)))
def test_date_codes_keep_calendar_order(a, b):
    assert (a < b) == (date_code(a) < date_code(b))
    assert decode_date(date_code(a)) == a
    assert decode_last_day(last_day_code(a)) == a


def test_age_in_whole_years_on_the_birthday():
    born = dt.date(1968, 5, 1)
    assert (date_code(dt.date(2024, 4, 30)) - date_code(born)) // UNITS_PER_YEAR == 55
    assert (date_code(dt.date(2024, 5, 1)) - date_code(born)) // UNITS_PER_YEAR == 56


def test_leap_day_birthday_turns_over_on_first_of_march():
    born = dt.date(2000, 2, 29)
    assert (date_code(dt.date(2056, 2, 28)) - date_code(born)) // UNITS_PER_YEAR == 55
    assert (date_code(dt.date(2056, 3, 1)) - date_code(born)) // UNITS_PER_YEAR == 56


def test_whole_months_of_work_are_exact():
    start = date_code(dt.date(2022, 1, 1))
    assert last_day_code(dt.date(2023, 12, 31)) - start == 24 * UNITS_PER_MONTH
    assert last_day_code(dt.date(2023, 12, 30)) - start < 24 * UNITS_PER_MONTH  # one day short is short
    assert last_day_code(dt.date(2022, 2, 28)) - start == 2 * UNITS_PER_MONTH


def test_one_and_a_half_times_is_compared_exactly():
    """1.5 × $31.61 = $47.415: $47.41 is short, $47.42 meets it (2 × pay ≥ 3 × median, in cents)."""
    median = 3161
    assert not 2 * 4741 >= 3 * median
    assert 2 * 4742 >= 3 * median
    # the instructions print 44.49 for 1.5 × 29.66 = 44.49 exactly, so there both readings agree
    assert 2 * 4449 >= 3 * 2966 and not 2 * 4448 >= 3 * 2966


@pytest.mark.parametrize(
    "units, text", [(0, "0 months"), (32, "1 month"), (24 * 32 + 5, "24 months 5 days"), (3, "3 days")]
)
def test_durations_read_as_months_and_days(units, text):
    assert format_duration(units) == text


def test_money_reads_as_dollars():
    assert (
        format_money(4449) == "$44.49" and format_money(123456789) == "$1,234,567.89" and format_money(-5) == "-$0.05"
    )
