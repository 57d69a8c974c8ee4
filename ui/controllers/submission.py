"""A submitted dossier: stored in the outbox, its receipt prepared, off the GUI thread; then the receipt screen.

The journey reaching SUBMITTING is the request to store (`kiosk.operations.store_dossier`). The worker
commits the dossier before anyone is told, then prepares the slip and its QR codes. Back on the GUI thread
`SubmissionStored` moves the journey to the receipt, which shows the slip and prints it. A dossier that could
not be stored sends `SubmissionFailed` (the review says so and keeps every answer). Ratings are stored the same
way (`store_feedback`)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass

from PySide6.QtCore import QObject, Signal

from kiosk.catalog import Procedure
from kiosk.journey.events import Event, Rate, SubmissionFailed, SubmissionStored
from kiosk.journey.machine import Transition
from kiosk.journey.screens import Screen
from kiosk.operations import store_dossier, store_feedback
from kiosk.outbox.store import OutboxError, OutboxFull, StoredDossier
from kiosk.payment.fees import FeeBreakdown, assess
from kiosk.printing.receipt import Slip
from kiosk.runtime import Runtime
from kiosk.scanning.papers import attachments_for
from ui.common.workers import TaskRunner
from ui.controllers.printing import PrintController
from ui.printing.slip_render import make_receipt
from ui.screens.base import ScreenView
from ui.screens.receipt import ReceiptScreen

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PreparedReceipt:
    """A stored dossier and its receipt, made in the worker that stored it (slip in the language `lang`)."""

    stored: StoredDossier
    slip: Slip | None
    lang: str


class SubmissionController(QObject):
    slip_ready = Signal(object)  # the Slip shown on the receipt screen

    def __init__(self, parent: QObject, runtime: Runtime, runner: TaskRunner, send: Callable[[Event], None],
                 view: Callable[[Screen], ScreenView | None], printing: PrintController,
                 quiet: Callable[[], AbstractContextManager[None]]) -> None:
        super().__init__(parent)
        self.runtime, self.journey, self.runner, self.send = runtime, runtime.journey, runner, send
        self._view, self.printing = view, printing
        self._quiet = quiet  # the window's screen work without its event filter (see KioskWindow.unfiltered)
        self.journey.subscribe(self._on_transition)

    def _on_transition(self, transition: Transition) -> None:
        if transition.new is Screen.SUBMITTING and transition.old is not Screen.SUBMITTING:
            self.store_dossier()
        if isinstance(transition.event, Rate):
            self.store_rating()

    def store_rating(self) -> None:
        rating = self.journey.take_rating()
        if rating is not None:
            self.runner.run(store_feedback(self.runtime.outbox, "rating", rating))

    def store_dossier(self) -> None:
        session, proc = self.journey.session, self.journey.procedure
        payload = session.pending_payload
        if proc is None or payload is None:
            self.send(SubmissionFailed())
            return
        settings, fee = self.runtime.settings, self.pending_fee(proc)
        answers, lang = dict(session.answers), session.lang
        scans = dict(session.scans)
        attachments = attachments_for(payload, scans)

        def prepare(stored: StoredDossier) -> PreparedReceipt:
            # The receipt is prepared in the same worker, off the GUI thread: the slip and its QR codes.
            try:
                slip = make_receipt(proc, answers, stored.local_ref, stored.created_at, fee, settings, lang,
                                    list(scans))
            except Exception as exc:  # the dossier is stored: the GUI thread makes the receipt itself
                log.warning("receipt not prepared: %s", type(exc).__name__)
                return PreparedReceipt(stored, None, lang)
            return PreparedReceipt(stored, slip, lang)

        operation = store_dossier(self.runtime.outbox, proc.code, payload, settings, fee.payable_vnd,
                                  attachments).then(prepare)
        self.runner.run(operation, self._stored, self._store_failed)

    def pending_fee(self, proc: Procedure) -> FeeBreakdown:
        """The fee the review showed (assessed again only if the session lost it)."""
        session = self.journey.session
        return session.pending_fee or assess(proc, session.answers, self.journey.clock.now().date())

    def _stored(self, prepared: PreparedReceipt) -> None:
        with self._quiet():
            self._show_receipt(prepared)

    def _show_receipt(self, prepared: PreparedReceipt) -> None:
        proc = self.journey.procedure
        if proc is None or self.journey.screen is not Screen.SUBMITTING:
            return
        session, stored, slip = self.journey.session, prepared.stored, prepared.slip
        if slip is None or prepared.lang != session.lang:  # not prepared, or English now
            slip = make_receipt(proc, session.answers, stored.local_ref, stored.created_at, self.pending_fee(proc),
                                self.runtime.settings, session.lang, list(session.scans))
        self.send(SubmissionStored(stored))
        receipt = self._view(Screen.RECEIPT)
        if isinstance(receipt, ReceiptScreen):
            receipt.show_slip(slip)
            self.slip_ready.emit(slip)
            self.printing.print_receipt(slip, stored.uuid)

    def _store_failed(self, error: BaseException) -> None:
        if isinstance(error, OutboxFull):
            log.error("dossier not stored: the disk is full")
        elif isinstance(error, OutboxError):
            log.error("dossier not stored: %s", error)
        else:
            log.error("dossier not stored: %s", type(error).__name__)
        self.send(SubmissionFailed())


