"""The business time zone: dates people mean are computed in the product's zone, instants stay UTC."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest

from chalicelib.core.clock import Clock, business_clock, zone


def frozen(text: str) -> Clock:
    instant = datetime.fromisoformat(text)
    return business_clock("Asia/Kolkata", lambda: instant)


def test_today_turns_at_local_midnight_not_utc_midnight():
    assert frozen("2026-11-27T18:29:59+00:00").today() == date(2026, 11, 27)
    assert frozen("2026-11-27T18:30:00+00:00").today() == date(2026, 11, 28)  # 00:00 in India
    late = frozen("2026-11-27T18:45:00+00:00")
    assert late.today() == date(2026, 11, 28)
    assert late.now() == datetime(2026, 11, 27, 18, 45, tzinfo=UTC) and late.now().tzinfo is UTC
    assert late.local_now().isoformat() == "2026-11-28T00:15:00+05:30"
    makassar = business_clock("Asia/Makassar", lambda: datetime(2026, 11, 27, 15, 59, tzinfo=UTC))
    assert makassar.today() == date(2026, 11, 27)  # 23:59 in Bali (UTC+8)


def test_local_date_of_stored_instants():
    clock = frozen("2026-01-01T00:00:00+00:00")
    assert clock.local_date(datetime(2026, 11, 27, 18, 45, tzinfo=UTC)) == date(2026, 11, 28)
    assert clock.local_date(datetime(2026, 11, 27, 18, 45)) == date(2026, 11, 28)  # naive: stored UTC


def test_day_and_month_windows_are_utc_and_half_open():
    clock = frozen("2026-01-01T00:00:00+00:00")
    start, end = clock.day_window(date(2026, 11, 28))
    assert (start.isoformat(), end.isoformat()) == ("2026-11-27T18:30:00+00:00", "2026-11-28T18:30:00+00:00")
    assert start <= datetime(2026, 11, 27, 18, 45, tzinfo=UTC) < end
    start, end = clock.month_window(2026, 12)
    assert (start.isoformat(), end.isoformat()) == ("2026-11-30T18:30:00+00:00", "2026-12-31T18:30:00+00:00")
    dhaka = business_clock("Asia/Dhaka", clock.source)
    assert dhaka.month_window(2027, 2) == (datetime(2027, 1, 31, 18, tzinfo=UTC), datetime(2027, 2, 28, 18, tzinfo=UTC))


def test_the_calendars_first_and_last_days_have_windows():
    """Year 1 in India begins before UTC's year 1 and 9999-12-31 ends after its last instant: the
    windows stop at the calendar's ends instead of overflowing (a filter `from=0001-01-01` is a 200)."""
    clock = frozen("2026-01-01T00:00:00+00:00")
    first, last = datetime.min.replace(tzinfo=UTC), datetime.max.replace(tzinfo=UTC)
    start, end = clock.day_window(date.min)
    assert start == first and end.date() == date.min and end > start  # the zone's old mean time, not +05:30
    assert clock.day_window(date.max) == (datetime(9999, 12, 30, 18, 30, tzinfo=UTC), last)
    assert clock.month_window(9999, 12) == (datetime(9999, 11, 30, 18, 30, tzinfo=UTC), last)
    assert clock.month_window(1, 1)[0] == first
    behind = business_clock("America/Los_Angeles", clock.source)  # behind UTC: its last day runs past 9999
    assert behind.day_window(date.max)[0].date() == date(9999, 12, 31) and behind.day_window(date.max)[1] == last
    assert behind.day_window(date.min)[0].date() == date.min


def test_a_day_where_the_clocks_shift_is_23_hours():
    london = business_clock("Europe/London", lambda: datetime(2026, 3, 29, tzinfo=UTC))
    start, end = london.day_window(date(2026, 3, 29))
    assert (end - start).total_seconds() == 23 * 3600
    with pytest.raises(ValueError, match="shifts its clocks"):
        london.daily_utc_time(time(8))
    assert frozen("2026-11-27T00:00:00+00:00").daily_utc_time(time(8)) == time(2, 30)


def test_the_stage_setting_wins_and_a_wrong_one_is_a_clear_error(monkeypatch):
    monkeypatch.setenv("CRM_TIME_ZONE", "Asia/Dhaka")
    assert business_clock("Asia/Kolkata").tz.key == "Asia/Dhaka"
    monkeypatch.setenv("CRM_TIME_ZONE", "Asia/Atlantis")
    with pytest.raises(ValueError, match="CRM_TIME_ZONE: unknown time zone 'Asia/Atlantis'"):
        business_clock("Asia/Kolkata")
    with pytest.raises(ValueError, match="unknown time zone"):
        zone("../../etc/passwd")


def test_add_months_counts_calendar_months():
    from chalicelib.core.clock import add_months

    assert add_months(date(2025, 9, 15), 3) == date(2025, 12, 15)
    assert add_months(date(2025, 11, 30), 3) == date(2026, 2, 28)  # no 30 February: the month's last day
    assert add_months(date(2023, 11, 30), 3) == date(2024, 2, 29)
    assert add_months(date(2025, 1, 31), 1) == date(2025, 2, 28)
    assert add_months(date(2025, 12, 31), 2) == date(2026, 2, 28)
    assert add_months(date(2026, 3, 31), -1) == date(2026, 2, 28)
    assert add_months(date(2025, 1, 15), 12) == date(2026, 1, 15)
