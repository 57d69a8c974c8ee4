"""Which view shows which screen of the journey (the attract screen apart: the window builds it first)."""

from __future__ import annotations

import functools
from collections.abc import Callable

from kiosk.journey.screens import Screen
from ui.screens.base import ScreenContext, ScreenView


@functools.cache
def screen_classes() -> dict[Screen, Callable[[ScreenContext], ScreenView]]:
    """Every screen but the attract screen, by the screen it shows (imported once the kiosk is attached)."""
    from ui.screens.consent import ConsentScreen
    from ui.screens.form import ReviewScreen, StepScreen
    from ui.screens.home import HomeScreen
    from ui.screens.lookup import FeedbackScreen, LookupScreen
    from ui.screens.overview import OverviewScreen
    from ui.screens.procedures import ProceduresScreen
    from ui.screens.receipt import RatingScreen, ReceiptScreen, SubmittingScreen
    from ui.screens.scan import ScanScreen

    return {
        Screen.HOME: HomeScreen,
        Screen.PROCEDURES: ProceduresScreen,
        Screen.OVERVIEW: OverviewScreen,
        Screen.CONSENT: ConsentScreen,
        Screen.STEP: StepScreen,
        Screen.REVIEW: ReviewScreen,
        Screen.SUBMITTING: SubmittingScreen,
        Screen.RECEIPT: ReceiptScreen,
        Screen.RATING: RatingScreen,
        Screen.LOOKUP: LookupScreen,
        Screen.FEEDBACK: FeedbackScreen,
        Screen.SCAN: ScanScreen,
    }


