"""Public holidays as data, and counting working days with them.

Each year is a file `config/holidays/YYYY.toml`: the weekdays the ward's service point is closed (Tết
Dương lịch, the five days of Tết Nguyên đán, Giỗ Tổ Hùng Vương, 30/4, 1/5, Quốc khánh and the days given
in exchange), the weekend days it works instead, each with its status, and the sources of the year. The
lunar holidays are stored as their solar dates, so nothing here needs a lunar calendar.

A year without a file is not guessed: working days there skip weekends only, and `WorkingCalendar.covers`
says so, so the slip can tell the resident the date does not count that year's holidays.
"""

from __future__ import annotations

import logging
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from kiosk.files import paths

log = logging.getLogger(__name__)

DayStatus = Literal["verified", "computed", "provisional"]
STATUSES: tuple[DayStatus, ...] = ("verified", "computed", "provisional")


class HolidayDataError(ValueError):
    """A holiday file that cannot be used; the message names the file and the entry."""


@dataclass(frozen=True)
class Day:
    day: date
    name: str
    status: DayStatus


@dataclass(frozen=True)
class Pending:
    """Something about the year still unknown (e.g. the government's notice), relevant until `until`."""

    until: date
    note: str


@dataclass(frozen=True)
class HolidayYear:
    year: int
    days_off: tuple[Day, ...]
    working_days: tuple[Day, ...] = ()
    sources: tuple[str, ...] = ()
    pending: tuple[Pending, ...] = ()

    def provisional_from(self, today: date) -> list[Day]:
        return [d for d in self.days_off + self.working_days if d.status == "provisional" and d.day >= today]

    def pending_from(self, today: date) -> list[Pending]:
        return [p for p in self.pending if p.until >= today]


def _days(raw: Any, year: int, where: str) -> tuple[Day, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise HolidayDataError(f"{where}: expected a list of [[…]] entries")
    out = []
    for n, entry in enumerate(raw, 1):
        if not isinstance(entry, dict):
            raise HolidayDataError(f"{where} #{n}: expected a table")
        day, name, status = entry.get("date"), entry.get("name"), entry.get("status")
        if not isinstance(day, date) or day.year != year:
            raise HolidayDataError(f"{where} #{n}: 'date' must be a date in {year} (got {day!r})")
        if not isinstance(name, str) or not name.strip():
            raise HolidayDataError(f"{where} #{n} ({day}): 'name' is missing")
        if status not in STATUSES:
            raise HolidayDataError(f"{where} #{n} ({day}): 'status' must be one of {', '.join(STATUSES)}")
        out.append(Day(day, name, status))
    return tuple(out)


def parse_year(data: dict[str, Any], source: str, year: int | None = None) -> HolidayYear:
    """One year's holidays from the parsed TOML; HolidayDataError names `source` and the entry."""
    found = data.get("year")
    if not isinstance(found, int) or (year is not None and found != year):
        raise HolidayDataError(f"{source}: 'year' must be {year if year is not None else 'the year'} (got {found!r})")
    sources = data.get("sources")
    if not isinstance(sources, list) or not sources or not all(isinstance(s, str) and s for s in sources):
        raise HolidayDataError(f"{source}: 'sources' must list where the days come from")
    days_off = _days(data.get("days_off"), found, f"{source} days_off")
    working = _days(data.get("working_days"), found, f"{source} working_days")
    if any(d.day.weekday() >= 5 for d in days_off):
        raise HolidayDataError(f"{source}: a day off on a weekend changes nothing; give the weekday taken instead")
    if any(d.day.weekday() < 5 for d in working):
        raise HolidayDataError(f"{source}: working_days are weekend days worked in exchange")
    pending = []
    for n, entry in enumerate(data.get("pending") or [], 1):
        until, note = entry.get("until"), entry.get("note")
        if not isinstance(until, date) or not isinstance(note, str) or not note:
            raise HolidayDataError(f"{source} pending #{n}: needs 'until' (a date) and 'note'")
        pending.append(Pending(until, note))
    return HolidayYear(found, days_off, working, tuple(sources), tuple(pending))


def load_years(directory: Path) -> dict[int, HolidayYear]:
    """Every `YYYY.toml` in `directory`; HolidayDataError on a file that is wrong."""
    years = {}
    for path in sorted(directory.glob("*.toml")) if directory.is_dir() else []:
        if not path.stem.isdigit():
            continue
        try:
            data = tomllib.loads(path.read_text("utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise HolidayDataError(f"{path.name}: {exc}") from None
        years[int(path.stem)] = parse_year(data, path.name, int(path.stem))
    return years


@dataclass(frozen=True)
class WorkingCalendar:
    """Monday to Friday, less the days off, plus the weekend days worked in exchange, for the years known."""

    years: dict[int, HolidayYear] = field(default_factory=dict)
    _off: frozenset[date] = field(init=False, repr=False, compare=False)
    _extra: frozenset[date] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_off", frozenset(d.day for y in self.years.values() for d in y.days_off))
        object.__setattr__(self, "_extra", frozenset(d.day for y in self.years.values() for d in y.working_days))

    @classmethod
    def of(cls, days_off: Iterable[date]) -> WorkingCalendar:
        """A calendar from bare dates (all years they fall in count as known)."""
        by_year: dict[int, list[Day]] = {}
        for day in days_off:
            by_year.setdefault(day.year, []).append(Day(day, "", "verified"))
        return cls({y: HolidayYear(y, tuple(days)) for y, days in by_year.items()})

    def is_working_day(self, day: date) -> bool:
        if day in self._extra:
            return True
        return day.weekday() < 5 and day not in self._off

    def next_working_day(self, day: date) -> date:
        """`day` itself when it is a working day, else the first working day after it."""
        while not self.is_working_day(day):
            day += timedelta(days=1)
        return day

    def add_working_days(self, start: date, days: int) -> date:
        """The date `days` working days after `start` (0 = `start` itself, or the next working day)."""
        current = self.next_working_day(start)
        remaining = days
        while remaining > 0:
            current += timedelta(days=1)
            if self.is_working_day(current):
                remaining -= 1
        return current

    def missing_years(self, start: date, end: date) -> list[int]:
        """Years between `start` and `end` for which no holiday data is loaded."""
        return [y for y in range(start.year, end.year + 1) if y not in self.years]


def holidays_dir() -> Path:
    return paths.bundled_config_dir() / "holidays"


@lru_cache(maxsize=4)
def _bundled(directory: Path) -> WorkingCalendar:
    return WorkingCalendar(load_years(directory))


def bundled_calendar(directory: Path | None = None) -> WorkingCalendar:
    """The calendar from the bundled holiday files; weekends only (and a logged error) when they are broken."""
    try:
        return _bundled(directory or holidays_dir())
    except HolidayDataError as exc:
        log.error("holiday data unusable, counting weekends only: %s", exc)
        return WorkingCalendar()
