"""The fleet service as one ASGI application: the kiosks' API and the staff dashboard."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import Response

from fleet.api import RefusedError, kiosk_router
from fleet.dashboard import dashboard_router
from fleet.store import FleetStore


def create_app(store: FleetStore) -> FastAPI:
    app = FastAPI(title="Kiosk fleet service", docs_url=None, redoc_url=None, openapi_url="/fleet/v1/openapi.json")
    app.state.store = store

    @app.exception_handler(RefusedError)
    async def refused(_request: Request, exc: RefusedError) -> Response:
        return exc.response

    app.include_router(kiosk_router(store))
    app.include_router(dashboard_router(store))
    return app
