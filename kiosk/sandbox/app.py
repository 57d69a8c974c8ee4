"""The sandbox portal: a FastAPI app implementing `config/openapi.yaml`, for demos and tests.

Routes under /sandbox/ are the sandbox's own controls (not part of the contract): list what was received,
advance a dossier's status, revoke tokens, queue commands for kiosks.

Longer than most modules on purpose: one route per operation of config/openapi.yaml, kept together like the
contract they serve.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import math
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import parse_qs
from uuid import UUID

from fastapi import APIRouter, Depends, FastAPI, Header, Query, Request
from fastapi import Path as PathParam
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, ValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from kiosk.files.paths import procedures_dir
from kiosk.outbox.lookup import lookup_digits
from kiosk.payment.fees import assess
from kiosk.portal.models import (
    MAX_ATTACHMENT_BYTES,
    Acknowledgement,
    AttachmentReceipt,
    CatalogResponse,
    Command,
    DailyStatistics,
    DossierState,
    DossierStatus,
    DossierSubmission,
    Feedback,
    Heartbeat,
    HeartbeatReply,
    Problem,
    SubmissionReceipt,
    TimelineEntry,
    TokenRequest,
    TokenResponse,
)
from kiosk.sandbox import ADMIN_HEADER
from kiosk.sandbox.catalog import CatalogSource, appointment_date, etag_matches
from kiosk.sandbox.store import DossierRecord, IdempotencyConflict, SandboxStore

log = logging.getLogger(__name__)

VIETNAM_TZ = timezone(timedelta(hours=7), "ICT")
PROBLEM_JSON = "application/problem+json"
PROBLEM_BASE = "https://sandbox.portal.invalid/problems/"
DEFAULT_CLIENT_ID = "kiosk-demo"
DEFAULT_CLIENT_SECRET = "demo-secret"  # the sandbox's published demo credential, not a secret
DEFAULT_AGENCY_CODE = "000.00.21.H26"

_PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": Problem, "content": {PROBLEM_JSON: {}}}
    for status in (400, 401, 403, 404, 409, 422, 429, 500, 503)
}


@dataclass
class SandboxSettings:
    """Everything the sandbox needs at start; all have demo defaults."""

    procedures: Path = field(default_factory=procedures_dir)
    client_id: str = DEFAULT_CLIENT_ID
    client_secret: str = DEFAULT_CLIENT_SECRET
    token_ttl_s: int = 3600
    agency_code: str = DEFAULT_AGENCY_CODE
    auto_advance_s: float | None = None  # a dossier moves one step along its course this often
    clock: Callable[[], float] = time.time
    # The /sandbox/* controls answer only requests carrying this token (header ADMIN_HEADER).
    admin_token: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    lookups_per_minute: int = 30  # status lookups per client; more are answered 429 with Retry-After


class ProblemError(Exception):
    """Raised in a handler to answer with problem details."""

    def __init__(self, status: int, slug: str, title: str, detail: str | None = None,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(title)
        self.status = status
        self.slug = slug
        self.title = title
        self.detail = detail
        self.headers = headers or {}


def problem_response(status: int, slug: str, title: str, detail: str | None = None,
                     headers: dict[str, str] | None = None, **extra: Any) -> JSONResponse:
    body: dict[str, Any] = {"type": PROBLEM_BASE + slug if slug else "about:blank", "title": title,
                            "status": status}
    if detail is not None:
        body["detail"] = detail
    body.update(extra)
    return JSONResponse(body, status_code=status, headers=headers, media_type=PROBLEM_JSON)


class TokenRegistry:
    """Access tokens issued by the sandbox, with their expiry on the sandbox clock and their client."""

    def __init__(self, clock: Callable[[], float]) -> None:
        self._clock = clock
        self._tokens: dict[str, tuple[float, str]] = {}
        self._lock = threading.Lock()
        self.issued = 0

    def issue(self, ttl_s: int, client_id: str = "") -> str:
        token = secrets.token_urlsafe(32)
        with self._lock:
            now = self._clock()
            self._tokens = {t: entry for t, entry in self._tokens.items() if entry[0] > now}
            self._tokens[token] = (now + ttl_s, client_id)
            self.issued += 1
        return token

    def valid(self, token: str) -> bool:
        return self.client_of(token) is not None

    def client_of(self, token: str) -> str | None:
        """The client a valid token was issued to; None when the token is unknown or expired."""
        with self._lock:
            entry = self._tokens.get(token)
            return entry[1] if entry is not None and self._clock() < entry[0] else None

    def revoke_all(self) -> int:
        with self._lock:
            count = len(self._tokens)
            self._tokens.clear()
            return count


class LookupLimiter:
    """At most `per_minute` status lookups per client in any minute (sandbox clock): with unguessable codes,
    guessing the phone digits or a code is slower still."""

    def __init__(self, per_minute: int, clock: Callable[[], float]) -> None:
        self._per_minute = per_minute
        self._clock = clock
        self._seen: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def wait_for(self, client: str) -> int:
        """0 when this lookup may go ahead (and it is counted), else the seconds to wait."""
        with self._lock:
            now = self._clock()
            recent = self._seen.setdefault(client, deque())
            while recent and recent[0] <= now - 60:
                recent.popleft()
            if len(recent) >= self._per_minute:
                return max(1, math.ceil(recent[0] + 60 - now))
            recent.append(now)
            return 0


@dataclass
class SandboxState:
    """Shared by the routes; reachable as `app.state.sandbox` for the server and tests."""

    settings: SandboxSettings
    store: SandboxStore
    catalog: CatalogSource
    tokens: TokenRegistry
    lookups: LookupLimiter
    fault_counts: Callable[[], dict[str, int]] = field(default=lambda: {})

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.settings.clock(), tz=VIETNAM_TZ).replace(microsecond=0)


def create_app(settings: SandboxSettings | None = None, store: SandboxStore | None = None) -> FastAPI:
    """The sandbox portal's ASGI app (without faults; `kiosk.sandbox.server` adds them)."""
    settings = settings or SandboxSettings()
    state = SandboxState(settings=settings, store=store or SandboxStore(),
                         catalog=CatalogSource(settings.procedures), tokens=TokenRegistry(settings.clock),
                         lookups=LookupLimiter(settings.lookups_per_minute, settings.clock))
    app = FastAPI(title="Community-kiosk portal (sandbox)", version="1.0.0", docs_url=None, redoc_url=None)
    app.state.sandbox = state
    _install_error_handlers(app)
    _add_contract_routes(app, state)
    _add_sandbox_routes(app, state)
    return app


# --- errors --------------------------------------------------------------------------------------


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ProblemError)
    async def _problem(_: Request, exc: ProblemError) -> JSONResponse:
        return problem_response(exc.status, exc.slug, exc.title, exc.detail, exc.headers)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        detail = exc.detail if isinstance(exc.detail, str) else None
        return problem_response(exc.status_code, "", _title(exc.status_code), detail, dict(exc.headers or {}))

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        errors = list(exc.errors())
        # Malformed requests (headers, query, path, unreadable JSON) are 400; invalid bodies are 422.
        malformed = any(e["loc"][:1] != ("body",) or e["type"] == "json_invalid" for e in errors)
        parts = [f"{'.'.join(str(p) for p in e['loc'])}: {e['type']}" for e in errors[:5]]
        if malformed:
            return problem_response(400, "malformed-request", "Malformed request", "; ".join(parts))
        return problem_response(422, "invalid-body", "Invalid request body", "; ".join(parts))

    @app.exception_handler(Exception)
    async def _crash(_: Request, exc: Exception) -> JSONResponse:
        log.error("sandbox: unhandled %s", type(exc).__name__)
        return problem_response(500, "internal", "Internal error")


def _title(status: int) -> str:
    from http import HTTPStatus

    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


# --- the contract --------------------------------------------------------------------------------

# Module level: FastAPI resolves these annotations from the module's globals.
_bearer = HTTPBearer(auto_error=False, scheme_name="bearerAuth")
IdempotencyKey = Annotated[UUID, Header(alias="Idempotency-Key", description="UUID chosen by the kiosk")]


def _require_token(request: Request,
                   credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]) -> None:
    state: SandboxState = request.app.state.sandbox
    if credentials is None or not state.tokens.valid(credentials.credentials):
        raise ProblemError(401, "invalid-token", "Unauthorized", "missing, unknown or expired access token",
                           {"WWW-Authenticate": 'Bearer error="invalid_token"'})



def _add_contract_routes(app: FastAPI, state: SandboxState) -> None:  # noqa: C901 (one nested handler per route of the portal contract)
    authorised = [Depends(_require_token)]

    @app.post("/oauth/token", response_model=TokenResponse, responses=_PROBLEM_RESPONSES,
              openapi_extra={"requestBody": {"required": True, "content": {
                  "application/x-www-form-urlencoded": {"schema": TokenRequest.model_json_schema()}}}})
    async def token(request: Request) -> Response:
        content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if content_type != "application/x-www-form-urlencoded":
            return problem_response(400, "invalid-request", "Bad Request", "expected a form body",
                                    error="invalid_request")
        fields = {k: v[0] for k, v in parse_qs((await request.body()).decode("utf-8", "replace"),
                                                 keep_blank_values=True).items()}
        if fields.get("grant_type") != "client_credentials":
            return problem_response(400, "unsupported-grant-type", "Bad Request",
                                    "grant_type must be client_credentials", error="unsupported_grant_type")
        try:
            form = TokenRequest.model_validate(fields)
        except ValidationError as exc:
            wrong = ", ".join(str(e["loc"][0]) for e in exc.errors() if e["loc"])
            return problem_response(400, "invalid-request", "Bad Request", f"invalid form fields: {wrong}",
                                    error="invalid_request")
        if not (_same(form.client_id, state.settings.client_id)
                and _same(form.client_secret, state.settings.client_secret)):
            return problem_response(401, "invalid-client", "Unauthorized", "unknown client or wrong secret",
                                    {"WWW-Authenticate": 'Basic realm="portal"'}, error="invalid_client")
        ttl = state.settings.token_ttl_s
        answer = {"access_token": state.tokens.issue(ttl, form.client_id), "token_type": "Bearer",
                  "expires_in": ttl}
        return JSONResponse(answer, headers={"Cache-Control": "no-store"})

    @app.get("/api/v1/catalog", response_model=CatalogResponse, dependencies=authorised,
             responses={**_PROBLEM_RESPONSES, 304: {"description": "Not modified"}})
    def catalog(if_none_match: Annotated[str | None, Header(max_length=1024)] = None) -> Response:
        current = state.catalog.current()
        headers = {"ETag": current.etag, "Cache-Control": "no-cache"}
        if etag_matches(if_none_match, current.etag):
            return Response(status_code=304, headers=headers)
        return JSONResponse({"version": current.version, "procedures": current.documents}, headers=headers)

    @app.post("/api/v1/dossiers", response_model=SubmissionReceipt, status_code=201, dependencies=authorised,
              responses={**_PROBLEM_RESPONSES, 200: {"model": SubmissionReceipt,
                                                     "description": "The same key again: the first receipt"}})
    def submit(payload: DossierSubmission, key: IdempotencyKey, request: Request) -> Response:
        procedure = state.catalog.current().procedures.get(payload.procedure_code)
        if procedure is None:
            raise ProblemError(422, "dossier-rejected", "Dossier rejected",
                               f"Thủ tục {payload.procedure_code} không có trong danh mục tiếp nhận.")
        document = payload.model_dump(mode="json", exclude_none=True)
        uploaded = state.store.attachment_digests(str(key))
        missing = [a.paper_id for a in payload.attachments or () if uploaded.get(a.paper_id) != a.sha256]
        if missing:
            raise ProblemError(422, "attachment-missing", "Dossier rejected",
                               f"Chưa nhận được tệp giấy tờ: {', '.join(missing)}.")
        payload_hash = hashlib.sha256(json.dumps(document, sort_keys=True).encode()).hexdigest()
        received = state.now()
        base = str(request.base_url).rstrip("/")

        def make_receipt(code: str) -> dict[str, Any]:
            receipt = SubmissionReceipt(
                dossier_code=code, received_at=received,
                appointment_date=appointment_date(procedure, received),
                status_url=f"{base}/api/v1/dossiers/{code}/status",
                fee_vnd=assess(procedure, payload.answers, received.date()).payable_vnd)
            return receipt.model_dump(mode="json")

        try:
            receipt, created = state.store.record_dossier(
                key=str(key), payload_hash=payload_hash, payload=document,
                phone_last4=lookup_digits(payload.applicant.model_dump()), received=received,
                agency_code=state.settings.agency_code, make_receipt=make_receipt)
        except IdempotencyConflict:
            raise ProblemError(409, "idempotency-conflict", "Conflict",
                               "this Idempotency-Key was used with a different dossier") from None
        return JSONResponse(receipt, status_code=201 if created else 200)

    @app.put("/api/v1/attachments/{key}/{paper_id}", response_model=AttachmentReceipt, status_code=201,
             dependencies=authorised,
             responses={**_PROBLEM_RESPONSES, 200: {"model": AttachmentReceipt,
                                                    "description": "The same file again: stored once"}},
             openapi_extra={"requestBody": {"required": True, "content": {
                 "application/pdf": {"schema": {"$ref": "#/components/schemas/PdfFile"}}}}})
    async def upload_attachment(key: UUID, paper_id: Annotated[str, PathParam(pattern=r"^[a-z][a-z0-9_]*$",
                                                                          max_length=48)],
                                request: Request,
                                content_digest: Annotated[str, Header(alias="Content-Digest")]) -> Response:
        if request.headers.get("content-type", "").split(";")[0].strip() != "application/pdf":
            raise ProblemError(415, "unsupported-media-type", "Unsupported Media Type", "send application/pdf")
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > MAX_ATTACHMENT_BYTES:
            raise ProblemError(413, "attachment-too-large", "Content Too Large",
                               f"at most {MAX_ATTACHMENT_BYTES} bytes per file")
        data = await request.body()
        if not data or len(data) > MAX_ATTACHMENT_BYTES or not data.startswith(b"%PDF"):
            raise ProblemError(422, "attachment-rejected", "Unprocessable Content", "not a PDF within the limits")
        digest = hashlib.sha256(data)
        expected = "sha-256=:" + base64.b64encode(digest.digest()).decode() + ":"
        if content_digest.strip() != expected:
            raise ProblemError(400, "digest-mismatch", "Bad Request",
                               "the file does not match its Content-Digest (damaged on the way?)")
        try:
            created = state.store.record_attachment(str(key), paper_id, digest.hexdigest(), data, state.now())
        except IdempotencyConflict:
            raise ProblemError(409, "idempotency-conflict", "Conflict",
                               "another file was uploaded for this dossier and paper") from None
        body = AttachmentReceipt(paper_id=paper_id, sha256=digest.hexdigest(), bytes=len(data))
        return JSONResponse(body.model_dump(mode="json"), status_code=201 if created else 200)

    @app.get("/api/v1/dossiers/{code}/attachments/{paper_id}", dependencies=authorised,
             responses={**_PROBLEM_RESPONSES, 200: {"content": {"application/pdf": {}},
                                                    "description": "The scanned paper as uploaded"}})
    def get_attachment(code: str, paper_id: str) -> Response:
        """A scanned paper of a received dossier."""
        data = state.store.attachment(code, paper_id)
        if data is None:
            raise ProblemError(404, "attachment-not-found", "Not Found", "no such paper in this dossier")
        return Response(data, media_type="application/pdf")

    @app.get("/api/v1/dossiers/{code}/status", response_model=DossierStatus, dependencies=authorised,
             responses=_PROBLEM_RESPONSES)
    def status(code: str, phone_last4: Annotated[str, Query(pattern=r"^[0-9]{4}$")], request: Request) -> Response:
        bearer = request.headers.get("authorization", "").partition(" ")[2]
        wait = state.lookups.wait_for(state.tokens.client_of(bearer) or "")
        if wait:
            raise ProblemError(429, "too-many-lookups", "Too Many Requests",
                               f"at most {state.settings.lookups_per_minute} lookups a minute",
                               {"Retry-After": str(wait)})
        record = state.store.find_dossier(code)
        if record is None:
            raise ProblemError(404, "dossier-not-found", "Not Found",
                               "no dossier with this code or reference")
        if not _same(record.phone_last4, phone_last4):
            raise ProblemError(403, "phone-mismatch", "Forbidden",
                               "the phone digits do not match this dossier")
        if state.settings.auto_advance_s:
            state.store.advance_by_time(record.code, state.now(), state.settings.auto_advance_s)
            record = state.store.find_dossier(record.code) or record
        return JSONResponse(_status_body(record))

    @app.post("/api/v1/feedback", status_code=202, response_model=Acknowledgement, dependencies=authorised,
              responses=_PROBLEM_RESPONSES)
    def feedback(body: Feedback, key: IdempotencyKey) -> Response:
        received = state.now()
        state.store.record_feedback(str(key), body.model_dump(mode="json", exclude_none=True), received)
        return _acknowledge(received)

    @app.post("/api/v1/heartbeat", response_model=HeartbeatReply, dependencies=authorised,
              responses=_PROBLEM_RESPONSES)
    def heartbeat(beat: Heartbeat) -> Response:
        commands = state.store.record_heartbeat(beat.kiosk_id, beat.model_dump(mode="json"), state.now())
        if beat.catalog_version != state.catalog.current().version and not any(
                c.get("name") == "reload_catalog" for c in commands):
            commands.insert(0, {"name": "reload_catalog"})
        return JSONResponse({"commands": commands})

    @app.post("/api/v1/statistics/daily", status_code=202, response_model=Acknowledgement, dependencies=authorised,
              responses=_PROBLEM_RESPONSES)
    def statistics(stats: DailyStatistics) -> Response:
        received = state.now()
        state.store.record_statistics(stats.kiosk_id, stats.date.isoformat(), stats.model_dump(mode="json"),
                                      received)
        return _acknowledge(received)


def _same(given: str, expected: str) -> bool:
    """Constant-time comparison that also takes non-ASCII input (which `compare_digest` refuses as str)."""
    return secrets.compare_digest(given.encode("utf-8", "surrogatepass"), expected.encode("utf-8", "surrogatepass"))


def _acknowledge(received: datetime) -> Response:
    return JSONResponse(Acknowledgement(received_at=received).model_dump(mode="json"), status_code=202)


def _status_body(record: DossierRecord) -> dict[str, Any]:
    timeline = [TimelineEntry(status=row.status, at=datetime.fromisoformat(row.at), note=row.note)
                for row in record.timeline]
    status = DossierStatus(dossier_code=record.code, local_reference=record.local_reference,
                           status=record.status, timeline=timeline)
    return status.model_dump(mode="json")


# --- sandbox controls ----------------------------------------------------------------------------


class _QueuedCommand(BaseModel):
    kiosk_id: str
    command: Command


def _require_admin(request: Request) -> None:
    state: SandboxState = request.app.state.sandbox
    if not _same(request.headers.get(ADMIN_HEADER, ""), state.settings.admin_token):
        raise ProblemError(401, "admin-token", "Unauthorized",
                           f"the sandbox's controls need the {ADMIN_HEADER} header of this sandbox")


def _add_sandbox_routes(app: FastAPI, state: SandboxState) -> None:
    router = APIRouter(prefix="/sandbox", dependencies=[Depends(_require_admin)], include_in_schema=False)
    _add_sandbox_lists(router, state)

    @router.post("/dossiers/{code}/advance")
    def advance(code: str, to: DossierState | None = None, note: str | None = None) -> dict[str, Any]:
        record = state.store.advance(code, state.now(), to, note)
        if record is None:
            raise ProblemError(404, "dossier-not-found", "Not Found")
        return _status_body(record)

    @router.post("/tokens/revoke")
    def revoke() -> dict[str, int]:
        return {"revoked": state.tokens.revoke_all()}

    @router.post("/commands")
    def queue_command(queued: _QueuedCommand) -> dict[str, str]:
        command = queued.command.model_dump(mode="json", exclude_none=True)
        state.store.enqueue_command(queued.kiosk_id, command)
        return {"queued": queued.command.name.value}

    @router.get("/state")
    def sandbox_state() -> dict[str, Any]:
        return {"tokens_issued": state.tokens.issued, "catalog_version": state.catalog.current().version,
                "faults": state.fault_counts(), "time": datetime.now(UTC).isoformat()}

    app.include_router(router)


def _add_sandbox_lists(router: APIRouter, state: SandboxState) -> None:
    """What the sandbox received, for tests and training: dossiers, scanned papers, feedback, figures."""

    @router.get("/dossiers")
    def list_dossiers() -> list[dict[str, Any]]:
        return state.store.list_dossiers()

    @router.get("/dossiers/{code}")
    def dossier_payload(code: str) -> dict[str, Any]:
        payload = state.store.dossier_payload(code)
        if payload is None:
            raise ProblemError(404, "dossier-not-found", "Not Found")
        return payload

    @router.get("/attachments")
    def list_attachments() -> list[dict[str, Any]]:
        return state.store.list_attachments()

    @router.get("/feedback")
    def list_feedback() -> list[dict[str, Any]]:
        return state.store.list_feedback()

    @router.get("/statistics")
    def list_statistics() -> list[dict[str, Any]]:
        return state.store.list_statistics()

    @router.get("/heartbeats")
    def list_heartbeats() -> list[dict[str, Any]]:
        return state.store.list_heartbeats()
