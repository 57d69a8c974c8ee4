"""HTTP client for the online-service portal.

Promises: TLS verification is always on; every answer is size-capped and validated before use; any
failure surfaces as a `PortalError` subclass; logs carry method, path, status and duration only.
Blocking: call it from a worker thread, never from the GUI thread.

Longer than most modules on purpose: every call of the portal contract with its retry and deadline rules.
"""

from __future__ import annotations

import base64
import contextlib
import email.utils
import hashlib
import http.client
import logging
import random
import socket
import threading
import time
import weakref
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar
from urllib.parse import quote, urlsplit
from uuid import UUID

import requests
import requests.adapters
import urllib3.connection
import urllib3.connectionpool
import urllib3.exceptions
from pydantic import BaseModel, ValidationError

from kiosk.catalog.loader import CatalogError, parse_procedure
from kiosk.catalog.models import Procedure
from kiosk.portal.errors import (
    PortalAuthError,
    PortalError,
    PortalProtocolError,
    PortalRejected,
    PortalUnavailable,
)
from kiosk.portal.models import (
    Acknowledgement,
    AttachmentReceipt,
    CatalogResponse,
    Command,
    CommandName,
    DailyStatistics,
    DossierStatus,
    DossierSubmission,
    Feedback,
    Heartbeat,
    HeartbeatReply,
    Problem,
    SubmissionReceipt,
    TokenResponse,
)
from kiosk.settings.config import PortalSettings, is_loopback

log = logging.getLogger(__name__)


class _RedactQuery(logging.Filter):
    """urllib3 logs request URLs at DEBUG; their query strings can carry personal data (phone digits)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(a.split("?", 1)[0] + "?…" if isinstance(a, str) and "?" in a else a
                                for a in record.args)
        return True


logging.getLogger("urllib3.connectionpool").addFilter(_RedactQuery())

MAX_BODY_BYTES = 2 * 1024 * 1024
REQUEST_DEADLINE_S = 30.0  # one whole exchange (connect, send, headers, body), however slowly it drips
MAX_DETAIL_CHARS = 300
_CHUNK = 64 * 1024

M = TypeVar("M", bound=BaseModel)
T = TypeVar("T")


@dataclass(frozen=True)
class CatalogResult:
    """A complete, validated catalog. `etag` is what to send as `If-None-Match` next time."""

    version: str
    etag: str | None
    procedures: tuple[Procedure, ...]


@dataclass(frozen=True)
class NotModified:
    """The catalog has not changed since the given ETag."""

    etag: str


class _Throttled(PortalUnavailable):
    """A 429 or 5xx answer, kept apart so the retry loop can honour Retry-After."""

    def __init__(self, status: int, retry_after: float | None, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.retry_after = retry_after


class _TlsFailure(PortalUnavailable):
    """Certificate or handshake failure: not transient, so never retried."""


class _Sockets:
    """The sockets of one client's connections, so a deadline can cut an exchange that is still dripping.

    Timeouts of the socket only bound each read; a server sending a byte every few seconds never trips
    them. Shutting the socket down makes the blocked read return at once, in whichever thread it waits.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._open: weakref.WeakSet[socket.socket] = weakref.WeakSet()

    def add(self, sock: socket.socket | None) -> None:
        if sock is not None:
            with self._lock:
                self._open.add(sock)

    def cut(self) -> None:
        with self._lock:
            open_now = list(self._open)
        for sock in open_now:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)


def _tracking_adapter(sockets: _Sockets) -> requests.adapters.HTTPAdapter:
    """A transport adapter whose connections report their sockets (plain TCP and, over it, TLS) to `sockets`."""

    class Plain(urllib3.connection.HTTPConnection):
        def _new_conn(self) -> socket.socket:
            sock = super()._new_conn()
            sockets.add(sock)
            return sock

    class Secure(urllib3.connection.HTTPSConnection):
        def _new_conn(self) -> socket.socket:
            sock = super()._new_conn()
            sockets.add(sock)
            return sock

        def connect(self) -> None:
            super().connect()
            sockets.add(self.sock)

    class PlainPool(urllib3.connectionpool.HTTPConnectionPool):
        ConnectionCls = Plain

    class SecurePool(urllib3.connectionpool.HTTPSConnectionPool):
        ConnectionCls = Secure

    adapter = requests.adapters.HTTPAdapter()
    adapter.poolmanager.pool_classes_by_scheme = {"http": PlainPool, "https": SecurePool}
    return adapter


@dataclass(frozen=True)
class _Answer:
    status: int
    headers: Mapping[str, str]
    body: bytes


@dataclass
class _Token:
    value: str
    expires_at: float  # on the client's clock


class PortalClient:
    """One kiosk's connection to the portal. Use it from one thread at a time (a worker, never the GUI)."""

    @classmethod
    def for_portal(cls, portal: PortalSettings, secret_provider: Callable[[], str], max_retries: int = 1,
                   timeout_cap: float | None = None, sleep: Callable[[float], None] = time.sleep) -> PortalClient:
        """A client for the configured portal ([portal] settings); `timeout_cap` shortens its timeouts (checks).
        Raises ValueError when no portal is configured."""
        if portal.base_url is None:
            raise ValueError("no portal configured")
        cap = timeout_cap if timeout_cap is not None else float("inf")
        return cls(portal.base_url, portal.client_id, secret_provider, ca_bundle=portal.ca_bundle,
                   connect_timeout=min(portal.connect_timeout, cap), read_timeout=min(portal.read_timeout, cap),
                   max_retries=max_retries, sleep=sleep)

    def __init__(
        self,
        base_url: str,
        client_id: str,
        secret_provider: Callable[[], str],
        ca_bundle: str | None = None,
        connect_timeout: float = 3.05,
        read_timeout: float = 10,
        max_retries: int = 4,
        backoff_base: float = 0.5,
        sleep: Callable[[float], None] = time.sleep,
        rng: Callable[[], float] = random.random,
        *,
        max_backoff: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
        request_deadline: float = REQUEST_DEADLINE_S,
    ) -> None:
        self._base_url = _checked_base_url(base_url)
        self._client_id = client_id
        self._secret_provider = secret_provider
        self._timeouts = (connect_timeout, read_timeout)
        self._max_retries = max(0, max_retries)
        self._backoff_base = backoff_base
        self._max_backoff = max_backoff
        self._sleep = sleep
        self._rng = rng
        self._clock = clock
        self._token: _Token | None = None
        self._request_deadline = request_deadline
        self._round_ends: float | None = None  # time.monotonic() after which no exchange may go on
        self._aborted = False
        self._sockets = _Sockets()
        self._session = requests.Session()
        adapter = _tracking_adapter(self._sockets)
        self._session.mount("https://", adapter)
        self._session.mount("http://", adapter)
        # Never False: a CA bundle narrows trust, it never disables the check.
        self._session.verify = ca_bundle if ca_bundle else True
        self._session.trust_env = False  # no proxies or netrc credentials picked up from the environment
        self._session.headers.update({"Accept": "application/json, application/problem+json",
                                      "User-Agent": "community-kiosk"})

    # --- public calls ----------------------------------------------------------------------------

    def close(self) -> None:
        self._session.close()

    def abort(self) -> None:
        """From any thread: cut the exchange in progress and refuse new ones (the kiosk is stopping).
        The caller waiting on the cut exchange gets PortalUnavailable and releases its dossier."""
        self._aborted = True
        self._sockets.cut()

    @contextlib.contextmanager
    def deadline(self, seconds: float) -> Iterator[None]:
        """Within the block, every exchange and retry ends at the latest `seconds` from now."""
        self._round_ends = time.monotonic() + seconds
        try:
            yield
        finally:
            self._round_ends = None

    def _budget(self) -> float:
        """Seconds the next exchange may take, at most; 0 or less when none may start."""
        if self._aborted:
            return 0.0
        budget = self._request_deadline
        if self._round_ends is not None:
            budget = min(budget, self._round_ends - time.monotonic())
        return budget

    def __enter__(self) -> PortalClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def fetch_token(self) -> TokenResponse:
        """Obtain a fresh access token (client credentials) and cache it until shortly before expiry."""
        path = "/oauth/token"

        def handle(answer: _Answer) -> TokenResponse:
            if answer.status in (400, 401, 403):
                raise PortalAuthError(f"token request refused ({answer.status}): {self._problem(answer)[0]}")
            self._expect(answer, path, 200)
            return self._parse(answer, TokenResponse, path)

        form = {"grant_type": "client_credentials", "client_id": self._client_id,
                "client_secret": self._secret_provider()}
        token = self._call("POST", path, handle, data=form, retryable=True, authenticated=False)
        lifetime = float(token.expires_in)
        margin = min(30.0, lifetime * 0.1)
        self._token = _Token(token.access_token.get_secret_value(), self._clock() + lifetime - margin)
        return token

    def get_catalog(self, etag: str | None) -> CatalogResult | NotModified:
        """The whole catalog, or NotModified when it still matches `etag`."""
        path = "/api/v1/catalog"

        def handle(answer: _Answer) -> CatalogResult | NotModified:
            if answer.status == 304:
                return NotModified(answer.headers.get("ETag") or etag or "")
            self._expect(answer, path, 200)
            catalog = self._parse(answer, CatalogResponse, path)
            procedures: list[Procedure] = []
            for index, raw in enumerate(catalog.procedures):
                try:
                    # The same checks as a bundled definition (depth, control characters, the schema).
                    procedures.append(parse_procedure(raw, f"procedure #{index}"))
                except CatalogError as exc:
                    # Taken whole or not at all, so a kiosk never shows half of an update.
                    raise self._protocol_error(path, _clean_text(str(exc.problems[0]))) from None
            codes = [p.code for p in procedures]
            if len(codes) != len(set(codes)):
                raise self._protocol_error(path, "duplicate procedure codes")
            return CatalogResult(catalog.version, answer.headers.get("ETag"), tuple(procedures))

        headers = {"If-None-Match": etag} if etag else {}
        return self._call("GET", path, handle, headers=headers, retryable=True)

    def submit_dossier(self, key: UUID, payload: DossierSubmission) -> SubmissionReceipt:
        """Submit once per key: the same key again returns the first receipt, never a second dossier."""
        path = "/api/v1/dossiers"

        def handle(answer: _Answer) -> SubmissionReceipt:
            self._expect(answer, path, 200, 201)
            receipt = self._parse(answer, SubmissionReceipt, path)
            log.info("dossier accepted%s", " (answer replayed)" if answer.status == 200 else "")
            return receipt

        return self._call("POST", path, handle, json=payload.model_dump(mode="json", exclude_none=True),
                          headers={"Idempotency-Key": str(key)}, retryable=True)

    def upload_attachment(self, key: UUID, paper_id: str, data: bytes) -> AttachmentReceipt:
        """Upload one scanned paper (PDF) of the dossier `key`, before the dossier itself. Safe to repeat: the
        portal keeps one file per key and paper; it checks the SHA-256 sent in Content-Digest (RFC 9530)."""
        digest = hashlib.sha256(data)
        path = f"/api/v1/attachments/{key}/{quote(paper_id, safe='')}"
        shown = "/api/v1/attachments/{key}/{paper}"

        def handle(answer: _Answer) -> AttachmentReceipt:
            self._expect(answer, shown, 200, 201)
            receipt = self._parse(answer, AttachmentReceipt, shown)
            if receipt.sha256 != digest.hexdigest() or receipt.paper_id != paper_id:
                raise self._protocol_error(shown, "the portal stored another file than the one sent")
            return receipt

        headers = {"Content-Type": "application/pdf",
                   "Content-Digest": f"sha-256=:{base64.b64encode(digest.digest()).decode()}:"}
        return self._call("PUT", path, handle, headers=headers, content=data, retryable=True, log_path=shown)

    def dossier_status(self, code: str, phone_last4: str) -> DossierStatus:
        """Look a dossier up by its official code or the kiosk's local reference."""
        if not (len(phone_last4) == 4 and phone_last4.isascii() and phone_last4.isdigit()):
            raise ValueError("phone_last4 must be four digits")
        if not 1 <= len(code) <= 64:
            raise ValueError("code must be 1 to 64 characters")
        path = f"/api/v1/dossiers/{quote(code, safe='')}/status"
        shown = "/api/v1/dossiers/{code}/status"

        def handle(answer: _Answer) -> DossierStatus:
            self._expect(answer, shown, 200)
            return self._parse(answer, DossierStatus, shown)

        return self._call("GET", path, handle, params={"phone_last4": phone_last4}, retryable=True,
                          log_path=shown)

    def send_feedback(self, key: UUID, feedback: Feedback) -> None:
        """Deliver a rating or comment once per key."""
        path = "/api/v1/feedback"
        self._call("POST", path, self._acknowledged(path),
                   json=feedback.model_dump(mode="json", exclude_none=True),
                   headers={"Idempotency-Key": str(key)}, retryable=True)

    def heartbeat(self, beat: Heartbeat) -> list[Command]:
        """Report liveness; returns the portal's commands. Unknown commands are logged and dropped."""
        path = "/api/v1/heartbeat"

        def handle(answer: _Answer) -> list[Command]:
            self._expect(answer, path, 200)
            reply = self._parse(answer, HeartbeatReply, path)
            known = {c.value for c in CommandName}
            commands: list[Command] = []
            for raw in reply.commands:
                name = raw.get("name")
                if not isinstance(name, str) or name not in known:
                    log.warning("heartbeat: ignoring unknown command %.40r", raw.get("name"))
                    continue
                try:
                    commands.append(Command.model_validate(raw))
                except ValidationError as exc:
                    log.warning("heartbeat: ignoring malformed command: %s", _summarise(exc))
            return commands

        # Not retried: commands handed out in a lost answer would be lost, and the next beat comes soon.
        return self._call("POST", path, handle, json=beat.model_dump(mode="json"), retryable=False)

    def send_daily_statistics(self, stats: DailyStatistics) -> None:
        """Send one day's figures; the portal replaces earlier figures for that kiosk and day."""
        path = "/api/v1/statistics/daily"
        self._call("POST", path, self._acknowledged(path), json=stats.model_dump(mode="json"),
                   retryable=True)

    # --- plumbing --------------------------------------------------------------------------------

    def _acknowledged(self, path: str) -> Callable[[_Answer], None]:
        def handle(answer: _Answer) -> None:
            self._expect(answer, path, 202)
            self._parse(answer, Acknowledgement, path)
        return handle

    def _bearer(self) -> str:
        if self._token is None or self._clock() >= self._token.expires_at:
            self.fetch_token()
        assert self._token is not None
        return self._token.value

    # Complex on purpose: each HTTP outcome has its own retry rule, listed together.
    def _call(self, method: str, path: str, handle: Callable[[_Answer], T], *,  # noqa: C901
              headers: Mapping[str, str] | None = None, params: Mapping[str, str] | None = None,
              json: Any = None, data: Mapping[str, str] | None = None, retryable: bool,
              authenticated: bool = True, log_path: str | None = None, content: bytes | None = None) -> T:
        """Send, retrying transient failures, and return what `handle` makes of the answer.

        `retryable` calls (GETs, and POSTs the portal deduplicates) are retried after network errors,
        5xx and malformed answers; every call is retried after 429 (the portal did not process it).
        A 401 drops the cached token and repeats the call once with a fresh one.
        """
        shown = log_path or path
        attempt = 0
        token_refreshed = False
        while True:
            all_headers = dict(headers or {})
            if authenticated:
                all_headers["Authorization"] = f"Bearer {self._bearer()}"
            started = time.monotonic()
            try:
                answer = self._send_once(method, path, all_headers, params=params, json=json,
                                         data=content if content is not None else data)
                log.info("%s %s -> %d in %.2fs", method, shown, answer.status, time.monotonic() - started)
                if authenticated and answer.status == 401:
                    if token_refreshed:
                        raise PortalAuthError(f"{shown}: a fresh token was refused")
                    log.info("token refused by the portal; fetching a new one")
                    token_refreshed = True
                    self._token = None
                    continue
                if answer.status == 429 or answer.status >= 500:
                    raise _Throttled(answer.status, _retry_after_seconds(answer.headers.get("Retry-After")),
                                     f"{method} {shown}: HTTP {answer.status}")
                return handle(answer)
            except PortalProtocolError as exc:
                failure: PortalError = exc
                log.warning("malformed answer from the portal to %s %s: %s", method, shown, exc.reason)
            except PortalUnavailable as exc:
                failure = exc
                if not isinstance(exc, _Throttled):
                    log.warning("%s %s failed after %.2fs: %s", method, shown,
                                time.monotonic() - started, exc.reason)
            may_retry = (retryable and not isinstance(failure, _TlsFailure)) or (
                isinstance(failure, _Throttled) and failure.status == 429)
            if not may_retry or attempt >= self._max_retries or self._budget() <= 0:
                if isinstance(failure, _Throttled):
                    raise PortalUnavailable(failure.reason) from None
                raise failure
            delay = self._backoff(attempt)
            server_asks = failure.retry_after if isinstance(failure, _Throttled) else None
            if server_asks is not None:
                delay = min(server_asks, self._max_backoff)
            if self._round_ends is not None and time.monotonic() + delay >= self._round_ends:
                raise failure  # the round ends before the retry could go out
            attempt += 1
            log.info("%s %s: retry %d/%d in %.2fs", method, shown, attempt, self._max_retries, delay)
            self._sleep(delay)

    def _send_once(self, method: str, path: str, headers: Mapping[str, str], *,
                   params: Mapping[str, str] | None, json: Any, data: Mapping[str, str] | bytes | None) -> _Answer:
        budget = self._budget()
        if budget <= 0:
            raise PortalUnavailable("stopping" if self._aborted else "the sync round's deadline has passed")
        expired = threading.Event()

        def cut() -> None:
            expired.set()
            self._sockets.cut()

        timer = threading.Timer(budget, cut)
        timer.daemon = True
        timer.start()
        try:
            answer = self._exchange(method, path, headers, params=params, json=json, data=data)
        except PortalError:
            if expired.is_set() or self._aborted:
                raise PortalUnavailable(self._cut_reason(budget)) from None
            raise
        finally:
            timer.cancel()
        if expired.is_set() or self._aborted:  # an answer without a length ends where the cut fell
            raise PortalUnavailable(self._cut_reason(budget))
        return answer

    def _cut_reason(self, budget: float) -> str:
        return "stopping" if self._aborted else f"no complete answer within {budget:.1f}s"

    def _exchange(self, method: str, path: str, headers: Mapping[str, str], *,
                  params: Mapping[str, str] | None, json: Any, data: Mapping[str, str] | bytes | None) -> _Answer:
        url = self._base_url + path
        try:
            with self._session.request(method, url, headers=dict(headers), params=params, json=json,
                                       data=data, timeout=self._timeouts, stream=True,
                                       allow_redirects=False) as response:
                body = _read_capped(response)
                return _Answer(response.status_code, response.headers, body)
        except requests.exceptions.SSLError:
            raise _TlsFailure("TLS verification or handshake failed") from None
        except requests.exceptions.Timeout:
            raise PortalUnavailable("timed out") from None
        except requests.exceptions.ContentDecodingError:
            raise PortalProtocolError("undecodable content encoding") from None
        except (requests.exceptions.ChunkedEncodingError, requests.exceptions.ConnectionError):
            raise PortalUnavailable("connection failed or was cut") from None
        except (requests.RequestException, urllib3.exceptions.HTTPError, http.client.HTTPException,
                OSError) as exc:
            raise PortalUnavailable(f"request failed: {type(exc).__name__}") from None

    def _backoff(self, attempt: int) -> float:
        ceiling = min(self._max_backoff, self._backoff_base * (2 ** attempt))
        # Equal jitter: at least half the ceiling, so kiosks that failed together spread out.
        return float(ceiling / 2 + ceiling / 2 * self._rng())

    def _expect(self, answer: _Answer, path: str, *statuses: int) -> None:
        """Raise unless the status is one of `statuses`: 4xx → PortalRejected, else a protocol error."""
        if answer.status in statuses:
            return
        if 400 <= answer.status < 500:
            detail, problem_type = self._problem(answer)
            raise PortalRejected(f"{path}: HTTP {answer.status}", status=answer.status, detail=detail,
                                 problem_type=problem_type)
        raise self._protocol_error(path, f"unexpected status {answer.status}")

    def _problem(self, answer: _Answer) -> tuple[str, str]:
        content_type = answer.headers.get("Content-Type", "").split(";")[0].strip().lower()
        if content_type in ("application/problem+json", "application/json"):
            try:
                problem = Problem.model_validate_json(answer.body)
            except ValidationError:
                pass
            else:
                return _clean_text(problem.detail or problem.title), problem.type
        return f"HTTP {answer.status}", "about:blank"

    def _parse(self, answer: _Answer, model: type[M], path: str) -> M:
        content_type = answer.headers.get("Content-Type", "").split(";")[0].strip().lower()
        if content_type != "application/json":
            raise self._protocol_error(path, f"expected JSON, got {content_type[:60] or 'no content type'!r}")
        try:
            return model.model_validate_json(answer.body)
        except ValidationError as exc:
            raise self._protocol_error(path, _summarise(exc)) from None

    @staticmethod
    def _protocol_error(path: str, reason: str) -> PortalProtocolError:
        return PortalProtocolError(f"{path}: {reason}")


def _checked_base_url(base_url: str) -> str:
    parts = urlsplit(base_url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise ValueError("base_url must be an http(s) URL with a host")
    if parts.scheme == "http" and not is_loopback(parts.hostname):
        # Personal data never crosses a network in the clear; plain HTTP is for the local sandbox only.
        raise ValueError("plain http is only allowed to a loopback address")
    return base_url.rstrip("/")


def _read_capped(response: requests.Response) -> bytes:
    declared = response.headers.get("Content-Length")
    if declared is not None and declared.strip().isdigit() and int(declared) > MAX_BODY_BYTES:
        raise PortalProtocolError(f"answer too large ({declared} bytes declared)")
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_content(_CHUNK):
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise PortalProtocolError(f"answer larger than {MAX_BODY_BYTES} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def _retry_after_seconds(value: str | None) -> float | None:
    if value is None:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        return None
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def _summarise(exc: ValidationError) -> str:
    """Where and what kind of validation failed, without the offending values (they may be personal)."""
    parts = []
    for error in exc.errors(include_input=False, include_url=False)[:3]:
        location = ".".join(str(p) for p in error["loc"]) or "body"
        parts.append(f"{location}: {error['type']}")
    more = exc.error_count() - len(parts)
    return "; ".join(parts) + (f" (+{more} more)" if more > 0 else "")


def _clean_text(text: str) -> str:
    printable = "".join(ch if ch.isprintable() else " " for ch in text)
    return printable[:MAX_DETAIL_CHARS]
