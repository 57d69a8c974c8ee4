"""Assembling the core for one kiosk process: settings, catalog, outbox and journey."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kiosk.catalog import Catalog, load_catalog
from kiosk.files import paths
from kiosk.journey.idle import IdlePolicy
from kiosk.journey.machine import Journey
from kiosk.outbox.store import Outbox, OutboxError, open_or_set_aside
from kiosk.security.crypto import Sealer
from kiosk.security.secrets import SecretsError, outbox_key
from kiosk.settings.config import Settings
from kiosk.workdays.clock import Clock, SystemClock

log = logging.getLogger(__name__)


class StartupError(Exception):
    """The kiosk cannot start; the message says what to fix."""


@dataclass
class Runtime:
    settings: Settings
    catalog: Catalog
    outbox: Outbox
    journey: Journey
    idle_policy: IdlePolicy
    clock: Clock
    portal: Any = None  # a kiosk.portal.link.PortalLink once started (after the first paint: it loads HTTP)

    def start_portal(self) -> Any:
        """Connect to the configured portal (no network traffic yet); None when none is configured."""
        if self.portal is None and self.settings.portal.base_url:
            from kiosk.portal.link import PortalLink

            self.portal = PortalLink(self.settings, self.outbox)
        return self.portal

    def use_catalog(self, catalog: Catalog) -> None:
        """Switch to another catalog (between sessions only: the caller checks)."""
        self.catalog = catalog
        self.journey.catalog = catalog

    def close(self) -> None:
        if self.portal is not None:
            self.portal.close()
        self.outbox.close()


def open_outbox(settings: Settings) -> Outbox:
    path = settings.outbox_path()
    # A missing key is fine only on the very first start, when there is nothing to decrypt.
    first_start = not path.exists() or path.stat().st_size == 0
    try:
        key = outbox_key(create=first_start)
    except SecretsError as exc:
        raise StartupError(str(exc)) from None
    try:
        outbox = open_or_set_aside(path, Sealer(key))
    except OutboxError as exc:
        raise StartupError(str(exc)) from None
    if not first_start:
        try:
            check_outbox_key(outbox)
        except StartupError:
            outbox.close()
            raise
    return outbox


def check_outbox_key(outbox: Outbox) -> None:
    """Stop start-up when the key does not open every dossier still to be sent (and the newest one): sync
    would otherwise find them undecryptable. Nothing is changed in the outbox."""
    try:
        outbox.verify_key()
    except OutboxError as exc:
        raise StartupError(str(exc)) from None


def build_runtime(settings: Settings, clock: Clock | None = None, catalog_dir: Path | None = None) -> Runtime:
    """Everything the kiosk needs before the first screen; raises StartupError or CatalogError."""
    clock = clock or SystemClock()
    catalog = load_catalog(catalog_dir or settings.procedures_path())
    if catalog_dir is None and settings.catalog.path is None and settings.portal.base_url:
        from kiosk.portal.link import load_cached_catalog

        cached = load_cached_catalog(paths.data_dir())
        if cached is not None:
            catalog = cached
    outbox = open_outbox(settings)
    recovered = outbox.recover()
    if recovered:
        log.info("%d dossier(s) or feedback item(s) were being sent at the last stop; queued again", recovered)
    journey = Journey(
        catalog,
        default_lang=settings.kiosk.default_language,
        site_id=settings.site.id,
        kiosk_id=settings.kiosk.id,
        clock=clock,
        scanning=settings.scanning.enabled,
    )
    return Runtime(settings, catalog, outbox, journey, IdlePolicy.from_settings(settings.idle), clock)
