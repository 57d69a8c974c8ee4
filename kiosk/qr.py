"""QR matrices for slips and screens: error correction M (Q for faded paper), 4-module quiet zone."""

from __future__ import annotations

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
