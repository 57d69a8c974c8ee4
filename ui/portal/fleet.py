"""Reporting to the city's fleet service and carrying out its commands (kiosk.telemetry does the work).

Every report round runs on this service's own worker thread, one round at a time, with short timeouts: a
fleet service that is down or slow never delays a resident, and what it missed stays queued in the
kiosk's own SQLite file until it is back. Commands run through the kiosk's own routines (the portal
service's sync, the print service's reprint) and never interrupt a resident: a restart or a lock waits
for the attract screen.
"""

from __future__ import annotations

import dataclasses
import logging
import shutil
import time
from datetime import datetime
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Qt
from PySide6.QtWidgets import QLabel

from kiosk import __version__
from kiosk.i18n import tr
from kiosk.journey.machine import Screen
from kiosk.telemetry.errors import ErrorTally
from kiosk.workdays.clock import VN_TZ
from ui.common.timers import named_timer
from ui.common.workers import TaskRunner

if TYPE_CHECKING:
    from kiosk.telemetry.reporter import Reporter
    from kiosk.telemetry.wire import Command, Heartbeat
    from ui.shell.window import KioskWindow

log = logging.getLogger(__name__)

EXIT_RESTART = 0  # systemd restarts the kiosk after any exit but the technician's (deploy/kiosk.service)


def _oldest_age_s(records: list[Any], now: datetime) -> int | None:
    times = [datetime.fromisoformat(r.created_at) for r in records]
    if not times:
        return None
    oldest = min(t if t.tzinfo else t.replace(tzinfo=VN_TZ) for t in times)
    return max(0, int((now - oldest).total_seconds()))


class FleetService(QObject):
    def __init__(self, window: KioskWindow) -> None:
        super().__init__(window)
        self.window = window
        self.settings = window.runtime.settings
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
        fleet = self.settings.fleet
        self.timer = named_timer(self, "fleet-report", fleet.heartbeat_seconds * 1000)
        self.timer.timeout.connect(self.report)
        window.journey.subscribe(self._on_transition)
        if fleet.base_url is not None:
            starter = named_timer(self, "fleet-start", 0, single_shot=True)
            starter.timeout.connect(self.start)
            starter.start()

    # --- starting and stopping ---

    def start(self) -> None:
        def open_reporter() -> Reporter:
            from kiosk.security.secrets import FLEET_SECRET, get_secret
            from kiosk.telemetry.queue import ReportQueue
            from kiosk.telemetry.reporter import FleetClient, Reporter

            fleet, settings = self.settings.fleet, self.settings
            assert fleet.base_url is not None
            client = FleetClient(fleet.base_url, self.client_id, lambda: get_secret(FLEET_SECRET) or "")
            return Reporter(ReportQueue(settings.outbox_path().parent / "fleet-reports.sqlite3"), client)

        def opened(reporter: Reporter) -> None:
            self.reporter = reporter
            logging.getLogger().addHandler(self.errors)
            self.timer.start()
            self.report()

        self.runner.submit(open_reporter, opened, lambda e: log.error("fleet reporting off: %s", type(e).__name__))

    @property
    def client_id(self) -> str:
        return self.settings.fleet.client_id or f"{self.settings.site.id}-{self.settings.kiosk.id}"

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
        printing = getattr(self.window, "printing", None)
        if printing is not None:
            printing.check_state()  # the next round reports the printer as it is
        now_state = {
            "version": __version__, "uptime_s": int(time.monotonic() - self.started),
            "screen": self.window.journey.screen.value, "catalog_version": self.window.runtime.catalog.version,
            "printer": self.window.portal_service.printer_state(), "locked": self.locked,
            "settings_version": self.settings_version, "errors": self.errors.recent(),
        }
        usage_due = self._rounds % max(1, self.settings.fleet.usage_minutes * 60
                                       // self.settings.fleet.heartbeat_seconds) == 0
        self._rounds += 1
        stats, outbox, settings, client_id = self.window.stats_store, self.window.runtime.outbox, self.settings, \
            self.client_id
        today = self.window.runtime.clock.now().date()

        def work() -> list[Command]:
            from kiosk.portal.models import DailyStatistics

            reporter.beat(self._heartbeat(now_state, outbox))
            if usage_due and stats is not None:
                stats.flush()
                reporter.queue_usage(lambda day: DailyStatistics.model_validate(
                    stats.daily_payload(day, client_id, settings.site.id)), today)
            return reporter.deliver()

        self.runner.submit(work, self._commands, self._failed)

    def _heartbeat(self, state: dict[str, Any], outbox: Any) -> Heartbeat:
        """The rest of the heartbeat, read on the worker (files and the outbox)."""
        from kiosk.ops.status import read_sync_state
        from kiosk.telemetry.wire import Heartbeat

        now = datetime.now(VN_TZ)
        waiting = outbox.records("queued", limit=100_000) + outbox.records("sending", limit=100_000)
        try:
            usage = shutil.disk_usage(self.settings.outbox_path().parent)
            free = round(100.0 * usage.free / usage.total, 1)
        except OSError:
            free = 0.0
        sync = read_sync_state()
        return Heartbeat.model_validate(dict(
            state, outbox_depth=len(waiting), outbox_oldest_age_s=_oldest_age_s(waiting, now),
            scanner="unknown", disk_free_pct=free, last_sync=sync.last_success,
            sync_error=sync.last_error, printer=state["printer"] if state["printer"] else "none",
        ))

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
            self.runner.submit(lambda: reporter.result(command, ok, detail))

    def execute(self, command: Command) -> None:
        from kiosk.telemetry.wire import CommandName

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
        from kiosk.telemetry.versions import VersionRefusedError, check_catalog, check_settings

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
            policy = self.window.runtime.idle_policy
            current = self.settings.idle.model_dump() | dataclasses.asdict(policy)
            try:
                changes = check_settings(content, current)
            except VersionRefusedError as exc:
                self.finish(command, False, f"settings {version} refused: {exc}")
                return
            self.previous["settings"] = (self.settings_version,
                                         {f"idle.{key}": getattr(policy, key) for key in changes})
            self.window.portal_service.apply_settings(content)
            self.settings_version = version
            self.finish(command, True, f"settings {version} applied")
            return

        def checked(catalog: Any) -> None:
            self.previous["catalog"] = (self.window.runtime.catalog.version, self.window.runtime.catalog)
            self.window.portal_service._catalog_fetched(catalog)  # now, or when the session in progress ends
            self.finish(command, True, f"catalog {version} applied ({len(catalog)} procedures)")

        def refused(error: BaseException) -> None:
            reason = str(error) if isinstance(error, VersionRefusedError) else type(error).__name__
            self.finish(command, False, f"catalog {version} refused: {reason}")

        self.runner.submit(lambda: check_catalog(content, version), checked, refused)

    def _roll_back(self, command: Command, target: str) -> None:
        previous = self.previous.pop(target, None)
        if previous is None:
            self.finish(command, False, f"no earlier {target} version to go back to")
            return
        version, content = previous
        if target == "settings":
            self.window.portal_service.apply_settings(content)
            self.settings_version = version
        else:
            self.window.portal_service._catalog_fetched(content)
        self.finish(command, True, f"{target} back to {version or 'the local version'}")

    def _sync_now(self, command: Command) -> None:
        service = self.window.portal_service
        if service.link is None:
            self.finish(command, False, "no portal configured")
            return

        def synced(report: Any) -> None:
            service.status_changed.disconnect(synced)
            if report.online:
                self.finish(command, True, f"portal reached; {report.settled} dossier(s) settled")
            else:
                self.finish(command, False, f"portal not reached: {report.error or 'unknown'}"[:300])

        service.status_changed.connect(synced)
        service.sync_now(retry_all=True)

    def _reprint_last(self, command: Command) -> None:
        printing = getattr(self.window, "printing", None)
        slips = getattr(printing, "slips", None)
        if printing is None or slips is None or not printing.enabled:
            self.finish(command, False, "no printer configured")
            return

        def printed(ok: bool, reason: str) -> None:
            self.finish(command, ok, "slip printed again" if ok else f"reprint failed: {reason}")

        def found(records: list[Any]) -> None:
            if not records:
                self.finish(command, False, "no slip printed today")
            elif not printing.reprint(records[0].id, printed):
                self.finish(command, False, "the printer cannot take a job")

        self.runner.submit(slips.today, found, lambda e: self.finish(command, False, "slips cannot be read"))

    def _on_transition(self, transition: Any) -> None:
        if transition.new is Screen.ATTRACT and self.pending:
            self._run_pending()

    def _run_pending(self) -> None:
        from kiosk.telemetry.wire import CommandName

        if self.window.journey.screen is not Screen.ATTRACT:
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

        def queued(_: object) -> None:
            self.window.allow_exit()
            self.window.exit_status = EXIT_RESTART
            self.window.close()

        # The result waits in the queue and goes out with the first round after the restart.
        self.runner.submit(lambda: reporter.result(command, True, "restarted"), queued)

    # --- locked for maintenance ---

    def _set_locked(self, locked: bool) -> None:
        self.locked = locked
        if locked and self._cover is None:
            lang = self.window.journey.session.lang
            cover = QLabel(f"<h1>{tr('fleet.locked_title', lang)}</h1><p>{tr('fleet.locked_body', lang)}</p>",
                           self.window)
            cover.setObjectName("fleet-maintenance")
            cover.setWordWrap(True)
            cover.setAlignment(Qt.AlignmentFlag.AlignCenter)
            cover.setStyleSheet("background: #f4f1ea; color: #1b1b1b; font-size: 28px; padding: 10%;")
            cover.setGeometry(self.window.rect())
            self._cover = cover
        if self._cover is not None:
            self._cover.setVisible(locked)
            if locked:
                self._cover.setGeometry(self.window.rect())
                self._cover.raise_()
