"""The fee of a procedure for a resident's answers: the one place that computes an amount.

A procedure's fee items (kiosk/catalog/models.py) are per-unit amounts with quantities taken from answers
(pages, copies), rates from a given unit on, a cap per set, alternatives chosen by an answer, and
exemptions the law grants (on-time registration, priority groups). An amount the city has not published,
or nobody could verify, has no number in the catalog: the officer tells it, and the total is unknown.
The kiosk never calls a procedure free unless an exemption of the law says so.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from kiosk.answers.validation import normalise, parse_date
from kiosk.catalog.models import Exemption, FeeItem, FeeKind, Procedure, Text
from kiosk.i18n import format_vnd, tr


@dataclass(frozen=True)
class FeeLine:
    """One charged item for these answers."""

    label: Text
    kind: FeeKind
    unit: Text | None
    quantity: int | None  # units (pages, copies, cases); None when not answered yet
    sets: int  # copies the capped amount is multiplied by
    amount_vnd: int | None  # None: the officer tells the amount
    exempt: Text | None  # the exemption that waives this item
    source: str

    def to_json(self, lang: str = "vi") -> dict[str, Any]:
        return {
            "label": self.label.get(lang),
            "kind": self.kind.value,
            "unit": self.unit.get(lang) if self.unit else None,
            "quantity": self.quantity,
            "sets": self.sets,
            "amount_vnd": self.amount_vnd,
            "exempt": self.exempt.get(lang) if self.exempt else None,
            "source": self.source,
        }


@dataclass(frozen=True)
class FeeBreakdown:
    """What a resident pays: the items, and a total only when every amount is certain."""

    lines: tuple[FeeLine, ...]
    total_vnd: int | None
    exemptions: tuple[Text, ...]  # exemptions that apply to these answers
    officer_checks: tuple[Text, ...]  # exemptions only the officer can grant (priority groups)

    @property
    def payable_vnd(self) -> int:
        """The amount to collect by VietQR: the certain total, or 0 when there is none."""
        return self.total_vnd or 0

    @property
    def free_by_law(self) -> bool:
        """Nothing to pay because an exemption of the law applies (not merely because nothing is known)."""
        return self.total_vnd == 0 and bool(self.exemptions)


def _count(answers: Mapping[str, str], field_id: str | None) -> int | None:
    """The whole number answered to `field_id` (1 when no field); None when not answered or not a number."""
    if field_id is None:
        return 1
    text = normalise(answers.get(field_id, ""))
    if not text.isdigit() or len(text) > 6:
        return None
    return int(text)


def _per_set(item: FeeItem, units: int) -> int | None:
    """The amount for `units` units of one set: the first rate, then each tier from its unit on, capped."""
    if item.amount_vnd is None:
        return None
    rates = [(1, item.amount_vnd), *sorted((t.from_unit, t.amount_vnd) for t in item.tiers)]
    total = 0
    for index, (start, rate) in enumerate(rates):
        end = rates[index + 1][0] - 1 if index + 1 < len(rates) else units
        total += rate * max(0, min(end, units) - start + 1)
    return total if item.cap_vnd is None else min(total, item.cap_vnd)


def _exemption_applies(exemption: Exemption, answers: Mapping[str, str], today: date) -> bool | None:
    """True or False for these answers; None when it depends on an answer not given yet."""
    if exemption.officer_checks:
        return False
    if exemption.when is not None:
        answer = answers.get(exemption.when.field, "")
        if answer not in exemption.when.any_of:
            return None if not answer else False
    if exemption.on_time is not None:
        day = parse_date(answers.get(exemption.on_time.field, ""))
        if day is None:
            return None
        return 0 <= (today - day).days <= exemption.on_time.days
    return True


def _verified(item: FeeItem) -> bool:
    return item.source is not None and item.source.verified_on is not None


def _source(item: FeeItem) -> str:
    return item.source.cite() if item.source else ""


def assess(procedure: Procedure, answers: Mapping[str, str], today: date | None = None) -> FeeBreakdown:
    """The fee breakdown for these answers (answers not given yet leave the total unknown)."""
    today = today or date.today()
    fees = procedure.fees
    decided = [(e, _exemption_applies(e, answers, today)) for e in fees.exemptions]
    applied = tuple(e.label for e, applies in decided if applies)
    undecided = any(applies is None for _, applies in decided)
    lines: list[FeeLine] = []
    chosen_groups: set[str] = set()
    for item in fees.items:
        rule = item.applies_if
        if rule is not None and answers.get(rule.field, "") not in rule.any_of:
            continue
        if item.alternative is not None:
            chosen_groups.add(item.alternative)
        units, sets = _count(answers, item.quantity_field), _count(answers, item.sets_field)
        amount = None
        if units is not None and sets is not None:
            per_set = _per_set(item, units)
            amount = None if per_set is None else per_set * sets
        if amount and not _verified(item):
            amount = None  # a rate nobody could check against its source: the officer tells the amount
        exempt = applied[0] if applied and item.kind is FeeKind.LE_PHI else None
        if exempt is not None:
            amount = 0
        elif item.kind is FeeKind.LE_PHI and undecided:
            amount = None
        lines.append(FeeLine(item.label, item.kind, item.per, units, sets if sets is not None else 1,
                             amount, exempt, _source(item)))
    groups = {item.alternative for item in fees.items if item.alternative is not None}
    unchosen = groups - chosen_groups
    amounts = [line.amount_vnd for line in lines]
    total = None if unchosen or None in amounts else sum(a for a in amounts if a is not None)
    if total == 0 and not applied and not fees.items:
        total = None  # no item and no exemption: nothing says the procedure is free
    officer = tuple(e.label for e in fees.exemptions if e.officer_checks)
    return FeeBreakdown(tuple(lines), total, applied, officer)


# --- texts ---------------------------------------------------------------------------------------


def kind_label(kind: FeeKind, lang: str) -> str:
    return tr(f"fees.kind.{kind.value}", lang)


def heading(procedure: Procedure, lang: str) -> str:
    """'Phí', 'Lệ phí' or 'Phí, lệ phí', after the kinds of the procedure's items."""
    kinds = {item.kind for item in procedure.fees.items} or {FeeKind.LE_PHI}
    if len(kinds) > 1:
        return tr("fees.heading.both", lang)
    return kind_label(kinds.pop(), lang)


def rate_text(item: FeeItem, lang: str) -> str:
    """How an item is charged, e.g. '2.000 đ/trang; từ trang 3: 1.000 đ/trang; tối đa 200.000 đ'."""
    if item.amount_vnd is None or not _verified(item):
        return tr("fees.officer_tells", lang)
    unit = f"/{item.per.get(lang)}" if item.per else ""
    parts = [tr("money.vnd", lang, amount=format_vnd(item.amount_vnd, lang)) + unit]
    for tier in item.tiers:
        parts.append(tr("fees.tier", lang, per=item.per.get(lang) if item.per else "", n=tier.from_unit,
                        amount=tr("money.vnd", lang, amount=format_vnd(tier.amount_vnd, lang)) + unit))
    if item.cap_vnd is not None:
        parts.append(tr("fees.cap", lang, amount=tr("money.vnd", lang, amount=format_vnd(item.cap_vnd, lang))))
    return "; ".join(parts)


def schedule_text(procedure: Procedure, lang: str) -> str:
    """The fee rules in words, one item a line, as the overview and the printed checklist show them."""
    fees = procedure.fees
    out = []
    for item in fees.items:
        line = f"{item.label.get(lang)} ({kind_label(item.kind, lang).lower()}): {rate_text(item, lang)}"
        if item.condition:
            line += f" — {item.condition.get(lang)}"
        out.append(line)
    for exemption in fees.exemptions:
        key = "fees.exempt_always" if exemption.always else "fees.exempt_if"
        out.append(tr(key, lang, case=exemption.label.get(lang)))
    if not fees.items and not any(e.always for e in fees.exemptions):
        out.append(tr("fees.officer_tells", lang))
    if fees.note:
        out.append(fees.note.get(lang))
    return "\n".join(out)


def amount_text(amount: int | None, lang: str) -> str:
    if amount is None:
        return tr("fees.officer_tells", lang)
    return tr("money.vnd", lang, amount=format_vnd(amount, lang))


def line_text(line: FeeLine, lang: str) -> str:
    """One item of the breakdown: '5 trang × 2 bản: 14.000 đ'."""
    text = line.label.get(lang)
    if line.quantity is not None and line.unit is not None and (line.quantity != 1 or line.sets != 1):
        text += f" ({line.quantity} {line.unit.get(lang)}"
        text += f" × {line.sets})" if line.sets != 1 else ")"
    if line.exempt is not None:
        return f"{text}: {tr('fees.exempt_line', lang, case=line.exempt.get(lang))}"
    return f"{text}: {amount_text(line.amount_vnd, lang)}"


def total_text(breakdown: FeeBreakdown, lang: str) -> str:
    """The one line a slip or a summary carries: the total, the exemption, or 'the officer will tell'."""
    if breakdown.free_by_law:
        return tr("fees.exempt_total", lang)
    if breakdown.total_vnd is None:
        return tr("fees.officer_tells", lang)
    return tr("money.vnd", lang, amount=format_vnd(breakdown.total_vnd, lang))


def breakdown_text(breakdown: FeeBreakdown, lang: str) -> str:
    """The breakdown as the review screen shows it: each item, then the total."""
    out = [line_text(line, lang) for line in breakdown.lines]
    out.append(f"{tr('fees.total', lang)}: {total_text(breakdown, lang)}")
    if breakdown.officer_checks:
        cases = "; ".join(case.get(lang) for case in breakdown.officer_checks)
        out.append(tr("fees.officer_checks", lang, cases=cases))
    return "\n".join(out)


def breakdown_json(breakdown: FeeBreakdown, lang: str = "vi") -> dict[str, Any]:
    return {
        "fee_vnd": breakdown.total_vnd,
        "fee_items": [line.to_json(lang) for line in breakdown.lines],
        "exemptions": [case.get(lang) for case in breakdown.exemptions],
    }
