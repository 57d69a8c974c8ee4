"""Receipt printing without Qt: ESC/POS raster bytes, printer transports and printer status."""

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
