"""The sandbox's procedure catalog, read from a directory of procedure JSON files, and the date the
result of a procedure is due (the fee comes from kiosk/payment/fees.py, as on the kiosk)."""

from __future__ import annotations

import hashlib
import json
import logging
import math
import threading
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from kiosk.catalog.models import Procedure, TimeUnit

log = logging.getLogger(__name__)

_HOURS_PER_WORKING_DAY = 8


@dataclass(frozen=True)
class Catalog:
    version: str
    etag: str  # quoted strong entity tag
    procedures: dict[str, Procedure]
    documents: list[dict[str, Any]]


class CatalogSource:
    """Serves the procedures in `directory`, re-read whenever a file there changes.

    Files that are not valid procedure definitions are skipped with a warning.
    """

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._lock = threading.Lock()
        self._signature: tuple[tuple[str, int, int], ...] | None = None
        self._catalog: Catalog | None = None

    def current(self) -> Catalog:
        files = sorted(self.directory.glob("*.json")) if self.directory.is_dir() else []
        signature = tuple((f.name, f.stat().st_mtime_ns, f.stat().st_size) for f in files)
        with self._lock:
            if self._catalog is None or signature != self._signature:
                self._catalog = _load(files)
                self._signature = signature
            return self._catalog


def _load(files: list[Path]) -> Catalog:
    procedures: dict[str, Procedure] = {}
    for file in files:
        try:
            procedure = Procedure.model_validate_json(file.read_bytes())
        except (OSError, ValidationError) as exc:
            log.warning("sandbox catalog: skipping %s: %s", file.name, type(exc).__name__)
            continue
        if procedure.code in procedures:
            log.warning("sandbox catalog: skipping %s: duplicate code %s", file.name, procedure.code)
            continue
        procedures[procedure.code] = procedure
    documents = [procedures[code].model_dump(mode="json") for code in sorted(procedures)]
    digest = hashlib.sha256(json.dumps(documents, sort_keys=True, ensure_ascii=False).encode()).hexdigest()
    return Catalog(version=digest[:12], etag=f'"{digest[:32]}"', procedures=procedures, documents=documents)


def etag_matches(if_none_match: str | None, etag: str) -> bool:
    """RFC 9110 weak comparison of an If-None-Match header against our entity tag."""
    if not if_none_match:
        return False
    candidates = [c.strip() for c in if_none_match.split(",")]
    return any(c == "*" or c.removeprefix("W/") == etag for c in candidates)


def appointment_date(procedure: Procedure, received: datetime) -> date:
    """When the result is due: working days (Monday to Friday) from the day received."""
    timing = procedure.processing_time
    start = received.date()
    after_cutoff = timing.cutoff is not None and received.time() > time.fromisoformat(timing.cutoff)
    if after_cutoff or start.weekday() >= 5:
        start = _add_working_days(start, 1)
    if timing.unit is TimeUnit.SAME_DAY:
        return start
    days = timing.amount
    if timing.unit is TimeUnit.WORKING_HOURS:
        days = math.ceil(timing.amount / _HOURS_PER_WORKING_DAY)
    return _add_working_days(start, days)


def _add_working_days(day: date, count: int) -> date:
    while count > 0:
        day += timedelta(days=1)
        if day.weekday() < 5:
            count -= 1
    return day
