"""Looking a dossier up by its code and the last four digits of the applicant's phone (or of the personal
ID number, when no phone was given)."""

from __future__ import annotations

import hmac
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlparse

from kiosk.outbox.store import Outbox


@dataclass(frozen=True)
class TimelineEntry:
    status: str
    at: str
    note: str = ""


@dataclass(frozen=True)
class LookupResult:
    reference: str
    procedure_code: str
    status: str
    timeline: list[TimelineEntry] = field(default_factory=list)


def reference_from_scan(text: str) -> str:
    """The dossier code in what was typed or scanned: a receipt QR holds the lookup URL, so the code is taken
    from its query. Codes are upper case without spaces; a resident may type them in any case, with spaces."""
    text = text.strip()
    if "://" in text:
        query = parse_qs(urlparse(text).query)
        text = next((query[key][0] for key in ("ma", "code", "reference") if query.get(key)), text)
    return "".join(text.split()).upper()[:64]


def lookup_digits(applicant: Mapping[str, Any]) -> str:
    """The four digits that open a dossier's status: the end of the applicant's phone number, or of the
    personal ID number when no phone was given (a phone is optional)."""
    for key in ("phone", "id_number"):
        digits = "".join(ch for ch in str(applicant.get(key) or "") if ch.isdigit())
        if len(digits) >= 4:
            return digits[-4:]
    return ""


def lookup_local(outbox: Outbox, reference: str, phone_last4: str) -> LookupResult | None:
    """The dossier as this kiosk knows it; None when the code or the phone digits do not match."""
    record = outbox.find(reference_from_scan(reference))
    if record is None:
        return None
    payload = outbox.payload(record.uuid)
    if payload is None:  # personal data already purged: the portal is the one to ask
        return None
    expected = lookup_digits(payload.get("applicant") or {})
    if len(expected) < 4 or not hmac.compare_digest(expected, phone_last4):
        return None
    timeline = [TimelineEntry("queued", record.created_at)]
    if record.accepted_at:
        timeline.append(TimelineEntry("accepted", record.accepted_at))
    return LookupResult(record.reference, record.procedure_code, record.status, timeline)
