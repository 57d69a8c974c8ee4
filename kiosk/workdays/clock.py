"""Time as the kiosk sees it: Vietnam's zone, working days and the 15:00 cut-off."""

from __future__ import annotations

import time
from datetime import date, datetime, timedelta, timezone
from typing import Protocol

from kiosk.workdays.holidays import WorkingCalendar

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


def due_date(received: datetime, unit: str, amount: int, cutoff: str | None,
             calendar: WorkingCalendar | None = None) -> date:
    """When the result is expected: same-day, working hours or working days, after the cut-off rule, counting
    only the working days of `calendar` (weekends only when None)."""
    cal = calendar or WorkingCalendar()
    local = received.astimezone(VN_TZ)
    start = local.date()
    if cutoff is not None:
        hour, minute = (int(x) for x in cutoff.split(":"))
        if (local.hour, local.minute) >= (hour, minute):
            start = cal.next_working_day(start + timedelta(days=1))
    start = cal.next_working_day(start)
    if unit == "working_days":
        return cal.add_working_days(start, amount)
    if unit == "working_hours":
        return cal.add_working_days(start, (amount + 7) // 8 if amount > 8 else 0)
    return start
