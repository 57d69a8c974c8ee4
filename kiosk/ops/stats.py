"""Usage statistics without personal data: sessions, procedures started/completed/abandoned, durations, ratings.

What is kept: the day, how long a session lasted, which procedure was started, whether it was completed
or abandoned and at which step (a step id from the catalog), and the stars of a rating. Never an
answer, a reference, a comment or a time of day finer than the date.

`StatsRecorder` subscribes to the journey. It keeps the current session in memory (no I/O in the
listener) and hands the finished session to `StatsStore` as one batch when it ends. The store writes
on its own single worker thread: the journey's listeners run on the GUI thread, and a kiosk's
SD card or eMMC can stall an fsync for hundreds of milliseconds, which a resident would see as a
frozen screen. Losing the session in progress on a power cut is acceptable for statistics.
"""

from __future__ import annotations

import csv
import logging
import sqlite3
import statistics
import threading
from collections import Counter
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kiosk.journey.machine import (
    GiveConsent,
    Journey,
    Rate,
    Reset,
    Screen,
    StartApplication,
    SubmissionStored,
    Touch,
    Transition,
)
from kiosk.workdays.clock import Clock

if TYPE_CHECKING:
    from kiosk.portal.client import PortalClient
    from kiosk.settings.config import Settings

log = logging.getLogger(__name__)

SCHEMA = """
CREATE TABLE IF NOT EXISTS sessions (
    id INTEGER PRIMARY KEY,
    day TEXT NOT NULL,
    duration_s REAL NOT NULL,
    rating INTEGER CHECK (rating BETWEEN 1 AND 5)
);
CREATE INDEX IF NOT EXISTS sessions_day ON sessions (day);
CREATE TABLE IF NOT EXISTS procedures (
    id INTEGER PRIMARY KEY,
    session_id INTEGER NOT NULL REFERENCES sessions (id),
    day TEXT NOT NULL,
    code TEXT NOT NULL,
    outcome TEXT NOT NULL CHECK (outcome IN ('completed', 'abandoned')),
    step TEXT,
    duration_s REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS procedures_day ON procedures (day);
CREATE TABLE IF NOT EXISTS reports_sent (day TEXT PRIMARY KEY, sent_at TEXT NOT NULL);
"""

STEP_ID_MAX = 48  # the portal's limit for abandoned_at_step keys
ALL_PROCEDURES = "*"
CSV_HEADER = ("date", "procedure_code", "sessions", "started", "completed", "abandoned", "abandoned_at_step",
              "median_duration_s", "rating_1", "rating_2", "rating_3", "rating_4", "rating_5")


# --- what one session leaves behind ---------------------------------------------------------------


@dataclass
class ProcedureRun:
    code: str
    started_at: float
    last_step: str
    completed: bool = False
    ended_at: float | None = None


@dataclass
class SessionRecord:
    """One finished session, as it is stored (no personal data by construction)."""

    day: date
    duration_s: float
    procedures: list[ProcedureRun] = field(default_factory=list)
    rating: int | None = None


@dataclass(frozen=True)
class ProcedureFigures:
    started: int = 0
    completed: int = 0
    abandoned: int = 0
    abandoned_at_step: dict[str, int] = field(default_factory=dict)
    median_duration_s: float = 0.0  # of completed runs: from start to the dossier stored


@dataclass(frozen=True)
class DayFigures:
    day: date
    sessions: int
    median_duration_s: float  # of sessions: from the first touch to the reset
    ratings: dict[str, int]
    procedures: dict[str, ProcedureFigures]

    @property
    def completed(self) -> int:
        return sum(p.completed for p in self.procedures.values())

    @property
    def abandoned(self) -> int:
        return sum(p.abandoned for p in self.procedures.values())


def _median(values: Iterable[float]) -> float:
    values = list(values)
    return round(float(statistics.median(values)), 1) if values else 0.0


# --- the store ------------------------------------------------------------------------------------


class StatsStore:
    """SQLite file of finished sessions. Writes run on one worker thread, in the order they were given."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None, timeout=10)
        self._db.execute("PRAGMA journal_mode=WAL")
        # Statistics may lose the last session on a power cut; they must never slow the screen down.
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(SCHEMA)
        self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="kiosk-stats")
        self._closed = False

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._writer.shutdown(wait=True)
        with self._lock:
            self._db.close()

    # --- writing ---

    def record(self, session: SessionRecord) -> Future[None]:
        """Queue one finished session for writing; returns at once."""
        if self._closed:
            future: Future[None] = Future()
            future.set_result(None)
            return future
        return self._writer.submit(self._write, session)

    def flush(self, timeout: float = 10.0) -> None:
        """Wait until every queued session is written (tests, export, shutdown)."""
        if not self._closed:
            self._writer.submit(lambda: None).result(timeout)

    def _write(self, session: SessionRecord) -> None:
        day = session.day.isoformat()
        try:
            with self._lock:
                self._db.execute("BEGIN IMMEDIATE")
                try:
                    cursor = self._db.execute(
                        "INSERT INTO sessions (day, duration_s, rating) VALUES (?, ?, ?)",
                        (day, round(session.duration_s, 1), session.rating),
                    )
                    for run in session.procedures:
                        ended = run.ended_at if run.ended_at is not None else run.started_at
                        self._db.execute(
                            "INSERT INTO procedures (session_id, day, code, outcome, step, duration_s)"
                            " VALUES (?, ?, ?, ?, ?, ?)",
                            (cursor.lastrowid, day, run.code, "completed" if run.completed else "abandoned",
                             None if run.completed else run.last_step[:STEP_ID_MAX],
                             round(max(0.0, ended - run.started_at), 1)),
                        )
                    self._db.execute("COMMIT")
                except BaseException:
                    if self._db.in_transaction:
                        self._db.execute("ROLLBACK")
                    raise
        except sqlite3.Error as exc:
            log.error("usage statistics not stored: %s", exc)

    # --- reading ---

    def _rows(self, query: str, args: tuple[Any, ...]) -> list[tuple[Any, ...]]:
        with self._lock:
            return self._db.execute(query, args).fetchall()

    def days(self, start: date, end: date) -> list[date]:
        """Days between `start` and `end` (inclusive) on which at least one session ended."""
        rows = self._rows("SELECT DISTINCT day FROM sessions WHERE day BETWEEN ? AND ? ORDER BY day",
                          (start.isoformat(), end.isoformat()))
        return [date.fromisoformat(r[0]) for r in rows]

    def day(self, day: date) -> DayFigures:
        key = day.isoformat()
        sessions = self._rows("SELECT duration_s, rating FROM sessions WHERE day = ?", (key,))
        ratings = Counter(str(r[1]) for r in sessions if r[1] is not None)
        runs = self._rows("SELECT code, outcome, step, duration_s FROM procedures WHERE day = ? ORDER BY id", (key,))
        by_code: dict[str, list[tuple[str, str | None, float]]] = {}
        for code, outcome, step, duration in runs:
            by_code.setdefault(code, []).append((outcome, step, duration))
        procedures: dict[str, ProcedureFigures] = {}
        for code in sorted(by_code):
            items = by_code[code]
            abandoned = Counter(step or "" for outcome, step, _ in items if outcome == "abandoned")
            procedures[code] = ProcedureFigures(
                started=len(items),
                completed=sum(1 for outcome, _, _ in items if outcome == "completed"),
                abandoned=sum(abandoned.values()),
                abandoned_at_step=dict(sorted(abandoned.items())),
                median_duration_s=_median(d for outcome, _, d in items if outcome == "completed"),
            )
        return DayFigures(
            day=day,
            sessions=len(sessions),
            median_duration_s=_median(r[0] for r in sessions),
            ratings={str(n): ratings.get(str(n), 0) for n in range(1, 6)},
            procedures=procedures,
        )

    def range(self, start: date, end: date) -> list[DayFigures]:
        return [self.day(d) for d in self.days(start, end)]

    # --- the daily report to the portal ---

    def daily_payload(self, day: date, kiosk_id: str, site_id: str) -> dict[str, Any]:
        """The body of `POST /api/v1/statistics/daily` for `day`."""
        figures = self.day(day)
        return {
            "kiosk_id": kiosk_id,
            "site_id": site_id,
            "date": day.isoformat(),
            "sessions": figures.sessions,
            "procedures": {
                code: {"started": p.started, "completed": p.completed, "abandoned": p.abandoned,
                       "abandoned_at_step": dict(p.abandoned_at_step)}
                for code, p in figures.procedures.items()
            },
            "ratings": {k: v for k, v in figures.ratings.items() if v},
            "median_duration_s": figures.median_duration_s,
        }

    def unreported_days(self, today: date) -> list[date]:
        """Days before `today` with sessions whose figures the portal has not acknowledged."""
        rows = self._rows(
            "SELECT DISTINCT day FROM sessions WHERE day < ? AND day NOT IN (SELECT day FROM reports_sent)"
            " ORDER BY day", (today.isoformat(),))
        return [date.fromisoformat(r[0]) for r in rows]

    def mark_reported(self, day: date, when: datetime) -> None:
        with self._lock:
            self._db.execute("INSERT OR REPLACE INTO reports_sent (day, sent_at) VALUES (?, ?)",
                             (day.isoformat(), when.isoformat()))

    # --- export ---

    def export_csv(self, target: Path, start: date, end: date) -> int:
        """Write one row per day (procedure_code "*": all of it) and one per procedure used that day.

        Returns the number of data rows. The file is written whole or not at all.
        """
        self.flush()
        rows: list[list[str]] = []
        for figures in self.range(start, end):
            ratings = [str(figures.ratings[str(n)]) for n in range(1, 6)]
            rows.append([figures.day.isoformat(), ALL_PROCEDURES, str(figures.sessions),
                         str(sum(p.started for p in figures.procedures.values())), str(figures.completed),
                         str(figures.abandoned), "", f"{figures.median_duration_s:g}", *ratings])
            for code, p in figures.procedures.items():
                steps = ";".join(f"{step}:{n}" for step, n in p.abandoned_at_step.items())
                rows.append([figures.day.isoformat(), code, "", str(p.started), str(p.completed), str(p.abandoned),
                             steps, f"{p.median_duration_s:g}", "", "", "", "", ""])
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(f".{target.name}.partial")
        # utf-8-sig: spreadsheet programs staff use open it with the right encoding.
        with partial.open("w", encoding="utf-8-sig", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(CSV_HEADER)
            writer.writerows(rows)
        partial.replace(target)
        return len(rows)


def send_daily_reports(store: StatsStore, send: Callable[[dict[str, Any]], None], kiosk_id: str, site_id: str,
                       now: datetime) -> int:
    """Send every finished day the portal has not acknowledged yet, oldest first; returns how many were sent.

    `send` delivers one payload and raises when it was not accepted (the day is then tried next time).
    """
    sent = 0
    for day in store.unreported_days(now.date()):
        send(store.daily_payload(day, kiosk_id, site_id))
        store.mark_reported(day, now)
        sent += 1
    return sent


def report_to_portal(store: StatsStore, settings: Settings, now: datetime, client: PortalClient | None = None
                     ) -> int | None:
    """Send the unreported days to the configured portal (None when there is none); notes the contact
    for the status page. Blocking: call it off the GUI thread. Raises PortalError when it failed."""
    if settings.portal.base_url is None:
        return None
    from kiosk.ops.status import portal_client, record_sync
    from kiosk.portal.errors import PortalError
    from kiosk.portal.models import DailyStatistics

    own = client is None
    active = client or portal_client(settings)
    try:
        sent = send_daily_reports(
            store, lambda payload: active.send_daily_statistics(DailyStatistics.model_validate(payload)),
            settings.kiosk.id, settings.site.id, now)
    except PortalError as exc:
        record_sync(False, now, exc.reason)
        raise
    finally:
        if own:
            active.close()
    record_sync(True, now)
    if sent:
        log.info("usage statistics of %d day(s) sent to the portal", sent)
    return sent


def open_stats(path: Path) -> StatsStore | None:
    """The statistics store, or None (logged) when it cannot be opened: the kiosk runs on without it."""
    try:
        return StatsStore(path)
    except (sqlite3.Error, OSError) as exc:
        log.error("usage statistics disabled: cannot open %s: %s", path.name, exc)
        return None


# --- the recorder ---------------------------------------------------------------------------------


def _where(journey: Journey, screen: Screen) -> str | None:
    """How far into a procedure the resident got: a step id, or "consent", "review", "submitting".

    None on the screens around a procedure (overview, lists): stepping back there to think does not
    change how far the resident got.
    """
    if screen is Screen.STEP:
        step = journey.current_step()
        return step.id if step is not None else "step"
    if screen in (Screen.CONSENT, Screen.REVIEW, Screen.SUBMITTING):
        return screen.value
    return None


class StatsRecorder:
    """Turns the journey's transitions into session records.

    A session starts with Touch and ends when the journey is back on the attract screen (Reset, the
    rating, or Back from home). A procedure starts with StartApplication (or GiveConsent), completes
    with SubmissionStored, and is abandoned at the step the resident was on when the session ended
    or another procedure was started.
    """

    def __init__(self, store: StatsStore, journey: Journey, clock: Clock) -> None:
        self.store = store
        self.journey = journey
        self.clock = clock
        self._started: float | None = None
        self._day: date | None = None
        self._runs: list[ProcedureRun] = []
        self._rating: int | None = None
        journey.subscribe(self.on_transition)

    def on_transition(self, transition: Transition) -> None:
        try:
            self._apply(transition)
        except Exception:  # statistics must never break a resident's session
            log.exception("usage statistics: transition not recorded")

    def _active(self) -> ProcedureRun | None:
        run = self._runs[-1] if self._runs else None
        return run if run is not None and not run.completed and run.ended_at is None else None

    def _apply(self, transition: Transition) -> None:
        event = transition.event
        now = self.clock.monotonic()
        if isinstance(event, Touch):
            self._begin(now)
            return
        if self._started is None:
            return
        if isinstance(event, StartApplication | GiveConsent):
            code = self.journey.session.procedure_code
            active = self._active()
            if code is not None and (active is None or active.code != code):
                if active is not None:
                    active.ended_at = now
                self._runs.append(ProcedureRun(code, now, transition.new.value))
        elif isinstance(event, SubmissionStored):
            active = self._active()
            if active is not None:
                active.completed = True
                active.ended_at = now
        if isinstance(event, Rate) and event.stars is not None and 1 <= event.stars <= 5:
            self._rating = event.stars
        if transition.new is Screen.ATTRACT or isinstance(event, Reset):
            self._end(now)
            return
        active = self._active()
        where = _where(self.journey, transition.new)
        if active is not None and where is not None:
            active.last_step = where

    def _begin(self, now: float) -> None:
        if self._started is not None:  # a session that never ended (should not happen): keep it
            self._end(now)
        self._started = now
        self._day = self.clock.now().date()
        self._runs = []
        self._rating = None

    def _end(self, now: float) -> None:
        if self._started is None or self._day is None:
            return
        for run in self._runs:
            if run.ended_at is None:
                run.ended_at = now
        record = SessionRecord(self._day, max(0.0, now - self._started), self._runs, self._rating)
        self._started, self._day, self._runs, self._rating = None, None, [], None
        self.store.record(record)
