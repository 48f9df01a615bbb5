"""The business time zone: each product's "today", day and month windows, in its one zone.

A product has one zone (RepaySync `Asia/Kolkata`; others `Asia/Makassar`, `Asia/Dhaka`), set per
stage by `CRM_TIME_ZONE` or else the product's default. Dates people mean (a report's day, "due
today", this month) are computed in it; everything stored or sent stays UTC ISO 8601, and a window
converts a local day or month to the UTC instants to query between.

The clock reads the time through an injectable function, so a test freezes it (no sleeps) and
proves the date around midnight: 2026-11-27T18:45Z is already 2026-11-28 in Asia/Kolkata.

Zone data: zoneinfo reads the system's tz database and falls back to the `tzdata` package, which
requirements.txt pins because Lambda's newer (Amazon Linux 2023) images are not guaranteed to ship
/usr/share/zoneinfo.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from chalicelib.core.records import Record

ENV = "CRM_TIME_ZONE"


def system_now() -> datetime:
    return datetime.now(UTC)


def zone(name: str) -> ZoneInfo:
    """The zone called `name`, or a ValueError that says which setting is wrong."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"{ENV}: unknown time zone {name!r} (an IANA name such as Asia/Kolkata)") from exc


EARLIEST = datetime.min.replace(tzinfo=UTC)  # a window cannot start before the calendar's first instant
LATEST = datetime.max.replace(tzinfo=UTC)  # ...nor end after its last


class Clock(Record, frozen=True):
    """Time in one business zone. `source` returns the current aware UTC time (tests inject one)."""

    tz: ZoneInfo
    source: Callable[[], datetime] = field(default=system_now, compare=False)

    def now(self) -> datetime:
        """The current instant, UTC (what is stored and sent)."""
        return self.source().astimezone(UTC)

    def local_now(self) -> datetime:
        return self.source().astimezone(self.tz)

    def today(self) -> date:
        """The business date now."""
        return self.local_now().date()

    def local_date(self, instant: datetime) -> date:
        """The business date of an instant (naive datetimes are taken as UTC, as stored)."""
        if instant.tzinfo is None:
            instant = instant.replace(tzinfo=UTC)
        return instant.astimezone(self.tz).date()

    def at(self, day: date, wall: time) -> datetime:
        """The UTC instant of a local wall-clock time on `day` (a schedule's 08:00); at the calendar's
        ends, where the instant falls outside what a datetime holds, its first or last instant."""
        try:
            return datetime.combine(day, wall, tzinfo=self.tz).astimezone(UTC)
        except OverflowError:
            return EARLIEST if day.year == date.min.year else LATEST

    def day_window(self, day: date) -> tuple[datetime, datetime]:
        """[start, end) of the local day, in UTC (23 or 25 hours long where the zone shifts)."""
        return self.at(day, time()), self._start_of(day, days=1)

    def month_window(self, year: int, month: int) -> tuple[datetime, datetime]:
        """[start, end) of the local month, in UTC."""
        first = date(year, month, 1)
        if (year, month) == (date.max.year, 12):
            return self.at(first, time()), LATEST
        return self.at(first, time()), self.at(date(year + month // 12, month % 12 + 1, 1), time())

    def _start_of(self, day: date, *, days: int) -> datetime:
        """The start of the day `days` after `day`; past the calendar's last day, its last instant."""
        if day > date.max - timedelta(days=days):
            return LATEST
        return self.at(day + timedelta(days=days), time())


    def daily_utc_time(self, wall: time) -> time:
        """The UTC time of day of a local wall-clock time, for an EventBridge rule's cron (rules run in
        UTC). Only for a zone without daylight saving (India, Bali, Bangladesh): a rule cannot follow
        a shift."""
        year = self.now().year
        offsets = {datetime(year, month, 1, 12, tzinfo=self.tz).utcoffset() for month in range(1, 13)}
        if len(offsets) != 1:
            raise ValueError(f"{self.tz.key} shifts its clocks: a daily cron rule cannot follow it")
        return datetime.combine(date(year, 1, 1), wall, tzinfo=self.tz).astimezone(UTC).time()


def days_after(day: date, days: int) -> date:
    """`day` moved `days` ahead, stopping at the calendar's last day (a filter may start on 9999-12-31)."""
    return date.max if day > date.max - timedelta(days=days) else day + timedelta(days=days)


def add_months(day: date, months: int) -> date:
    """`day` moved by whole calendar months, on the same day of the month or the month's last day when
    it has fewer (31 January + 1 month = 28 or 29 February): "3 months after" as people count it."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    following = date(year + month // 12, month % 12 + 1, 1)
    return date(year, month, min(day.day, (following - timedelta(days=1)).day))


def business_clock(default_zone: str, source: Callable[[], datetime] = system_now) -> Clock:
    """The product's clock: `CRM_TIME_ZONE` when the stage sets it, else the product's default."""
    return Clock(zone(os.environ.get(ENV, "").strip() or default_zone), source)
