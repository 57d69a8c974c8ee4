"""QR matrices for slips and screens: error correction M (Q for faded paper), 4-module quiet zone."""

from __future__ import annotations

from functools import lru_cache

import qrcode
import qrcode.constants

QUIET_ZONE = 4
_LEVELS = {"L": qrcode.constants.ERROR_CORRECT_L, "M": qrcode.constants.ERROR_CORRECT_M,
           "Q": qrcode.constants.ERROR_CORRECT_Q, "H": qrcode.constants.ERROR_CORRECT_H}


def qr_matrix(text: str, level: str = "M") -> list[list[bool]]:
    """Modules of the QR for `text`, quiet zone included (True = dark)."""
    code = qrcode.QRCode(error_correction=_LEVELS[level], border=QUIET_ZONE, box_size=1)
    code.add_data(text.encode("utf-8"))
    code.make(fit=True)
    return [list(row) for row in code.get_matrix()]


@lru_cache(maxsize=32)
def qr_modules(text: str, level: str) -> tuple[tuple[bool, ...], ...]:
    """`qr_matrix`, kept for the last 32 codes: encoding takes milliseconds (mask selection in pure Python),
    and a receipt shows and prints the same codes. Safe to call from worker threads. (`level` has no default:
    the cache tells `f(x)` from `f(x, "M")`.)"""
    return tuple(tuple(row) for row in qr_matrix(text, level))


def forget_codes() -> None:
    """Drop the kept codes (a session's dossier reference and fee) at the end of the session."""
    qr_modules.cache_clear()
