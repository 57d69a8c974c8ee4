"""What the printed slip and the receipt screen say, built from the stored dossier and the site."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime

from kiosk.catalog.models import Procedure
from kiosk.clock import VN_TZ, due_date
from kiosk.config import Settings
from kiosk.dossier import applicant
from kiosk.i18n import format_vnd, tr


@dataclass(frozen=True)
class SlipLine:
    label: str
    value: str


@dataclass(frozen=True)
class Slip:
    """Everything printed on one receipt, already in the resident's language and masked."""

    lang: str
    authority: str
    site: str
    title: str
    reference: str
    provisional: bool
    lines: list[SlipLine]
    papers: list[str]
    lookup_url: str
    vietqr_payload: str | None
    fee_text: str
    footer: list[str]

    def text_lines(self) -> list[str]:
        """All printed text in reading order (for tests, logs of layout, and accessibility)."""
        out = [self.authority, self.site, self.title, self.reference]
        out += [f"{line.label}: {line.value}" for line in self.lines]
        out += self.papers
        out += self.footer
        return out


def mask_phone(phone: str) -> str:
    digits = [c for c in phone if c.isdigit()]
    if len(digits) < 4:
        return "****"
    return "*" * (len(digits) - 3) + "".join(digits[-3:])


def mask_id(id_number: str) -> str:
    if len(id_number) < 4:
        return "****"
    return id_number[:3] + "*" * (len(id_number) - 6) + id_number[-3:]


def build_slip(
    procedure: Procedure,
    answers: Mapping[str, str],
    reference: str,
    provisional: bool,
    submitted_at: datetime,
    fee: int,
    settings: Settings,
    lang: str = "vi",
    vietqr_payload: str | None = None,
    holidays: tuple[date, ...] = (),
) -> Slip:
    person = applicant(procedure, answers)
    local = submitted_at.astimezone(VN_TZ)
    pt = procedure.processing_time
    due = due_date(submitted_at, pt.unit.value, pt.amount, pt.cutoff, holidays)
    lines = [
        SlipLine(tr("slip.procedure", lang), procedure.name.get(lang)),
        SlipLine(tr("slip.applicant", lang), person.get("full_name", "")),
    ]
    if "id_number" in person:
        lines.append(SlipLine(tr("slip.id_number", lang), mask_id(person["id_number"])))
    if "phone" in person:
        lines.append(SlipLine(tr("slip.phone", lang), mask_phone(person["phone"])))
    lines += [
        SlipLine(tr("slip.submitted", lang), local.strftime("%H:%M %d/%m/%Y")),
        SlipLine(tr("slip.due", lang), due.strftime("%d/%m/%Y")),
        SlipLine(tr("slip.collect", lang), settings.site.collect_at),
    ]
    papers = []
    for paper in procedure.papers:
        if paper.form.value in ("original", "original_to_show", "copy", "certified_copy"):
            form = tr(f"paper.{paper.form.value}", lang)
            papers.append(f"• {paper.name.get(lang)} ({form})")
    fee_text = tr("money.vnd", lang, amount=format_vnd(fee)) if fee > 0 else tr("overview.free", lang)
    footer = [
        tr("slip.keep", lang),
        tr("slip.hotline", lang, hotline=settings.site.hotline),
        tr("slip.kiosk", lang, kiosk=settings.kiosk.id, site=settings.site.name),
    ]
    return Slip(
        lang=lang,
        authority=settings.site.authority,
        site=settings.site.name,
        title=tr("slip.title", lang),
        reference=reference,
        provisional=provisional,
        lines=lines,
        papers=papers,
        lookup_url=settings.portal.lookup_url.replace("{reference}", reference),
        vietqr_payload=vietqr_payload,
        fee_text=fee_text,
        footer=footer,
    )
