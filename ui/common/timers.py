"""Every timer of the kiosk is made here, has a name and a parent, and can be found by tests."""

from __future__ import annotations

import weakref

from PySide6.QtCore import QObject, QTimer

_TIMERS: weakref.WeakSet[QTimer] = weakref.WeakSet()


def named_timer(parent: QObject, name: str, interval_ms: int, single_shot: bool = False) -> QTimer:
    timer = QTimer(parent)
    timer.setObjectName(name)
    timer.setInterval(interval_ms)
    timer.setSingleShot(single_shot)
    _TIMERS.add(timer)
    return timer


def active_timers() -> list[str]:
    """Names of the kiosk's timers still running (a test that leaves one behind fails)."""
    names = []
    for timer in list(_TIMERS):
        try:
            if timer.isActive():
                names.append(timer.objectName())
        except RuntimeError:  # the C++ object is gone with its parent
            continue
    return names
