"""The kiosk's side of the fleet: reports survive an outage and arrive once; an outage costs a resident nothing."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

from fleet.server import FleetServer
from fleet.store import FleetStore
from kiosk.journey.events import Touch
from kiosk.journey.machine import Screen
from kiosk.portal.models import DailyStatistics
from kiosk.settings.config import FleetSettings, Settings
from kiosk.telemetry.queue import ReportQueue
from kiosk.telemetry.reporter import FleetClient, FleetUnavailableError, Reporter
from kiosk.telemetry.wire import CommandName, Heartbeat
from tests.fleet_fixtures import KIOSK_ID, KIOSK_SECRET, fleet_of, round_trip
from tests.qt_fixtures import WindowFactory
from ui.shell.window import KioskWindow

BEAT = Heartbeat(version="1.4.0", uptime_s=60, screen="attract", outbox_depth=0, printer="ready", scanner="ready",
                 disk_free_pct=50.0)


def figures(day: date) -> DailyStatistics:
    return DailyStatistics(kiosk_id=KIOSK_ID, site_id="bui-thi-xuan", date=day, sessions=3,
                           procedures={"1.001193": {"started": 2, "completed": 1, "abandoned": 1,
                                                    "abandoned_at_step": {"applicant": 1}}},
                           median_duration_s=180.0)


@pytest.fixture
def queue(tmp_path: Path) -> Iterator[ReportQueue]:
    q = ReportQueue(tmp_path / "fleet-reports.sqlite3")
    yield q
    q.close()


def test_reports_queued_during_an_outage_arrive_exactly_once(fleet_store: FleetStore, queue: ReportQueue) -> None:
    server = FleetServer(fleet_store).start()
    port = server.port
    server.stop()  # the city's service is down
    reporter = Reporter(queue, FleetClient(f"http://127.0.0.1:{port}", KIOSK_ID, lambda: KIOSK_SECRET))
    for printer in ("ready", "paper_low", "paper_out"):  # the roll runs out while the service is down
        reporter.beat(BEAT.model_copy(update={"printer": printer}))
        with pytest.raises(FleetUnavailableError):
            reporter.deliver()
    assert reporter.queue_usage(figures, date(2026, 12, 5)) == 7  # the last week, each day with sessions
    assert queue.depth() == {"heartbeat": 3, "usage": 7}

    with FleetServer(fleet_store, port=port):  # back
        assert reporter.deliver() == []
        assert queue.depth() == {}
        assert reporter.queue_usage(figures, date(2026, 12, 5)) == 0  # unchanged figures are not sent again
        reporter.deliver()
    counts = fleet_store.counts()
    assert (counts["heartbeats"], counts["usage"]) == (3, 7)
    assert fleet_store.kiosk(KIOSK_ID).beat["printer"] == "paper_out"


def test_a_command_runs_once_and_its_result_reaches_the_dashboard(fleet_store: FleetStore,
                                                                  queue: ReportQueue) -> None:
    staff = fleet_store.staff("thanhpho")
    assert staff is not None
    command_id = fleet_store.add_command(staff, KIOSK_ID, CommandName.REPRINT_LAST)
    with FleetServer(fleet_store) as server:
        reporter = Reporter(queue, FleetClient(server.url, KIOSK_ID, lambda: KIOSK_SECRET))
        [command] = reporter.deliver()
        assert command.id == command_id
        assert reporter.deliver() == []  # handed out again (no result yet) but not run twice
        reporter.result(command, False, "no slip printed today")
        reporter.deliver()
    [row] = fleet_store.recent_commands([KIOSK_ID])
    assert (row.status, row.result) == ("failed", "no slip printed today")


def test_a_long_outage_keeps_every_figure_but_only_the_latest_heartbeats(queue: ReportQueue) -> None:
    queue.max_heartbeats = 5
    reporter = Reporter(queue, FleetClient("http://127.0.0.1:9", KIOSK_ID, lambda: KIOSK_SECRET))
    for uptime in range(12):
        reporter.beat(BEAT.model_copy(update={"uptime_s": uptime}))
    reporter.queue_usage(figures, date(2026, 12, 5))
    assert queue.depth() == {"heartbeat": 5, "usage": 7}
    kept = [r.body["uptime_s"] for r in queue.batch(100) if r.kind.value == "heartbeat"]
    assert kept == [7, 8, 9, 10, 11]


@pytest.fixture
def silent() -> Iterator[socket.socket]:
    """A listening socket that accepts connections (backlog) and never answers."""
    server = socket.create_server(("127.0.0.1", 0))
    yield server
    server.close()


@pytest.mark.gui
def test_a_fleet_service_that_never_answers_does_not_delay_a_resident(
    qtbot: QtBot, silent: socket.socket, make_window: WindowFactory
) -> None:
    win = make_window(Settings(fleet=FleetSettings(base_url=f"http://127.0.0.1:{silent.getsockname()[1]}",
                                                   heartbeat_seconds=1)))
    qtbot.waitUntil(lambda: fleet_of(win)._busy, timeout=10_000)  # a round is stuck on the network
    win.send(Touch())
    assert win.journey.screen is Screen.HOME
    assert win.stack.currentWidget() is win.screens[Screen.HOME]
    assert fleet_of(win)._busy  # the resident went on while the round still waited


@pytest.mark.gui
def test_after_a_resident_session_the_fleet_holds_figures_and_nothing_personal(
        qtbot: QtBot, reporting_window: tuple[KioskWindow, FleetServer]) -> None:
    from kiosk.answers.sample import sample_answers
    from tests.screen_walk import walk_procedure

    win, server = reporting_window
    runtime = win.runtime
    code = runtime.catalog.procedures[0].code
    answers = sample_answers(runtime.catalog.get(code), runtime.clock.now().date())
    for _ in walk_procedure(win, qtbot, code, submit=True):
        pass
    round_trip(qtbot, win)
    queue_file = (runtime.settings.outbox_path().parent / "fleet-reports.sqlite3").read_bytes()
    [usage] = server.store.usage_rows([KIOSK_ID], runtime.clock.now().date())
    assert usage.body["sessions"] == 1 and usage.body["procedures"][code]["completed"] == 1
    stored = repr([usage.body, server.store.kiosk(KIOSK_ID).beat])
    personal = [str(v) for v in answers.values() if isinstance(v, str) and len(v) >= 4]
    assert personal  # the session did type names, numbers and addresses
    assert [v for v in personal if v in stored or v.encode() in queue_file] == []


@pytest.mark.gui
def test_lock_waits_for_the_resident_then_covers_the_screen_until_unlocked(
        qtbot: QtBot, reporting_window: tuple[KioskWindow, FleetServer]) -> None:
    from fleet.health import assess
    from fleet.store import now_utc
    from kiosk.i18n import tr
    from tests.qt_helpers import visible_texts

    win, server = reporting_window
    store = server.store
    staff = store.staff("haibatrung")
    assert staff is not None
    win.send(Touch())  # a resident is at the kiosk
    store.add_command(staff, KIOSK_ID, CommandName.LOCK)
    round_trip(qtbot, win)
    assert not fleet_of(win).locked
    assert store.recent_commands([KIOSK_ID])[0].status == "delivered"
    win.reset("test")  # the resident is done
    assert fleet_of(win).locked
    cover = win.findChild(QLabel, "fleet-maintenance")
    assert cover is not None and cover.isVisible()
    assert tr("fleet.locked_title", "vi") in "".join(visible_texts(win))
    qtbot.mouseClick(cover, Qt.MouseButton.LeftButton)
    assert win.journey.screen is Screen.ATTRACT  # a touch on the cover starts no session
    round_trip(qtbot, win)
    row = store.kiosk(KIOSK_ID)
    assert assess(row.beat, row.last_seen, now_utc()).texts("vi") == ["Đang khóa để bảo trì"]
    assert store.recent_commands([KIOSK_ID])[0].status == "done"
    store.add_command(staff, KIOSK_ID, CommandName.UNLOCK)
    round_trip(qtbot, win)
    assert not cover.isVisible()


def test_the_technician_stores_the_fleet_secret_from_standard_input() -> None:
    import subprocess
    import sys

    from kiosk.security.secrets import FLEET_SECRET, get_secret

    stored = subprocess.run([sys.executable, "-m", "kiosk", "fleet-secret"], input="s3cret-of-BTX-K01\n",
                            capture_output=True, text=True, timeout=60, check=False)
    assert stored.returncode == 0, stored.stderr
    assert get_secret(FLEET_SECRET) == "s3cret-of-BTX-K01"
    empty = subprocess.run([sys.executable, "-m", "kiosk", "fleet-secret"], input="", capture_output=True,
                           text=True, timeout=60, check=False)
    assert empty.returncode == 2
    assert "no secret on standard input" in empty.stderr
    assert get_secret(FLEET_SECRET) == "s3cret-of-BTX-K01"


@pytest.mark.gui
def test_errors_logged_on_the_kiosk_reach_the_dashboard_as_counts_without_their_text(
        qtbot: QtBot, reporting_window: tuple[KioskWindow, FleetServer]) -> None:
    import logging

    from fleet.health import assess
    from fleet.store import now_utc

    win, server = reporting_window
    for _ in range(2):
        logging.getLogger("kiosk.printing.transports").error("printer device %s gone", "/dev/usb/lp0")
    round_trip(qtbot, win)
    row = server.store.kiosk(KIOSK_ID)
    assert row.beat["errors"] == ["kiosk.printing.transports: 2"]
    assert "Có lỗi gần đây" in assess(row.beat, row.last_seen, now_utc()).texts("vi")
    assert "lp0" not in repr(row.beat)


def test_errors_older_than_an_hour_are_no_longer_reported() -> None:
    import logging

    from kiosk.telemetry.errors import ErrorTally

    now = [0.0]
    tally = ErrorTally(clock=lambda: now[0])
    logger = logging.getLogger("kiosk.portal.sync")
    logger.addHandler(tally)
    try:
        logger.error("sync failed")
        logger.warning("slow")  # not an error
    finally:
        logger.removeHandler(tally)
    assert tally.recent() == ["kiosk.portal.sync: 1"]
    now[0] = 3601.0
    assert tally.recent() == []


@pytest.mark.gui
def test_restart_queues_its_result_then_closes_the_kiosk_for_systemd_to_start_again(
        qtbot: QtBot, reporting_window: tuple[KioskWindow, FleetServer]) -> None:
    win, server = reporting_window
    staff = server.store.staff("thanhpho")
    assert staff is not None
    server.store.add_command(staff, KIOSK_ID, CommandName.REPRINT_LAST)
    server.store.add_command(staff, KIOSK_ID, CommandName.RESTART)
    fleet_of(win).report()
    qtbot.waitUntil(lambda: not win.isVisible(), timeout=20_000)
    assert win.exit_status == 0  # not the technician's 75: systemd starts the kiosk again
    queue = ReportQueue(win.runtime.settings.outbox_path().parent / "fleet-reports.sqlite3")
    try:
        results = {r.body["name"]: (r.body["ok"], r.body["detail"]) for r in queue.batch(100)
                   if r.kind.value == "command_result"}
    finally:
        queue.close()
    assert results == {"reprint_last": (False, "no printer configured"), "restart": (True, "restarted")}
