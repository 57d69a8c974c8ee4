"""What kiosks call: a token for their client credentials, then batches of reports (answered with commands)."""

# No `from __future__ import annotations`: FastAPI reads the dependencies of the local route functions.

from typing import Annotated, Any
from urllib.parse import parse_qs

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.concurrency import run_in_threadpool

from fleet.security import TOKEN_TTL_S, sign, verify
from fleet.store import FleetStore
from kiosk.telemetry.wire import BatchReply, ReportBatch

MAX_FORM_BYTES = 4096
_bearer = HTTPBearer(auto_error=False)


def _problem(status: int, detail: str, **headers: str) -> JSONResponse:
    return JSONResponse({"title": "error", "status": status, "detail": detail}, status_code=status,
                        headers=headers or None, media_type="application/problem+json")


class RefusedError(Exception):
    """Raised by a dependency to answer the request with `response` at once (see fleet.app)."""

    def __init__(self, response: JSONResponse) -> None:
        self.response = response


def kiosk_router(store: FleetStore) -> APIRouter:
    router = APIRouter()

    def authenticated_kiosk(credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]) -> str:
        claims = verify(store.signing_key(), "kiosk", credentials.credentials) if credentials else None
        if claims is None or not isinstance(claims.get("sub"), str):
            raise RefusedError(_problem(401, "missing, expired or forged token",
                                        **{"WWW-Authenticate": 'Bearer error="invalid_token"'}))
        return str(claims["sub"])

    @router.post("/oauth/token")
    async def token(request: Request) -> Any:
        raw = await request.body()
        if len(raw) > MAX_FORM_BYTES:
            return _problem(413, "form too large")
        form = {k: v[0] for k, v in parse_qs(raw.decode("utf-8", "replace")).items()}
        if form.get("grant_type") != "client_credentials":
            return _problem(400, "grant_type must be client_credentials")
        client_id, secret = form.get("client_id", ""), form.get("client_secret", "")
        if not client_id or not await run_in_threadpool(store.kiosk_secret_ok, client_id, secret):
            return _problem(401, "unknown kiosk or wrong secret")
        return {"access_token": sign(store.signing_key(), "kiosk", {"sub": client_id}, TOKEN_TTL_S),
                "token_type": "Bearer", "expires_in": TOKEN_TTL_S}

    @router.post("/fleet/v1/reports", response_model=BatchReply)
    def reports(batch: ReportBatch, kiosk_id: Annotated[str, Depends(authenticated_kiosk)]) -> BatchReply:
        outcome = store.apply_batch(kiosk_id, batch.reports)
        return BatchReply(accepted=outcome.accepted, rejected=outcome.rejected, commands=outcome.commands)

    @router.get("/fleet/v1/health")
    def health() -> dict[str, bool]:
        return {"ok": True}

    return router

