"""EventBridge schedule expressions, evaluated locally (moto stores rules but never fires them).

`rate(N minute|minutes|hour|hours|day|days)` fires every N units from start-up.
`cron(min hour day-of-month month day-of-week year)` is AWS's six-field cron in UTC: `*`, `?`,
lists, ranges, steps and MON-SUN / JAN-DEC names (day-of-week 1-7 is SUN-SAT). `L`, `W` and `#`
are not evaluated: such a schedule only runs when fired by hand.
"""

from __future__ import annotations

import contextlib
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

_RATE = re.compile(r"^rate\(\s*(\d+)\s+(minute|minutes|hour|hours|day|days)\s*\)$", re.I)
_CRON = re.compile(r"^cron\((.*)\)$", re.I)
_UNIT_SECONDS = {"minute": 60, "hour": 3600, "day": 86400}
_MONTHS = {name: i + 1 for i, name in enumerate(
    ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"])}
_DAYS = {name: i + 1 for i, name in enumerate(["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"])}


class UnsupportedSchedule(ValueError):
    pass


def _field(text: str, low: int, high: int, names: dict[str, int] | None = None) -> frozenset[int] | None:
    """Values a cron field allows; None for `*` / `?` (anything)."""
    if text in ("*", "?"):
        return None
    if any(ch in text for ch in "LW#"):
        raise UnsupportedSchedule(f"cron field {text!r} (L, W and # are not evaluated locally)")
    values: set[int] = set()
    for part in text.split(","):
        step = 1
        if "/" in part:
            part, step_text = part.split("/", 1)
            step = int(step_text)
        if part in ("*", ""):
            start, end = low, high
        elif "-" in part:
            first, last = part.split("-", 1)
            start, end = _value(first, names), _value(last, names)
        else:
            start = _value(part, names)
            end = high if step != 1 else start
        values.update(range(start, end + 1, step))
    return frozenset(values)


def _value(text: str, names: dict[str, int] | None) -> int:
    upper = text.strip().upper()
    if names and upper in names:
        return names[upper]
    return int(upper)


@dataclass(frozen=True)
class Cron:
    minutes: frozenset[int] | None
    hours: frozenset[int] | None
    days: frozenset[int] | None
    months: frozenset[int] | None
    weekdays: frozenset[int] | None  # 1 = Sunday, as in AWS
    years: frozenset[int] | None

    @classmethod
    def parse(cls, body: str) -> Cron:
        parts = body.split()
        if len(parts) != 6:
            raise UnsupportedSchedule(f"cron needs 6 fields, got {len(parts)}: {body!r}")
        return cls(_field(parts[0], 0, 59), _field(parts[1], 0, 23), _field(parts[2], 1, 31),
                   _field(parts[3], 1, 12, _MONTHS), _field(parts[4], 1, 7, _DAYS), _field(parts[5], 1970, 2199))

    def matches(self, moment: datetime) -> bool:
        weekday = (moment.isoweekday() % 7) + 1  # Monday=1..Sunday=7 -> Sunday=1..Saturday=7
        checks = ((self.minutes, moment.minute), (self.hours, moment.hour), (self.days, moment.day),
                  (self.months, moment.month), (self.weekdays, weekday), (self.years, moment.year))
        return all(allowed is None or value in allowed for allowed, value in checks)


@dataclass(frozen=True)
class Schedule:
    name: str
    expression: str
    every_seconds: int | None = None
    cron: Cron | None = None

    @classmethod
    def parse(cls, name: str, expression: str) -> Schedule:
        rate = _RATE.match(expression.strip())
        if rate:
            unit = rate.group(2).lower().rstrip("s")
            return cls(name, expression, every_seconds=int(rate.group(1)) * _UNIT_SECONDS[unit])
        cron = _CRON.match(expression.strip())
        if cron:
            return cls(name, expression, cron=Cron.parse(cron.group(1)))
        raise UnsupportedSchedule(f"unknown schedule expression {expression!r}")

    def due(self, started: float, last: float | None, now: float) -> bool:
        """Whether to fire at `now` (epoch seconds); `last` is the previous firing, if any."""
        if self.every_seconds is not None:
            return now - (last if last is not None else started) >= self.every_seconds
        assert self.cron is not None
        minute = int(now // 60)
        if int((last if last is not None else started) // 60) == minute:  # once a minute, not at start-up
            return False
        return self.cron.matches(datetime.fromtimestamp(minute * 60, UTC))


class Scheduler(threading.Thread):
    """Fires each schedule when due; `fire(name)` runs the handler (errors are its to report)."""

    def __init__(self, schedules: list[Schedule], fire: Callable[[str], object], tick: float = 1.0) -> None:
        super().__init__(name="scheduler", daemon=True)
        self.schedules = schedules
        self._fire = fire
        self._tick = tick
        self._halt = threading.Event()

    def run(self) -> None:
        started = time.time()
        last: dict[str, float] = {}
        while not self._halt.wait(self._tick):
            now = time.time()
            for schedule in self.schedules:
                if schedule.due(started, last.get(schedule.name), now):
                    last[schedule.name] = now
                    with contextlib.suppress(Exception):  # fire() has already reported it
                        self._fire(schedule.name)

    def stop(self) -> None:
        self._halt.set()
