"""Everything the running kiosk asks of the portal, in blocking calls meant for a worker thread:
one sync round (dossiers, then feedback), status lookups, heartbeats and catalog updates.

The outbox stays the source of truth: the portal being down only delays delivery. A catalog from the
portal is used only after it validates completely, and it is cached on disk for the next start.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kiosk import __version__
from kiosk.catalog import Catalog, CatalogError
from kiosk.catalog.loader import parse_procedure
from kiosk.files import paths
from kiosk.outbox.lookup import LookupResult, TimelineEntry, lookup_local
from kiosk.outbox.store import Outbox, OutboxError
from kiosk.portal.client import CatalogResult, NotModified, PortalClient
from kiosk.portal.errors import PortalError, PortalRejected
from kiosk.portal.models import Command, Heartbeat
from kiosk.portal.sync import ROUND_DEADLINE_S, SyncEngine
from kiosk.security.secrets import PORTAL_SECRET, SecretsError, get_secret
from kiosk.settings.config import Settings

log = logging.getLogger(__name__)

CACHE_FILE = "portal-catalog.json"


@dataclass(frozen=True)
class SyncReport:
    online: bool
    settled: int = 0
    feedback_sent: int = 0
    error: str | None = None
    at: float = 0.0


def _secret() -> str:
    secret = get_secret(PORTAL_SECRET)
    if not secret:
        raise SecretsError("no portal client secret in the keyring; run 'kiosk provision'")
    return secret


class PortalLink:
    """The kiosk's side of the portal. Thread-safe: one lock around the client."""

    def __init__(self, settings: Settings, outbox: Outbox, secret_provider: Callable[[], str] = _secret,
                 cache_dir: Path | None = None) -> None:
        if not settings.portal.base_url:
            raise ValueError("no portal configured")
        self.settings = settings
        self.outbox = outbox
        self.cache_dir = cache_dir or paths.data_dir()
        self.client = PortalClient(
            settings.portal.base_url, settings.portal.client_id, secret_provider,
            ca_bundle=settings.portal.ca_bundle, connect_timeout=settings.portal.connect_timeout,
            read_timeout=settings.portal.read_timeout, max_retries=2,
        )
        self.engine = SyncEngine(outbox, self.client)
        self._lock = threading.Lock()
        self._etag: str | None = None
        self.last_report = SyncReport(online=False)
        self.started = time.monotonic()

    def close(self) -> None:
        self.client.close()

    def abort(self) -> None:
        """From any thread (shutdown): cut the exchange in progress; its dossier is released to the queue."""
        self.client.abort()

    def sync_round(self, deadline_s: float = ROUND_DEADLINE_S) -> SyncReport:
        with self._lock, self.client.deadline(deadline_s):
            try:
                settled = self.engine.drain_once()
                failure = self.engine.last_failure
                sent = self.engine.drain_feedback_once() if failure is None else 0
                report = SyncReport(failure is None, settled, sent, failure, time.time())
            except (PortalError, SecretsError, OutboxError) as exc:
                log.warning("sync round failed: %s", type(exc).__name__)
                report = SyncReport(False, 0, 0, type(exc).__name__, time.time())
        self.last_report = report
        return report

    def lookup(self, reference: str, phone_last4: str) -> LookupResult | None:
        """The portal's view of a dossier (official code or local reference); the local one if offline."""
        record = self.outbox.find(reference)
        code = record.official_code if record and record.official_code else reference
        try:
            with self._lock:
                status = self.client.dossier_status(code, phone_last4)
        except PortalRejected:
            return None
        except (PortalError, SecretsError):
            log.info("portal unreachable for a lookup; answering from the outbox")
            return lookup_local(self.outbox, reference, phone_last4)
        timeline = [TimelineEntry(e.status.value, e.at.isoformat(), e.note or "") for e in status.timeline]
        procedure = record.procedure_code if record else ""
        return LookupResult(status.dossier_code, procedure, status.status.value, timeline)

    def heartbeat(self, printer_state: str, catalog_version: str) -> list[Command]:
        beat = Heartbeat(
            kiosk_id=self.settings.kiosk.id, site_id=self.settings.site.id, version=__version__,
            uptime_s=int(time.monotonic() - self.started), outbox_depth=self.outbox.depth(),
            printer_state=printer_state, catalog_version=catalog_version[:128],
        )
        with self._lock:
            return self.client.heartbeat(beat)

    def refresh_catalog(self) -> Catalog | None:
        """A newer, fully valid catalog from the portal (cached on disk), or None when unchanged."""
        with self._lock:
            result = self.client.get_catalog(self._etag)
        if isinstance(result, NotModified):
            return None
        assert isinstance(result, CatalogResult)
        if not result.procedures:
            log.warning("the portal sent an empty catalog; keeping the current one")
            return None
        self._etag = result.etag
        catalog = Catalog(list(result.procedures), version=result.version)
        save_cached_catalog(self.cache_dir, result.version, result.etag, [p.model_dump(mode="json")
                                                                         for p in result.procedures])
        return catalog


def save_cached_catalog(directory: Path, version: str, etag: str | None, procedures: list[dict[str, Any]]) -> None:
    path = directory / CACHE_FILE
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps({"version": version, "etag": etag, "procedures": procedures}, ensure_ascii=False),
                   "utf-8")
    tmp.replace(path)


def load_cached_catalog(directory: Path) -> Catalog | None:
    """The last catalog the portal sent, if it is still entirely valid."""
    path = directory / CACHE_FILE
    try:
        data = json.loads(path.read_text("utf-8"))
        procedures = [parse_procedure(p, str(path)) for p in data["procedures"]]
        version = str(data["version"])
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError, CatalogError) as exc:
        log.warning("cached portal catalog ignored: %s", type(exc).__name__)
        return None
    return Catalog(procedures, version=version) if procedures else None
