"""Ways to get ESC/POS bytes to a receipt printer, and to ask it how it is.

Every transport turns its failures into `PrinterError`; no `OSError` (or library error) escapes.
Transports are not thread-safe: use one from a single worker thread, one job at a time.
"""

from __future__ import annotations

import errno
import logging
import math
import os
import select
import socket
import stat
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Literal, Protocol, runtime_checkable

if TYPE_CHECKING:
    from kiosk.settings.config import PrinterSettings

from kiosk.printing.status import (
    QUERY_ONLINE,
    QUERY_PAPER,
    PrinterState,
    combine_states,
    is_status_byte,
    parse_online_status,
    parse_paper_status,
    state_from_escpos,
)

log = logging.getLogger(__name__)

ErrorKind = Literal["offline", "paper_out", "timeout", "io"]
_GONE_ERRNOS = frozenset({errno.ENOENT, errno.ENODEV, errno.ENXIO})


class PrinterError(Exception):
    """Printing failed. `kind` says what staff should look at:

    - "offline": the printer cannot be reached (unplugged, switched off, wrong address, no driver);
    - "paper_out": the printer reports no paper;
    - "timeout": the printer was reached but did not finish in time;
    - "io": the connection broke or the device refused the data.
    """

    def __init__(self, kind: ErrorKind, message: str) -> None:
        super().__init__(message)
        self.kind: ErrorKind = kind


@runtime_checkable
class Transport(Protocol):
    def send(self, data: bytes, timeout: float) -> None:
        """Deliver `data` to the printer within `timeout` seconds, or raise PrinterError."""
        ...

    def query_status(self, timeout: float) -> PrinterState:
        """The printer's state, found within about `timeout` seconds. Never raises PrinterError."""
        ...


def deliver(
    transport: Transport, data: bytes, *, timeout: float, status_timeout: float = 2.0
) -> PrinterState:
    """Send a job unless the printer says it cannot print it.

    Raises PrinterError("paper_out") or PrinterError("offline") without sending anything when the status
    says so; an UNKNOWN state does not stop the job. Returns the state seen before sending, so the
    caller can warn staff about PAPER_LOW.
    """
    state = transport.query_status(status_timeout)
    if state is PrinterState.PAPER_OUT:
        raise PrinterError("paper_out", "the printer is out of paper")
    if state is PrinterState.OFFLINE:
        raise PrinterError("offline", "the printer is offline")
    transport.send(data, timeout)
    return state


def _remaining(deadline: float) -> float:
    left = deadline - time.monotonic()
    if left <= 0:
        raise TimeoutError("deadline passed")
    return left


def _await_status_byte(recv: Callable[[float], bytes], deadline: float) -> int | None:
    """The first DLE EOT answer byte `recv` yields before the deadline; None on silence, EOF or error.

    Bytes of another shape (automatic status back, echoes of noise) are skipped.
    """
    try:
        while True:
            chunk = recv(_remaining(deadline))
            if not chunk:
                return None
            for value in chunk:
                if is_status_byte(value):
                    return value
    except OSError:  # TimeoutError included: silence is an answer too
        return None


class NetworkTransport:
    """A printer on raw TCP (port 9100, "JetDirect"); one connection per job or status query.

    `send` half-closes the connection after the data and, with `wait_for_close` (the default, as the
    CUPS socket backend's `waiteof`), waits for the printer to close its side, so a printer that
    resets the connection mid-job is noticed even when the last byte already left this machine.

    `query_status` returns OFFLINE when no connection can be made, and UNKNOWN when the printer
    accepts the connection but does not answer DLE EOT in time (many cheap printers never answer).
    """

    def __init__(self, host: str, port: int = 9100, *, wait_for_close: bool = True) -> None:
        self.host = host
        self.port = port
        self.wait_for_close = wait_for_close

    def __repr__(self) -> str:
        return f"NetworkTransport({self.host!r}, {self.port})"

    def _connect(self, deadline: float) -> socket.socket:
        try:
            return socket.create_connection((self.host, self.port), timeout=_remaining(deadline))
        except TimeoutError:
            raise PrinterError(
                "offline", f"no connection to the printer at {self.host}:{self.port} in time"
            ) from None
        except OSError as exc:
            raise PrinterError(
                "offline", f"cannot connect to the printer at {self.host}:{self.port}: {exc}"
            ) from exc

    def send(self, data: bytes, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        sock = self._connect(deadline)
        with sock:
            try:
                sock.settimeout(_remaining(deadline))
                sock.sendall(data)
                sock.shutdown(socket.SHUT_WR)
                if self.wait_for_close:
                    self._drain_until_closed(sock, deadline)
            except TimeoutError:
                raise PrinterError(
                    "timeout",
                    f"the printer at {self.host}:{self.port} did not take the job within {timeout:g} s",
                ) from None
            except OSError as exc:
                raise PrinterError(
                    "io", f"the connection to the printer at {self.host}:{self.port} broke: {exc}"
                ) from exc
        log.debug("sent %d bytes to %s:%s", len(data), self.host, self.port)

    @staticmethod
    def _drain_until_closed(sock: socket.socket, deadline: float) -> None:
        # The printer may talk back (automatic status); only its close matters here.
        while True:
            sock.settimeout(_remaining(deadline))
            if not sock.recv(256):
                return

    def query_status(self, timeout: float) -> PrinterState:
        deadline = time.monotonic() + timeout
        try:
            sock = self._connect(deadline)
        except PrinterError as exc:
            log.info("printer status: %s", exc)
            return PrinterState.OFFLINE
        with sock:

            def recv(left: float) -> bytes:
                sock.settimeout(left)
                return sock.recv(16)

            def write(query: bytes) -> None:
                sock.settimeout(_remaining(deadline))
                sock.sendall(query)

            return _ask_status(write, recv, deadline)


def _ask_status(
    write: Callable[[bytes], None], recv: Callable[[float], bytes], deadline: float
) -> PrinterState:
    """Ask DLE EOT 1 then DLE EOT 4; a query without an answer ends the conversation."""
    answers: list[int | None] = [None, None]
    for index, query in enumerate((QUERY_ONLINE, QUERY_PAPER)):
        try:
            write(query)
        except OSError:
            break
        answers[index] = _await_status_byte(recv, deadline)
        if answers[index] is None:
            break
    online, paper = answers
    return combine_states(
        None if online is None else parse_online_status(online),
        None if paper is None else parse_paper_status(paper),
    )


class FileTransport:
    """A printer device file (`/dev/usb/lp0`) or a regular file that collects jobs (for dry runs).

    Jobs are appended. A missing path is PrinterError("offline") unless `create` is set; `create` is
    for regular files only, so an unplugged printer never leaves a plain file in its device's place.
    `query_status` asks a character device with DLE EOT; a regular file is always UNKNOWN.
    """

    def __init__(self, path: str | os.PathLike[str], *, create: bool = False) -> None:
        self.path = os.fspath(path)
        self.create = create

    def __repr__(self) -> str:
        return f"FileTransport({self.path!r})"

    def _open(self, flags: int) -> int:
        if self.create:
            flags |= os.O_CREAT
        try:
            return os.open(self.path, flags | os.O_NONBLOCK, 0o644)
        except OSError as exc:
            kind: ErrorKind = "offline" if exc.errno in _GONE_ERRNOS else "io"
            raise PrinterError(kind, f"cannot open the printer device {self.path}: {exc.strerror}") from exc

    def send(self, data: bytes, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        fd = self._open(os.O_WRONLY | os.O_APPEND)
        try:
            view = memoryview(data)
            while view:
                if not _wait_for(fd, select.POLLOUT, _remaining(deadline)):
                    continue
                try:
                    written = os.write(fd, view)
                except BlockingIOError:
                    continue
                view = view[written:]
        except TimeoutError:
            raise PrinterError(
                "timeout", f"the printer device {self.path} did not take the job within {timeout:g} s"
            ) from None
        except OSError as exc:
            kind: ErrorKind = "offline" if exc.errno in _GONE_ERRNOS else "io"
            raise PrinterError(
                kind, f"writing to the printer device {self.path} failed: {exc.strerror}"
            ) from exc
        finally:
            os.close(fd)

    def query_status(self, timeout: float) -> PrinterState:
        deadline = time.monotonic() + timeout
        try:
            is_device = stat.S_ISCHR(os.stat(self.path).st_mode)
        except OSError as exc:
            missing = exc.errno in _GONE_ERRNOS and not self.create
            return PrinterState.OFFLINE if missing else PrinterState.UNKNOWN
        if not is_device:
            return PrinterState.UNKNOWN
        try:
            fd = self._open(os.O_RDWR)
        except PrinterError as exc:
            return PrinterState.OFFLINE if exc.kind == "offline" else PrinterState.UNKNOWN

        def recv(left: float) -> bytes:
            if not _wait_for(fd, select.POLLIN, left):
                raise TimeoutError("no answer")
            return os.read(fd, 16)

        def write(query: bytes) -> None:
            os.write(fd, query)

        try:
            return _ask_status(write, recv, deadline)
        finally:
            os.close(fd)


def _wait_for(fd: int, events: int, seconds: float) -> bool:
    """Whether `fd` became ready for `events` (or reported an error) within `seconds`."""
    # poll, not select: select fails on descriptors above 1023, which a long-running kiosk can reach.
    poller = select.poll()
    poller.register(fd, events)
    return bool(poller.poll(max(1, math.ceil(seconds * 1000))))


def _classify(exc: BaseException) -> ErrorKind:
    # python-escpos, pyusb and pyserial are optional and untyped; naming their errors by class name
    # and errno keeps this module importable without them.
    if isinstance(exc, PrinterError):
        return exc.kind
    name = type(exc).__name__
    if isinstance(exc, TimeoutError) or "Timeout" in name or getattr(exc, "errno", None) == errno.ETIMEDOUT:
        return "timeout"
    if (
        name in {"DeviceNotFoundError", "USBNotFoundError", "NoBackendError"}
        or isinstance(exc, RuntimeError)  # python-escpos: "requires a usb library" and the like
        or getattr(exc, "errno", None) in _GONE_ERRNOS
    ):
        return "offline"
    return "io"


class _EscposTransport:
    """Shared part of the python-escpos wrappers: open lazily, drop the device after any failure."""

    def __init__(self) -> None:
        self._printer: Any = None

    def _open(self, timeout: float) -> Any:
        raise NotImplementedError

    def _apply_timeout(self, printer: Any, timeout: float) -> None:
        raise NotImplementedError

    def close(self) -> None:
        """Release the device; the next call opens it again."""
        printer, self._printer = self._printer, None
        if printer is not None:
            try:
                printer.close()
            except Exception as exc:  # closing a vanished device may fail any way; nothing to do about it
                log.debug("closing %r failed: %s", self, exc)

    def _ready_printer(self, timeout: float) -> Any:
        if self._printer is None:
            self._printer = self._open(timeout)
        self._apply_timeout(self._printer, timeout)
        return self._printer

    def send(self, data: bytes, timeout: float) -> None:
        try:
            self._ready_printer(timeout)._raw(data)
        except Exception as exc:  # python-escpos raises assertions, library and OS errors alike
            self.close()
            raise PrinterError(_classify(exc), f"printing on {self!r} failed: {exc}") from exc

    def query_status(self, timeout: float) -> PrinterState:
        try:
            printer = self._ready_printer(timeout)
            # python-escpos reads "no answer" as offline (is_online) and as plenty of paper (paper_status).
            return state_from_escpos(bool(printer.is_online()), int(printer.paper_status()))
        except Exception as exc:  # see send
            self.close()
            kind = _classify(exc)
            log.info("printer status of %r: %s (%s)", self, exc, kind)
            return PrinterState.OFFLINE if kind == "offline" else PrinterState.UNKNOWN


class UsbTransport(_EscposTransport):
    """A USB printer through python-escpos (`escpos.printer.Usb`); needs pyusb and libusb."""

    def __init__(
        self,
        vendor_id: int,
        product_id: int,
        *,
        in_ep: int = 0x82,
        out_ep: int = 0x01,
        profile: str | None = None,
    ) -> None:
        super().__init__()
        self.vendor_id = vendor_id
        self.product_id = product_id
        self.in_ep = in_ep
        self.out_ep = out_ep
        self.profile = profile

    def __repr__(self) -> str:
        return f"UsbTransport(0x{self.vendor_id:04x}, 0x{self.product_id:04x})"

    def _open(self, timeout: float) -> Any:
        from escpos.printer import Usb

        # Checked first: without pyusb, python-escpos' Usb raises from its destructor as well.
        if not Usb.is_usable():
            raise PrinterError("offline", "USB printing needs pyusb (install python-escpos[usb])")
        printer = Usb(
            self.vendor_id,
            self.product_id,
            timeout=_millis(timeout),
            in_ep=self.in_ep,
            out_ep=self.out_ep,
            profile=self.profile,
        )
        printer.open()
        return printer

    def _apply_timeout(self, printer: Any, timeout: float) -> None:
        printer.timeout = _millis(timeout)  # used by writes
        printer.device.default_timeout = _millis(timeout)  # used by status reads


class SerialTransport(_EscposTransport):
    """A serial printer through python-escpos (`escpos.printer.Serial`); needs pyserial."""

    def __init__(self, port: str, baudrate: int = 9600, *, profile: str | None = None) -> None:
        super().__init__()
        self.port = port
        self.baudrate = baudrate
        self.profile = profile

    def __repr__(self) -> str:
        return f"SerialTransport({self.port!r}, {self.baudrate})"

    def _open(self, timeout: float) -> Any:
        from escpos.printer import Serial

        if not Serial.is_usable():
            raise PrinterError("offline", "serial printing needs pyserial (install python-escpos[serial])")
        printer = Serial(devfile=self.port, baudrate=self.baudrate, timeout=timeout, profile=self.profile)
        printer.open()
        return printer

    def _apply_timeout(self, printer: Any, timeout: float) -> None:
        # Without a write timeout, hardware flow control blocks forever on a printer that is off.
        printer.device.timeout = timeout
        printer.device.write_timeout = timeout


def _millis(seconds: float) -> int:
    return max(1, round(seconds * 1000))


def printer_transport(printer: PrinterSettings) -> Transport | None:
    """The ESC/POS transport the settings name; None for "none", "system" and "pdf".

    Raises ValueError when the address does not fit the kind (the message says what fits).
    """
    address = printer.address.strip()
    if printer.kind in ("none", "system", "pdf"):
        return None
    if not address:
        raise ValueError(f"printer.address is empty; a {printer.kind} printer needs one")
    if printer.kind == "network":
        host, sep, port = address.rpartition(":")
        if not sep or "]" in port:  # no port given (a bare IPv6 address ends in "]")
            host, port = address, "9100"
        host = host.strip("[]")
        if not host or not port.isdigit() or not 0 < int(port) < 65536:
            raise ValueError(f"printer.address {address!r} is not host:port (e.g. 192.168.1.50:9100)")
        return NetworkTransport(host, int(port))
    if printer.kind == "usb":
        vendor, _, product = address.partition(":")
        try:
            return UsbTransport(int(vendor, 16), int(product, 16))
        except ValueError:
            raise ValueError(f"printer.address {address!r} is not vendor:product in hex (e.g. 0416:5011, "
                             "see lsusb)") from None
    if printer.kind == "serial":
        port, sep, baud = address.partition("@")
        if not port or (sep and not baud.isdigit()):
            raise ValueError(f"printer.address {address!r} is not PORT or PORT@BAUD (e.g. /dev/ttyUSB0@9600)")
        return SerialTransport(port, int(baud) if baud else 9600)
    # As the print service does: only a dry-run file is created, never a missing /dev printer.
    return FileTransport(address, create=not address.startswith("/dev/"))
