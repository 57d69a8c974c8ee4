"""Looking a dossier up by its code and the last four digits of the applicant's phone."""

from __future__ import annotations

import hmac
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlparse

from kiosk.outbox import Outbox


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
    """A receipt QR holds the lookup URL; take the code from its query, or the text itself."""
    text = text.strip()
    if "://" in text:
        query = parse_qs(urlparse(text).query)
        for key in ("ma", "code", "reference"):
            if query.get(key):
                return query[key][0].strip()[:64]
    return text[:64]


def lookup_local(outbox: Outbox, reference: str, phone_last4: str) -> LookupResult | None:
    """The dossier as this kiosk knows it; None when the code or the phone digits do not match."""
    record = outbox.find(reference.strip())
    if record is None:
        return None
    payload = outbox.payload(record.uuid)
    if payload is None:  # personal data already purged: the portal is the one to ask
        return None
    phone = "".join(ch for ch in str(payload.get("applicant", {}).get("phone", "")) if ch.isdigit())
    if len(phone) < 4 or not hmac.compare_digest(phone[-4:], phone_last4):
        return None
    timeline = [TimelineEntry("queued", record.created_at)]
    if record.accepted_at:
        timeline.append(TimelineEntry("accepted", record.accepted_at))
    return LookupResult(record.reference, record.procedure_code, record.status, timeline)
