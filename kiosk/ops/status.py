"""The kiosk's state at a glance, for `kiosk status --json`, the staff console and support.

Nothing here is personal: counts, references of rejected dossiers with the portal's reasons, versions,
printer and disk state. Also: the last contact with the portal (written by whoever syncs), the
printer transport named by the settings, and `kiosk export-logs`.
"""

from __future__ import annotations

import argparse
import io
import json
import logging
import shutil
import sqlite3
import sys
import tempfile
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kiosk import __version__
from kiosk.files import paths

if TYPE_CHECKING:
    from kiosk.catalog import Catalog
    from kiosk.outbox.store import Outbox
    from kiosk.portal.client import PortalClient
    from kiosk.settings.config import PrinterSettings, Settings

log = logging.getLogger(__name__)

SYNC_STATE = "sync-state.json"
STATUSES = ("queued", "sending", "accepted", "rejected")


# --- the last contact with the portal -------------------------------------------------------------


@dataclass(frozen=True)
class SyncState:
    last_success: str | None = None  # ISO time of the last exchange the portal answered
    last_attempt: str | None = None
    last_error: str | None = None  # why the last attempt failed (no personal data: a reason, not a body)

    @property
    def online(self) -> bool | None:
        """Whether the last attempt reached the portal; None before any attempt."""
        if self.last_attempt is None:
            return None
        return self.last_error is None


def sync_state_path() -> Path:
    return paths.state_dir() / SYNC_STATE


def record_sync(ok: bool, when: datetime, error: str | None = None) -> None:
    """Note an exchange with the portal (called by the sync loop, 'sync now' and the daily report)."""
    previous = read_sync_state()
    state = SyncState(
        last_success=when.isoformat() if ok else previous.last_success,
        last_attempt=when.isoformat(),
        last_error=None if ok else (error or "failed")[:200],
    )
    target = sync_state_path()
    tmp = target.with_name(f".{target.name}.tmp")
    try:
        tmp.write_text(json.dumps(asdict(state)), "utf-8")
        tmp.replace(target)
    except OSError as exc:
        log.warning("sync state not written: %s", exc.strerror)


def read_sync_state() -> SyncState:
    try:
        raw = json.loads((paths.data_dir() / "state" / SYNC_STATE).read_text("utf-8"))
        return SyncState(**{k: raw.get(k) for k in ("last_success", "last_attempt", "last_error")})
    except (OSError, ValueError, TypeError):
        return SyncState()


def portal_client(settings: Settings, max_retries: int = 1) -> PortalClient:
    """A client for the configured portal with the secret from the keyring (raises ValueError without a URL)."""
    from kiosk.portal.client import PortalClient
    from kiosk.security.secrets import PORTAL_SECRET, get_secret

    portal = settings.portal
    if portal.base_url is None:
        raise ValueError("no portal configured")
    return PortalClient(portal.base_url, portal.client_id, lambda: get_secret(PORTAL_SECRET) or "",
                        ca_bundle=portal.ca_bundle, connect_timeout=portal.connect_timeout,
                        read_timeout=portal.read_timeout, max_retries=max_retries)


# --- the printer ----------------------------------------------------------------------------------


def printer_state(printer: PrinterSettings, timeout: float = 2.0) -> str:
    """"ready", "paper_low", "paper_out", "offline", "unknown", "none" (no printer) or "system"."""
    from kiosk.printing import printer_transport

    if printer.kind == "none":
        return "none"
    try:
        transport = printer_transport(printer)
    except ValueError:
        return "misconfigured"
    if transport is None:
        return "system"
    return transport.query_status(timeout).value


# --- the outbox without its key -------------------------------------------------------------------


def outbox_counts(path: Path) -> dict[str, int]:
    """Dossiers per status, read without the outbox key (so it works when the keyring is broken)."""
    counts = dict.fromkeys(STATUSES, 0)
    if not path.exists():
        return counts
    try:
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5)
        try:
            for status, count in db.execute("SELECT status, COUNT(*) FROM dossiers GROUP BY status"):
                counts[str(status)] = int(count)
        finally:
            db.close()
    except sqlite3.Error as exc:
        log.warning("outbox counts unavailable: %s", exc)
    return counts


# --- the whole picture ----------------------------------------------------------------------------


@dataclass
class KioskStatus:
    version: str
    site_id: str
    site_profile: str | None
    site_name: str
    kiosk_id: str
    portal_configured: bool
    portal_online: bool | None
    last_sync: str | None
    last_sync_error: str | None
    outbox: dict[str, int]
    rejected: list[dict[str, str]] = field(default_factory=list)
    catalog_version: str = ""
    catalog_procedures: int = 0
    printer_kind: str = "none"
    printer_state: str = "none"
    disk_free_bytes: int = 0
    disk_total_bytes: int = 0

    @property
    def outbox_depth(self) -> int:
        return self.outbox.get("queued", 0) + self.outbox.get("sending", 0)

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["outbox_depth"] = self.outbox_depth
        return data


def collect_status(
    settings: Settings,
    *,
    outbox: Outbox | None = None,
    catalog: Catalog | None = None,
    printer: str | None = None,
    rejected_limit: int = 50,
) -> KioskStatus:
    """Everything at a glance. Blocking (disk, database, maybe the printer): call it off the GUI thread.

    `outbox`/`catalog` are the running kiosk's; without them the files are read. `printer` is a state
    already known (the print service's); without it the printer is asked.
    """
    sync = read_sync_state()
    if outbox is not None:
        counts = outbox.counts()
        rejected = [{"reference": r.reference, "procedure_code": r.procedure_code, "created_at": r.created_at,
                     "reason": r.reject_reason or ""} for r in outbox.records("rejected", limit=rejected_limit)]
    else:
        counts = outbox_counts(settings.outbox_path())
        rejected = []
    if catalog is None:
        from kiosk.catalog import CatalogError, load_catalog

        try:
            catalog = load_catalog(settings.procedures_path())
        except CatalogError:
            catalog = None
    data_dir = paths.data_dir()
    usage = shutil.disk_usage(data_dir)
    return KioskStatus(
        version=__version__,
        site_id=settings.site.id,
        site_profile=settings.site.profile,
        site_name=settings.site.name,
        kiosk_id=settings.kiosk.id,
        portal_configured=settings.portal.base_url is not None,
        portal_online=sync.online if settings.portal.base_url is not None else None,
        last_sync=sync.last_success,
        last_sync_error=sync.last_error,
        outbox=counts,
        rejected=rejected,
        catalog_version=catalog.version if catalog is not None else "",
        catalog_procedures=len(catalog) if catalog is not None else 0,
        printer_kind=settings.printer.kind,
        printer_state=printer if printer is not None else printer_state(settings.printer),
        disk_free_bytes=usage.free,
        disk_total_bytes=usage.total,
    )


# --- export-logs ----------------------------------------------------------------------------------


def log_files() -> list[Path]:
    directory = paths.data_dir() / "logs"
    return sorted(p for p in directory.glob("*") if p.is_file()) if directory.is_dir() else []


def export_logs(target: Path, status: dict[str, Any] | None = None) -> int:
    """Pack the log files (and `status`, as status.json) into `target`: a .zip, else a .tar.gz.

    Logs carry no personal data (the logging filter blanks ID and phone numbers as a last defence).
    Returns the number of log files packed. Raises OSError when `target` cannot be written.
    """
    import tarfile  # here, not at the top: the running kiosk imports this module for its sync records
    import zipfile

    files = log_files()
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}-")
    tmp = Path(tmp_name)
    try:
        with open(fd, "wb") as raw:
            if target.suffix == ".zip":
                with zipfile.ZipFile(raw, "w", compression=zipfile.ZIP_DEFLATED) as archive:
                    for path in files:
                        archive.write(path, f"logs/{path.name}")
                    if status is not None:
                        archive.writestr("status.json", json.dumps(status, ensure_ascii=False, indent=2))
            else:
                with tarfile.open(fileobj=raw, mode="w:gz") as tar:
                    for path in files:
                        tar.add(path, f"logs/{path.name}", recursive=False)
                    if status is not None:
                        body = json.dumps(status, ensure_ascii=False, indent=2).encode("utf-8")
                        info = tarfile.TarInfo("status.json")
                        info.size = len(body)
                        info.mtime = int(datetime.now().timestamp())
                        tar.addfile(info, io.BytesIO(body))
        tmp.chmod(0o644)
        tmp.replace(target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return len(files)



# --- the commands ---------------------------------------------------------------------------------


def register(sub: Any) -> None:
    status = sub.add_parser("status", help="versions, site, outbox, last sync, catalog and printer")
    status.add_argument("--json", action="store_true", help="one JSON object (for scripts and support)")
    status.add_argument("--config", metavar="FILE", help="machine file (default /etc/kiosk/kiosk.toml)")
    status.add_argument("--site", help="site profile from config/sites/")
    status.set_defaults(func=cmd_status)
    logs = sub.add_parser("export-logs", help="pack the kiosk's log files into FILE (.tar.gz, or .zip)")
    logs.add_argument("file", metavar="FILE")
    logs.add_argument("--config", metavar="FILE", help="machine file (default /etc/kiosk/kiosk.toml)")
    logs.set_defaults(func=cmd_export_logs)


def _settings(args: argparse.Namespace) -> Settings | None:
    from kiosk.settings.config import ConfigError, load_settings

    try:
        return load_settings(Path(args.config) if args.config else None, site=getattr(args, "site", None))
    except ConfigError as exc:
        print(f"kiosk: configuration error:\n{exc}", file=sys.stderr)
        return None


def cmd_status(args: argparse.Namespace) -> int:
    settings = _settings(args)
    if settings is None:
        return 2
    status = collect_status(settings).as_json()
    if args.json:
        print(json.dumps(status, ensure_ascii=False, indent=2))
        return 0
    counts = status["outbox"]
    print(f"kiosk {status['version']} — {status['site_name']} ({status['site_id']}), kiosk {status['kiosk_id']}")
    print(f"portal: {'configured' if status['portal_configured'] else 'not configured'}, "
          f"last sync {status['last_sync'] or 'never'}"
          + (f" (last error: {status['last_sync_error']})" if status["last_sync_error"] else ""))
    print("outbox: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
    print(f"catalog: {status['catalog_version'] or 'unavailable'} ({status['catalog_procedures']} procedures)")
    print(f"printer: {status['printer_kind']}, {status['printer_state']}")
    print(f"disk: {status['disk_free_bytes'] / 1024 ** 3:.1f} GB free")
    return 0


def cmd_export_logs(args: argparse.Namespace) -> int:
    target = Path(args.file)
    settings = _settings(args)
    status = collect_status(settings).as_json() if settings is not None else None
    try:
        count = export_logs(target, status)
    except OSError as exc:
        print(f"kiosk export-logs: cannot write {target}: {exc.strerror}", file=sys.stderr)
        return 1
    print(f"kiosk export-logs: {count} log file(s) written to {target}")
    return 0
