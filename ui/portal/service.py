"""Background conversation with the portal: sync rounds, heartbeats and catalog updates.

Every call runs on its own single worker thread (so a slow portal never delays storing a dossier or
printing), on named timers owned by the window; results come back to the GUI thread by signal.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from datetime import datetime
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal

from kiosk.catalog import Catalog
from kiosk.journey.machine import Reset, Screen
from kiosk.ops.status import record_sync
from kiosk.workdays.clock import VN_TZ
from ui.common.timers import named_timer
from ui.common.workers import TaskRunner

if TYPE_CHECKING:
    from ui.shell.window import KioskWindow

log = logging.getLogger(__name__)

HEARTBEAT_MS = 60_000
# Settings the portal may change remotely; anything else in a command is logged and ignored.
REMOTE_SETTINGS = {"idle.form_seconds", "idle.menu_seconds", "idle.receipt_seconds", "idle.warning_seconds"}


class PortalService(QObject):
    status_changed = Signal(object)  # kiosk.portal.link.SyncReport
    catalog_updated = Signal(str)  # the new catalog's version

    def __init__(self, window: KioskWindow) -> None:
        super().__init__(window)
        self.window = window
        self.runtime = window.runtime
        self.link: Any = None
        self.runner = TaskRunner(self, workers=1)
        self.last_report: Any = None
        self.pending_catalog: Catalog | None = None
        self._busy = False
        portal = self.runtime.settings.portal
        self.sync_timer = named_timer(self, "portal-sync", portal.sync_interval_seconds * 1000)
        self.sync_timer.timeout.connect(self.sync_now)
        self.heartbeat_timer = named_timer(self, "portal-heartbeat", HEARTBEAT_MS)
        self.heartbeat_timer.timeout.connect(self.heartbeat)
        self.catalog_timer = named_timer(self, "portal-catalog", portal.catalog_refresh_minutes * 60_000)
        self.catalog_timer.timeout.connect(self.refresh_catalog)
        window.journey.subscribe(self._on_transition)

    @property
    def enabled(self) -> bool:
        return bool(self.runtime.settings.portal.base_url)

    def start(self) -> None:
        """Connect and start the schedules; called after the first paint."""
        if not self.enabled:
            return
        self.link = self.runtime.start_portal()
        for timer in (self.sync_timer, self.heartbeat_timer, self.catalog_timer):
            timer.start()
        self.sync_now()
        self.refresh_catalog()

    def stop(self) -> None:
        for timer in (self.sync_timer, self.heartbeat_timer, self.catalog_timer):
            timer.stop()
        if self.link is not None:  # a round in progress ends now (its dossier goes back to the queue)
            self.link.abort()
        self.runner.shutdown()

    # --- sync ---

    def sync_now(self, retry_all: bool = False) -> None:
        if self.link is None or self._busy:
            return
        self._busy = True
        outbox = self.runtime.outbox
        link = self.link

        def round_trip() -> Any:
            if retry_all:
                outbox.retry_now()
            report = link.sync_round()
            # For `kiosk status`, which runs in another process.
            record_sync(report.online, datetime.now(VN_TZ), report.error)
            return report

        self.runner.submit(round_trip, self._synced, self._failed)

    def _synced(self, report: Any) -> None:
        self._busy = False
        self.last_report = report
        self.status_changed.emit(report)

    def _failed(self, error: BaseException) -> None:
        self._busy = False
        log.error("sync round crashed: %s", type(error).__name__)

    # --- heartbeat and its commands ---

    def printer_state(self) -> str:
        service = getattr(self.window, "printing", None)
        state = getattr(service, "state", None)
        return str(getattr(state, "value", "none")) if state is not None else "none"

    def heartbeat(self) -> None:
        if self.link is None:
            return
        link, printer, version = self.link, self.printer_state(), self.runtime.catalog.version
        self.runner.submit(lambda: link.heartbeat(printer, version), self._commands,
                           lambda e: log.info("heartbeat failed: %s", type(e).__name__))

    def _commands(self, commands: list[Any]) -> None:
        for command in commands:
            name = getattr(command.name, "value", str(command.name))
            log.info("portal command: %s", name)
            if name == "reload_catalog":
                self.refresh_catalog()
            elif name == "end_session":
                if self.window.journey.screen not in (Screen.ATTRACT, Screen.SUBMITTING):
                    self.window.send(Reset("portal"))
            elif name == "apply_settings":
                self.apply_settings(command.settings or {})

    def apply_settings(self, changes: dict[str, Any]) -> None:
        policy = self.runtime.idle_policy
        updates: dict[str, int] = {}
        for key, value in changes.items():
            if key not in REMOTE_SETTINGS or not isinstance(value, int) or not 3 <= value <= 3600:
                log.warning("remote setting refused: %s", key)
                continue
            updates[key.split(".", 1)[1]] = value
        if updates:
            new_policy = dataclasses.replace(policy, **updates)
            self.runtime.idle_policy = new_policy
            self.window.tracker.policy = new_policy

    # --- catalog updates ---

    def refresh_catalog(self) -> None:
        if self.link is None:
            return
        link = self.link
        self.runner.submit(link.refresh_catalog, self._catalog_fetched,
                           lambda e: log.warning("catalog update refused: %s", type(e).__name__))

    def _catalog_fetched(self, catalog: Catalog | None) -> None:
        if catalog is None:
            return
        self.pending_catalog = catalog
        if self.window.journey.screen is Screen.ATTRACT:
            self._apply_catalog()

    def _apply_catalog(self) -> None:
        catalog, self.pending_catalog = self.pending_catalog, None
        if catalog is None:
            return
        # Screens built from the old catalog are dropped; they are rebuilt on their next use.
        self.window.replace_catalog(catalog)
        log.info("catalog %s in use (%d procedures)", catalog.version, len(catalog))
        self.catalog_updated.emit(catalog.version)

    def _on_transition(self, transition: Any) -> None:
        if transition.new is Screen.ATTRACT and self.pending_catalog is not None:
            self._apply_catalog()


def seconds_since(report: Any) -> float | None:
    at = getattr(report, "at", 0.0)
    return time.time() - at if at else None
