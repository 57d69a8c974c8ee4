"""The resident's journey as a state machine: one transition function, events in, screens out.

The UI shows `Journey.state` and sends events; every screen change, including the idle reset, goes
through `Journey.dispatch`. Unexpected events are ignored and logged, never raised.

Longer than most modules on purpose: one handler per event: the transition function reads as one table.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from kiosk.answers.idcard import IdCardError, parse_id_card_qr
from kiosk.answers.validation import Issue, format_date, normalise, visible_steps
from kiosk.catalog import Catalog, Procedure, Step
from kiosk.catalog.models import Category, FieldKind, IdCardPart, Paper
from kiosk.journey.dossier import build_payload, rating_payload
from kiosk.journey.events import (  # re-exported: the journey's public vocabulary
    FORM_SCREENS,
    MENU_SCREENS,
    ChooseMode,
    ConfirmSubmit,
    DeclineConsent,
    EditStep,
    Event,
    Finish,
    GiveConsent,
    GoBack,
    Mode,
    NextPaper,
    OpenFeedback,
    OpenLookup,
    PaperScanned,
    Rate,
    Reset,
    ScanFailed,
    ScanIdCard,
    Screen,
    SearchProcedures,
    SelectProcedure,
    SetLanguage,
    SkipPaper,
    StartApplication,
    SubmissionFailed,
    SubmissionStored,
    SubmitStep,
    Touch,
    UpdateAnswers,
)
from kiosk.journey.pages import Page, first_problem, page_issues, page_of_field, prefill, step_pages
from kiosk.outbox.store import StoredDossier
from kiosk.payment.fees import FeeBreakdown, assess
from kiosk.scanning.papers import ScannedPaper, manifest
from kiosk.workdays.clock import Clock, SystemClock

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
    "Journey",
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
    "Session",
    "SetLanguage",
    "SkipPaper",
    "StartApplication",
    "SubmissionFailed",
    "SubmissionStored",
    "SubmitStep",
    "Touch",
    "Transition",
    "UpdateAnswers",
]

log = logging.getLogger(__name__)

MAX_QUERY = 100
CATEGORY_FILTERS = frozenset({"all", "popular", *(c.value for c in Category)})


# --- state ----------------------------------------------------------------------------------------


@dataclass
class Session:
    """Everything one resident entered. Replaced whole by a reset."""

    lang: str = "vi"
    mode: Mode = Mode.DO
    procedure_code: str | None = None
    answers: dict[str, str] = field(default_factory=dict)
    step_index: int = 0
    page_index: int = 0  # the question shown, within the step (kiosk.journey.pages)
    errors: dict[str, Issue] = field(default_factory=dict)
    editing_from_review: bool = False
    consent_at: datetime | None = None
    pending_payload: dict[str, Any] | None = None
    pending_fee: FeeBreakdown | None = None
    stored: StoredDossier | None = None
    banner: str | None = None
    scan_result: str | None = None  # "ok", "bad" or "no_address" after an ID card scan on this step
    started_at: float = 0.0
    query: str = ""  # the procedure search, kept across language changes and the overview
    category: str = "all"
    overview_from: Screen = Screen.PROCEDURES  # where Back leads from the overview
    focus_field: str | None = None  # the field to edit, when the resident came from the review
    paper_index: int = 0  # the paper shown on the scan screen, among the procedure's scannable papers
    scans: dict[str, ScannedPaper] = field(default_factory=dict)  # scanned papers by scan id, in memory only
    scan_error: str | None = None  # message key of the last failed scan on the scan screen

    def forget_scans(self) -> None:
        for paper in self.scans.values():
            paper.forget()
        self.scans.clear()

    def __repr__(self) -> str:  # keep personal data out of logs and tracebacks
        return (f"Session(lang={self.lang!r}, procedure={self.procedure_code!r}, step={self.step_index}, "
                f"page={self.page_index})")


@dataclass(frozen=True)
class Transition:
    old: Screen
    new: Screen
    event: Event

    @property
    def ends_session(self) -> bool:
        """Every way back to the attract screen ends the session: a Reset, the rating, Back from home."""
        return isinstance(self.event, Reset) or (self.new is Screen.ATTRACT and self.old is not Screen.ATTRACT)


Listener = Callable[[Transition], None]


class Journey:
    def __init__(
        self,
        catalog: Catalog,
        default_lang: str = "vi",
        site_id: str = "demo",
        kiosk_id: str = "K01",
        clock: Clock | None = None,
        scanning: bool = False,
    ) -> None:
        self.catalog = catalog
        self.scanning = scanning  # a scanner is set up: procedures with scannable papers get the scan screen
        self.default_lang = default_lang
        self.site_id = site_id
        self.kiosk_id = kiosk_id
        self.clock: Clock = clock or SystemClock()
        self.screen = Screen.ATTRACT
        self.session = Session(lang=default_lang)
        self.history: list[Screen] = []
        self._listeners: list[Listener] = []
        self._notifying = False  # listeners are being told of a transition: events sent now wait their turn
        self._queued: deque[Event] = deque()
        self._rating: dict[str, Any] | None = None

    # --- observation ---

    def subscribe(self, listener: Listener) -> None:
        """Call `listener` after every transition, after the listeners subscribed before it."""
        self._listeners.append(listener)

    def unsubscribe(self, listener: Listener) -> None:
        self._listeners.remove(listener)

    @property
    def procedure(self) -> Procedure | None:
        code = self.session.procedure_code
        return self.catalog.get(code) if code else None

    def steps(self) -> list[Step]:
        proc = self.procedure
        return visible_steps(proc, self.session.answers) if proc else []

    def scannable_papers(self) -> list[Paper]:
        proc = self.procedure
        return proc.scannable_papers() if proc and self.scanning else []

    def current_paper(self) -> Paper | None:
        papers = self.scannable_papers()
        if not papers:
            return None
        return papers[min(self.session.paper_index, len(papers) - 1)]

    def current_step(self) -> Step | None:
        steps = self.steps()
        if not steps:
            return None
        return steps[min(self.session.step_index, len(steps) - 1)]

    def pages(self) -> list[Page]:
        """The pages (one question each) of the current step for the answers so far."""
        step = self.current_step()
        return step_pages(step, self.session.answers) if step is not None else []

    def current_page(self) -> Page | None:
        pages = self.pages()
        if not pages:
            return None
        return pages[min(self.session.page_index, len(pages) - 1)]

    # --- the one transition function ---

    def dispatch(self, event: Event) -> bool:
        """Apply `event`; returns False (and logs) when it does not apply to the current screen.

        An event sent by a listener while the listeners are told of a transition is applied after every
        listener has seen that transition (and returns True), so all listeners see transitions in order."""
        if self._notifying:
            self._queued.append(event)
            return True
        try:
            applied = self._apply(event)
            while self._queued:
                self._apply(self._queued.popleft())
        except BaseException:
            self._queued.clear()  # a listener failed: what it sent belongs to a session being recovered
            raise
        return applied

    def _apply(self, event: Event) -> bool:
        old = self.screen
        handler = getattr(self, f"_on_{type(event).__name__}", None)
        new = handler(event) if handler is not None else None
        if new is None:
            log.info("ignored event %s on screen %s", type(event).__name__, old.value)
            return False
        if new is not old and new is not Screen.ATTRACT:
            self.history.append(old)
        self.screen = new
        transition = Transition(old, new, event)
        self._notifying = True
        try:
            for listener in list(self._listeners):
                listener(transition)
        finally:
            self._notifying = False
        return True

    # --- handlers: each returns the next screen, or None when the event does not apply ---

    def _on_Reset(self, event: Reset) -> Screen:
        log.info("session reset (%s) from %s", event.reason, self.screen.value)
        self.session.forget_scans()
        self.session = Session(lang=self.default_lang)
        self.history.clear()
        return Screen.ATTRACT

    def _on_Touch(self, event: Touch) -> Screen | None:
        if self.screen is not Screen.ATTRACT:
            return None
        self.session = Session(lang=self.default_lang, started_at=self.clock.monotonic())
        return Screen.HOME

    def _on_SetLanguage(self, event: SetLanguage) -> Screen | None:
        if event.lang not in ("vi", "en"):
            return None
        self.session.lang = event.lang
        return self.screen

    def _on_ChooseMode(self, event: ChooseMode) -> Screen | None:
        if self.screen is not Screen.HOME:
            return None
        self.session.mode = event.mode
        self.session.query = ""
        self.session.category = "all"
        return Screen.PROCEDURES

    def _on_SearchProcedures(self, event: SearchProcedures) -> Screen | None:
        if self.screen not in (Screen.HOME, Screen.PROCEDURES):
            return None
        query = event.query if isinstance(event.query, str) else ""
        self.session.query = query[:MAX_QUERY]
        if event.category is not None:
            self.session.category = event.category if event.category in CATEGORY_FILTERS else "all"
        return Screen.PROCEDURES

    def _on_OpenLookup(self, event: OpenLookup) -> Screen | None:
        return Screen.LOOKUP if self.screen is Screen.HOME else None

    def _on_OpenFeedback(self, event: OpenFeedback) -> Screen | None:
        return Screen.FEEDBACK if self.screen is Screen.HOME else None

    def _on_SelectProcedure(self, event: SelectProcedure) -> Screen | None:
        if self.screen not in (Screen.HOME, Screen.PROCEDURES):
            return None
        try:
            self.catalog.get(event.code)
        except KeyError:
            return None
        if self.session.procedure_code != event.code:
            self.session.answers = {}
            self.session.step_index = 0
            self.session.page_index = 0
            self.session.paper_index = 0
            self.session.forget_scans()
        self.session.procedure_code = event.code
        self.session.overview_from = self.screen
        return Screen.OVERVIEW

    def _on_StartApplication(self, event: StartApplication) -> Screen | None:
        if self.screen is not Screen.OVERVIEW or self.procedure is None:
            return None
        self.session.mode = Mode.DO
        if self.session.consent_at is None:
            return Screen.CONSENT
        self._go_to(0, 0)
        return Screen.STEP

    def _on_GiveConsent(self, event: GiveConsent) -> Screen | None:
        if self.screen is not Screen.CONSENT:
            return None
        self.session.consent_at = self.clock.now()
        self._go_to(0, 0)
        self.session.errors = {}
        return Screen.STEP

    def _on_DeclineConsent(self, event: DeclineConsent) -> Screen | None:
        return Screen.OVERVIEW if self.screen is Screen.CONSENT else None

    def _on_UpdateAnswers(self, event: UpdateAnswers) -> Screen | None:
        if self.screen is not Screen.STEP:
            return None
        self._store_answers(event.values)
        return self.screen

    def _on_ScanIdCard(self, event: ScanIdCard) -> Screen | None:
        step = self.current_step()
        if self.screen is not Screen.STEP or step is None or not step.identity:
            return None
        try:
            card = parse_id_card_qr(event.payload)
        except IdCardError as exc:
            log.info("ID card scan rejected: %s", exc)
            self.session.scan_result = exc.reason
            return self.screen
        parts = {
            IdCardPart.ID_NUMBER: card.id_number,
            IdCardPart.FULL_NAME: card.full_name,
            IdCardPart.DATE_OF_BIRTH: format_date(card.date_of_birth),
            IdCardPart.GENDER: card.gender,
            IdCardPart.ADDRESS: card.address,
        }
        for spec in step.fields:
            if spec.prefill_from_id_card is not None:
                self.session.answers[spec.id] = parts[spec.prefill_from_id_card]
                self.session.errors.pop(spec.id, None)
        self.session.scan_result = "ok"
        return self.screen

    def _on_SubmitStep(self, event: SubmitStep) -> Screen | None:
        step = self.current_step()
        if self.screen is not Screen.STEP or step is None:
            return None
        self._store_answers(event.values)
        self.session.focus_field = None
        today = self.clock.now().date()
        # The answers given are those of the page shown (the screen sends one page); answers to other
        # pages of the step (a whole step sent at once) are checked with them, and the form goes on after
        # the last page answered.
        pages = self.pages()
        touched = [min(self.session.page_index, len(pages) - 1)]
        touched += [p.index for p in pages if p.field_ids & event.values.keys()]
        end = max(touched)
        span = pages[min(touched):end + 1]
        issues = page_issues(frozenset().union(*(p.field_ids for p in span)), step, self.session.answers, today)
        if issues:  # the first page with a problem is shown, with its messages
            wrong = next(p for p in span if p.field_ids & issues.keys())
            self.session.page_index = wrong.index
            self.session.errors = {key: issue for key, issue in issues.items() if key in wrong.field_ids}
            return Screen.STEP
        self.session.errors = {}
        self.session.scan_result = None
        steps = self.steps()
        index = steps.index(step)
        if self.session.editing_from_review:
            problem = first_problem(self.procedure, self.session.answers, today) if self.procedure else None
            if problem is None:
                self.session.editing_from_review = False
                return Screen.REVIEW
            self._go_to(problem[0], problem[1])  # an answer changed opened a question still unanswered
            return Screen.STEP
        if end + 1 < len(pages):
            self._go_to(index, end + 1)
            return Screen.STEP
        if index + 1 >= len(steps):
            if self.scannable_papers():
                self.session.paper_index = 0
                self.session.scan_error = None
                return Screen.SCAN
            return Screen.REVIEW
        self._go_to(index + 1, 0)
        return Screen.STEP

    def _on_GoBack(self, event: GoBack) -> Screen | None:
        screen = self.screen
        self.session.errors = {}
        self.session.scan_result = None
        self.session.focus_field = None
        if screen is Screen.STEP:
            if self.session.editing_from_review:
                self.session.editing_from_review = False
                return Screen.REVIEW
            page = self.current_page()
            if page is not None and page.index > 0:
                self.session.page_index = page.index - 1
                return Screen.STEP
            if self.session.step_index > 0:
                self._go_to(self.session.step_index - 1, -1)
                return Screen.STEP
            return Screen.OVERVIEW
        if screen is Screen.REVIEW and self.scannable_papers():
            self.session.paper_index = len(self.scannable_papers()) - 1
            self.session.scan_error = None
            return Screen.SCAN
        if screen is Screen.SCAN:
            self.session.scan_error = None
            if self.session.paper_index > 0:
                self.session.paper_index -= 1
                return Screen.SCAN
        if screen in (Screen.REVIEW, Screen.SCAN):
            self._go_to(len(self.steps()) - 1, -1)
            return Screen.STEP
        if screen is Screen.PROCEDURES:
            self.session.query = ""
            self.session.category = "all"
        back = {
            Screen.HOME: Screen.ATTRACT,
            Screen.PROCEDURES: Screen.HOME,
            Screen.OVERVIEW: self.session.overview_from,
            Screen.CONSENT: Screen.OVERVIEW,
            Screen.LOOKUP: Screen.HOME,
            Screen.FEEDBACK: Screen.HOME,
        }
        target = back.get(screen)
        if target is Screen.ATTRACT:
            return self._on_Reset(Reset("back"))
        return target

    def _on_EditStep(self, event: EditStep) -> Screen | None:
        if self.screen is not Screen.REVIEW:
            return None
        for index, step in enumerate(self.steps()):
            if step.id == event.step_id:
                known = {f.id for f in step.fields}
                field_id = event.field_id if event.field_id in known else None
                self.session.step_index = index
                self.session.page_index = page_of_field(step, self.session.answers, field_id)
                self.session.editing_from_review = True
                self.session.errors = {}
                self.session.focus_field = field_id
                return Screen.STEP
        return None

    def _on_ConfirmSubmit(self, event: ConfirmSubmit) -> Screen | None:
        proc = self.procedure
        if self.screen is not Screen.REVIEW or proc is None or self.session.consent_at is None:
            return None
        today = self.clock.now().date()
        problem = first_problem(proc, self.session.answers, today)
        if problem is not None:  # fixed, the answer leads back here (or to the next problem)
            self.session.step_index, self.session.page_index, self.session.errors = problem
            self.session.editing_from_review = True
            return Screen.STEP
        now = self.clock.now()
        self.session.pending_payload = build_payload(
            proc, self.session.answers, self.session.consent_at, self.site_id, self.kiosk_id, now, self.session.lang
        )
        attachments = manifest({p.scan.id: self.session.scans[p.scan.id] for p in self.scannable_papers()
                                if p.scan and p.scan.id in self.session.scans})
        if attachments:
            self.session.pending_payload["attachments"] = attachments
        self.session.pending_fee = assess(proc, self.session.answers, today)
        self.session.banner = None
        return Screen.SUBMITTING

    def _on_SubmissionStored(self, event: SubmissionStored) -> Screen | None:
        if self.screen is not Screen.SUBMITTING:
            return None
        self.session.stored = event.stored
        self.session.pending_payload = None
        return Screen.RECEIPT

    def _on_SubmissionFailed(self, event: SubmissionFailed) -> Screen | None:
        if self.screen is not Screen.SUBMITTING:
            return None
        self.session.pending_payload = None
        self.session.banner = event.message_key
        return Screen.REVIEW

    # --- scanning the papers ---

    def _on_PaperScanned(self, event: PaperScanned) -> Screen | None:
        paper = self.current_paper()
        if self.screen is not Screen.SCAN or paper is None or paper.scan is None:
            return None
        if event.paper.paper_id != paper.scan.id or not event.paper.pages:
            return None  # a scan that finished after the resident moved on
        old = self.session.scans.get(paper.scan.id)
        if old is not None and old is not event.paper:
            kept = {id(page) for page in event.paper.pages}
            for page in old.pages:  # a rescan replaces pages: close the images nobody shows any more
                if id(page) not in kept:
                    page.image.close()
        self.session.scans[paper.scan.id] = event.paper
        self.session.scan_error = None
        return Screen.SCAN

    def _on_ScanFailed(self, event: ScanFailed) -> Screen | None:
        if self.screen is not Screen.SCAN:
            return None
        self.session.scan_error = event.message_key
        return Screen.SCAN

    def _on_SkipPaper(self, event: SkipPaper) -> Screen | None:
        paper = self.current_paper()
        if self.screen is not Screen.SCAN or paper is None or paper.scan is None:
            return None
        dropped = self.session.scans.pop(paper.scan.id, None)
        if dropped is not None:
            dropped.forget()
        return self._next_paper()

    def _on_NextPaper(self, event: NextPaper) -> Screen | None:
        paper = self.current_paper()
        if self.screen is not Screen.SCAN or paper is None or paper.scan is None:
            return None
        if paper.scan.id not in self.session.scans:
            return None  # nothing scanned: "skip" says the paper will be brought
        return self._next_paper()

    def _next_paper(self) -> Screen:
        self.session.scan_error = None
        if self.session.paper_index + 1 < len(self.scannable_papers()):
            self.session.paper_index += 1
            return Screen.SCAN
        return Screen.REVIEW

    def _on_Finish(self, event: Finish) -> Screen | None:
        return Screen.RATING if self.screen is Screen.RECEIPT else None

    def _on_Rate(self, event: Rate) -> Screen | None:
        if self.screen is not Screen.RATING:
            return None
        session = self.session
        stored = session.stored
        self._rating = rating_payload(
            event.stars, event.comment, session.procedure_code, stored.local_ref if stored else None,
            self.site_id, self.kiosk_id, session.lang,
        )
        return self._on_Reset(Reset("rated"))

    def take_rating(self) -> dict[str, Any] | None:
        """The rating given at the end of the last session, once (for the UI to store off its thread)."""
        rating, self._rating = self._rating, None
        return rating

    # --- helpers ---

    def _go_to(self, step_index: int, page_index: int) -> None:
        """Show page `page_index` of step `step_index` (-1: its last page), filled in from earlier answers
        where the catalog says so."""
        steps = self.steps()
        if not steps:
            return
        self.session.step_index = max(0, min(step_index, len(steps) - 1))
        pages = step_pages(steps[self.session.step_index], self.session.answers)
        self.session.page_index = len(pages) - 1 if page_index < 0 else min(page_index, max(0, len(pages) - 1))
        if pages:
            prefill(pages[self.session.page_index], self.session.answers)

    def _store_answers(self, values: Mapping[str, str]) -> None:
        proc = self.procedure
        if proc is None:
            return
        known = {f.id: f for f in proc.fields()}
        for key, value in values.items():
            spec = known.get(key)
            if spec is None:
                continue
            text = value if isinstance(value, str) else ""
            if len(text) > 5000:  # a stuck key or a runaway scanner: keep the field usable
                text = text[:5000]
            self.session.answers[key] = text if spec.kind is FieldKind.LONG_TEXT else normalise(text)
