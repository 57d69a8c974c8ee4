"""Receipt printing without Qt: what the slip says (receipt), today's slips kept sealed for reprints (slips),
QR matrices (qr), ESC/POS raster bytes (escpos), printer transports and printer status. The Qt renderer and the
print jobs are in ui/printing/."""

from kiosk.printing.escpos import (
    PAPER_58MM_DOTS,
    PAPER_80MM_DOTS,
    MonoBitmap,
    decode_raster,
    raster_commands,
)
from kiosk.printing.status import (
    QUERY_ONLINE,
    QUERY_PAPER,
    PrinterState,
    combine_states,
    parse_online_status,
    parse_paper_status,
)
from kiosk.printing.transports import (
    ErrorKind,
    FileTransport,
    NetworkTransport,
    PrinterError,
    SerialTransport,
    Transport,
    UsbTransport,
    deliver,
    printer_transport,
)

__all__ = [
    "PAPER_58MM_DOTS",
    "PAPER_80MM_DOTS",
    "QUERY_ONLINE",
    "QUERY_PAPER",
    "ErrorKind",
    "FileTransport",
    "MonoBitmap",
    "NetworkTransport",
    "PrinterError",
    "PrinterState",
    "SerialTransport",
    "Transport",
    "UsbTransport",
    "combine_states",
    "decode_raster",
    "deliver",
    "parse_online_status",
    "parse_paper_status",
    "printer_transport",
    "raster_commands",
]
