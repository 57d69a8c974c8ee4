"""The kiosk's side effects as explicit, typed operations.

An `Operation[T]` names one piece of blocking work (store a dossier, store feedback, look a dossier up, sync,
purge, report statistics, load a catalog, report to the fleet service) and its result type. The Qt layer runs
every operation off the GUI thread with one runner (`ui.common.workers.TaskRunner.run`) and gets the typed
result, or the exception, back on the GUI thread. Nothing here runs anything by itself: a factory only describes
the work, so the same operation can be run by the window, the console, a screen, a test or a bench. Heavy
modules load when the work runs."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, Generic, TypeVar

if TYPE_CHECKING:
    from kiosk.catalog import Catalog
    from kiosk.ops.stats import StatsStore
    from kiosk.outbox.lookup import LookupResult
    from kiosk.outbox.store import Attachment, Outbox, StoredDossier
    from kiosk.portal.link import PortalLink, SyncReport
    from kiosk.portal.models import Command
    from kiosk.settings.config import Settings
    from kiosk.telemetry.reporter import Reporter
    from kiosk.telemetry.wire import Command as FleetCommand
    from kiosk.telemetry.wire import Heartbeat

T = TypeVar("T")
U = TypeVar("U")


@dataclass(frozen=True)
class Operation(Generic[T]):
    """Blocking work with a result of type T; `name` says in the log what failed."""

    name: str
    work: Callable[[], T]

    def then(self, step: Callable[[T], U]) -> Operation[U]:
        """This operation followed, in the same worker, by `step` on its result."""
        work = self.work
        return Operation(self.name, lambda: step(work()))


def store_dossier(outbox: Outbox, procedure_code: str, payload: dict[str, Any], settings: Settings,
                  fee_vnd: int, attachments: Sequence[Attachment] = ()) -> Operation[StoredDossier]:
    """Seal and commit a submitted dossier with its scanned papers (raises OutboxError, OutboxFull)."""
    site, kiosk = settings.site.ref_prefix, settings.kiosk.id
    return Operation("store dossier", lambda: outbox.enqueue(procedure_code, payload, site, kiosk, fee_vnd=fee_vnd,
                                                             attachments=attachments))


def store_feedback(outbox: Outbox, kind: str, payload: dict[str, Any]) -> Operation[str]:
    """Seal and commit a rating or a comment; the result is its id."""
    return Operation(f"store {kind}", lambda: outbox.enqueue_feedback(kind, payload))


def look_up(outbox: Outbox, portal: PortalLink | None, reference: str, digits: str) -> Operation[LookupResult | None]:
    """A dossier by its code and four digits: the portal's timeline, or the outbox when there is no portal."""
    if portal is not None:
        return Operation("look up", lambda: portal.lookup(reference, digits))

    def local() -> LookupResult | None:
        from kiosk.outbox.lookup import lookup_local

        return lookup_local(outbox, reference, digits)

    return Operation("look up", local)


def sync_round(link: PortalLink, outbox: Outbox, retry_all: bool = False) -> Operation[SyncReport]:
    """One round of the running kiosk's sync service (every waiting dossier first when `retry_all`); the
    outcome is noted for `kiosk status`, which runs in another process."""

    def round_trip() -> SyncReport:
        from kiosk.ops.status import record_sync
        from kiosk.workdays.clock import VN_TZ

        if retry_all:
            outbox.retry_now()
        report = link.sync_round()
        record_sync(report.online, datetime.now(VN_TZ), report.error)
        return report

    return Operation("sync round", round_trip)


def heartbeat(link: PortalLink, printer_state: str, catalog_version: str) -> Operation[list[Command]]:
    """Tell the portal the kiosk is alive; the result is the commands it queued for this kiosk."""
    return Operation("heartbeat", lambda: link.heartbeat(printer_state, catalog_version))


def refresh_catalog(link: PortalLink) -> Operation[Catalog | None]:
    """The portal's newer catalog, checked (None when the one in use is current)."""
    return Operation("catalog update", link.refresh_catalog)


def purge_outbox(outbox: Outbox, retention_days: int) -> Operation[int]:
    """Erase the personal data of dossiers the portal confirmed more than `retention_days` ago."""
    return Operation("outbox purge", lambda: outbox.purge(timedelta(days=retention_days)))


def report_statistics(store: StatsStore, settings: Settings, now: datetime) -> Operation[int | None]:
    """Send the finished days' usage statistics to the portal (None when no portal is configured)."""

    def report() -> int | None:
        from kiosk.ops.stats import report_to_portal

        return report_to_portal(store, settings, now)

    return Operation("statistics report", report)


def sync_now(settings: Settings, outbox: Outbox, store: StatsStore | None,
             now: datetime) -> Operation[tuple[int, int] | None]:
    """One sync round started by staff: (dossiers settled, dossiers waiting), None without a portal."""

    def sync() -> tuple[int, int] | None:
        from kiosk.ops.sync_now import sync_once

        return sync_once(settings, outbox, store, now)

    return Operation("sync now", sync)


def load_catalog(directory: Path) -> Operation[Catalog]:
    """Load and check a procedure catalog (raises CatalogError with its problems)."""

    def load() -> Catalog:
        from kiosk.catalog import load_catalog as load_directory

        return load_directory(directory)

    return Operation("catalog load", load)


def open_fleet_reporter(settings: Settings, client_id: str) -> Operation[Reporter]:
    """The fleet service's reporter: its queue beside the outbox, the client secret from the keyring."""

    def open_reporter() -> Reporter:
        from kiosk.security.secrets import FLEET_SECRET, get_secret
        from kiosk.telemetry.queue import ReportQueue
        from kiosk.telemetry.reporter import FleetClient, Reporter

        base_url = settings.fleet.base_url
        if base_url is None:
            raise ValueError("no fleet service configured")
        client = FleetClient(base_url, client_id, lambda: get_secret(FLEET_SECRET) or "")
        return Reporter(ReportQueue(settings.outbox_path().parent / "fleet-reports.sqlite3"), client)

    return Operation("fleet reporter", open_reporter)


def fleet_round(reporter: Reporter, state: dict[str, Any], outbox: Outbox, settings: Settings,
                usage: tuple[StatsStore, date] | None) -> Operation[list[FleetCommand]]:
    """One report round: the heartbeat (`state` read on the GUI thread, the rest here: the outbox, the disk,
    the last sync), the last days' usage figures when `usage` is given, then everything queued goes to the
    fleet service; the result is the commands it sent (raises FleetUnavailableError; the queue keeps it)."""

    def round_trip() -> list[FleetCommand]:
        from kiosk.portal.models import DailyStatistics

        reporter.beat(_fleet_heartbeat(state, outbox, settings))
        if usage is not None:
            store, today = usage
            store.flush()
            kiosk_id, site_id = reporter.client.client_id, settings.site.id
            reporter.queue_usage(lambda day: DailyStatistics.model_validate(
                store.daily_payload(day, kiosk_id, site_id)), today)
        return reporter.deliver()

    return Operation("fleet report", round_trip)


def _fleet_heartbeat(state: dict[str, Any], outbox: Outbox, settings: Settings) -> Heartbeat:
    import shutil

    from kiosk.ops.status import read_sync_state
    from kiosk.telemetry.wire import Heartbeat as Beat
    from kiosk.workdays.clock import VN_TZ

    now = datetime.now(VN_TZ)
    waiting = outbox.records("queued", limit=100_000) + outbox.records("sending", limit=100_000)
    times = [datetime.fromisoformat(r.created_at) for r in waiting]
    oldest = min((t if t.tzinfo else t.replace(tzinfo=VN_TZ) for t in times), default=None)
    try:
        usage = shutil.disk_usage(settings.outbox_path().parent)
        free = round(100.0 * usage.free / usage.total, 1)
    except OSError:
        free = 0.0
    sync = read_sync_state()
    return Beat.model_validate(dict(
        state, outbox_depth=len(waiting), scanner="unknown", disk_free_pct=free, last_sync=sync.last_success,
        outbox_oldest_age_s=None if oldest is None else max(0, int((now - oldest).total_seconds())),
        sync_error=sync.last_error,
    ))


def fleet_result(reporter: Reporter, command: FleetCommand, ok: bool, detail: str) -> Operation[None]:
    """Queue a fleet command's result; it goes out with the next round."""
    return Operation("fleet command result", lambda: reporter.result(command, ok, detail))


def check_fleet_catalog(content: dict[str, Any], version: str) -> Operation[Catalog]:
    """A catalog version the fleet service sent, checked whole (raises VersionRefusedError with the reason)."""

    def check() -> Catalog:
        from kiosk.telemetry.versions import check_catalog

        return check_catalog(content, version)

    return Operation("fleet catalog check", check)
