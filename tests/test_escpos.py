"""Receipt printing: the bytes a printer receives, what they print, and what the printer says back."""

from __future__ import annotations

import math
import random
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType

import numpy as np
import pytest
import qrcode
import zxingcpp
from hypothesis import given, settings
from hypothesis import strategies as st

from kiosk.payment.vietqr import build_payload
from kiosk.printing import (
    PAPER_58MM_DOTS,
    PAPER_80MM_DOTS,
    FileTransport,
    MonoBitmap,
    NetworkTransport,
    PrinterError,
    PrinterState,
    SerialTransport,
    Transport,
    UsbTransport,
    decode_raster,
    deliver,
    raster_commands,
)

GS_V_0 = b"\x1dv0\x00"
STATUS_READY = 0x12
STATUS_OFFLINE = 0x1A  # bit 3
PAPER_LOW = 0x1E  # bits 2-3, near end
PAPER_OUT = 0x7E  # bits 5-6 (and near end)


class FakePrinter:
    """A port-9100 printer on 127.0.0.1: records every connection's bytes and answers DLE EOT 1 / 4.

    `online`/`paper` = None: that query gets no answer. `close_after`: drop the connection once that
    many bytes arrived. `hold_open`: never close a connection, even after the client's end of data.
    """

    def __init__(
        self,
        online: int | None = STATUS_READY,
        paper: int | None = STATUS_READY,
        *,
        close_after: int | None = None,
        hold_open: bool = False,
    ) -> None:
        self.answers = {1: online, 4: paper}
        self.close_after = close_after
        self.hold_open = hold_open
        self.connections: list[bytes] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.02)
        self.port: int = self._listener.getsockname()[1]
        self._threads = [threading.Thread(target=self._accept_loop, name="fake-printer-accept")]

    def __enter__(self) -> FakePrinter:
        self._threads[0].start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._stop.set()
        self._threads[0].join(timeout=2)  # first the acceptor, so no handler starts after this
        for thread in self._threads[1:]:
            thread.join(timeout=2)
        self._listener.close()
        assert not any(thread.is_alive() for thread in self._threads), "fake printer thread still running"

    @property
    def transport(self) -> NetworkTransport:
        return NetworkTransport("127.0.0.1", self.port)

    def jobs(self) -> list[bytes]:
        """What the printer received on connections that carried an image."""
        with self._lock:
            return [data for data in self.connections if GS_V_0 in data]

    def _accept_loop(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._listener.accept()
            except TimeoutError:
                continue
            handler = threading.Thread(target=self._serve, args=(conn,), name="fake-printer-conn")
            self._threads.append(handler)
            handler.start()

    def _serve(self, conn: socket.socket) -> None:
        with conn:
            conn.settimeout(0.02)
            received = bytearray()
            while not self._stop.is_set():
                try:
                    chunk = conn.recv(1024)
                except TimeoutError:
                    continue
                except OSError:
                    break
                if not chunk:
                    if self.hold_open:
                        self._stop.wait()
                    break
                self._answer_queries(conn, bytes(received[-2:]) + chunk)
                received += chunk
                if self.close_after is not None and len(received) >= self.close_after:
                    break  # closing with unread data makes the kernel reset the connection
            with self._lock:
                self.connections.append(bytes(received))

    def _answer_queries(self, conn: socket.socket, data: bytes) -> None:
        # Like a real printer, answer DLE EOT wherever it appears, even inside image data.
        start = data.find(b"\x10\x04")
        while start != -1 and start + 2 < len(data):
            answer = self.answers.get(data[start + 2])
            if answer is not None:
                try:
                    conn.sendall(bytes([answer]))
                except OSError:
                    return
            start = data.find(b"\x10\x04", start + 1)


@pytest.fixture
def free_port() -> Iterator[int]:
    """A port on 127.0.0.1 nobody listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    yield port


def random_bitmap(width: int, height: int, seed: int = 1) -> MonoBitmap:
    rng = random.Random(seed)
    return MonoBitmap.from_bools([[rng.random() < 0.3 for _ in range(width)] for _ in range(height)])


def qr_bitmap(text: str, width: int = PAPER_80MM_DOTS, dots_per_module: int = 4) -> MonoBitmap:
    """A receipt-wide bitmap with `text` as a QR code (quiet zone 4 modules) under a black bar."""
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=4)
    code.add_data(text)
    code.make(fit=True)
    matrix: list[list[bool]] = code.get_matrix()
    size = len(matrix) * dots_per_module
    left = (width - size) // 2
    rows = [[True] * width for _ in range(20)]  # some "text" above the code
    for line in matrix:
        dots = [bool(module) for module in line for _ in range(dots_per_module)]
        rows += [[False] * left + dots + [False] * (width - left - size)] * dots_per_module
    return MonoBitmap.from_bools(rows)


def to_gray(bitmap: MonoBitmap) -> np.ndarray:
    """The bitmap as an 8-bit grey image (black = 0), the way a scanner would see the paper."""
    bits = np.unpackbits(
        np.frombuffer(bitmap.rows, dtype=np.uint8).reshape(bitmap.height, bitmap.stride), axis=1
    )
    return np.where(bits[:, : bitmap.width] == 1, 0, 255).astype(np.uint8)


# --- bitmap and raster bytes -------------------------------------------------------------------------


def test_bitmap_helpers_agree() -> None:
    pixels = [[True, False, False, True, True, False, False, False, True], [False] * 8 + [True]]
    bitmap = MonoBitmap.from_bools(pixels)
    assert (bitmap.width, bitmap.height, bitmap.stride) == (9, 2, 2)
    assert bitmap.rows == bytes([0b10011000, 0b10000000, 0b00000000, 0b10000000])
    assert [[bitmap.get(x, y) for x in range(9)] for y in range(2)] == pixels
    assert MonoBitmap.from_rows(9, [b"\x98\xff", b"\x00\x80"]) == bitmap  # padding bits cleared
    with pytest.raises(IndexError):
        bitmap.get(9, 0)
    with pytest.raises(ValueError, match="past the bitmap width"):
        MonoBitmap(9, 1, b"\x00\x01")
    with pytest.raises(ValueError, match="needs 4 bytes"):
        MonoBitmap(9, 2, b"\x00")


def test_job_starts_with_init_and_ends_with_feed_and_partial_cut() -> None:
    job = raster_commands(random_bitmap(64, 10))
    assert job.startswith(b"\x1b@" + GS_V_0 + bytes([8, 0, 10, 0]))
    assert job.endswith(b"\x1bd\x02\x1dVB\x00")


def test_tall_image_is_sent_in_strips_of_128_rows() -> None:
    bitmap = MonoBitmap.blank(PAPER_80MM_DOTS, 1000)
    job = raster_commands(bitmap)
    assert job.count(GS_V_0) == math.ceil(1000 / 128) == 8
    heights = []
    start = job.find(GS_V_0)
    while start != -1:
        assert job[start + 4 : start + 6] == bytes([72, 0])  # 576 dots = 72 bytes
        heights.append(int.from_bytes(job[start + 6 : start + 8], "little"))
        start = job.find(GS_V_0, start + 8 + 72 * heights[-1])
    assert heights == [128] * 7 + [104]
    assert decode_raster(job) == bitmap


def test_image_wider_than_the_paper_is_refused() -> None:
    with pytest.raises(ValueError, match="at most 576"):
        raster_commands(MonoBitmap.blank(PAPER_80MM_DOTS + 8, 1))
    with pytest.raises(ValueError, match="at most 384"):
        raster_commands(MonoBitmap.blank(400, 1), paper_dots=PAPER_58MM_DOTS)
    assert decode_raster(raster_commands(MonoBitmap.blank(384, 1), paper_dots=PAPER_58MM_DOTS)).width == 384


def test_width_is_padded_to_whole_bytes() -> None:
    bitmap = random_bitmap(13, 7)
    assert decode_raster(raster_commands(bitmap, strip_height=3)) == bitmap.widened(16)


@settings(database=None, deadline=None, max_examples=50)
@given(
    width=st.integers(min_value=1, max_value=80),
    height=st.integers(min_value=1, max_value=40),
    strip=st.integers(min_value=1, max_value=50),
    seed=st.integers(),
)
def test_raster_round_trip(width: int, height: int, strip: int, seed: int) -> None:
    bitmap = random_bitmap(width, height, seed)
    assert decode_raster(raster_commands(bitmap, strip_height=strip)) == bitmap.widened((width + 7) // 8 * 8)


@pytest.mark.parametrize(
    ("stream", "message"),
    [
        (b"", "no raster image"),
        (b"\x1b@\x1dVB\x00", "no raster image"),
        (b"\x1b@\x07", "unknown ESC/POS byte 0x07"),
        (GS_V_0 + bytes([1, 0, 2]), "cut short"),
        (GS_V_0 + bytes([1, 0, 2, 0]) + b"\xff", "promises 2 bytes"),
        (GS_V_0 + bytes([1, 0, 1, 0, 0xFF]) + GS_V_0 + bytes([2, 0, 1, 0, 0, 0]), "earlier strips 1"),
        (b"\x1dv0\x01" + bytes([1, 0, 1, 0, 0xFF]), "scaled mode"),
        (GS_V_0 + bytes([1, 0, 1, 0, 0xFF]) + b"\x1bd", "cut short"),
        (GS_V_0 + bytes([1, 0, 1, 0, 0xFF]) + b"\x1dVB", "cut short"),
    ],
)
def test_malformed_stream_is_refused(stream: bytes, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        decode_raster(stream)


# --- network printer ---------------------------------------------------------------------------------


def test_printer_receives_exactly_the_bitmap_sent() -> None:
    bitmap = random_bitmap(PAPER_80MM_DOTS, 300)
    with FakePrinter() as printer:
        printer.transport.send(raster_commands(bitmap), timeout=5)
        [job] = printer.jobs()
    assert job == raster_commands(bitmap)
    assert decode_raster(job) == bitmap


def test_qr_code_still_scans_after_the_trip_to_the_printer() -> None:
    payload = build_payload("970436", "1017595600", 30000, "000.00.21.H26-261126-0001")
    bitmap = qr_bitmap(payload)
    with FakePrinter() as printer:
        printer.transport.send(raster_commands(bitmap), timeout=5)
        [job] = printer.jobs()
    printed = decode_raster(job)
    assert printed == bitmap
    results = zxingcpp.read_barcodes(to_gray(printed))
    assert [result.text for result in results] == [payload]


@pytest.mark.parametrize(
    ("online", "paper", "expected"),
    [
        (STATUS_READY, STATUS_READY, PrinterState.READY),
        (STATUS_READY, PAPER_LOW, PrinterState.PAPER_LOW),
        (STATUS_OFFLINE, PAPER_OUT, PrinterState.PAPER_OUT),
        (STATUS_OFFLINE, STATUS_READY, PrinterState.OFFLINE),
        (STATUS_READY, None, PrinterState.READY),
    ],
)
def test_status_answers(online: int, paper: int | None, expected: PrinterState) -> None:
    with FakePrinter(online, paper) as printer:
        assert printer.transport.query_status(timeout=0.5) is expected
    assert printer.connections == [b"\x10\x04\x01\x10\x04\x04"]


def test_silent_printer_status_is_unknown_within_the_timeout() -> None:
    with FakePrinter(online=None, paper=None) as printer:
        started = time.monotonic()
        state = printer.transport.query_status(timeout=0.3)
        elapsed = time.monotonic() - started
    assert state is PrinterState.UNKNOWN
    assert 0.25 <= elapsed < 1.0


def test_unreachable_printer_is_offline(free_port: int) -> None:
    transport = NetworkTransport("127.0.0.1", free_port)
    assert transport.query_status(timeout=0.5) is PrinterState.OFFLINE
    with pytest.raises(PrinterError) as caught:
        transport.send(b"\x1b@", timeout=0.5)
    assert caught.value.kind == "offline"


def test_printer_that_never_finishes_the_job_times_out() -> None:
    with FakePrinter(hold_open=True) as printer:
        started = time.monotonic()
        with pytest.raises(PrinterError) as caught:
            printer.transport.send(raster_commands(random_bitmap(64, 64)), timeout=0.3)
        elapsed = time.monotonic() - started
    assert caught.value.kind == "timeout"
    assert elapsed < 1.0


def test_printer_dropping_the_connection_mid_job_is_an_io_error() -> None:
    bitmap = random_bitmap(PAPER_80MM_DOTS, 1000)
    with FakePrinter(close_after=1000) as printer, pytest.raises(PrinterError) as caught:
        printer.transport.send(raster_commands(bitmap), timeout=5)
    assert caught.value.kind == "io"
    assert not isinstance(caught.value, OSError)


def test_out_of_paper_printer_gets_no_job() -> None:
    with FakePrinter(STATUS_OFFLINE, PAPER_OUT) as printer:
        with pytest.raises(PrinterError) as caught:
            deliver(printer.transport, raster_commands(random_bitmap(64, 8)), timeout=2, status_timeout=0.5)
        assert printer.jobs() == []
    assert caught.value.kind == "paper_out"


def test_deliver_prints_and_reports_low_paper() -> None:
    bitmap = random_bitmap(64, 8)
    with FakePrinter(STATUS_READY, PAPER_LOW) as printer:
        state = deliver(printer.transport, raster_commands(bitmap), timeout=2, status_timeout=0.5)
        assert [decode_raster(job) for job in printer.jobs()] == [bitmap]
    assert state is PrinterState.PAPER_LOW


def test_deliver_prints_when_the_printer_does_not_tell_its_status() -> None:
    with FakePrinter(online=None, paper=None) as printer:
        state = deliver(
            printer.transport, raster_commands(random_bitmap(64, 8)), timeout=2, status_timeout=0.2
        )
        assert len(printer.jobs()) == 1
    assert state is PrinterState.UNKNOWN


# --- device file, USB and serial ---------------------------------------------------------------------


def test_file_transport_appends_jobs(tmp_path: Path) -> None:
    spool = tmp_path / "receipts.bin"
    transport = FileTransport(spool, create=True)
    first, second = random_bitmap(32, 4, seed=1), random_bitmap(32, 4, seed=2)
    transport.send(raster_commands(first), timeout=1)
    transport.send(raster_commands(second), timeout=1)
    assert spool.read_bytes() == raster_commands(first) + raster_commands(second)
    assert transport.query_status(timeout=0.1) is PrinterState.UNKNOWN


def test_missing_device_file_is_offline(tmp_path: Path) -> None:
    transport = FileTransport(tmp_path / "lp0")
    with pytest.raises(PrinterError) as caught:
        transport.send(b"\x1b@", timeout=1)
    assert caught.value.kind == "offline"
    assert transport.query_status(timeout=0.1) is PrinterState.OFFLINE
    assert not (tmp_path / "lp0").exists()


def test_unwritable_path_is_an_io_error(tmp_path: Path) -> None:
    with pytest.raises(PrinterError) as caught:
        FileTransport(tmp_path).send(b"\x1b@", timeout=1)  # a directory
    assert caught.value.kind == "io"


def test_usb_and_serial_printers_that_are_not_there_are_offline(tmp_path: Path) -> None:
    # Whether pyusb/pyserial are installed or not, no such device exists here.
    for transport in (UsbTransport(0x0416, 0x5011), SerialTransport(str(tmp_path / "ttyUSB9"))):
        with pytest.raises(PrinterError) as caught:
            transport.send(b"\x1b@", timeout=0.5)
        assert caught.value.kind == "offline"
        assert transport.query_status(timeout=0.5) is PrinterState.OFFLINE


def test_every_transport_satisfies_the_protocol(tmp_path: Path) -> None:
    transports = [
        NetworkTransport("127.0.0.1"),
        FileTransport(tmp_path / "x"),
        UsbTransport(1, 2),
        SerialTransport("/dev/null"),
    ]
    assert all(isinstance(transport, Transport) for transport in transports)


def test_character_device_that_never_answers_status_is_unknown() -> None:
    transport = FileTransport("/dev/null")
    transport.send(raster_commands(random_bitmap(32, 4)), timeout=1)
    started = time.monotonic()
    assert transport.query_status(timeout=0.5) is PrinterState.UNKNOWN
    assert time.monotonic() - started < 1.0
