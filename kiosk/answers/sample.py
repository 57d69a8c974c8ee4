"""Valid sample answers for any procedure: used by `kiosk tour`, the tests, the benches and the soaks."""

from __future__ import annotations

import random
from datetime import date, timedelta

from kiosk.answers.validation import format_date, validate_step, visible_fields, visible_steps
from kiosk.catalog.models import FieldKind, FormField, IdCardPart, Procedure

SAMPLE_ID_CARD = (
    "001060012345|123456789|Nguyễn Văn An|05091960|Nam|Số 12 phố Bùi Thị Xuân, Hai Bà Trưng, Hà Nội|10032021"
)

_NAMES = ["Nguyễn Văn An", "Trần Thị Bích", "Lê Hoàng Long", "Phạm Thu Hà", "Đỗ Minh Quân", "Bùi Thị Thủy"]


def sample_value(spec: FormField, today: date, rng: random.Random | None = None) -> str:
    """A valid answer for one field (the applicant's fields agree with the sample ID card)."""
    pick = rng.choice if rng else (lambda seq: seq[0])
    kind = spec.kind
    rules = spec.validation
    if spec.prefill_from_id_card is IdCardPart.ID_NUMBER:
        return "001060012345"
    if spec.prefill_from_id_card is IdCardPart.GENDER:
        return "nam"
    if spec.prefill_from_id_card is IdCardPart.DATE_OF_BIRTH:
        return "05/09/1960"
    if kind is FieldKind.PERSON_NAME:
        return str(pick(_NAMES))
    if kind is FieldKind.DATE:
        if rules.max_age_years is not None and rules.max_age_years < 30:
            return format_date(today - timedelta(days=20))
        if rules.allow_future and rules.min_age_years is None:
            return format_date(today + timedelta(days=7))
        return format_date(date(1985, 4, 12))
    if kind is FieldKind.PHONE:
        return str(pick(["0912345678", "0987654321", "0356789012"]))
    if kind is FieldKind.EMAIL:
        return "an.nguyen@example.vn"
    if kind is FieldKind.ID_NUMBER:
        return str(pick(["001185012345", "001185067890"]))
    if kind in (FieldKind.SELECT, FieldKind.RADIO):
        return str(pick([o.value for o in spec.options]))
    if kind is FieldKind.CHECKBOX:
        return "yes"
    if kind is FieldKind.NUMBER:
        low = rules.min_value if rules.min_value is not None else 0
        high = rules.max_value if rules.max_value is not None else 10
        value = max(low, min(high, 2))
        return str(int(value)) if value == int(value) else str(value)
    if kind is FieldKind.ADDRESS:
        return "Số 12 phố Bùi Thị Xuân, Hai Bà Trưng, Hà Nội"
    if kind is FieldKind.LONG_TEXT:
        return "Tôi đề nghị cơ quan xem xét, giải quyết."
    return "Bệnh viện Phụ sản Hà Nội"


def sample_answers(procedure: Procedure, today: date | None = None, seed: int | None = None) -> dict[str, str]:
    """Answers that pass every visible step's validation (raises if the catalog makes that impossible)."""
    today = today or date.today()
    rng = random.Random(seed) if seed is not None else None
    answers: dict[str, str] = {}
    for _ in range(3):  # conditions may reveal more fields as answers arrive
        for step in visible_steps(procedure, answers):
            for spec in visible_fields(step, answers):
                if spec.id not in answers:
                    answers[spec.id] = sample_value(spec, today, rng)
    for step in visible_steps(procedure, answers):
        issues = validate_step(step, answers, today)
        if issues:
            raise ValueError(f"sample answers invalid for {procedure.code} step {step.id}: {sorted(issues)}")
    return answers
