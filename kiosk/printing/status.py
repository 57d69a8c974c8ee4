"""Printer state and the ESC/POS real-time status answers it is read from.

`DLE EOT 1` asks for the printer status and `DLE EOT 4` for the roll paper sensor; each is answered
with one byte shaped `0xx1xx10` (bits 0 and 7 clear, bits 1 and 4 set).
"""

from __future__ import annotations

from enum import StrEnum

QUERY_ONLINE = b"\x10\x04\x01"
QUERY_PAPER = b"\x10\x04\x04"

_FIXED_MASK = 0b1001_0011
_FIXED_BITS = 0b0001_0010
_OFFLINE_BIT = 0b0000_1000
_PAPER_NEAR_END_BITS = 0b0000_1100
_PAPER_END_BITS = 0b0110_0000


class PrinterState(StrEnum):
    READY = "ready"
    PAPER_LOW = "paper_low"
    PAPER_OUT = "paper_out"
    OFFLINE = "offline"
    UNKNOWN = "unknown"


def is_status_byte(value: int) -> bool:
    """Whether `value` has the fixed bits every DLE EOT answer carries."""
    return 0 <= value <= 0xFF and value & _FIXED_MASK == _FIXED_BITS


def _check(value: int) -> None:
    if not is_status_byte(value):
        raise ValueError(f"0x{value:02X} is not a DLE EOT status byte")


def parse_online_status(value: int) -> PrinterState:
    """READY or OFFLINE from the answer to DLE EOT 1. Raises ValueError for a byte of another shape."""
    _check(value)
    return PrinterState.OFFLINE if value & _OFFLINE_BIT else PrinterState.READY


def parse_paper_status(value: int) -> PrinterState:
    """READY, PAPER_LOW or PAPER_OUT from the answer to DLE EOT 4. Raises ValueError for a byte of
    another shape."""
    _check(value)
    # Epson sets both bits of a pair; some clones set only one, so either counts.
    if value & _PAPER_END_BITS:
        return PrinterState.PAPER_OUT
    if value & _PAPER_NEAR_END_BITS:
        return PrinterState.PAPER_LOW
    return PrinterState.READY


def combine_states(online: PrinterState | None, paper: PrinterState | None) -> PrinterState:
    """One state from the two answers (None = no answer).

    Paper out wins over offline, because a printer out of paper also reports itself offline and
    staff need to know which one to fix.
    """
    if online is None and paper is None:
        return PrinterState.UNKNOWN
    if paper is PrinterState.PAPER_OUT:
        return PrinterState.PAPER_OUT
    if online is PrinterState.OFFLINE:
        return PrinterState.OFFLINE
    if paper is PrinterState.PAPER_LOW:
        return PrinterState.PAPER_LOW
    return PrinterState.READY


def state_from_escpos(is_online: bool, paper_status: int) -> PrinterState:
    """The state from python-escpos' `is_online()` and `paper_status()` (2 plenty, 1 low, 0 none)."""
    paper = {0: PrinterState.PAPER_OUT, 1: PrinterState.PAPER_LOW}.get(paper_status, PrinterState.READY)
    return combine_states(PrinterState.READY if is_online else PrinterState.OFFLINE, paper)
