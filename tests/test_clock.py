"""The product's clock: stopped at a moment, everything that dates a case reads that moment."""

import threading
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from incidents import clock

LONDON = ZoneInfo("Europe/London")


def test_a_stopped_clock_answers_its_moment_and_runs_again_afterwards():
    moment = datetime(2026, 3, 29, 0, 30, tzinfo=LONDON)  # the night the clocks go forward
    with clock.frozen(moment):
        assert clock.now() == moment and clock.now().tzinfo is UTC
        assert clock.today() == date(2026, 3, 29)
        with clock.frozen(moment + timedelta(days=1)):
            assert clock.today() == date(2026, 3, 30)
        assert clock.now() == moment
    assert abs(clock.now() - timezone.now()) < timedelta(seconds=5)


def test_the_date_is_the_schools_not_utcs():
    with clock.frozen(datetime(2026, 6, 30, 23, 30, tzinfo=UTC)):  # 00:30 on 1 July in London
        assert clock.today() == date(2026, 7, 1)


def test_a_moment_without_a_time_zone_is_refused():
    with pytest.raises(ValueError, match="time zone"), clock.frozen(datetime(2026, 3, 2, 9, 0)):
        pass
    assert abs(clock.now() - timezone.now()) < timedelta(seconds=5)


def test_the_clock_stopped_in_one_thread_leaves_the_others_running():
    seen = []
    with clock.frozen(datetime(2020, 1, 6, 9, 0, tzinfo=LONDON)):
        thread = threading.Thread(target=lambda: seen.append(clock.today()))
        thread.start()
        thread.join()
    assert seen == [timezone.localdate()]
