"""The kiosk's side effects as explicit, typed operations.

An `Operation[T]` names one piece of blocking work (store a dossier, store feedback, look a dossier up, sync,
purge, report statistics, load a catalog) and its result type. The Qt layer runs every operation off the GUI
thread with one runner (`ui.common.workers.TaskRunner.run`) and gets the typed result, or the exception, back on
the GUI thread. Nothing here runs anything by itself: a factory only describes the work, so the same operation
can be run by the window, the console, a screen, a test or a bench. Heavy modules load when the work runs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, Generic, TypeVar

if TYPE_CHECKING:
    from kiosk.catalog import Catalog
    from kiosk.ops.stats import StatsStore
    from kiosk.outbox.lookup import LookupResult
    from kiosk.outbox.store import Outbox, StoredDossier
    from kiosk.portal.link import PortalLink, SyncReport
    from kiosk.portal.models import Command
    from kiosk.settings.config import Settings

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
                  fee_vnd: int) -> Operation[StoredDossier]:
    """Seal and commit a submitted dossier (raises OutboxError, OutboxFull)."""
    site, kiosk = settings.site.ref_prefix, settings.kiosk.id
    return Operation("store dossier", lambda: outbox.enqueue(procedure_code, payload, site, kiosk, fee_vnd=fee_vnd))


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
