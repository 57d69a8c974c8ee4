"""The kiosk's housekeeping while it runs: the daily purge of confirmed dossiers' personal data, and usage
statistics (no personal data) recorded from the journey and sent to the portal within the hour after midnight.
Both run as operations off the GUI thread; the statistics report on the portal's own worker."""

from __future__ import annotations

import logging

from PySide6.QtCore import QObject

from kiosk.operations import purge_outbox, report_statistics
from kiosk.ops.stats import StatsRecorder, StatsStore, open_stats
from kiosk.runtime import Runtime
from ui.common.timers import named_timer
from ui.common.workers import TaskRunner

log = logging.getLogger(__name__)

PURGE_INTERVAL_MS = 24 * 3600 * 1000
STATS_REPORT_MS = 3600 * 1000  # finished days go to the portal within the hour after midnight


class Housekeeping(QObject):
    def __init__(self, parent: QObject, runtime: Runtime, runner: TaskRunner, portal_runner: TaskRunner) -> None:
        super().__init__(parent)
        self.runtime, self.runner, self.portal_runner = runtime, runner, portal_runner
        self.purge_timer = named_timer(self, "outbox-purge", PURGE_INTERVAL_MS)
        self.purge_timer.timeout.connect(self.purge_outbox)
        self.stats_store: StatsStore | None = open_stats(runtime.settings.outbox_path().parent / "stats.sqlite3")
        store = self.stats_store
        self.stats = StatsRecorder(store, runtime.journey, runtime.clock) if store is not None else None
        self.stats_timer = named_timer(self, "stats-report", STATS_REPORT_MS)
        self.stats_timer.timeout.connect(self.report_statistics)
        if runtime.settings.portal.base_url is not None:
            self.stats_timer.start()

    def schedule_purge(self) -> None:
        """Purge confirmed dossiers' personal data now and then daily, off the GUI thread."""
        self.purge_outbox()
        self.purge_timer.start()

    def purge_outbox(self) -> None:
        def done(count: int) -> None:
            if count:
                log.info("purged the personal data of %d confirmed dossier(s)", count)

        self.runner.run(purge_outbox(self.runtime.outbox, self.runtime.settings.outbox.retention_days), done)

    def report_statistics(self) -> None:
        """Send finished days' usage statistics to the portal, off the GUI thread."""
        store, settings = self.stats_store, self.runtime.settings
        if store is None or settings.portal.base_url is None:
            return

        def failed(error: BaseException) -> None:
            log.warning("usage statistics not sent: %s", getattr(error, "reason", type(error).__name__))

        # On the portal's own worker: a slow portal must not hold up storing a dossier or printing.
        self.portal_runner.run(report_statistics(store, settings, self.runtime.clock.now()), None, failed)

    def shutdown(self) -> None:
        """After the runners stopped: a CSV export may still have been reading the statistics."""
        if self.stats_store is not None:
            self.stats_store.close()
