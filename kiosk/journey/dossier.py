"""Turning a resident's answers into the dossier the portal receives (its fee: kiosk/payment/fees.py)."""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from kiosk.answers.validation import normalise, stored_answer, visible_fields, visible_steps
from kiosk.catalog.models import FieldKind, Procedure
from kiosk.i18n import tr

CONSENT_TEXT_VERSION = "nd13-2023-v2"
MAX_COMMENT = 500

_ROLE_KEYS = {
    "applicant_name": "full_name",
    "applicant_id": "id_number",
    "applicant_phone": "phone",
    "applicant_email": "email",
    "applicant_address": "address",
}


def shown_answers(procedure: Procedure, answers: Mapping[str, str]) -> dict[str, str]:
    """Answers of the fields the resident actually saw, in their stored form; hidden fields are dropped."""
    result: dict[str, str] = {}
    for step in visible_steps(procedure, answers):
        for spec in visible_fields(step, answers):
            value = stored_answer(spec, answers.get(spec.id, ""))
            if value:
                result[spec.id] = value
    return result


def applicant(procedure: Procedure, answers: Mapping[str, str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for spec in procedure.fields():
        key = _ROLE_KEYS.get(spec.role)
        if key and answers.get(spec.id):
            out[key] = answers[spec.id]
    return out


def build_payload(
    procedure: Procedure,
    answers: Mapping[str, str],
    consent_at: datetime,
    site_id: str,
    kiosk_id: str,
    submitted_at: datetime,
    language: str,
) -> dict[str, Any]:
    """The body sent to the portal's dossier endpoint (the local reference is added by the outbox)."""
    shown = shown_answers(procedure, answers)
    return {
        "procedure_code": procedure.code,
        "kiosk_id": kiosk_id,
        "site_id": site_id,
        "submitted_at": submitted_at.isoformat(),
        "language": language,
        "applicant": applicant(procedure, shown),
        "answers": shown,
        "consent": {"given_at": consent_at.isoformat(), "text_version": CONSENT_TEXT_VERSION},
    }


def display_value(procedure: Procedure, field_id: str, value: str, lang: str) -> str:
    """An answer as the resident would read it (option labels instead of codes)."""
    spec = procedure.field(field_id)
    if spec.kind in (FieldKind.SELECT, FieldKind.RADIO):
        for option in spec.options:
            if option.value == value:
                return option.label.get(lang)
    if spec.kind is FieldKind.CHECKBOX:
        return tr("form.yes" if value == "yes" else "form.no", lang)
    return value


def clean_comment(text: object, limit: int = MAX_COMMENT) -> str:
    """A free comment as plain text: no control or format characters, spaces collapsed, at most `limit`."""
    if not isinstance(text, str):
        return ""
    kept = "".join(" " if unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") else ch for ch in text)
    return normalise(kept)[:limit]


def rating_payload(
    stars: int | None,
    comment: str,
    procedure_code: str | None,
    local_reference: str | None,
    site_id: str,
    kiosk_id: str,
    language: str,
) -> dict[str, Any] | None:
    """The feedback item for a 1–5 rating with an optional comment; None when nothing was given."""
    rating = stars if isinstance(stars, int) and not isinstance(stars, bool) and 1 <= stars <= 5 else None
    text = clean_comment(comment)
    if rating is None and not text:
        return None
    return {
        "kind": "rating",
        "rating": rating,
        "comment": text,
        "procedure_code": procedure_code,
        "local_reference": local_reference,
        "site_id": site_id,
        "kiosk_id": kiosk_id,
        "language": language,
    }
