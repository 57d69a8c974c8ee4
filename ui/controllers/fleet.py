"""Reporting to the city's fleet service and carrying out its commands (kiosk.telemetry does the work).

Every report round is an operation (`kiosk.operations.fleet_round`) on this controller's own worker, one
round at a time, with short timeouts: a fleet service that is down or slow never delays a resident, and what
it missed stays queued in the kiosk's own SQLite file until it is back. Commands go through the kiosk's own
parts: the portal service's sync and catalog update, the print controller's reprint, the settings
controller's one settings path. None interrupts a resident: a restart or a lock waits for the attract screen.
"""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING, Any, Protocol

from PySide6.QtCore import QObject, Qt
from PySide6.QtWidgets import QLabel, QWidget

from kiosk import __version__, operations
from kiosk.i18n import tr
from kiosk.journey.machine import Transition
from kiosk.journey.screens import Screen
from kiosk.runtime import Runtime
from kiosk.telemetry.errors import ErrorTally
from kiosk.telemetry.versions import VersionRefusedError, check_settings
from kiosk.telemetry.wire import Command, CommandName
from ui.common.timers import named_timer
from ui.common.workers import TaskRunner
from ui.controllers.housekeeping import Housekeeping
from ui.controllers.printing import PrintController
from ui.controllers.settings import SettingsController
from ui.portal.service import PortalService

if TYPE_CHECKING:
    from kiosk.catalog import Catalog
    from kiosk.portal.link import SyncReport
    from kiosk.printing.slips import SlipRecord
    from kiosk.telemetry.reporter import Reporter

log = logging.getLogger(__name__)

EXIT_RESTART = 0  # systemd restarts the kiosk after any exit but the technician's (deploy/kiosk.service)


class KioskExit(Protocol):
    """What a restart needs of the kiosk window (the controllers never import the window)."""

    exit_status: int | None

    def allow_exit(self) -> None: ...

    def close(self) -> bool: ...


class FleetService(QObject):
    def __init__(self, window: QWidget, kiosk: KioskExit, runtime: Runtime, portal: PortalService,
                 printing: PrintController, housekeeping: Housekeeping, settings: SettingsController) -> None:
        super().__init__(window)
        self.window, self.kiosk, self.runtime, self.journey = window, kiosk, runtime, runtime.journey
        self.portal, self.printing, self.housekeeping, self.settings = portal, printing, housekeeping, settings
        self.reporter: Reporter | None = None
        self.runner = TaskRunner(self, workers=1)
        self.started = time.monotonic()
        self.locked = False
        self.pending: list[Command] = []  # restart and lock wait for the attract screen
        self._busy = False
        self._rounds = 0
        self._cover: QLabel | None = None
        self.settings_version = ""
        self.errors = ErrorTally()  # errors logged anywhere in the kiosk in the last hour, by part
        self.previous: dict[str, tuple[str, Any]] = {}  # target: (version, what to restore)
        fleet = runtime.settings.fleet
        self.timer = named_timer(self, "fleet-report", fleet.heartbeat_seconds * 1000)
        self.timer.timeout.connect(self.report)
        self.journey.subscribe(self._on_transition)
        if fleet.base_url is not None:
            starter = named_timer(self, "fleet-start", 0, single_shot=True)
            starter.timeout.connect(self.start)
            starter.start()

    # --- starting and stopping ---

    def start(self) -> None:
        def opened(reporter: Reporter) -> None:
            self.reporter = reporter
            logging.getLogger().addHandler(self.errors)
            self.timer.start()
            self.report()

        self.runner.run(operations.open_fleet_reporter(self.runtime.settings, self.client_id), opened,
                        lambda e: log.error("fleet reporting off: %s", type(e).__name__))

    @property
    def client_id(self) -> str:
        settings = self.runtime.settings
        return settings.fleet.client_id or f"{settings.site.id}-{settings.kiosk.id}"

    def stop(self) -> None:
        logging.getLogger().removeHandler(self.errors)
        self.timer.stop()
        self.runner.shutdown()
        reporter, self.reporter = self.reporter, None
        if reporter is not None:
            reporter.client.close()
            reporter.queue.close()

    # --- one round: heartbeat (and usage figures now and then), send, take commands ---

    def report(self) -> None:
        reporter = self.reporter
        if reporter is None or self._busy:
            return
        self._busy = True
        printer = self.printing.service
        printer.check_state()  # the next round reports the printer as it is
        settings, runtime = self.runtime.settings, self.runtime
        state = {
            "version": __version__, "uptime_s": int(time.monotonic() - self.started),
            "screen": self.journey.screen.value, "catalog_version": runtime.catalog.version,
            "printer": printer.state.value if printer.enabled else "none", "locked": self.locked,
            "settings_version": self.settings_version, "errors": self.errors.recent(),
        }
        usage_due = self._rounds % max(1, settings.fleet.usage_minutes * 60 // settings.fleet.heartbeat_seconds) == 0
        self._rounds += 1
        store = self.housekeeping.stats_store
        usage = (store, runtime.clock.now().date()) if usage_due and store is not None else None
        self.runner.run(operations.fleet_round(reporter, state, runtime.outbox, settings, usage), self._commands,
                        self._failed)

    def _failed(self, error: BaseException) -> None:
        from kiosk.telemetry.reporter import FleetUnavailableError

        self._busy = False
        if isinstance(error, FleetUnavailableError):  # the queue keeps it for the next round
            log.info("fleet report not delivered: %s", error.reason)
        else:
            log.error("fleet report round failed: %s", type(error).__name__)

    # --- commands ---

    def _commands(self, commands: list[Command]) -> None:
        self._busy = False
        for command in commands:
            log.info("fleet command: %s", command.name.value)
            self.execute(command)

    def finish(self, command: Command, ok: bool, detail: str) -> None:
        """Queue the command's result (sent with the next round)."""
        reporter = self.reporter
        if reporter is not None:
            self.runner.run(operations.fleet_result(reporter, command, ok, detail))

    def execute(self, command: Command) -> None:
        name = command.name
        if name is CommandName.SYNC_NOW:
            self._sync_now(command)
        elif name is CommandName.REPRINT_LAST:
            self._reprint_last(command)
        elif name in (CommandName.RESTART, CommandName.LOCK):
            self.pending.append(command)
            self._run_pending()
        elif name is CommandName.UNLOCK:
            self._set_locked(False)
            self.finish(command, True, "unlocked")
        elif name is CommandName.APPLY_VERSION:
            self._apply_version(command)
        else:
            self.finish(command, False, f"{name.value} is not supported by this kiosk version")

    # --- catalog and settings versions (staged rollouts): checked whole before use; rollback to the last ---

    def _apply_version(self, command: Command) -> None:
        args = command.args
        target, version = args.get("target"), str(args.get("version", ""))[:128]
        if target not in ("catalog", "settings"):
            self.finish(command, False, "unknown version target")
            return
        if args.get("rollback"):
            self._roll_back(command, target)
            return
        content = args.get("content")
        if not isinstance(content, dict):
            self.finish(command, False, "the version has no content")
            return
        if target == "settings":
            current = self.runtime.settings
            try:
                self._use_settings(content, version)
            except VersionRefusedError as exc:
                self.finish(command, False, f"settings {version} refused: {exc}")
                return
            # What the version changed, as it was: a rollback goes back through the same path.
            self.previous["settings"] = (self.settings_version, {key: _dotted(current, key) for key in content})
            self.settings_version = version
            self.finish(command, True, f"settings {version} applied")
            return

        def checked(catalog: Catalog) -> None:
            self.previous["catalog"] = (self.runtime.catalog.version, self.runtime.catalog)
            self.portal.offer_catalog(catalog)  # now, or when the session in progress ends
            self.finish(command, True, f"catalog {version} applied ({len(catalog)} procedures)")

        def refused(error: BaseException) -> None:
            reason = str(error) if isinstance(error, VersionRefusedError) else type(error).__name__
            self.finish(command, False, f"catalog {version} refused: {reason}")

        self.runner.run(operations.check_fleet_catalog(content, version), checked, refused)

    def _use_settings(self, content: dict[str, Any], version: str) -> None:
        """Checked by the settings schema, then applied through the one settings path; raises VersionRefusedError."""
        self.settings.apply(check_settings(content, self.runtime.settings, version))

    def _roll_back(self, command: Command, target: str) -> None:
        previous = self.previous.pop(target, None)
        if previous is None:
            self.finish(command, False, f"no earlier {target} version to go back to")
            return
        version, content = previous
        if target == "settings":
            try:
                self._use_settings(content, version or "local")
            except VersionRefusedError as exc:
                self.finish(command, False, f"settings not restored: {exc}")
                return
            self.settings_version = version
        else:
            self.portal.offer_catalog(content)
        self.finish(command, True, f"{target} back to {version or 'the local version'}")

    def _sync_now(self, command: Command) -> None:
        service = self.portal
        if service.link is None:
            self.finish(command, False, "no portal configured")
            return

        def synced(report: SyncReport) -> None:
            service.status_changed.disconnect(synced)
            if report.online:
                self.finish(command, True, f"portal reached; {report.settled} dossier(s) settled")
            else:
                self.finish(command, False, f"portal not reached: {report.error or 'unknown'}"[:300])

        service.status_changed.connect(synced)
        service.sync_now(retry_all=True)

    def _reprint_last(self, command: Command) -> None:
        printer = self.printing.service
        slips = printer.slips
        if slips is None or not printer.enabled:
            self.finish(command, False, "no printer configured")
            return

        def printed(ok: bool, reason: str) -> None:
            self.finish(command, ok, "slip printed again" if ok else f"reprint failed: {reason}")

        def found(records: list[SlipRecord]) -> None:
            if not records:
                self.finish(command, False, "no slip printed today")
            elif not printer.reprint(records[0].id, printed):
                self.finish(command, False, "the printer cannot take a job")

        self.runner.submit(slips.today, found, lambda e: self.finish(command, False, "slips cannot be read"))

    def _on_transition(self, transition: Transition) -> None:
        if transition.new is Screen.ATTRACT and self.pending:
            self._run_pending()

    def _run_pending(self) -> None:
        if self.journey.screen is not Screen.ATTRACT:
            return  # a resident is using the kiosk: after the session
        pending, self.pending = self.pending, []
        for command in pending:
            if command.name is CommandName.LOCK:
                self._set_locked(True)
                self.finish(command, True, "locked for maintenance")
            elif command.name is CommandName.RESTART:
                self._restart(command)

    def _restart(self, command: Command) -> None:
        reporter = self.reporter
        if reporter is None:
            return

        def queued(_: None) -> None:
            self.kiosk.allow_exit()
            self.kiosk.exit_status = EXIT_RESTART
            self.kiosk.close()

        # The result waits in the queue and goes out with the first round after the restart.
        self.runner.run(operations.fleet_result(reporter, command, True, "restarted"), queued)

    # --- locked for maintenance ---

    def _set_locked(self, locked: bool) -> None:
        self.locked = locked
        if locked and self._cover is None:
            lang = self.journey.session.lang
            cover = QLabel(f"<h1>{tr('fleet.locked_title', lang)}</h1><p>{tr('fleet.locked_body', lang)}</p>",
                           self.window)
            cover.setObjectName("fleet-maintenance")
            cover.setWordWrap(True)
            cover.setAlignment(Qt.AlignmentFlag.AlignCenter)
            cover.setStyleSheet("background: #f4f1ea; color: #1b1b1b; font-size: 28px; padding: 10%;")
            self._cover = cover
        if self._cover is not None:
            self._cover.setVisible(locked)
            if locked:
                self._cover.setGeometry(self.window.rect())
                self._cover.raise_()


def _dotted(settings: Any, key: str) -> Any:
    """The value of a dotted setting (`idle.form_seconds`) in `settings`."""
    section, name = key.split(".", 1)
    return getattr(getattr(settings, section), name)
