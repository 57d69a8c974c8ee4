"""Idle policy: how long each screen waits for the resident, and the warning before the reset."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from kiosk.journey.machine import FORM_SCREENS, MENU_SCREENS, Screen
from kiosk.workdays.clock import Clock


class IdleAction(StrEnum):
    NONE = "none"
    WARN = "warn"
    RESET = "reset"


@dataclass(frozen=True)
class IdlePolicy:
    form_seconds: int = 90
    menu_seconds: int = 45
    receipt_seconds: int = 90
    warning_seconds: int = 15

    def timeout_for(self, screen: Screen) -> int | None:
        """Seconds without input before the reset on `screen`; None where the kiosk never resets."""
        if screen in FORM_SCREENS:
            return self.form_seconds
        if screen in MENU_SCREENS:
            return self.menu_seconds
        if screen is Screen.RECEIPT:
            return self.receipt_seconds
        return None  # the attract screen, and while a dossier is being stored


@dataclass(frozen=True)
class IdleStatus:
    action: IdleAction
    seconds_left: int = 0


class IdleTracker:
    """Counts time since the last activity against the policy of the current screen."""

    def __init__(self, policy: IdlePolicy, clock: Clock) -> None:
        self.policy = policy
        self.clock = clock
        self._last = clock.monotonic()

    def activity(self) -> None:
        self._last = self.clock.monotonic()

    def idle_seconds(self) -> float:
        return self.clock.monotonic() - self._last

    def poll(self, screen: Screen) -> IdleStatus:
        timeout = self.policy.timeout_for(screen)
        if timeout is None:
            return IdleStatus(IdleAction.NONE)
        left = timeout - self.idle_seconds()
        if left <= 0:
            return IdleStatus(IdleAction.RESET)
        warning = min(self.policy.warning_seconds, max(timeout - 1, 1))
        if left <= warning:
            return IdleStatus(IdleAction.WARN, int(left + 0.999))
        return IdleStatus(IdleAction.NONE, int(left))
