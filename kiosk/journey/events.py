"""The journey's vocabulary: the events the UI sends to `Journey.dispatch` (and its screens, re-exported).

Apart from `kiosk.journey.machine` so the UI can name events without the catalog, its pydantic models and the outbox;
the window imports them once its attract screen is painted (docs/PERFORMANCE.md).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

from kiosk.journey.screens import FORM_SCREENS, MENU_SCREENS, Screen

if TYPE_CHECKING:
    from kiosk.outbox.store import StoredDossier
    from kiosk.scanning.papers import ScannedPaper

__all__ = [
    "FORM_SCREENS",
    "MENU_SCREENS",
    "ChooseMode",
    "ConfirmSubmit",
    "DeclineConsent",
    "EditStep",
    "Event",
    "Finish",
    "GiveConsent",
    "GoBack",
    "Mode",
    "NextPaper",
    "OpenFeedback",
    "OpenLookup",
    "PaperScanned",
    "Rate",
    "Reset",
    "ScanFailed",
    "ScanIdCard",
    "Screen",
    "SearchProcedures",
    "SelectProcedure",
    "SetLanguage",
    "SkipPaper",
    "StartApplication",
    "SubmissionFailed",
    "SubmissionStored",
    "SubmitStep",
    "Touch",
    "UpdateAnswers",
]


class Mode(StrEnum):
    DO = "do"
    LEARN = "learn"


# --- events ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Event:
    pass


@dataclass(frozen=True)
class Touch(Event):
    """The resident touched the attract screen."""


@dataclass(frozen=True)
class ChooseMode(Event):
    mode: Mode


@dataclass(frozen=True)
class OpenLookup(Event):
    pass


@dataclass(frozen=True)
class OpenFeedback(Event):
    pass


@dataclass(frozen=True)
class SearchProcedures(Event):
    """Typed into a search field (home or the list), or chose a category: show the matching procedures."""

    query: str
    category: str | None = None  # None keeps the current one; "all", "popular" or a Category value


@dataclass(frozen=True)
class SelectProcedure(Event):
    code: str


@dataclass(frozen=True)
class StartApplication(Event):
    pass


@dataclass(frozen=True)
class GiveConsent(Event):
    pass


@dataclass(frozen=True)
class DeclineConsent(Event):
    pass


@dataclass(frozen=True)
class SubmitStep(Event):
    values: Mapping[str, str]


@dataclass(frozen=True)
class UpdateAnswers(Event):
    """Answers typed so far on the current step (kept across language changes and back)."""

    values: Mapping[str, str]


@dataclass(frozen=True)
class ScanIdCard(Event):
    payload: str


@dataclass(frozen=True)
class GoBack(Event):
    pass


@dataclass(frozen=True)
class EditStep(Event):
    step_id: str
    field_id: str | None = None  # the answer touched on the review, to put the cursor in


@dataclass(frozen=True)
class ConfirmSubmit(Event):
    pass


@dataclass(frozen=True)
class SubmissionStored(Event):
    stored: StoredDossier


@dataclass(frozen=True)
class SubmissionFailed(Event):
    message_key: str = "review.store_failed"


@dataclass(frozen=True)
class Finish(Event):
    """Receipt done: go on to the rating."""


@dataclass(frozen=True)
class Rate(Event):
    stars: int | None
    comment: str = ""


@dataclass(frozen=True)
class SetLanguage(Event):
    lang: str


@dataclass(frozen=True)
class Reset(Event):
    """End the session: idle timeout, the End button, staff, the end of the rating, error recovery."""

    reason: str = "end"


# --- scanning the resident's papers (the scan screen between the form and the review) ---------------


@dataclass(frozen=True)
class PaperScanned(Event):
    """A worker scanned a page: `paper` is the current paper with it (rescanned or one page more)."""

    paper: ScannedPaper


@dataclass(frozen=True)
class ScanFailed(Event):
    message_key: str = "scan.error.failed"


@dataclass(frozen=True)
class SkipPaper(Event):
    """The resident will bring this paper instead of scanning it."""


@dataclass(frozen=True)
class NextPaper(Event):
    """The current paper's pages are done: on to the next paper, or the review after the last."""
