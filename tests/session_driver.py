"""UI soak: scripted resident sessions through the real screens, offscreen.

Each session starts at the attract screen and takes a random path: submit a dossier with random valid answers
(sometimes typing invalid ones first, editing a step from the review, going back), browse a procedure, open the
lookup or feedback screens, press End, toggle the language, or walk away so the idle timer resets the kiosk
(ManualClock.advance + window.poll_idle). Every click goes through the real widgets, found by objectName.

Standalone: `python bench/soak_ui.py --sessions 10000` (the `make soak` target) prints a JSON report and exits 1
on any problem. tests/test_soak.py runs a short version; bench_memory and bench_screens reuse the driver for the
memory growth and the main-thread time per screen change.
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import ctypes.util
import gc
import json
import logging
import os
import random
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import Any

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(REPO))

from PySide6.QtCore import QCoreApplication, QEvent, QEventLoop, QObject  # noqa: E402
from PySide6.QtWidgets import QAbstractButton, QApplication, QLineEdit, QPlainTextEdit, QWidget  # noqa: E402

from kiosk.answers.sample import SAMPLE_ID_CARD, sample_answers  # noqa: E402
from kiosk.catalog.models import FieldKind, FormField  # noqa: E402
from kiosk.journey.machine import Screen  # noqa: E402
from kiosk.workdays.clock import VN_TZ, ManualClock  # noqa: E402
from ui.shell.first_paint import rss_kb  # noqa: E402

# Values each field kind must refuse; typing them must keep the resident on the step with a message.
INVALID: dict[FieldKind, str] = {
    FieldKind.PERSON_NAME: "Nguyen 123",
    FieldKind.PHONE: "12345",
    FieldKind.EMAIL: "an@@example",
    FieldKind.ID_NUMBER: "12ab",
    FieldKind.NUMBER: "abc",
    FieldKind.DATE: "31/02/2021",
}
# Noise a stuck key, a scanner or a curious child might produce: it may be accepted or refused, never crash.
NOISE = ["", " ", "\u200b", "😀" * 40, "'; DROP TABLE dossiers; --", "x" * 6000, "Ā̴̡͎" * 20, "\t\n", "0" * 300]

WAIT_SECONDS = 10.0


def trim_heap() -> None:
    """Hand the C heap's free pages back to the system (glibc), so the resident set shows live memory only.

    Without it the figure mixes leaks with what the allocator keeps after a burst of allocations (a screen
    rebuilt, a slip rendered): the resident set then wanders by ±10 MB from sample to sample.
    """
    name = ctypes.util.find_library("c")
    if name:
        with contextlib.suppress(OSError, AttributeError):  # not glibc
            ctypes.CDLL(name).malloc_trim(0)


class _MallInfo2(ctypes.Structure):
    _fields_ = [(name, ctypes.c_size_t) for name in ("arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks",
                                                     "fsmblks", "uordblks", "fordblks", "keepcost")]


def heap_in_use_kb() -> int:
    """What the C heap has handed out and not had back, in KiB (glibc's mallinfo2; 0 elsewhere).

    Unlike the resident set, this moves only with allocations still alive: a steady rise is a native leak
    or a filling cache, while fragmentation and pages the allocator keeps do not count. It includes
    SQLite's memory (see `sqlite_memory_kb`) but not Python's small-object arenas.
    """
    name = ctypes.util.find_library("c")
    if not name:
        return 0
    try:
        mallinfo2 = ctypes.CDLL(name).mallinfo2
    except (OSError, AttributeError):  # not glibc, or older than 2.33
        return 0
    mallinfo2.restype = _MallInfo2
    info = mallinfo2()
    return int(info.uordblks + info.hblkhd) // 1024


def sqlite_memory_kb() -> int:
    """What SQLite holds across all connections (page caches, prepared statements), in KiB.

    A page cache grows with the database it reads, up to its `cache_size` (2 MiB per connection by default):
    the outbox's fills as dossiers pile up on a kiosk without a portal, then levels off.
    """
    import _sqlite3

    try:
        memory_used = ctypes.CDLL(_sqlite3.__file__).sqlite3_memory_used  # found in the linked libsqlite3
    except (OSError, AttributeError):
        return 0
    memory_used.restype = ctypes.c_int64
    return int(memory_used()) // 1024


def pyside_drops_none() -> bool:
    """True when this PySide6 loses a reference to None on each call of a C++ method that returns nothing.

    PySide6 6.12.0 does so on Python 3.11 (where None is not yet immortal): after a few thousand calls None's
    reference count reaches zero and the process aborts with "Fatal Python error: none_dealloc" — a kiosk
    would die within its first sessions. Checked before a soak so the cause is named instead of a crash.
    """
    if sys.version_info >= (3, 12):
        return False
    probe = QObject()
    before = sys.getrefcount(None)
    for _ in range(100):
        probe.setObjectName("probe")
    return before - sys.getrefcount(None) > 50


@dataclass
class SoakStats:
    sessions: int = 0
    submitted: int = 0
    idle_resets: int = 0
    idle_kept: int = 0
    end_pressed: int = 0
    language_toggles: int = 0
    invalid_typed: int = 0
    noise_typed: int = 0
    id_scans: int = 0
    transitions: int = 0
    screens: Counter[str] = field(default_factory=Counter)
    change_ms: list[float] = field(default_factory=list)
    change_to: list[str] = field(default_factory=list)  # the screen each timed change ended on
    change_cpu_ms: list[float] = field(default_factory=list)  # main-thread processor time of the same changes
    problems: list[str] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        out: dict[str, Any] = {k: v for k, v in vars(self).items()
                               if k not in ("change_ms", "change_to", "change_cpu_ms", "screens", "problems")}
        out["screens"] = dict(sorted(self.screens.items()))
        out["problems"] = self.problems[:20]
        out["problem_count"] = len(self.problems)
        if self.change_ms:
            ordered = sorted(self.change_ms)
            out["change_ms_p50"] = round(statistics.median(ordered), 3)
            out["change_ms_p95"] = round(ordered[int(0.95 * (len(ordered) - 1))], 3)
            out["change_ms_max"] = round(ordered[-1], 3)
        return out


class _ErrorLog(logging.Handler):
    """Collects ERROR records (e.g. 'dossier not stored'): in a soak every one of them is a problem."""

    def __init__(self, sink: list[str]) -> None:
        super().__init__(logging.ERROR)
        self.sink = sink

    def emit(self, record: logging.LogRecord) -> None:
        self.sink.append(f"log {record.name}: {record.getMessage()}")


@contextmanager
def watching(stats: SoakStats) -> Iterator[None]:
    """Record exceptions raised in Qt slots (PySide prints them via sys.excepthook) and logged errors."""
    previous = sys.excepthook
    handler = _ErrorLog(stats.problems)

    def hook(kind: type[BaseException], value: BaseException, tb: TracebackType | None) -> None:
        stats.problems.append(f"exception {kind.__name__}: {value}")
        previous(kind, value, tb)

    sys.excepthook = hook
    logging.getLogger().addHandler(handler)
    try:
        yield
    finally:
        sys.excepthook = previous
        logging.getLogger().removeHandler(handler)


class SessionDriver:
    """Drives a shown KioskWindow (whose runtime has a ManualClock) through random resident sessions."""

    def __init__(self, window: Any, seed: int = 0, timing: bool = False) -> None:
        app = QApplication.instance()
        assert isinstance(app, QApplication), "create the QApplication first"
        clock = window.runtime.clock
        assert isinstance(clock, ManualClock), "the soak needs a runtime built with a ManualClock"
        self.app = app
        self.window = window
        self.journey = window.journey
        self.clock = clock
        self.rng = random.Random(seed)
        self.timing = timing
        self.stats = SoakStats()
        self._changes = 0
        window.screen_changed.connect(self._on_screen_changed)

    # --- plumbing ---

    def _on_screen_changed(self, screen: str) -> None:
        self._changes += 1
        self.stats.transitions += 1
        self.stats.screens[screen] += 1

    def problem(self, text: str) -> None:
        self.stats.problems.append(f"session {self.stats.sessions}: {text} (on {self.journey.screen.value})")

    def pump(self) -> None:
        """What the running event loop does after a click: layouts, paints, and deleting replaced widgets."""
        self.app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents)
        # deleteLater() waits for the event loop to regain control; the soak drives the window from outside
        # app.exec(), so it hands deferred deletions over itself, as the kiosk's loop does after each event.
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
        self.app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents)

    def find_button(self, name: str) -> QAbstractButton | None:
        widget = self.window.findChild(QAbstractButton, name)
        if isinstance(widget, QAbstractButton) and widget.isVisible() and widget.isEnabled():
            return widget
        return None

    def click(self, name: str, required: bool = True) -> bool:
        """Click a visible button like a resident would, and let Qt handle everything that follows."""
        widget = self.find_button(name)
        if widget is None:
            if required:
                self.problem(f"button {name} is missing or hidden")
            return False
        before = self._changes
        start = self._clock()
        widget.click()
        self.pump()
        self._record(start, before)
        return True

    def end(self) -> bool:
        """Press End, and confirm when the kiosk asks (a form with answers); False when End is not shown."""
        if not self.click("nav.end", required=False):
            return False
        if self.find_button("end.confirm") is not None:
            self.click("end.confirm")
        return True

    def _clock(self) -> tuple[float, float]:
        return time.perf_counter(), time.thread_time()

    def _record(self, start: tuple[float, float], changes_before: int) -> None:
        """Keep the time since `start` (wall clock, and this thread's processor time) when the screen changed."""
        if self.timing and self._changes > changes_before:
            self.stats.change_ms.append((time.perf_counter() - start[0]) * 1000)
            self.stats.change_cpu_ms.append((time.thread_time() - start[1]) * 1000)
            self.stats.change_to.append(self.journey.screen.value)

    def screen(self) -> Screen:
        screen: Screen = self.journey.screen
        return screen

    def wait_for(self, condition: Callable[[], bool], what: str) -> bool:
        """Let the event loop run until `condition`; a screen change it delivers is timed on its own."""
        deadline = time.monotonic() + WAIT_SECONDS
        while not condition():
            if time.monotonic() > deadline:
                self.problem(f"waited {WAIT_SECONDS:.0f}s for {what}")
                return False
            before = self._changes
            start = self._clock()
            self.pump()
            self._record(start, before)
            time.sleep(0.0005)
        return True

    def maybe(self, probability: float) -> bool:
        return self.rng.random() < probability

    # --- interruptions that can happen on any screen ---

    def interrupt(self) -> bool:
        """Sometimes toggle the language, sometimes walk away or press End. True when the session ended."""
        if self.maybe(0.06) and self.find_button("nav.language"):
            lang = self.journey.session.lang
            self.click("nav.language")
            self.stats.language_toggles += 1
            if self.journey.session.lang == lang:
                self.problem("the language toggle did not change the language")
        if self.maybe(0.02):
            return self.walk_away()
        if self.maybe(0.01) and self.find_button("nav.end"):
            self.end()
            self.stats.end_pressed += 1
            self.expect(Screen.ATTRACT, "after End")
            return True
        return False

    def walk_away(self) -> bool:
        """Let the idle timer run: sometimes answer the warning, otherwise the reset comes."""
        timeout = self.window.runtime.idle_policy.timeout_for(self.screen())
        if timeout is None:
            return False
        policy = self.window.runtime.idle_policy
        if self.maybe(0.4):
            self.clock.advance(timeout - min(policy.warning_seconds, timeout - 1) + 0.5)
            self.window.poll_idle()
            self.pump()
            if not self.window.overlay.isVisible():
                self.problem("no idle warning before the reset")
                return False
            self.click("idle.continue")
            self.window.poll_idle()
            if self.window.overlay.isVisible():
                self.problem("the idle warning stayed after Continue")
            self.stats.idle_kept += 1
            return False
        self.clock.advance(timeout + 1)
        before = self._changes
        start = self._clock()
        self.window.poll_idle()
        self.pump()
        self._record(start, before)
        self.stats.idle_resets += 1
        self.expect(Screen.ATTRACT, "after the idle timeout")
        return True

    def expect(self, screen: Screen, when: str) -> bool:
        if self.screen() is not screen:
            self.problem(f"expected {screen.value} {when}")
            return False
        return True

    # --- one session ---

    def run_session(self) -> None:
        self.stats.sessions += 1
        if self.screen() is not Screen.ATTRACT:
            self.problem("a session did not start on the attract screen")
            self.window.send(_reset())
            self.pump()
        self.click("attract.start")
        if not self.expect(Screen.HOME, "after touching the attract screen"):
            return
        path = self.rng.choices(["do", "learn", "lookup", "feedback"], weights=[75, 10, 8, 7])[0]
        ended = self.interrupt()
        if not ended:
            getattr(self, f"_path_{path}")()
        self.finish_session()

    def finish_session(self) -> None:
        """Whatever happened, the session ends on the attract screen (the End button or the idle reset)."""
        if self.screen() is Screen.SUBMITTING:
            self.wait_for(lambda: self.screen() is not Screen.SUBMITTING, "the dossier to be stored")
        if self.screen() is not Screen.ATTRACT and not self.end():
            self.walk_away()
        self.wait_for(lambda: not self.window.runner.busy(), "background work to finish")
        self.expect(Screen.ATTRACT, "at the end of the session")
        if self.window.overlay.isVisible():
            self.problem("the idle overlay is still shown on the attract screen")

    def _choose_procedure(self) -> bool:
        if self.maybe(0.3):
            chips = [w.objectName() for w in self.window.findChildren(QAbstractButton)
                     if w.objectName().startswith("procedures.filter.") and w.isVisible()]
            if chips:
                self.click(self.rng.choice(chips))
        buttons = [w.objectName() for w in self.window.findChildren(QAbstractButton)
                   if w.objectName().startswith("procedure.") and w.isVisible()]
        if not buttons:
            self.problem("no procedure to choose")
            return False
        self.click(self.rng.choice(sorted(buttons)))
        return self.expect(Screen.OVERVIEW, "after choosing a procedure")

    def _path_learn(self) -> None:
        self.click("home.learn")
        if self.interrupt() or not self._choose_procedure():
            return
        if self.maybe(0.5):
            self.click("nav.back")
            self.expect(Screen.PROCEDURES, "after Back on the overview")

    def _path_lookup(self) -> None:
        self.click("home.lookup")
        code = self.window.findChild(QLineEdit, "lookup.code")
        phone = self.window.findChild(QLineEdit, "lookup.phone")
        if isinstance(code, QLineEdit) and isinstance(phone, QLineEdit):
            code.setText(self.rng.choice(["", "DEMO-K01-261126-0001", self.rng.choice(NOISE)]))
            phone.setText(self.rng.choice(["5678", "12", "abcd"]))
            self.click("lookup.search")
            self.wait_for(lambda: not self.window.runner.busy(), "the lookup")
        if not self.interrupt():
            self.click("lookup.back")

    def _path_feedback(self) -> None:
        self.click("home.feedback")
        text = self.window.findChild(QPlainTextEdit, "feedback.text")
        if isinstance(text, QPlainTextEdit):
            text.setPlainText(self.rng.choice(["Dịch vụ tốt, cán bộ nhiệt tình.", "", *NOISE[:4]]))
            self.click("feedback.send")
            self.wait_for(lambda: not self.window.runner.busy(), "the feedback to be stored")
        if not self.interrupt():
            self.click("feedback.back")

    def _path_do(self) -> None:
        self.click("home.do")
        if self.interrupt() or not self._choose_procedure():
            return
        self.click("overview.start")
        if self.screen() is Screen.CONSENT:
            if self.maybe(0.05):
                self.click("consent.decline")
                self.expect(Screen.OVERVIEW, "after declining consent")
                return
            self.click("consent.agree")
        if not self.expect(Screen.STEP, "after consent") or self.interrupt():
            return
        proc = self.journey.procedure
        assert proc is not None
        answers = sample_answers(proc, self.clock.now().date(), seed=self.rng.randrange(1 << 30))
        if not self._fill_steps(answers):
            return
        if self.maybe(0.15) and self._edit_from_review(answers):
            return
        if self.interrupt():
            return
        self._submit()

    def _editors(self) -> dict[str, Any]:
        view = self.window.screens.get(Screen.STEP)
        editors: dict[str, Any] = getattr(view, "editors", {})
        return editors

    def _fill(self, answers: dict[str, str]) -> None:
        for field_id, editor in self._editors().items():
            if field_id in answers:
                editor.set_value(answers[field_id])

    def _fill_steps(self, answers: dict[str, str]) -> bool:
        for _ in range(400):  # more pages than any procedure has, even with Back presses
            if self.screen() is Screen.REVIEW:
                return True
            if not self.expect(Screen.STEP, "while filling the form"):
                return False
            step = self.journey.current_step()
            if step is not None and step.identity and self.maybe(0.2):
                self._scan_id_card()
            self._fill(answers)
            if self.maybe(0.15):
                self._type_invalid()
                self._fill(answers)
            if self.maybe(0.05) and self._type_noise():
                continue  # the noise was accepted and the form moved on
            if self.maybe(0.05) and self._position() != (0, 0):
                self.click("step.back")
                continue
            index = self._position()
            self.click("step.next")
            if self.screen() is Screen.STEP and self._position() == index:
                self._fill(answers)  # fix what was refused
                self.click("step.next")
            if self.screen() is Screen.STEP and self._position() == index:
                self.problem(f"valid sample answers were refused: {sorted(self.journey.session.errors)}")
                return False
            if self.interrupt():
                return False
        self.problem("the form never reached the review")
        return False

    def _position(self) -> tuple[int, int]:
        """Where the resident is in the form: the step, and the page (one question) within it."""
        return self.journey.session.step_index, self.journey.session.page_index

    def _visible_specs(self) -> list[FormField]:
        return [e.spec for e in self._editors().values() if e.isVisible()]

    def _type_invalid(self) -> None:
        candidates = [s for s in self._visible_specs() if s.kind in INVALID or s.required]
        if not candidates:
            return
        spec = self.rng.choice(candidates)
        value = INVALID.get(spec.kind, "")
        self._editors()[spec.id].set_value(value)
        self.stats.invalid_typed += 1
        index = self._position()
        self.click("step.next")
        refused = self.screen() is Screen.STEP and self._position() == index
        if not refused or spec.id not in self.journey.session.errors:
            self.problem(f"the invalid value for a {spec.kind.value} field was accepted")
            if not refused:
                return
        error = self.window.findChild(QWidget, f"error.{spec.id}")
        if error is None or not error.isVisible():
            self.problem(f"no message beside the refused {spec.kind.value} field")

    def _type_noise(self) -> bool:
        """Type noise into a field and press Next; True when the page was accepted anyway."""
        specs = self._visible_specs()
        if not specs:
            return False
        spec = self.rng.choice(specs)
        self._editors()[spec.id].set_value(self.rng.choice(NOISE))
        self.stats.noise_typed += 1
        index = self._position()
        self.click("step.next")
        return self.screen() is not Screen.STEP or self._position() != index

    def _scan_id_card(self) -> None:
        from kiosk.journey.machine import ScanIdCard

        payload = SAMPLE_ID_CARD if self.maybe(0.7) else self.rng.choice(["", "garbage|1|2", *NOISE[:3]])
        self.window.send(ScanIdCard(payload))
        self.pump()
        self.stats.id_scans += 1

    def _edit_from_review(self, answers: dict[str, str]) -> bool:
        edits = [w.objectName() for w in self.window.findChildren(QAbstractButton)
                 if w.objectName().startswith("review.edit.") and w.isVisible()]
        if not edits:
            return False
        self.click(self.rng.choice(edits))
        if not self.expect(Screen.STEP, "after Edit on the review"):
            return True
        self._fill(answers)
        self.click("step.next")
        return not self.expect(Screen.REVIEW, "after correcting a step from the review")

    def _submit(self) -> None:
        self.click("review.submit")
        if self.screen() is Screen.STEP:
            self.problem(f"the review sent the resident back: {sorted(self.journey.session.errors)}")
            return
        if not self.wait_for(lambda: self.screen() is not Screen.SUBMITTING, "the dossier to be stored"):
            return
        if not self.expect(Screen.RECEIPT, "after submitting"):
            return
        stored = self.journey.session.stored
        if stored is None or self.window.runtime.outbox.find(stored.local_ref) is None:
            self.problem("the receipt shows a reference the outbox does not hold")
        self.stats.submitted += 1
        if self.interrupt():
            return
        self.click("receipt.finish")
        if self.expect(Screen.RATING, "after Finish") and not self.interrupt():
            self.click(self.rng.choice(["rating.1", "rating.3", "rating.5", "rating.skip"]))
            self.expect(Screen.ATTRACT, "after rating")

    def run(self, sessions: int, progress: Callable[[int], None] | None = None) -> SoakStats:
        with watching(self.stats):
            for n in range(sessions):
                self.run_session()
                if progress is not None:
                    progress(n + 1)
        return self.stats


def drive_to(window: Any, screen: Screen, code: str, timeout: float = WAIT_SECONDS) -> None:
    """Bring `window` from the attract screen to `screen` the shortest way, through the journey's own events as
    the screens send them: procedure `code` with its sample answers (and, for SCAN, a scanner set up)."""
    from kiosk.journey.machine import (
        ChooseMode,
        ConfirmSubmit,
        Finish,
        GiveConsent,
        Mode,
        OpenFeedback,
        OpenLookup,
        SelectProcedure,
        StartApplication,
        SubmitStep,
        Touch,
    )

    journey, send = window.journey, window.send
    if screen is Screen.ATTRACT:
        return
    send(Touch())
    if screen is Screen.HOME:
        return
    if screen in (Screen.LOOKUP, Screen.FEEDBACK):
        send(OpenLookup() if screen is Screen.LOOKUP else OpenFeedback())
        return
    for event, reached in ((ChooseMode(Mode.DO), Screen.PROCEDURES), (SelectProcedure(code), Screen.OVERVIEW),
                           (StartApplication(), Screen.CONSENT), (GiveConsent(), Screen.STEP)):
        send(event)
        if screen is reached:
            return
    answers = sample_answers(journey.procedure, window.runtime.clock.now().date())
    journey.scanning = screen is Screen.SCAN  # a scanner is set up: the papers the procedure asks for are scanned
    while journey.screen is Screen.STEP:
        send(SubmitStep(answers))
    if screen in (Screen.SCAN, Screen.REVIEW):
        _expect(journey.screen, screen)
        return
    _expect(journey.screen, Screen.REVIEW)
    send(ConfirmSubmit())
    if screen is Screen.SUBMITTING:
        return
    deadline = time.monotonic() + timeout
    while journey.screen is not Screen.RECEIPT and time.monotonic() < deadline:
        QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 20)
        time.sleep(0.002)
    if screen is Screen.RATING:
        _expect(journey.screen, Screen.RECEIPT)
        send(Finish())
    _expect(journey.screen, screen)


def _expect(shown: Screen, wanted: Screen) -> None:
    if shown is not wanted:
        raise AssertionError(f"driving to {wanted.value} ended on {shown.value}")


def _reset() -> Any:
    from kiosk.journey.machine import Reset

    return Reset("soak-recovery")


# --- standalone -----------------------------------------------------------------------------------


@contextmanager
def soak_window(data_dir: Path, settings: Any = None) -> Iterator[Any]:
    """A shown kiosk window on a fresh data directory, with a ManualClock, torn down afterwards; `settings`
    (kiosk.settings.config.Settings) default to the kiosk's defaults."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    os.environ["KIOSK_DATA_DIR"] = str(data_dir / "data")
    os.environ["KIOSK_KEYRING_DIR"] = str(data_dir / "keyring")
    os.environ["PYTHON_KEYRING_BACKEND"] = "kiosk.keystore.LocalFileKeyring"
    from kiosk.runtime import build_runtime
    from kiosk.settings.config import Settings
    from ui.shell.app import ensure_app
    from ui.shell.window import KioskWindow

    app = ensure_app()
    runtime = build_runtime(settings or Settings(), clock=ManualClock(datetime(2026, 11, 26, 9, 0, tzinfo=VN_TZ)))
    window = KioskWindow(runtime)
    window.resize(1366, 768)
    window.show()
    app.processEvents()
    try:
        yield window
    finally:
        window.shutdown()
        window.close()
        window.deleteLater()
        app.processEvents()
        runtime.close()


def soak(sessions: int, seed: int, warmup: int = 0, timing: bool = False,
         every: int = 0) -> dict[str, Any]:
    """Run `warmup` sessions (screens get built, caches fill), then `sessions` more; report stats and memory."""
    with tempfile.TemporaryDirectory(prefix="kiosk-soak-") as tmp, soak_window(Path(tmp)) as window:
        driver = SessionDriver(window, seed=seed, timing=False)
        started = time.perf_counter()
        if warmup:
            driver.run(warmup)
        def memory() -> tuple[int, int]:
            """(resident set, resident set after trimming the heap) in KiB."""
            gc.collect()
            raw = rss_kb()
            trim_heap()
            return raw, rss_kb()

        def allocations() -> tuple[int, int, int]:
            """(C heap in use KiB, SQLite's share KiB, the window's QObjects), right after `memory()`."""
            return heap_in_use_kb(), sqlite_memory_kb(), len(window.findChildren(QObject))

        before = memory()
        driver.timing = timing
        driver.stats.change_ms.clear()
        driver.stats.change_to.clear()
        driver.stats.change_cpu_ms.clear()
        samples: list[tuple[int, int, int]] = [(0, *before)]
        heap: list[tuple[int, int, int, int]] = [(0, *allocations())]

        def progress(done: int) -> None:
            if every and done % every == 0:
                samples.append((done, *memory()))
                heap.append((done, *allocations()))
                print(f"soak: {done}/{sessions} sessions, rss {samples[-1][1] / 1024:.1f} MB "
                      f"({samples[-1][2] / 1024:.1f} MB live)", file=sys.stderr)

        driver.run(sessions, progress)
        after = memory()
        if not every or sessions % every:
            samples.append((sessions, *after))
            heap.append((sessions, *allocations()))
        report = driver.stats.summary()
        report.update({
            "seed": seed,
            "warmup_sessions": warmup,
            "measured_sessions": sessions,
            "seconds": round(time.perf_counter() - started, 1),
            "rss_before_kb": before[0],
            "rss_after_kb": after[0],
            "live_before_kb": before[1],
            "live_after_kb": after[1],
            "live_growth_mb_per_1000": round((after[1] - before[1]) / 1024 * 1000 / max(sessions, 1), 3),
            "rss_samples_kb": samples,  # (sessions done, resident set, resident set after trimming the heap)
            # (sessions done, C heap in use KiB, SQLite's share of it KiB, QObjects under the window)
            "heap_samples": heap,
            "change_ms": driver.stats.change_ms if timing else [],
            "change_to": driver.stats.change_to if timing else [],
            "change_cpu_ms": driver.stats.change_cpu_ms if timing else [],
        })
        return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--sessions", type=int, default=10_000)
    parser.add_argument("--warmup", type=int, default=50, help="sessions before the memory baseline")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--timing", action="store_true", help="record main-thread time per screen change")
    parser.add_argument("--every", type=int, default=1000, help="sample memory every N sessions")
    parser.add_argument("--json", metavar="FILE", help="also write the report here")
    args = parser.parse_args(argv)
    if pyside_drops_none():
        print("soak: this PySide6 drops a reference to None on every call (PySide6 6.12.0 on Python 3.11); "
              "the kiosk would abort with 'none_dealloc'. Use PySide6-Essentials < 6.12 or Python >= 3.12.",
              file=sys.stderr)
        return 2
    report = soak(args.sessions, args.seed, warmup=args.warmup, timing=args.timing, every=args.every)
    text = json.dumps({k: v for k, v in report.items() if k not in ("change_ms", "change_to", "change_cpu_ms")},
                      indent=2,
                      ensure_ascii=False)
    print(text)
    if args.json:
        Path(args.json).write_text(json.dumps(report, ensure_ascii=False), "utf-8")
    return 1 if report["problem_count"] else 0


if __name__ == "__main__":
    sys.exit(main())
