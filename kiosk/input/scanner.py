"""Telling a barcode scanner from a person at the keyboard, and what a scanned code is.

A USB scanner in keyboard mode types its whole payload a few milliseconds per character and ends
with Enter; nobody types eight characters that fast. `BurstDetector` watches keystrokes with
their arrival times and holds each one back until it knows which it is:

- at least ``min_chars`` keystrokes, each within ``max_gap`` of the one before, then Enter (also
  within ``max_gap``): a burst, that is a scan; nothing of it is typed anywhere;
- anything else (a pause, another key, Enter after a short or slow run): a person typed it; the
  held keystrokes are released, in order, to go where they were typed.

Whether a burst holds a code the kiosk knows is for `classify_scan`; one that does not is a
failed scan, shown as such, never typed text. The detector holds no Qt types: the caller feeds it
keystrokes, acts on each `Decision`, and calls `expire()` when ``max_gap`` has passed without a
key (the caller's timer).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from kiosk.answers.idcard import IdCardError, parse_id_card_qr
from kiosk.outbox.lookup import reference_from_scan

__all__ = ["BurstDetector", "BurstPolicy", "Decision", "ScanKind", "classify_scan", "receipt_reference"]


@dataclass(frozen=True)
class BurstPolicy:
    """What counts as a scanner burst."""

    min_chars: int = 8
    max_gap: float = 0.035  # seconds between two keystrokes of one burst
    max_chars: int = 4096  # a longer run is cut off: no real code is that long

    def __post_init__(self) -> None:
        if self.min_chars < 2 or self.max_gap <= 0 or self.max_chars < self.min_chars:
            raise ValueError("a burst needs min_chars >= 2, max_gap > 0 and max_chars >= min_chars")


@dataclass(frozen=True)
class Decision:
    """What to do with the keystrokes held so far (all of them, never the current one).

    `release`: keystrokes a person typed, to deliver now in this order (before the current key).
    `scan`: a burst without its Enter; deliver nothing, route it to what expects a scan.
    """

    release: tuple[str, ...] = ()
    scan: str | None = None


_NOTHING = Decision()


class BurstDetector:
    """Classifies keystrokes into typing and scanner bursts by their timing; see the module doc."""

    def __init__(self, policy: BurstPolicy | None = None, clock: Callable[[], float] = time.monotonic) -> None:
        self.policy = policy or BurstPolicy()
        self._clock = clock
        self._pending: list[str] = []
        self._last = 0.0

    @property
    def pending(self) -> tuple[str, ...]:
        """Keystrokes held back, oldest first."""
        return tuple(self._pending)

    @property
    def deadline(self) -> float | None:
        """Clock time after which `expire()` should be called, or None when nothing is held."""
        return self._last + self.policy.max_gap if self._pending else None

    def press(self, key: str) -> Decision:
        """A printable keystroke arrived. It is held; the decision says what to do with earlier ones."""
        now = self._clock()
        decision = _NOTHING
        if self._pending and (now - self._last > self.policy.max_gap or len(self._pending) >= self.policy.max_chars):
            decision = self._settle()
        self._pending.append(key)
        self._last = now
        return decision

    def enter(self) -> tuple[Decision, bool]:
        """Enter arrived. Returns the decision and whether the Enter key itself should be delivered."""
        now = self._clock()
        if not self._pending:
            return _NOTHING, True
        if now - self._last <= self.policy.max_gap and len(self._pending) >= self.policy.min_chars:
            text = "".join(self._pending)
            self._pending.clear()
            return Decision(scan=text), False
        return self._settle(), True

    def interrupt(self) -> Decision:
        """A key that is neither text nor Enter (arrows, Tab, Backspace, shortcuts): settle what is held."""
        return self._settle() if self._pending else _NOTHING

    def expire(self) -> Decision:
        """The pause after the last keystroke is over (the caller's timer fired): settle what is held."""
        return self._settle() if self._pending else _NOTHING

    def clear(self) -> None:
        """Forget held keystrokes (the session reset): they may be the previous resident's typing."""
        self._pending.clear()

    def _settle(self) -> Decision:
        held = tuple(self._pending)
        self._pending.clear()
        return Decision(release=held)


class ScanKind(StrEnum):
    ID_CARD = "id_card"  # the QR on a chip ID card (CCCD)
    RECEIPT = "receipt"  # the QR on a kiosk slip, or a dossier code
    UNKNOWN = "unknown"


# Dossier codes are opaque (BTX-K01-261126-0001, 000.00.21.H26-261126-0001): letters, digits and a few
# separators, with at least one digit.
_REFERENCE = re.compile(r"^(?=.*\d)[A-Za-z0-9][A-Za-z0-9._/-]{5,63}$")


def receipt_reference(text: str) -> str | None:
    """The dossier code in a scanned slip QR (a lookup URL or the bare code), or None if it holds none."""
    reference = reference_from_scan(text)
    return reference if _REFERENCE.match(reference) else None


def classify_scan(text: str) -> ScanKind:
    """What a complete scan holds."""
    try:
        parse_id_card_qr(text)
    except IdCardError:
        pass
    else:
        return ScanKind.ID_CARD
    return ScanKind.RECEIPT if receipt_reference(text) is not None else ScanKind.UNKNOWN
