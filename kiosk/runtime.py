"""Assembling the core for one kiosk process: settings, catalog, outbox and journey."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from kiosk.catalog import Catalog, load_catalog
from kiosk.clock import Clock, SystemClock
from kiosk.config import Settings
from kiosk.crypto import Sealer
from kiosk.idle import IdlePolicy
from kiosk.journey import Journey
from kiosk.outbox import Outbox
from kiosk.secrets import SecretsError, outbox_key

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

    def close(self) -> None:
        self.outbox.close()


def open_outbox(settings: Settings) -> Outbox:
    path = settings.outbox_path()
    # A missing key is fine only on the very first start, when there is nothing to decrypt.
    first_start = not path.exists() or path.stat().st_size == 0
    try:
        key = outbox_key(create=first_start)
    except SecretsError as exc:
        raise StartupError(str(exc)) from None
    return Outbox(path, Sealer(key))


def build_runtime(settings: Settings, clock: Clock | None = None, catalog_dir: Path | None = None) -> Runtime:
    """Everything the kiosk needs before the first screen; raises StartupError or CatalogError."""
    clock = clock or SystemClock()
    catalog = load_catalog(catalog_dir or settings.procedures_path())
    outbox = open_outbox(settings)
    recovered = outbox.recover()
    if recovered:
        log.info("%d dossier(s) were being sent at the last stop; queued again", recovered)
    journey = Journey(
        catalog,
        default_lang=settings.kiosk.default_language,
        site_id=settings.site.id,
        kiosk_id=settings.kiosk.id,
        clock=clock,
    )
    idle = IdlePolicy(
        form_seconds=settings.idle.form_seconds,
        menu_seconds=settings.idle.menu_seconds,
        receipt_seconds=settings.idle.receipt_seconds,
        warning_seconds=settings.idle.warning_seconds,
    )
    return Runtime(settings, catalog, outbox, journey, idle, clock)
