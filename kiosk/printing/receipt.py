"""What the printed slip and the receipt screen say, built from the stored dossier and the site.

The slip follows the official receipt form (giấy tiếp nhận hồ sơ và hẹn trả kết quả) and adds what a
kiosk slip needs: site and kiosk id, a QR to follow the dossier, the fee and how to pay it (VietQR when
the site has a fee account), whom to ask. It is not the official receipt: the officer who checks the papers
issues that and sets the date, so the slip records an online dossier and gives the *expected* date if the
papers are complete, counting public holidays (kiosk.workdays.holidays). Values of the site that nobody verified
(a hotline, an address) are never printed: the slip sends the resident to the staff. A slip may be left in
the printer tray, so the phone number and the ID number are masked; the address is not, as on the official
form.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Mapping
from dataclasses import asdict, dataclass, field, replace
from datetime import date, datetime
from typing import Any

from kiosk.catalog.models import Paper, Procedure, TimeUnit
from kiosk.i18n import tr
from kiosk.journey.dossier import applicant
from kiosk.payment.fees import FeeBreakdown, heading, schedule_text, total_text
from kiosk.payment.vietqr import VietQRError, build_payload
from kiosk.settings.config import PaymentSettings, Settings, SiteSettings
from kiosk.workdays.clock import VN_TZ, due_date
from kiosk.workdays.holidays import WorkingCalendar, bundled_calendar

log = logging.getLogger(__name__)


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
    fee_vnd: int = 0
    pay_text: str = ""
    pay_to: str = ""
    papers_heading: str = ""
    # What the resident does next, in the order they do it (heading, text): the receipt screen's large text.
    next_steps: list[SlipLine] = field(default_factory=list)

    def text_lines(self) -> list[str]:
        """All printed text in reading order (for tests, logs of layout, and accessibility)."""
        out = [self.authority, self.site, self.title, self.reference]
        out += [f"{line.label}: {line.value}" for line in self.lines]
        out += [self.papers_heading, *self.papers]
        out += [self.fee_text, self.pay_text, self.pay_to]
        out += self.footer
        return [line for line in out if line]

    def to_dict(self) -> dict[str, Any]:
        """A JSON-compatible copy (for the reprint queue)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Slip:
        """The slip `to_dict` made; raises KeyError/TypeError on anything else."""
        fields = dict(data)
        for name in ("lines", "next_steps"):
            fields[name] = [SlipLine(str(line["label"]), str(line["value"])) for line in fields.get(name, [])]
        return cls(**fields)


@dataclass(frozen=True)
class Checklist:
    """The printed list of papers to bring for one procedure (no personal data)."""

    lang: str
    authority: str
    site: str
    title: str
    procedure: str
    papers: list[str]
    fee_text: str
    time_text: str
    footer: list[str]

    def text_lines(self) -> list[str]:
        return [self.authority, self.site, self.title, self.procedure, *self.papers, self.fee_text,
                self.time_text, *self.footer]


def mask_phone(phone: str) -> str:
    """Only the last 3 digits stay readable."""
    digits = [c for c in phone if c.isdigit()]
    if len(digits) < 4:
        return "****"
    return "*" * (len(digits) - 3) + "".join(digits[-3:])


def mask_id(id_number: str) -> str:
    """A 12-digit number keeps its province code (first 3 digits) and last 3 digits; a shorter one (the
    old 9-digit card) at most its last 3, and never more than half of it."""
    text = "".join(id_number.split())
    if len(text) >= 12:
        return text[:3] + "*" * (len(text) - 6) + text[-3:]
    if len(text) >= 4:
        keep = min(3, len(text) // 2)
        return "*" * (len(text) - keep) + text[-keep:]
    return "****"


def payment_payload(payment: PaymentSettings, fee_vnd: int, reference: str) -> str | None:
    """The VietQR text for paying `fee_vnd` with the dossier code as purpose, when the site has a fee
    account and there is something to pay; else None."""
    if fee_vnd <= 0 or not payment.bank_bin or not payment.account:
        return None
    try:
        return build_payload(payment.bank_bin, payment.account, fee_vnd, reference)
    except VietQRError as exc:
        # Configuration is validated on load, so this is an amount beyond what VietQR carries.
        log.warning("no VietQR code on the slip: %s", exc)
        return None


def paper_line(paper: Paper, lang: str, box: str = "•") -> str:
    """One paper to bring: name, form, number of sets, whether optional."""
    text = f"{box} {paper.name.get(lang)} ({tr(f'paper.{paper.form.value}', lang)}"
    if paper.sets > 1:
        text += ", " + tr("paper.sets", lang, n=paper.sets)
    text += ")"
    if not paper.required:
        text += " " + tr("paper.optional", lang)
    return text


def _pay_to(payment: PaymentSettings, lang: str) -> str:
    if not payment.account:
        return ""
    if payment.account_name:
        return tr("slip.pay_to", lang, name=payment.account_name, account=payment.account)
    return tr("slip.pay_account", lang, account=payment.account)


def help_lines(site: SiteSettings, lang: str) -> list[str]:
    """Whom to call or ask: the ward's hotline when verified; otherwise the staff, and the city's support line
    when that one is verified. Never a number nobody checked."""
    hotline = site.verified("hotline")
    if hotline:
        return [tr("slip.hotline", lang, hotline=hotline)]
    lines = [tr("site.ask_staff", lang, place=site.service_point)]
    support = site.verified("support_line")
    if support:
        lines.append(tr("site.support_line", lang, line=support))
    return lines


def where_lines(site: SiteSettings, lang: str) -> list[SlipLine]:
    """Where the result is collected and the service point's street address (or whom to ask for it)."""
    address = site.verified("service_point_address")
    return [
        SlipLine(tr("slip.collect", lang), site.collect_at),
        SlipLine(tr("site.address_label", lang, place=site.service_point),
                 address or tr("site.address_ask", lang)),
    ]


def expected_date_text(due: date, missing_years: list[int], lang: str) -> str:
    """The expected date, saying when a year's public holidays are not known to the kiosk."""
    text = due.strftime("%d/%m/%Y")
    if missing_years:
        text += " " + tr("slip.due_no_holidays", lang, years=", ".join(str(y) for y in missing_years))
    return text


def _lookup_url(settings: Settings, reference: str) -> str:
    return settings.portal.lookup_url.replace("{reference}", reference)


def build_slip(
    procedure: Procedure,
    answers: Mapping[str, str],
    reference: str,
    provisional: bool,
    submitted_at: datetime,
    fee: FeeBreakdown,
    settings: Settings,
    lang: str = "vi",
    calendar: WorkingCalendar | None = None,
    scanned: Collection[str] = (),
) -> Slip:
    """The slip for a stored dossier; the VietQR code is added when the site has a fee account and the fee
    model is sure of the amount. The expected date counts the working days of `calendar` (default: the bundled
    holiday files). `scanned` names the papers (scan ids) sent scanned with the dossier: they are listed apart
    and left out of the papers still to bring."""
    person = applicant(procedure, answers)
    local = submitted_at.astimezone(VN_TZ)
    pt = procedure.processing_time
    cal = calendar or bundled_calendar()
    due = due_date(submitted_at, pt.unit.value, pt.amount, pt.cutoff, cal)
    due_text = expected_date_text(due, cal.missing_years(local.date(), due), lang)
    lines = [
        SlipLine(tr("slip.procedure", lang), procedure.name.get(lang)),
        SlipLine(tr("slip.applicant", lang), person.get("full_name", "")),
    ]
    if person.get("address"):
        lines.append(SlipLine(tr("slip.address", lang), person["address"]))
    if "id_number" in person:
        lines.append(SlipLine(tr("slip.id_number", lang), mask_id(person["id_number"])))
    if "phone" in person:
        lines.append(SlipLine(tr("slip.phone", lang), mask_phone(person["phone"])))
    lines += [
        SlipLine(tr("slip.submitted", lang), local.strftime("%H:%M %d/%m/%Y")),
        SlipLine(tr("slip.due", lang), due_text),
        *where_lines(settings.site, lang),
    ]
    sent = [p for p in procedure.papers if p.scan is not None and p.scan.id in scanned]
    papers = [paper_line(paper, lang) for paper in procedure.papers if paper not in sent]
    vietqr = payment_payload(settings.payment, fee.payable_vnd, reference)
    fee_text = total_text(fee, lang)
    pay_text = "" if fee.total_vnd == 0 else tr("slip.pay_how" if vietqr else "slip.pay_desk", lang,
                                                        place=settings.site.service_point)
    where = settings.site.verified("service_point_address") or tr("site.address_ask", lang)
    papers_heading = tr("slip.papers_heading", lang, place=settings.site.service_point)
    next_steps = [  # short ones first, so they are in view; the list of papers may scroll
        SlipLine(tr("next.go", lang), f"{settings.site.service_point} — {where}"),
        SlipLine(tr("slip.due", lang), due_text),
        SlipLine(tr("slip.fee", lang), "\n".join(part for part in (fee_text, pay_text) if part)),
        SlipLine(papers_heading, "\n".join(papers)),
    ]
    if sent:
        names = "; ".join(paper.name.get(lang) for paper in sent)
        next_steps.append(SlipLine(tr("slip.scanned_heading", lang), tr("receipt.scanned", lang, papers=names)))
    footer = [
        tr("slip.due_note", lang),
        tr("slip.keep", lang),
        *help_lines(settings.site, lang),
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
        lookup_url=_lookup_url(settings, reference),
        vietqr_payload=vietqr,
        fee_text=fee_text,
        footer=footer,
        fee_vnd=fee.payable_vnd,
        pay_text=pay_text,
        pay_to=_pay_to(settings.payment, lang) if vietqr else "",
        papers_heading=papers_heading,
        next_steps=next_steps,
    )


def with_official_code(slip: Slip, official_code: str, settings: Settings) -> Slip:
    """The same slip under the portal's dossier code (for a reprint after the dossier was sent)."""
    if not slip.provisional and slip.reference == official_code:
        return slip
    return replace(
        slip,
        reference=official_code,
        provisional=False,
        lookup_url=_lookup_url(settings, official_code),
        vietqr_payload=payment_payload(settings.payment, slip.fee_vnd, official_code)
        if slip.vietqr_payload else None,
    )


def processing_time_text(procedure: Procedure, lang: str) -> str:
    """How long the procedure takes, in words."""
    pt = procedure.processing_time
    if pt.unit is TimeUnit.SAME_DAY:
        text = tr("time.same_day", lang)
    elif pt.unit is TimeUnit.WORKING_HOURS:
        text = tr("time.working_hours", lang, n=pt.amount)
    else:
        text = tr("time.working_days", lang, n=pt.amount)
    if pt.cutoff:
        text += ". " + tr("time.cutoff", lang, cutoff=pt.cutoff)
    return text


def build_checklist(procedure: Procedure, settings: Settings, lang: str = "vi") -> Checklist:
    """The list of papers to bring for `procedure`, to print from the overview screen."""
    return Checklist(
        lang=lang,
        authority=settings.site.authority,
        site=settings.site.name,
        title=tr("checklist.title", lang),
        procedure=procedure.name.get(lang),
        papers=[paper_line(paper, lang, box="☐") for paper in procedure.papers],
        fee_text=f"{heading(procedure, lang)}: {schedule_text(procedure, lang)}",
        time_text=f"{tr('overview.time', lang)}: {processing_time_text(procedure, lang)}",
        footer=[
            tr("checklist.bring", lang, place=settings.site.service_point),
            *help_lines(settings.site, lang),
            tr("slip.kiosk", lang, kiosk=settings.kiosk.id, site=settings.site.name),
        ],
    )
