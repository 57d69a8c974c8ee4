"""The screens of the resident's journey.

Apart from the events (`kiosk/journey/events.py`, two dozen dataclasses that take ~9 ms to define) so the window can
name its screens before its first paint and define the events after it (docs/PERFORMANCE.md).
"""

from __future__ import annotations

from enum import StrEnum


class Screen(StrEnum):
    ATTRACT = "attract"
    HOME = "home"
    PROCEDURES = "procedures"
    OVERVIEW = "overview"
    CONSENT = "consent"
    STEP = "step"
    SCAN = "scan"
    REVIEW = "review"
    SUBMITTING = "submitting"
    RECEIPT = "receipt"
    RATING = "rating"
    LOOKUP = "lookup"
    FEEDBACK = "feedback"


FORM_SCREENS = frozenset({Screen.CONSENT, Screen.STEP, Screen.SCAN, Screen.REVIEW, Screen.FEEDBACK, Screen.LOOKUP})
MENU_SCREENS = frozenset({Screen.HOME, Screen.PROCEDURES, Screen.OVERVIEW, Screen.RATING})
