"""Printing a slip for real: to a PDF file and to a port-9100 thermal printer on 127.0.0.1, read back
and scanned with zxing-cpp; and what the kiosk does when the printer is out of paper, gone or silent."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from datetime import datetime
from functools import partial
from pathlib import Path

import numpy as np
import pytest
import zxingcpp
from PIL import Image
from PySide6.QtWidgets import QLabel, QWidget
from pytestqt.qtbot import QtBot

import ui.printing.service
from kiosk.answers.sample import sample_answers
from kiosk.catalog import Catalog, load_catalog
from kiosk.files import paths
from kiosk.payment.fees import assess
from kiosk.payment.vietqr import crc16_ccitt_false, parse_payload
from kiosk.printing import PrinterState, Transport, decode_raster
from kiosk.printing.receipt import Slip, build_slip
from kiosk.printing.slips import SlipStore
from kiosk.security.crypto import Sealer
from kiosk.settings.config import PaymentSettings, PrinterSettings, Settings
from kiosk.workdays.clock import VN_TZ, ManualClock
from tests.qt_fixtures import WindowFactory
from tests.qt_helpers import click
from tests.test_escpos import GS_V_0, PAPER_LOW, PAPER_OUT, STATUS_READY, FakePrinter, to_gray
from tests.test_ui_journey import submit_sample_dossier
from ui.common.timers import named_timer
from ui.common.workers import TaskRunner
from ui.printing.service import PrintService, transport_for
from ui.shell.app import ensure_app
from ui.shell.window import KioskWindow

pytestmark = pytest.mark.gui

CERTIFIED_COPY = "2.000815.000.00.00.H26"
PAYMENT = PaymentSettings(bank_bin="970436", account="0011001234567", account_name="UBND PHUONG HAI BA TRUNG")
OFFICIAL = "000.00.21.H26-261126-0001"


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog(paths.procedures_dir())


@pytest.fixture
def slip(catalog: Catalog) -> Slip:
    proc = catalog.get(CERTIFIED_COPY)
    submitted = datetime(2026, 11, 26, 9, 0, tzinfo=VN_TZ)
    answers = sample_answers(proc, submitted.date())
    return build_slip(proc, answers, "DEMO-K01-261126-0001", True, submitted,
                      assess(proc, answers, submitted.date()),
                      Settings(payment=PAYMENT))


@pytest.fixture
def service_for(qtbot: QtBot) -> Iterator[Callable[..., PrintService]]:
    """Builds print services on their own TaskRunner; shuts them down after the test."""
    ensure_app()
    made: list[tuple[PrintService, TaskRunner]] = []

    def make(printer: PrinterSettings, store: SlipStore | None = None,
             official: Callable[[str], str | None] | None = None,
             transport_factory: Callable[[PrinterSettings], Transport] = transport_for) -> PrintService:
        runner = TaskRunner()
        service = PrintService(Settings(payment=PAYMENT, printer=printer), runner, store, official,
                               transport_factory=transport_factory)
        made.append((service, runner))
        return service

    yield make
    for service, runner in made:
        service.shutdown()
        runner.shutdown()


@pytest.fixture
def free_port() -> int:
    """A port on 127.0.0.1 nobody listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


@pytest.fixture
def store(tmp_path: Path) -> SlipStore:
    return SlipStore(tmp_path / "slips.sqlite3", Sealer(os.urandom(32)), ManualClock(datetime.now(VN_TZ)))


def network(printer: FakePrinter, **settings: object) -> PrinterSettings:
    return PrinterSettings.model_validate({"kind": "network", "address": f"127.0.0.1:{printer.port}", **settings})


def print_and_wait(qtbot: QtBot, service: PrintService, start: Callable[[], bool]) -> list[object]:
    with qtbot.waitSignal(service.job_finished, timeout=round(service.time_limit * 1000) + 2000) as blocker:
        assert start()
    return list(blocker.args or [])


def codes_in(pixels: np.ndarray) -> list[str]:
    return [code.text for code in zxingcpp.read_barcodes(pixels)]


def assert_slip_codes(found: list[str], slip: Slip, reference: str | None = None) -> None:
    reference = reference or slip.reference
    assert f"https://dichvucong.hanoi.gov.vn/tra-cuu-ho-so?ma={reference}" in found
    [payment] = [text for text in found if text.startswith("000201")]
    assert crc16_ccitt_false(payment[:-4].encode("ascii")) == int(payment[-4:], 16)
    transfer = parse_payload(payment)  # checks the CRC and the structure again
    assert (transfer.bank_bin, transfer.account, transfer.amount_vnd) == ("970436", "0011001234567", slip.fee_vnd)
    assert transfer.purpose == reference


# --- the done-when tests: PDF and ESC/POS on a socket, decoded back ---


@pytest.mark.parametrize("paper_mm", [80, 58])
def test_slip_printed_to_pdf_scans_to_the_lookup_url_and_the_vietqr_payment(
    qtbot: QtBot, tmp_path: Path, slip: Slip, service_for: Callable[..., PrintService], paper_mm: int
) -> None:
    pdftoppm = shutil.which("pdftoppm")
    assert pdftoppm, "rendering the PDF back needs pdftoppm: apt-get install poppler-utils"
    folder = tmp_path / "pdf"
    service = service_for(PrinterSettings(kind="pdf", address=str(folder), paper_width_mm=paper_mm))
    assert print_and_wait(qtbot, service, lambda: service.print_slip(slip, "uuid-1")) == [True, ""]
    [pdf] = folder.glob("*.pdf")
    subprocess.run([pdftoppm, "-r", "300", "-gray", "-png", "-singlefile", str(pdf), str(tmp_path / "page")],
                   check=True, timeout=30)
    with Image.open(tmp_path / "page.png") as page:
        assert abs(page.width - paper_mm / 25.4 * 300) <= 2  # a roll page of the configured width
        pixels = np.asarray(page.convert("L"))
    assert_slip_codes(codes_in(pixels), slip)


@pytest.mark.parametrize(("paper_mm", "dots"), [(80, 576), (58, 384)])
def test_slip_sent_to_a_port_9100_printer_scans_to_both_codes(
    qtbot: QtBot, slip: Slip, service_for: Callable[..., PrintService], paper_mm: int, dots: int
) -> None:
    with FakePrinter() as printer:
        service = service_for(network(printer, paper_width_mm=paper_mm))
        assert print_and_wait(qtbot, service, lambda: service.print_slip(slip, "uuid-1")) == [True, ""]
        [job] = printer.jobs()
    assert job.count(GS_V_0) > 1, "a tall slip goes in strips"
    bitmap = decode_raster(job)
    assert bitmap.width == dots
    assert_slip_codes(codes_in(to_gray(bitmap)), slip)
    assert service.state is PrinterState.READY


def test_slip_written_to_a_device_file(
    qtbot: QtBot, tmp_path: Path, slip: Slip, service_for: Callable[..., PrintService]
) -> None:
    device = tmp_path / "lp0"
    service = service_for(PrinterSettings(kind="file", address=str(device)))
    assert print_and_wait(qtbot, service, lambda: service.print_slip(slip, "uuid-1")) == [True, ""]
    assert_slip_codes(codes_in(to_gray(decode_raster(device.read_bytes()))), slip)


# --- printer trouble: the resident is told, the slip waits for a reprint, staff see the state ---


def test_out_of_paper_queues_the_slip_and_staff_reprint_it_under_the_official_code(
    qtbot: QtBot, slip: Slip, store: SlipStore, service_for: Callable[..., PrintService]
) -> None:
    with FakePrinter(paper=PAPER_OUT) as printer:
        official: dict[str, str] = {}
        service = service_for(network(printer), store, official.get)
        states: list[object] = []
        service.state_changed.connect(states.append)
        assert print_and_wait(qtbot, service, lambda: service.print_slip(slip, "uuid-1")) == [False, "paper_out"]
        assert printer.jobs() == []
        assert states == [PrinterState.PAPER_OUT]
        [waiting] = store.needing_reprint()
        assert (waiting.id, waiting.reference, waiting.last_error) == ("uuid-1", slip.reference, "paper_out")

        printer.answers[4] = STATUS_READY  # staff put in a new roll; the portal has given the official code
        official["uuid-1"] = OFFICIAL
        assert print_and_wait(qtbot, service, lambda: service.reprint("uuid-1")) == [True, ""]
        [job] = printer.jobs()
    assert_slip_codes(codes_in(to_gray(decode_raster(job))), slip, OFFICIAL)
    assert service.state is PrinterState.READY
    assert store.needing_reprint() == []
    assert [(r.status, r.reference) for r in store.today()] == [("printed", OFFICIAL)]


def test_reprint_of_an_unknown_slip_says_so(
    qtbot: QtBot, store: SlipStore, service_for: Callable[..., PrintService]
) -> None:
    with FakePrinter() as printer:
        service = service_for(network(printer), store)
        assert print_and_wait(qtbot, service, lambda: service.reprint("nope")) == [False, "unknown_slip"]
        assert printer.jobs() == []


def test_silent_printer_leaves_the_gui_responsive_and_fails_within_the_limit(
    qtbot: QtBot, slip: Slip, service_for: Callable[..., PrintService]
) -> None:
    with FakePrinter(online=None, paper=None, hold_open=True) as printer:
        service = service_for(network(printer, timeout_seconds=0.6))
        ticks: list[float] = []
        heartbeat = named_timer(service, "test-gui-heartbeat", 10)
        heartbeat.timeout.connect(lambda: ticks.append(time.monotonic()))
        heartbeat.start()
        started = time.monotonic()
        try:
            outcome = print_and_wait(qtbot, service, lambda: service.print_slip(slip, "uuid-1"))
        finally:
            heartbeat.stop()
        elapsed = time.monotonic() - started
    assert outcome == [False, "timeout"]
    assert elapsed <= service.time_limit
    # The GUI thread kept running its timers the whole time the printer kept silent.
    gaps = np.diff([started, *ticks])
    assert len(ticks) >= 20 and gaps.max() < 0.25
    assert service.state is PrinterState.OFFLINE


def test_printer_vanishing_mid_job(qtbot: QtBot, slip: Slip, service_for: Callable[..., PrintService]) -> None:
    with FakePrinter(close_after=2000) as printer:
        service = service_for(network(printer))
        assert print_and_wait(qtbot, service, lambda: service.print_slip(slip, "uuid-1")) == [False, "io"]
    assert service.state is PrinterState.OFFLINE


def test_printer_answering_garbage_still_prints(
    qtbot: QtBot, slip: Slip, service_for: Callable[..., PrintService]
) -> None:
    with FakePrinter(online=0xFF, paper=0x00) as printer:
        service = service_for(network(printer, timeout_seconds=1))
        assert print_and_wait(qtbot, service, lambda: service.print_slip(slip, "uuid-1")) == [True, ""]
        assert len(printer.jobs()) == 1
    assert service.state is PrinterState.UNKNOWN


def test_unreachable_or_misconfigured_printer_is_offline(
    qtbot: QtBot, slip: Slip, free_port: int, service_for: Callable[..., PrintService]
) -> None:
    for address in (f"127.0.0.1:{free_port}", "printer:port"):
        service = service_for(PrinterSettings(kind="network", address=address, timeout_seconds=1))
        outcome = print_and_wait(qtbot, service, partial(service.print_slip, slip, "uuid-1"))
        assert outcome == [False, "offline"]
        assert service.state is PrinterState.OFFLINE


class StuckTransport:
    """A driver that ignores its timeout (a wedged USB stack): the service's own limit must answer."""

    def __init__(self) -> None:
        self.release = threading.Event()

    def send(self, data: bytes, timeout: float) -> None:
        self.release.wait(10)

    def query_status(self, timeout: float) -> PrinterState:
        return PrinterState.UNKNOWN


def test_job_that_outlives_the_limit_is_reported_failed_once(
    qtbot: QtBot, slip: Slip, store: SlipStore, service_for: Callable[..., PrintService],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(ui.printing.service, "JOB_SLACK_SECONDS", 0.3)
    stuck = StuckTransport()

    def factory(printer: PrinterSettings) -> Transport:
        return stuck

    service = service_for(PrinterSettings(kind="usb", address="0416:5011", timeout_seconds=0.2), store,
                          transport_factory=factory)
    finished: list[tuple[bool, str]] = []
    service.job_finished.connect(lambda ok, reason: finished.append((ok, reason)))
    started = time.monotonic()
    try:
        assert print_and_wait(qtbot, service, lambda: service.print_slip(slip, "uuid-1")) == [False, "timeout"]
        assert time.monotonic() - started <= service.time_limit + 0.5
        assert service.state is PrinterState.OFFLINE and not service.busy
    finally:
        stuck.release.set()
    qtbot.waitUntil(lambda: not service.runner.busy(), timeout=5000)
    qtbot.waitUntil(lambda: bool(store.today()) and store.today()[0].status != "pending", timeout=5000)
    assert finished == [(False, "timeout")]  # the late answer of the stuck job is not a second verdict


def test_state_query_tells_staff_about_low_paper(qtbot: QtBot, service_for: Callable[..., PrintService]) -> None:
    with FakePrinter(paper=PAPER_LOW) as printer:
        service = service_for(network(printer))
        with qtbot.waitSignal(service.state_changed, timeout=5000) as blocker:
            service.check_state()
    assert blocker.args == [PrinterState.PAPER_LOW]
    assert service.state is PrinterState.PAPER_LOW


def test_without_a_printer_nothing_is_queued(slip: Slip, service_for: Callable[..., PrintService]) -> None:
    service = service_for(PrinterSettings())
    assert not service.enabled
    assert not service.print_slip(slip, "uuid-1")
    assert not service.reprint("uuid-1")


# --- in the kiosk window ---


@pytest.fixture
def kiosk_with(make_window: WindowFactory) -> Callable[[PrinterSettings], KioskWindow]:
    """A shown kiosk window taking payments and printing to `printer`."""
    return lambda printer: make_window(Settings(payment=PAYMENT, printer=printer))


def label_text(window: KioskWindow, name: str) -> str:
    widget = window.findChild(QLabel, name)
    assert widget is not None
    return widget.text() if widget.isVisible() else ""


def test_stored_dossier_prints_its_slip_and_prints_again_on_request(
    qtbot: QtBot, kiosk_with: Callable[[PrinterSettings], KioskWindow]
) -> None:
    with FakePrinter() as printer:
        window = kiosk_with(network(printer))
        submit_sample_dossier(qtbot, window, CERTIFIED_COPY, pages="5", copies="2")
        printed = "Đã in phiếu. Mời Ông/Bà lấy phiếu ở khay máy in."
        qtbot.waitUntil(lambda: label_text(window, "receipt.status") == printed, timeout=10000)
        slip = window.print_control.slip
        assert slip is not None and slip.vietqr_payload is not None
        assert parse_payload(slip.vietqr_payload).amount_vnd == 14000  # 2 × (2 × 2.000 + 3 × 1.000)
        pay_qr = window.findChild(QWidget, "receipt.vietqr")
        assert pay_qr is not None and pay_qr.isVisible()
        assert label_text(window, "receipt.pay") == "Quét mã VietQR để nộp 14.000 đồng"
        [job] = printer.jobs()
        assert_slip_codes(codes_in(to_gray(decode_raster(job))), slip)

        click(qtbot, window, "receipt.print")
        qtbot.waitUntil(lambda: len(printer.jobs()) == 2, timeout=10000)
        qtbot.waitUntil(lambda: window.printing.slips is not None and window.printing.slips.today()[0].attempts == 2,
                        timeout=5000)


def test_paper_out_tells_the_resident_to_photograph_the_qr_and_queues_a_reprint(
    qtbot: QtBot, kiosk_with: Callable[[PrinterSettings], KioskWindow]
) -> None:
    with FakePrinter(paper=PAPER_OUT) as printer:
        window = kiosk_with(network(printer))
        submit_sample_dossier(qtbot, window)
        qtbot.waitUntil(lambda: "chụp ảnh mã QR" in label_text(window, "receipt.print_problem"), timeout=10000)
        # The state, not the signals seen: the start-up probe may report it before a test could listen.
        assert window.printing.state is PrinterState.PAPER_OUT
        qr = window.findChild(QWidget, "receipt.qr")
        assert qr is not None and qr.isVisible()
        stored = window.journey.session.stored
        assert stored is not None and window.printing.slips is not None
        assert [r.id for r in window.printing.slips.needing_reprint()] == [stored.uuid]

        click(qtbot, window, "receipt.finish")  # the resident leaves; staff reprint after a new roll
        printer.answers[4] = STATUS_READY
        with qtbot.waitSignal(window.printing.job_finished, timeout=10000) as blocker:
            assert window.printing.reprint(stored.uuid)
        assert blocker.args == [True, ""]
        assert len(printer.jobs()) == 1
        assert window.printing.slips.needing_reprint() == []


def test_kiosk_knows_its_printer_state_before_anyone_prints(
    qtbot: QtBot, kiosk_with: Callable[[PrinterSettings], KioskWindow]
) -> None:
    with FakePrinter(paper=PAPER_LOW) as printer:
        window = kiosk_with(network(printer))
        qtbot.waitUntil(lambda: window.printing.state is PrinterState.PAPER_LOW, timeout=5000)
        assert printer.jobs() == []


def test_papers_checklist_prints_from_the_overview(
    qtbot: QtBot, kiosk_with: Callable[[PrinterSettings], KioskWindow]
) -> None:
    with FakePrinter() as printer:
        window = kiosk_with(network(printer))
        click(qtbot, window, "attract.start")
        click(qtbot, window, "home.do")
        click(qtbot, window, f"procedure.{CERTIFIED_COPY}")
        click(qtbot, window, "overview.print_checklist")
        qtbot.waitUntil(lambda: label_text(window, "overview.print_status").startswith("Đã in danh sách"),
                        timeout=10000)
        [job] = printer.jobs()
    assert decode_raster(job).width == 576


def test_no_print_buttons_without_a_printer(qtbot: QtBot, kiosk_with: Callable[[PrinterSettings], KioskWindow]) -> None:
    window = kiosk_with(PrinterSettings())
    click(qtbot, window, "attract.start")
    click(qtbot, window, "home.do")
    click(qtbot, window, f"procedure.{CERTIFIED_COPY}")
    checklist = window.findChild(QWidget, "overview.print_checklist")
    assert checklist is not None and not checklist.isVisible()
    assert not window.printing.enabled
