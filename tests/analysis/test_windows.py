"""Rolling windows by month arithmetic (issue 10): "últimos 12 meses" is twelve calendar months for every end month."""

from __future__ import annotations

import datetime as dt

import pytest

from atalaya.analysis.parsing import month_range, trailing_window


@pytest.mark.parametrize("year", [2023, 2024, 2100])  # a common year, a leap year, a century that is not leap
@pytest.mark.parametrize("month", range(1, 13))
def test_twelve_months_for_every_end_month(year, month):
    for day in (1, 15, 28):
        first, last = trailing_window(dt.date(year, month, day))
        assert len(month_range(first, last)) == 12 and first.day == 1
        assert (last + dt.timedelta(days=1)).day == 1 and last.month == month
        assert first == dt.date(year - 1 if month < 12 else year, month % 12 + 1, 1)


def test_february_ends_on_its_last_day():
    assert trailing_window(dt.date(2024, 2, 10))[1] == dt.date(2024, 2, 29)
    assert trailing_window(dt.date(2023, 2, 10))[1] == dt.date(2023, 2, 28)
    assert trailing_window(dt.date(2100, 2, 10))[1] == dt.date(2100, 2, 28)
    assert trailing_window(dt.date(2024, 3, 31), 1) == (dt.date(2024, 3, 1), dt.date(2024, 3, 31))
