from datetime import date

import pytest

from incidents.working_days import add_working_days, is_working_day, working_days_between


@pytest.mark.parametrize("start,days,expected", [
    (date(2026, 3, 2), 5, date(2026, 3, 9)),     # Monday + 5 = next Monday
    (date(2026, 3, 6), 1, date(2026, 3, 9)),     # Friday + 1 skips the weekend
    (date(2026, 4, 2), 1, date(2026, 4, 7)),     # Thursday before Good Friday and Easter Monday
    (date(2026, 12, 24), 1, date(2026, 12, 29)), # Christmas, Boxing Day (Sat) observed on Monday 28th
    (date(2026, 5, 22), 1, date(2026, 5, 26)),   # Spring bank holiday Monday
    (date(2026, 12, 31), 1, date(2027, 1, 4)),   # New Year's Day, then a weekend
    (date(2026, 3, 7), 0, date(2026, 3, 7)),
])
def test_add_working_days_skips_weekends_and_england_and_wales_bank_holidays(start, days, expected):
    assert add_working_days(start, days) == expected


def test_scottish_bank_holidays_are_not_excluded():
    assert is_working_day(date(2026, 1, 2))      # 2 January is a holiday in Scotland only
    assert is_working_day(date(2026, 11, 30))    # St Andrew's Day
    assert not is_working_day(date(2026, 8, 31)) # Late summer bank holiday in England and Wales


def test_working_days_between_counts_after_start_up_to_end():
    assert working_days_between(date(2026, 3, 2), date(2026, 3, 9)) == 5
    assert working_days_between(date(2026, 3, 9), date(2026, 3, 2)) == 0


def test_negative_days_are_refused():
    with pytest.raises(ValueError):
        add_working_days(date(2026, 3, 2), -1)
