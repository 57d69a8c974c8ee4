"""Sending the queued reports to the fleet service and taking its commands. Blocking: run it on a worker.

A round (`deliver`) sends the queue oldest first in batches and returns the commands the kiosk has not
seen before. Every exchange has short connect and read timeouts and a round sends at most
`max_batches` batches, so a fleet service that is down or slow costs a worker thread a few seconds and
never a resident anything. What the service did not confirm stays queued for the next round.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import date, datetime, timedelta

import requests
from pydantic import ValidationError

from kiosk.portal.models import DailyStatistics
from kiosk.telemetry.queue import ReportQueue
from kiosk.telemetry.wire import (
    BatchReply,
    Command,
    CommandResult,
    Heartbeat,
    ReportBatch,
    ReportKind,
    Token,
)

log = logging.getLogger(__name__)

TOKEN_PATH = "/oauth/token"
REPORTS_PATH = "/fleet/v1/reports"
BATCH_SIZE = 200
USAGE_DAYS = 7  # figures of the last week are sent again when they changed (late ratings, a day's end)


class FleetUnavailableError(Exception):
    """The fleet service could not be reached or refused the exchange; `reason` holds no personal data."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class FleetClient:
    """Client credentials (as with the portal): a token from /oauth/token, then Bearer on each batch."""

    def __init__(self, base_url: str, client_id: str, secret: Callable[[], str], *, connect_timeout: float = 3.0,
                 read_timeout: float = 5.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.base_url = base_url.rstrip("/")
        self.client_id = client_id
        self._secret = secret
        self._timeout = (connect_timeout, read_timeout)
        self._clock = clock
        self._session = requests.Session()
        self._token: tuple[str, float] | None = None

    def close(self) -> None:
        self._session.close()

    def _post(self, path: str, **kwargs: object) -> requests.Response:
        try:
            return self._session.post(f"{self.base_url}{path}", timeout=self._timeout, allow_redirects=False,
                                      **kwargs)  # type: ignore[arg-type]
        except requests.RequestException as exc:
            raise FleetUnavailableError(f"{path}: {type(exc).__name__}") from None

    def _bearer(self) -> str:
        if self._token is not None and self._clock() < self._token[1]:
            return self._token[0]
        answer = self._post(TOKEN_PATH, data={"grant_type": "client_credentials", "client_id": self.client_id,
                                              "client_secret": self._secret()})
        if answer.status_code != 200:
            raise FleetUnavailableError(f"token refused ({answer.status_code})")
        try:
            token = Token.model_validate_json(answer.content)
        except ValidationError:
            raise FleetUnavailableError("malformed token answer") from None
        self._token = (token.access_token, self._clock() + max(1.0, token.expires_in - 30.0))
        return token.access_token

    def send(self, batch: ReportBatch) -> BatchReply:
        body = batch.model_dump_json().encode()
        for attempt in range(2):
            answer = self._post(REPORTS_PATH, data=body, headers={
                "Authorization": f"Bearer {self._bearer()}", "Content-Type": "application/json"})
            if answer.status_code == 401 and attempt == 0:
                self._token = None  # expired or the service's key changed: one fresh token
                continue
            if answer.status_code != 200:
                raise FleetUnavailableError(f"{REPORTS_PATH}: status {answer.status_code}")
            try:
                return BatchReply.model_validate_json(answer.content)
            except ValidationError:
                raise FleetUnavailableError("malformed answer to a batch") from None
        raise FleetUnavailableError("token refused twice")


class Reporter:
    def __init__(self, queue: ReportQueue, client: FleetClient, *, max_batches: int = 20,
                 now: Callable[[], datetime] | None = None) -> None:
        from kiosk.workdays.clock import VN_TZ

        self.queue = queue
        self.client = client
        self.max_batches = max_batches
        self._now = now or (lambda: datetime.now(VN_TZ))
        self.last_error: str | None = None
        self.last_delivery: datetime | None = None

    def beat(self, heartbeat: Heartbeat) -> None:
        self.queue.put(ReportKind.HEARTBEAT, heartbeat, self._now())

    def queue_usage(self, figures: Callable[[date], DailyStatistics], today: date) -> int:
        """Queue the figures of the last days that changed since they were last queued; returns how many."""
        queued = 0
        for back in range(USAGE_DAYS):
            day = today - timedelta(days=back)
            stats = figures(day)
            if stats.sessions == 0:
                continue
            queued += self.queue.put_usage(day.isoformat(), stats, self._now())
        return queued

    def result(self, command: Command, ok: bool, detail: str = "") -> None:
        self.queue.put(ReportKind.COMMAND_RESULT,
                       CommandResult(command_id=command.id, name=command.name, ok=ok, detail=detail[:300]),
                       self._now())

    def deliver(self) -> list[Command]:
        """One round: send what is queued; the commands to carry out (each once). Raises FleetUnavailableError."""
        commands: list[Command] = []
        try:
            for _ in range(self.max_batches):
                reports = self.queue.batch(BATCH_SIZE)
                reply = self.client.send(ReportBatch(reports=reports))
                done = {str(i) for i in reply.accepted} | set(reply.rejected)
                for report_id, why in reply.rejected.items():
                    log.warning("fleet service refused report %s: %s", report_id, why[:200])
                self.queue.remove(done)
                commands.extend(self._new_commands(reply))
                if len(reports) < BATCH_SIZE or not done:
                    break
        except FleetUnavailableError as exc:
            self.last_error = exc.reason
            raise
        self.last_error = None
        self.last_delivery = self._now()
        return commands

    def _new_commands(self, reply: BatchReply) -> list[Command]:
        fresh: list[Command] = []
        for raw in reply.commands:
            try:
                command = Command.model_validate(raw)
            except ValidationError:
                name = raw.get("name") if isinstance(raw, dict) else None
                log.warning("fleet command ignored (unknown or malformed): %.40r", name)
                continue
            if self.queue.first_sight(command.id, self._now()):
                fresh.append(command)
        return fresh

