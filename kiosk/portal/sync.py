"""Delivering the outbox to the portal: dossiers (and feedback) go out in order, each exactly once.

The dossier's outbox UUID is its Idempotency-Key, so a dossier whose answer was lost (timeout, dropped
connection, crash while 'sending') is simply sent again and the portal answers with the first receipt.
"""

from __future__ import annotations

import logging
import random
import time
import uuid
from collections.abc import Callable
from typing import Any

from pydantic import ValidationError

from kiosk.outbox.store import ClaimedDossier, Outbox
from kiosk.portal.client import PortalClient
from kiosk.portal.errors import PortalAuthError, PortalError, PortalRejected
from kiosk.portal.models import DossierSubmission, Feedback

log = logging.getLogger(__name__)

_PHONE_SEPARATORS = str.maketrans("", "", " .-()")
# A sync round ends by then, whatever the portal does (`PortalClient.deadline`): the exchange in progress is
# cut, its dossier goes back to the queue, and the next round starts on schedule.
ROUND_DEADLINE_S = 120.0


class SyncEngine:
    """Drains the outbox through a PortalClient. Blocking: run it on a worker thread.

    A dossier the portal refuses (4xx) is marked rejected with the portal's reason; one the portal could
    not take (down, 5xx, malformed answer, credentials) goes back to the queue with a growing delay, and
    the rest of the drain waits for the next round.
    """

    def __init__(self, outbox: Outbox, client: PortalClient, *, clock: Callable[[], float] = time.time,
                 retry_base_s: float = 30.0, retry_max_s: float = 3600.0,
                 rng: Callable[[], float] = random.random) -> None:
        self._outbox = outbox
        self._client = client
        self._clock = clock
        self._retry_base_s = retry_base_s
        self._retry_max_s = retry_max_s
        self._rng = rng
        self.last_failure: str | None = None  # why the last drain stopped early, if it did

    def drain_once(self) -> int:
        """Send every due dossier once; returns how many the portal settled (accepted or rejected)."""
        self.last_failure = None
        settled = 0
        while (claimed := self._outbox.claim_next(self._clock())) is not None:
            outcome = self._deliver(claimed)
            if outcome is None:
                break
            settled += 1
        return settled

    def drain_feedback_once(self) -> int:
        """Send every due feedback item once; returns how many left the queue."""
        sent = 0
        while (item := self._outbox.claim_feedback(self._clock())) is not None:
            item_id, _kind, payload = item
            try:
                feedback = feedback_from_outbox(payload)
            except ValidationError as exc:
                log.warning("feedback %s cannot be sent and is dropped: %s", item_id, _fields(exc))
                self._outbox.mark_feedback_sent(item_id)
                sent += 1
                continue
            try:
                self._client.send_feedback(uuid.UUID(item_id), feedback)
            except PortalRejected as exc:
                log.warning("feedback %s refused by the portal (%d); dropped", item_id, exc.status)
            except PortalError as exc:
                log.info("feedback %s not sent: %s", item_id, exc.reason)
                self._outbox.release_feedback(item_id, self._clock() + self._retry_delay(1))
                break
            self._outbox.mark_feedback_sent(item_id)
            sent += 1
        return sent

    def _deliver(self, claimed: ClaimedDossier) -> bool | None:
        """True accepted, False rejected, None released for later (stop draining)."""
        record = claimed.record
        try:
            submission = submission_from_outbox(claimed.payload)
        except ValidationError as exc:
            reason = f"the dossier stored on this kiosk is incomplete ({_fields(exc)})"
            log.error("dossier %s cannot be sent: %s", record.local_ref, reason)
            self._outbox.mark_rejected(record.uuid, reason)
            return False
        key = uuid.UUID(record.uuid)
        try:
            for ref in submission.attachments or ():  # the scanned papers first: the dossier names them
                data = self._outbox.attachment(record.uuid, ref.paper_id)
                if data is None:
                    reason = f"the scanned paper {ref.paper_id} is no longer stored on this kiosk"
                    log.error("dossier %s cannot be sent: %s", record.local_ref, reason)
                    self._outbox.mark_rejected(record.uuid, reason)
                    return False
                self._client.upload_attachment(key, ref.paper_id, data)
            receipt = self._client.submit_dossier(key, submission)
        except PortalRejected as exc:
            log.warning("dossier %s rejected by the portal (%d)", record.local_ref, exc.status)
            self._outbox.mark_rejected(record.uuid, exc.detail)
            return False
        except PortalError as exc:
            retry_at = self._clock() + self._retry_delay(record.attempts)
            level = logging.ERROR if isinstance(exc, PortalAuthError) else logging.INFO
            log.log(level, "dossier %s not delivered (attempt %d): %s", record.local_ref, record.attempts,
                    exc.reason)
            self._outbox.release(record.uuid, retry_at, exc.reason)
            self.last_failure = type(exc).__name__
            return None
        self._outbox.mark_accepted(record.uuid, receipt.dossier_code, receipt.received_at.isoformat(),
                                   receipt.appointment_date.isoformat(), receipt.fee_vnd)
        log.info("dossier %s accepted as %s", record.local_ref, receipt.dossier_code)
        return True

    def _retry_delay(self, attempts: int) -> float:
        ceiling = min(self._retry_max_s, self._retry_base_s * 2 ** max(0, attempts - 1))
        return float(ceiling / 2 + ceiling / 2 * self._rng())


def submission_from_outbox(payload: dict[str, Any]) -> DossierSubmission:
    """The contract's dossier from an outbox payload (`kiosk.journey.dossier.build_payload` plus the reference)."""
    body = dict(payload)
    applicant = dict(body.get("applicant") or {})
    if isinstance(applicant.get("phone"), str):
        applicant["phone"] = applicant["phone"].translate(_PHONE_SEPARATORS)
    body["applicant"] = {k: v for k, v in applicant.items() if v not in ("", None)}
    return DossierSubmission.model_validate(body)


def feedback_from_outbox(payload: dict[str, Any]) -> Feedback:
    """The contract's feedback from an outbox item (`kiosk.journey.dossier.rating_payload`)."""
    body = {k: v for k, v in payload.items() if v not in ("", None)}
    if body.get("kind") == "rating" and "rating" not in body:
        body["kind"] = "comment"  # a comment left without stars
    return Feedback.model_validate(body)


def _fields(exc: ValidationError) -> str:
    """Which fields failed, never their values (they are personal)."""
    return ", ".join(".".join(str(p) for p in e["loc"]) or "body" for e in exc.errors()[:5])
