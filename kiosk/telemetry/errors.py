"""Counting the kiosk's logged errors for the heartbeat: which part of the kiosk, how many in the last hour.

Only the logger's name and a count leave the kiosk, never a message (a message could one day carry more
than it should). Attached to the root logger while fleet reporting runs.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter, deque
from collections.abc import Callable

from kiosk.telemetry.wire import MAX_ERRORS

WINDOW_S = 3600.0
KEEP = 1000  # the most recent errors remembered; a storm of more still shows as many


class ErrorTally(logging.Handler):
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__(logging.ERROR)
        self._clock = clock
        self._seen: deque[tuple[float, str]] = deque(maxlen=KEEP)
        self._guard = threading.Lock()

    def emit(self, record: logging.LogRecord) -> None:
        with self._guard:
            self._seen.append((self._clock(), record.name[:150]))

    def recent(self, window_s: float = WINDOW_S) -> list[str]:
        """`logger: count` for the parts that logged errors in the last `window_s` seconds, most first."""
        since = self._clock() - window_s
        with self._guard:
            counts = Counter(name for at, name in self._seen if at >= since)
        return [f"{name}: {count}" for name, count in counts.most_common(MAX_ERRORS)]
