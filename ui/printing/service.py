"""Printing slips and checklists off the GUI thread: ESC/POS thermal rolls, CUPS queues and PDF files.

One renderer (`ui.printing.slip_render`) makes the image; this module turns it into what the configured printer
takes: a 1-bit raster sent in `GS v 0` strips to a thermal printer (network port 9100, USB, serial or a
device file), or one page of a custom roll size through QPrinter (a CUPS queue, or a PDF file). Jobs
run one at a time on the window's TaskRunner with a time limit: whatever the printer does (vanish
mid-job, answer garbage, never answer), the GUI thread never waits for it and `job_finished` arrives.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QMarginsF, QObject, QRectF, QSizeF, Signal
from PySide6.QtGui import QImage, QPageLayout, QPageSize, QPainter

from kiosk.printing import (
    MonoBitmap,
    PrinterError,
    PrinterState,
    Transport,
    deliver,
    printer_transport,
    raster_commands,
)
from kiosk.printing.receipt import Checklist, Slip, with_official_code
from kiosk.printing.slips import SlipStore, SlipStoreError
from kiosk.security.crypto import Sealer
from kiosk.security.secrets import SecretsError, outbox_key
from kiosk.settings.config import PrinterSettings, Settings
from kiosk.workdays.clock import VN_TZ
from ui.common.timers import named_timer
from ui.printing.slip_render import DOTS_PER_MM, paper_dots, render_checklist, render_slip

if TYPE_CHECKING:
    from kiosk.runtime import Runtime
    from ui.common.workers import TaskRunner

log = logging.getLogger(__name__)

THRESHOLD = 150  # gray levels below this print black: anti-aliased strokes stay whole
STATUS_TIMEOUT = 2.0
JOB_SLACK_SECONDS = 3.0  # rendering and encoding, on top of the printer's own time
ROLL_MARGIN_MM = 3.0
STATE_POLL_MS = 120_000  # staff learn about an empty roll before the next resident does
THERMAL_KINDS = frozenset({"network", "usb", "serial", "file"})
OnDone = Callable[[bool, str], None]


# --- images to printer data ---


@lru_cache(maxsize=4)
def _bit_table(threshold: int) -> bytes:
    return bytes(ord("1") if gray < threshold else ord("0") for gray in range(256))


def image_to_bitmap(image: QImage, threshold: int = THRESHOLD) -> MonoBitmap:
    """The image as 1-bit dots: a pixel darker than `threshold` (0-255 gray) is black."""
    gray = image.convertToFormat(QImage.Format.Format_Grayscale8)
    width, height, line = gray.width(), gray.height(), gray.bytesPerLine()
    data = bytes(gray.constBits())
    table = _bit_table(threshold)
    pad = b"0" * (-width % 8)
    # One binary digit per pixel, read as one big integer: packs the bits in C, not pixel by pixel.
    digits = b"".join(data[y * line : y * line + width].translate(table) + pad for y in range(height))
    return MonoBitmap(width, height, int(digits, 2).to_bytes(len(digits) // 8, "big"))


def bitmap_to_image(bitmap: MonoBitmap) -> QImage:
    """A 1-bit QImage (white 0, black 1) of the dots, for PDF/system printers and for checking output."""
    stride = (bitmap.width + 31) // 32 * 4  # QImage scan lines are 32-bit aligned
    extra = bytes(stride - bitmap.stride)
    data = b"".join(bitmap.row(y) + extra for y in range(bitmap.height))
    image = QImage(data, bitmap.width, bitmap.height, stride, QImage.Format.Format_Mono)
    image.setColorTable([0xFFFFFFFF, 0xFF000000])
    return image.copy()


def escpos_job(image: QImage, paper_width_mm: int = 80) -> bytes:
    """The ESC/POS bytes that print `image` on a roll: raster strips, feed, partial cut."""
    return raster_commands(image_to_bitmap(image), paper_dots=paper_dots(paper_width_mm))


# --- the configured printer ---


def transport_for(printer: PrinterSettings) -> Transport:
    """The ESC/POS transport for a thermal printer's address; PrinterError("offline") when it is malformed."""
    try:
        transport = printer_transport(printer)
    except ValueError as exc:
        raise PrinterError("offline", str(exc)) from None
    if transport is None:
        raise PrinterError("offline", f"printer kind {printer.kind!r} takes no ESC/POS transport")
    return transport


def queue_state(name: str) -> PrinterState:
    """The state of a CUPS queue (the default queue when `name` is empty)."""
    from PySide6.QtPrintSupport import QPrinter, QPrinterInfo  # ~6 MB: loaded for CUPS and PDF printers only

    info = QPrinterInfo.printerInfo(name) if name else QPrinterInfo.defaultPrinter()
    if info.isNull():
        return PrinterState.OFFLINE
    if info.state() is QPrinter.PrinterState.Error:
        return PrinterState.OFFLINE
    return PrinterState.READY


def pdf_target(address: str, name: str, now: datetime) -> Path:
    """Where a PDF job goes: `address` itself when it names a .pdf file, else a new file in that folder."""
    path = Path(address or ".")
    if path.suffix.lower() == ".pdf":
        return path
    safe = "".join(c if c.isalnum() or c in "-_" else "_" for c in name)
    return path / f"{now:%Y%m%d-%H%M%S}-{safe}.pdf"


def print_page(image: QImage, paper_width_mm: int, *, pdf: Path | None = None, queue: str = "") -> None:
    """Print `image` as one page of roll paper through QPrinter: to the PDF file `pdf`, or to the CUPS
    `queue` (empty = default). The page is the roll's width and as long as the slip."""
    from PySide6.QtPrintSupport import QPrinter  # ~6 MB: loaded for CUPS and PDF printers only

    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    if pdf is not None:
        try:
            pdf.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise PrinterError("offline", f"cannot create the folder for {pdf}: {exc.strerror}") from None
        printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
        printer.setOutputFileName(str(pdf))
    else:
        if queue:
            printer.setPrinterName(queue)
        if not printer.isValid():
            raise PrinterError("offline", f"no printer queue {queue or '(default)'}")
    printable_mm = image.width() / DOTS_PER_MM
    length_mm = image.height() / DOTS_PER_MM
    size = QPageSize(QSizeF(paper_width_mm, length_mm + 2 * ROLL_MARGIN_MM), QPageSize.Unit.Millimeter,
                     f"Roll {paper_width_mm} mm", QPageSize.SizeMatchPolicy.ExactMatch)
    printer.setFullPage(True)
    layout = QPageLayout(size, QPageLayout.Orientation.Portrait, QMarginsF(0, 0, 0, 0), QPageLayout.Unit.Millimeter)
    if not printer.setPageLayout(layout):
        raise PrinterError("io", f"the printer does not take {paper_width_mm} mm roll pages")
    painter = QPainter()
    if not painter.begin(printer):
        raise PrinterError("offline", f"cannot start a job on {pdf or queue or 'the default printer'}")
    dots = printer.resolution() / 25.4  # device dots per mm
    target = QRectF((paper_width_mm - printable_mm) / 2 * dots, ROLL_MARGIN_MM * dots,
                    printable_mm * dots, length_mm * dots)
    # The same 1-bit dots the thermal printer gets: crisp QR modules, lossless in the PDF.
    painter.drawImage(target, bitmap_to_image(image_to_bitmap(image)))
    if not painter.end():
        raise PrinterError("io", f"the job on {pdf or queue or 'the default printer'} did not complete")


@dataclass(frozen=True)
class _Outcome:
    ok: bool
    reason: str  # "" or "paper_low" on success; PrinterError.kind, "error" or "unknown_slip" on failure
    state: PrinterState | None  # None: the job learnt nothing about the printer


_STATE_OF_ERROR = {"offline": PrinterState.OFFLINE, "paper_out": PrinterState.PAPER_OUT,
                   "timeout": PrinterState.OFFLINE, "io": PrinterState.OFFLINE}


@dataclass(frozen=True)
class _Output:
    """Everything a worker needs to print, copied out of the settings (workers touch no QObject)."""

    printer: PrinterSettings
    transport_factory: Callable[[PrinterSettings], Transport]

    @property
    def status_timeout(self) -> float:
        return min(STATUS_TIMEOUT, self.printer.timeout_seconds)

    def send(self, image: QImage, name: str) -> PrinterState:
        """Print `image`; the state the printer reported. Raises PrinterError."""
        printer = self.printer
        if printer.kind == "pdf":
            print_page(image, printer.paper_width_mm, pdf=pdf_target(printer.address, name, datetime.now(VN_TZ)))
            return PrinterState.READY
        if printer.kind == "system":
            state = queue_state(printer.address)
            if state is PrinterState.OFFLINE:
                raise PrinterError("offline", f"no usable printer queue {printer.address or '(default)'}")
            print_page(image, printer.paper_width_mm, queue=printer.address)
            return state
        transport = self.transport_factory(printer)
        try:
            return deliver(transport, escpos_job(image, printer.paper_width_mm),
                           timeout=printer.timeout_seconds, status_timeout=self.status_timeout)
        finally:
            close = getattr(transport, "close", None)
            if callable(close):
                close()

    def query(self) -> PrinterState:
        printer = self.printer
        if printer.kind == "pdf":
            return PrinterState.READY
        if printer.kind == "system":
            return queue_state(printer.address)
        try:
            transport = self.transport_factory(printer)
        except PrinterError:
            return PrinterState.OFFLINE
        try:
            return transport.query_status(self.status_timeout)
        finally:
            close = getattr(transport, "close", None)
            if callable(close):
                close()

    def run(self, render: Callable[[], QImage], name: str) -> _Outcome:
        try:
            state = self.send(render(), name)
        except PrinterError as exc:
            log.warning("printing %s failed (%s): %s", name, exc.kind, exc)
            return _Outcome(False, exc.kind, _STATE_OF_ERROR[exc.kind])
        except Exception as exc:  # a rendering or driver bug must not leave the resident without an answer
            # The type only: the message of an error raised while drawing may quote the applicant's name.
            log.error("printing %s failed: %s", name, type(exc).__name__)
            return _Outcome(False, "error", None)
        return _Outcome(True, "paper_low" if state is PrinterState.PAPER_LOW else "", state)


@dataclass(frozen=True)
class _Job:
    name: str
    work: Callable[[], _Outcome]
    on_done: OnDone | None
    slip_id: str | None = None


class PrintService(QObject):
    """Prints slips and checklists on the configured printer, one job at a time, never on the GUI thread.

    `job_finished(ok, reason)` follows every accepted job within `time_limit` seconds; `reason` is ""
    (or "paper_low") on success, else "offline", "paper_out", "timeout", "io", "error" or "unknown_slip".
    `state` is the printer's last known state, announced by `state_changed` (for the staff console and
    the heartbeat). Slips are kept in `slips` (today's, sealed) so staff can `reprint` them.
    """

    state_changed = Signal(object)  # PrinterState
    job_finished = Signal(bool, str)

    def __init__(
        self,
        settings: Settings,
        runner: TaskRunner,
        slips: SlipStore | None = None,
        official_code: Callable[[str], str | None] | None = None,
        parent: QObject | None = None,
        *,
        transport_factory: Callable[[PrinterSettings], Transport] = transport_for,
    ) -> None:
        super().__init__(parent)
        self.settings = settings
        self.runner = runner
        self.slips = slips
        self._official_code = official_code
        self._output = _Output(settings.printer, transport_factory)
        self._queue: deque[_Job] = deque()
        self._running: _Job | None = None
        self._generation = 0
        self._state = PrinterState.UNKNOWN
        self._closed = False
        self._querying = False
        self._watchdog = named_timer(self, "print-job-limit", round(self.time_limit * 1000), single_shot=True)
        self._watchdog.timeout.connect(self._job_overdue)
        self._poll = named_timer(self, "printer-state-poll", STATE_POLL_MS)
        self._poll.timeout.connect(self.check_state)

    # --- what the console, the heartbeat and the screens read ---

    @property
    def enabled(self) -> bool:
        """Whether a printer is configured at all."""
        return self.settings.printer.kind != "none"

    @property
    def state(self) -> PrinterState:
        return self._state

    @property
    def busy(self) -> bool:
        return self._running is not None or bool(self._queue)

    @property
    def time_limit(self) -> float:
        """Seconds after which a job counts as failed, whatever the printer is doing."""
        return self.settings.printer.timeout_seconds + self._output.status_timeout + JOB_SLACK_SECONDS

    @property
    def paper_width_mm(self) -> int:
        return self.settings.printer.paper_width_mm

    # --- jobs ---

    def print_slip(self, slip: Slip, slip_id: str, on_done: OnDone | None = None) -> bool:
        """Keep `slip` for reprinting and print it; False (nothing queued) when no printer is configured."""
        if not self.enabled:
            return False
        store, output, width, level = self.slips, self._output, paper_dots(self.paper_width_mm), self._qr_level

        def work() -> _Outcome:
            if store is not None:
                try:
                    store.add(slip_id, slip)
                except SlipStoreError as exc:
                    log.error("slip not kept for reprinting: %s", exc)
            outcome = output.run(lambda: render_slip(slip, width, level), f"slip-{slip.reference}")
            _record(store, slip_id, outcome, slip.reference)
            return outcome

        self._enqueue(_Job(f"slip-{slip.reference}", work, on_done, slip_id))
        return True

    def reprint(self, slip_id: str, on_done: OnDone | None = None) -> bool:
        """Print today's slip `slip_id` again (under the portal's code when the dossier has one by now)."""
        if not self.enabled or self.slips is None:
            return False
        store, output, width, level = self.slips, self._output, paper_dots(self.paper_width_mm), self._qr_level
        official, settings = self._official_code, self.settings

        def work() -> _Outcome:
            try:
                slip = store.get(slip_id)
            except SlipStoreError as exc:
                log.error("slip %s cannot be read: %s", slip_id, exc)
                slip = None
            if slip is None:
                return _Outcome(False, "unknown_slip", None)
            code = official(slip_id) if official is not None else None
            if code:
                slip = with_official_code(slip, code, settings)
            outcome = output.run(lambda: render_slip(slip, width, level), f"slip-{slip.reference}")
            _record(store, slip_id, outcome, slip.reference)
            return outcome

        self._enqueue(_Job(f"reprint-{slip_id}", work, on_done, slip_id))
        return True

    def print_checklist(self, checklist: Checklist, on_done: OnDone | None = None) -> bool:
        """Print the list of papers to bring for a procedure."""
        if not self.enabled:
            return False
        output, width = self._output, paper_dots(self.paper_width_mm)
        self._enqueue(_Job("checklist", lambda: output.run(lambda: render_checklist(checklist, width),
                                                            "checklist"), on_done))
        return True

    def start(self) -> None:
        """Ask the printer how it is now, then every two minutes while the kiosk runs."""
        if self.enabled and not self._closed:
            self.check_state()
            self._poll.start()

    def check_state(self) -> None:
        """Ask the printer how it is (in the background); `state_changed` follows when the answer differs."""
        if not self.enabled or self.busy or self._querying or self._closed:
            return
        self._querying = True
        output = self._output

        def done(state: PrinterState) -> None:
            self._querying = False
            if not self._closed:
                self._set_state(state)
                self._start_next()

        def failed(error: BaseException) -> None:
            self._querying = False
            log.error("printer state query failed: %s", type(error).__name__)
            self._start_next()

        self.runner.submit(output.query, done, failed)

    def shutdown(self) -> None:
        """Stop the time limit and ignore the answers of jobs still running; queued jobs are dropped."""
        self._closed = True
        self._watchdog.stop()
        self._poll.stop()
        self._queue.clear()

    # --- one job at a time ---

    @property
    def _qr_level(self) -> str:
        return self.settings.printer.qr_level

    def _enqueue(self, job: _Job) -> None:
        if self._closed:
            return
        self._queue.append(job)
        self._start_next()

    def _start_next(self) -> None:
        # One conversation with the printer at a time: a state query in flight is waited for.
        if self._running is not None or self._querying or not self._queue or self._closed:
            return
        job = self._queue.popleft()
        self._running = job
        self._generation += 1
        generation = self._generation
        self._watchdog.start()
        self.runner.submit(job.work, lambda outcome: self._job_done(generation, outcome),
                           lambda error: self._job_crashed(generation, error))

    def _job_crashed(self, generation: int, error: BaseException) -> None:
        log.error("print job crashed: %s", type(error).__name__)
        self._job_done(generation, _Outcome(False, "error", None))

    def _job_done(self, generation: int, outcome: _Outcome) -> None:
        if self._closed or generation != self._generation or self._running is None:
            return  # the answer of a job that already ran out of time
        self._watchdog.stop()
        job, self._running = self._running, None
        if outcome.state is not None:
            self._set_state(outcome.state)
        self._finish(job, outcome.ok, outcome.reason)

    def _job_overdue(self) -> None:
        job = self._running
        if job is None or self._closed:
            return
        log.warning("print job %s did not finish within %.0f s", job.name, self.time_limit)
        self._running = None
        self._generation += 1  # its late answer is ignored
        store, slip_id = self.slips, job.slip_id
        if store is not None and slip_id is not None:
            self.runner.submit(lambda: store.mark_failed(slip_id, "timeout"))
        self._set_state(PrinterState.OFFLINE)
        self._finish(job, False, "timeout")

    def _finish(self, job: _Job, ok: bool, reason: str) -> None:
        self.job_finished.emit(ok, reason)
        if job.on_done is not None:
            job.on_done(ok, reason)
        self._start_next()

    def _set_state(self, state: PrinterState) -> None:
        if state is not self._state:
            log.info("printer state: %s → %s", self._state.value, state.value)
            self._state = state
            self.state_changed.emit(state)


def _record(store: SlipStore | None, slip_id: str, outcome: _Outcome, reference: str) -> None:
    if store is None:
        return
    try:
        if outcome.ok:
            store.mark_printed(slip_id, reference)
        else:
            store.mark_failed(slip_id, outcome.reason)
    except SlipStoreError as exc:
        log.error("slip %s: print status not kept: %s", slip_id, exc)


def create_print_service(runtime: Runtime, runner: TaskRunner, parent: QObject | None = None) -> PrintService:
    """The print service of a kiosk, with today's slips kept beside the outbox, sealed with its key; it asks
    the printer for its state right away and then every two minutes."""
    settings = runtime.settings
    store = None
    if settings.printer.kind != "none":
        try:
            store = SlipStore(settings.outbox_path().parent / "slips.sqlite3", Sealer(outbox_key()), runtime.clock)
        except (SecretsError, SlipStoreError) as exc:
            log.error("slips cannot be kept for reprinting: %s", exc)
    outbox = runtime.outbox

    def official_code(slip_id: str) -> str | None:
        record = outbox.get(slip_id)
        return record.official_code if record is not None else None

    service = PrintService(settings, runner, store, official_code, parent)
    service.start()
    return service
