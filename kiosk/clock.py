"""Time as the kiosk sees it: Vietnam's zone, working days and the 15:00 cut-off."""

from __future__ import annotations

import time
from collections.abc import Iterable
from datetime import date, datetime, timedelta, timezone
from typing import Protocol

# Vietnam has no daylight saving time: a fixed UTC+7 zone is exact.
VN_TZ = timezone(timedelta(hours=7))


class Clock(Protocol):
    def monotonic(self) -> float: ...

    def now(self) -> datetime: ...


class SystemClock:
    def monotonic(self) -> float:
        return time.monotonic()

    def now(self) -> datetime:
        return datetime.now(VN_TZ)


class ManualClock:
    """A clock that moves only when told to; tests drive idle timers with it."""

    def __init__(self, start: datetime | None = None) -> None:
        self._mono = 1000.0
        self._now = start or datetime(2026, 11, 26, 9, 0, tzinfo=VN_TZ)

    def monotonic(self) -> float:
        return self._mono

    def now(self) -> datetime:
        return self._now

    def advance(self, seconds: float) -> None:
        self._mono += seconds
        self._now += timedelta(seconds=seconds)


def is_working_day(day: date, holidays: Iterable[date] = ()) -> bool:
    return day.weekday() < 5 and day not in set(holidays)


def add_working_days(start: date, days: int, holidays: Iterable[date] = ()) -> date:
    """The date `days` working days after `start` (0 = `start` itself, or the next working day)."""
    hols = set(holidays)
    current = start
    while not is_working_day(current, hols):
        current += timedelta(days=1)
    remaining = days
    while remaining > 0:
        current += timedelta(days=1)
        if is_working_day(current, hols):
            remaining -= 1
    return current


def due_date(received: datetime, unit: str, amount: int, cutoff: str | None,
             holidays: Iterable[date] = ()) -> date:
    """When the result is due: same-day, working hours or working days, after the cut-off rule."""
    local = received.astimezone(VN_TZ)
    start = local.date()
    hols = set(holidays)
    if cutoff is not None:
        hour, minute = (int(x) for x in cutoff.split(":"))
        if (local.hour, local.minute) >= (hour, minute):
            start = add_working_days(start + timedelta(days=1), 0, hols)
    if not is_working_day(start, hols):
        start = add_working_days(start, 0, hols)
    if unit == "working_days":
        return add_working_days(start, amount, hols)
    if unit == "working_hours":
        return add_working_days(start, (amount + 7) // 8 if amount > 8 else 0, hols)
    return start
