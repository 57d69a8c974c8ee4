"""Background conversation with the portal: sync rounds, heartbeats and catalog updates.

Every call runs on its own single worker thread (so a slow portal never delays storing a dossier or
printing), on named timers owned by the window; results come back to the GUI thread by signal.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any, Protocol

from PySide6.QtCore import QObject, Signal

from kiosk import operations
from kiosk.catalog import Catalog
from kiosk.journey.machine import Reset, Screen
from ui.common.timers import named_timer
from ui.common.workers import TaskRunner

if TYPE_CHECKING:
    from kiosk.journey.events import Event
    from kiosk.journey.machine import Journey
    from kiosk.runtime import Runtime


class RemoteSettings(Protocol):
    def change_remotely(self, changes: dict[str, Any]) -> bool: ...


class PortalHost(Protocol):
    """What the portal service needs of the kiosk window."""

    runtime: Runtime
    journey: Journey

    @property
    def settings_control(self) -> RemoteSettings: ...

    @property
    def printing(self) -> Any: ...  # ui.printing.service.PrintService: its printer state goes in heartbeats

    def send(self, event: Event) -> None: ...

    def replace_catalog(self, catalog: Catalog) -> None: ...

log = logging.getLogger(__name__)

HEARTBEAT_MS = 60_000


class PortalService(QObject):
    status_changed = Signal(object)  # kiosk.portal.link.SyncReport
    catalog_updated = Signal(str)  # the new catalog's version

    def __init__(self, parent: QObject, window: PortalHost) -> None:
        super().__init__(parent)
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
        self.runner.run(operations.sync_round(self.link, self.runtime.outbox, retry_all), self._synced, self._failed)

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
        self.runner.run(operations.heartbeat(link, printer, version), self._commands,
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

    def apply_settings(self, changes: dict[str, Any]) -> bool:
        """The portal's `apply_settings` command: through the window's one settings path (same schema)."""
        return self.window.settings_control.change_remotely(changes)

    # --- catalog updates ---

    def refresh_catalog(self) -> None:
        if self.link is None:
            return
        link = self.link
        self.runner.run(operations.refresh_catalog(link), self.offer_catalog,
                        lambda e: log.warning("catalog update refused: %s", type(e).__name__))

    def offer_catalog(self, catalog: Catalog | None) -> None:
        """Use a checked catalog (the portal's, or a fleet version): now, or when the session in progress ends."""
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
