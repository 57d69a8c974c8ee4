"""A kiosk's state at a glance: green, amber or red, with the reasons in the staff's language."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

SILENT_AFTER_S = 300  # ten missed heartbeats at the default 30 s
OUTBOX_STALE_S = 3600
DISK_LOW_PCT = 10.0

GREEN, AMBER, RED = "green", "amber", "red"
_RANK = {GREEN: 0, AMBER: 1, RED: 2}

# (Vietnamese, English) for each reason.
REASONS: dict[str, tuple[str, str]] = {
    "never": ("Chưa gửi báo cáo lần nào", "Has never reported"),
    "silent": ("Mất liên lạc {minutes} phút", "Silent for {minutes} min"),
    "paper_out": ("Máy in hết giấy", "Printer out of paper"),
    "paper_low": ("Máy in sắp hết giấy", "Printer paper low"),
    "printer_offline": ("Máy in mất kết nối", "Printer offline"),
    "outbox_stale": ("Hồ sơ chờ gửi quá 1 giờ", "Dossiers waiting over an hour"),
    "sync_error": ("Không gửi được hồ sơ lên cổng dịch vụ công", "Cannot reach the portal"),
    "disk_low": ("Ổ đĩa sắp đầy", "Disk almost full"),
    "locked": ("Đang khóa để bảo trì", "Locked for maintenance"),
    "errors": ("Có lỗi gần đây", "Recent errors"),
}


@dataclass(frozen=True)
class Health:
    level: str
    reasons: list[tuple[str, dict[str, Any]]] = field(default_factory=list)  # (reason key, its values)

    def texts(self, lang: str) -> list[str]:
        index = 0 if lang == "vi" else 1
        return [REASONS[key][index].format(**values) for key, values in self.reasons]


def assess(beat: dict[str, Any] | None, last_seen: datetime | None, now: datetime) -> Health:
    if beat is None or last_seen is None:
        return Health(RED, [("never", {})])
    found: list[tuple[str, str, dict[str, Any]]] = []
    if last_seen.tzinfo is None:  # SQLite hands back naive datetimes; everything stored is UTC
        last_seen = last_seen.replace(tzinfo=UTC)
    silent_s = (now - last_seen).total_seconds()
    if silent_s > SILENT_AFTER_S:
        found.append((RED, "silent", {"minutes": int(silent_s // 60)}))
    printer = beat.get("printer")
    if printer == "offline":
        found.append((RED, "printer_offline", {}))
    elif printer in ("paper_out", "paper_low"):
        found.append((AMBER, str(printer), {}))
    age = beat.get("outbox_oldest_age_s")
    if isinstance(age, int) and age > OUTBOX_STALE_S:
        found.append((AMBER, "outbox_stale", {}))
    if beat.get("sync_error"):
        found.append((AMBER, "sync_error", {}))
    disk = beat.get("disk_free_pct")
    if isinstance(disk, int | float) and disk < DISK_LOW_PCT:
        found.append((AMBER, "disk_low", {}))
    if beat.get("locked"):
        found.append((AMBER, "locked", {}))
    if beat.get("errors"):
        found.append((AMBER, "errors", {}))
    level = max((lvl for lvl, _, _ in found), key=_RANK.__getitem__, default=GREEN)
    return Health(level, [(key, values) for _, key, values in found])


def signature(beat: dict[str, Any] | None) -> tuple[Any, ...]:
    """What of a heartbeat the history keeps a row for when it changes (not the uptime or the screen)."""
    if beat is None:
        return ()
    age = beat.get("outbox_oldest_age_s")
    disk = beat.get("disk_free_pct")
    return (beat.get("printer"), beat.get("scanner"), bool(beat.get("locked")), bool(beat.get("sync_error")),
            bool(beat.get("outbox_depth")), isinstance(age, int) and age > OUTBOX_STALE_S,
            isinstance(disk, int | float) and disk < DISK_LOW_PCT, tuple(beat.get("errors") or ()),
            beat.get("version"), beat.get("catalog_version"), beat.get("settings_version"))
