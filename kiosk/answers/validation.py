"""Validation of residents' answers. Messages are translation keys, shown beside the field."""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from kiosk.answers.idcard import CENTURY_GENDER, check_id_number
from kiosk.answers.names import MAX_NAME_LENGTH, is_vietnamese_name
from kiosk.catalog.models import FieldKind, FormField, IdCardPart, Procedure, Step, Validation

DEFAULT_MAX_LENGTH = {
    FieldKind.PERSON_NAME: MAX_NAME_LENGTH,
    FieldKind.TEXT: 200,
    FieldKind.ADDRESS: 250,
    FieldKind.LONG_TEXT: 1000,
    FieldKind.EMAIL: 254,
    FieldKind.NUMBER: 12,
    FieldKind.PHONE: 20,  # "+84 24 3826 1234" with separators
    FieldKind.ID_NUMBER: 15,
    FieldKind.DATE: 12,
}
MAX_AGE_YEARS = 130
PUNCTUATION = set(" ,.;:-/()'\"&+#%?!@_–\n")
MOBILE_PREFIXES = ("03", "05", "07", "08", "09")  # 10 digits
LANDLINE_PREFIXES = ("024",)  # Hanoi landlines: 024 and 8 digits, 11 digits in all
PHONE_SEPARATORS = str.maketrans("", "", " -.()")
EMAIL_RE = re.compile(r"^[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]{1,63}(\.[A-Za-z0-9-]{1,63})+$")
DATE_RE = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")


@dataclass(frozen=True)
class Issue:
    key: str
    params: dict[str, object] = field(default_factory=dict)


def normalise(value: str) -> str:
    """NFC, trimmed, inner runs of spaces collapsed (line breaks kept for long texts)."""
    text = unicodedata.normalize("NFC", value)
    lines = [" ".join(line.split()) for line in text.split("\n")]
    return "\n".join(lines).strip()


def _is_latin_letter(ch: str) -> bool:
    if not ch.isalpha():
        return False
    try:
        return unicodedata.name(ch).startswith("LATIN")
    except ValueError:
        return False


def _allowed_text_char(ch: str) -> bool:
    return _is_latin_letter(ch) or (ch.isascii() and ch.isdigit()) or ch in PUNCTUATION


def parse_date(value: str) -> date | None:
    match = DATE_RE.match(value.strip())
    if not match:
        return None
    day, month, year = (int(g) for g in match.groups())
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _date_issue(value: str) -> Issue | None:
    """Why `value` is not a date: not written day/month/year, or a day the calendar does not have."""
    if not DATE_RE.match(value.strip()):
        return Issue("v.date_format")
    if parse_date(value) is None:
        return Issue("v.date_not_in_calendar")
    return None


def normalise_phone(value: str) -> str | None:
    """The stored form of a phone number (digits only, leading 0), or None when it is not one.

    Mobiles 03x/05x/07x/08x/09x (10 digits) and Hanoi landlines 024 (11 digits); spaces, dashes,
    dots and brackets are ignored, and +84 or 84 may stand for the leading 0.
    """
    digits = normalise(value).translate(PHONE_SEPARATORS)
    if digits.startswith("+84"):
        digits = "0" + digits[3:]
    elif digits.startswith("84") and len(digits) in (11, 12):
        digits = "0" + digits[2:]
    if not (digits.isascii() and digits.isdigit()):
        return None
    if len(digits) == 10 and digits.startswith(MOBILE_PREFIXES):
        return digits
    if len(digits) == 11 and digits.startswith(LANDLINE_PREFIXES):
        return digits
    return None


def stored_answer(spec: FormField, value: str) -> str:
    """An answer as the dossier keeps it: normalised, and phone numbers in their one stored form."""
    text = normalise(value)
    if spec.kind is FieldKind.PHONE:
        return normalise_phone(text) or text
    return text


def format_date(value: date) -> str:
    return value.strftime("%d/%m/%Y")


def _anniversary(birth: date, year: int) -> date:
    """The birthday in `year`; a 29 February birthday falls on 28 February in common years (the rule of
    the Civil Code, art. 148, for periods ending on a day the month does not have)."""
    try:
        return birth.replace(year=year)
    except ValueError:
        return date(year, 2, 28)


def age_on(birth: date, day: date) -> int:
    """Completed years of a person born on `birth`, on `day` (a birthday completes the year)."""
    return day.year - birth.year - (day < _anniversary(birth, day.year))


def min_age_years(rules: Validation, answers: Mapping[str, str]) -> int | None:
    """The least age a date-of-birth answer must give: the fixed rule, or the one for an earlier answer
    (marriage: 20 for a man, 18 for a woman)."""
    by_answer = rules.min_age_by_answer
    if by_answer is not None:
        chosen = by_answer.years.get(normalise(answers.get(by_answer.field, "")))
        if chosen is not None:
            return chosen
    return rules.min_age_years


def validate_field(
    spec: FormField, raw: str, answers: Mapping[str, str] | None = None, today: date | None = None
) -> Issue | None:
    """The first problem with `raw` as an answer to `spec`, or None when it is acceptable."""
    today = today or date.today()
    value = normalise(raw)
    rules = spec.validation
    if spec.kind is FieldKind.CHECKBOX:
        if spec.required and value != "yes":
            return Issue("v.must_check")
        return None
    if not value:
        return Issue("v.required") if spec.required else None
    max_length = rules.max_length or DEFAULT_MAX_LENGTH.get(spec.kind, 200)
    if len(value) > max_length:
        return Issue("v.too_long", {"max": max_length})
    if rules.min_length is not None and len(value) < rules.min_length:
        return Issue("v.too_short", {"min": rules.min_length})
    kind = spec.kind
    if kind in (FieldKind.SELECT, FieldKind.RADIO):
        if value not in {o.value for o in spec.options}:
            return Issue("v.choice")
        return None
    if kind is FieldKind.PERSON_NAME:
        if not is_vietnamese_name(value):
            return Issue("v.name")
    elif kind is FieldKind.PHONE:
        if normalise_phone(value) is None:
            return Issue("v.phone")
    elif kind is FieldKind.EMAIL:
        if not EMAIL_RE.match(value):
            return Issue("v.email")
    elif kind is FieldKind.ID_NUMBER:
        problem = check_id_number(value)
        if problem is not None:
            return Issue(problem.key)
        # The 4th to 6th digits give the year of birth: it cannot be after this year.
        if CENTURY_GENDER[value[3]][0] + int(value[4:6]) > today.year:
            return Issue("v.id_birth_future")
    elif kind is FieldKind.NUMBER:
        try:
            number = float(value.replace(",", "."))
        except ValueError:
            return Issue("v.number")
        if math.isnan(number) or math.isinf(number):
            return Issue("v.number")
        if rules.min_value is not None and number < rules.min_value:
            return Issue("v.number_min", {"min": _fmt_number(rules.min_value)})
        if rules.max_value is not None and number > rules.max_value:
            return Issue("v.number_max", {"max": _fmt_number(rules.max_value)})
    elif kind is FieldKind.DATE:
        parsed = parse_date(value)
        if parsed is None:
            return _date_issue(value)
        if parsed > today and not rules.allow_future:
            return Issue("v.date_future")
        max_age = rules.max_age_years if rules.max_age_years is not None else MAX_AGE_YEARS
        if parsed <= today and age_on(parsed, today) > max_age:
            return Issue("v.date_too_old", {"years": max_age})
        min_age = min_age_years(rules, answers or {})
        if min_age is not None and (parsed > today or age_on(parsed, today) < min_age):
            return Issue("v.date_too_recent", {"years": min_age})
    elif not all(_allowed_text_char(ch) for ch in value):
        return Issue("v.bad_chars")
    if rules.pattern is not None:
        try:
            matched = re.fullmatch(rules.pattern, value) is not None
        except re.error:
            matched = False
        if not matched:
            return Issue("v.pattern")
    return None


def _fmt_number(value: float) -> str:
    return str(int(value)) if value == int(value) else str(value)


def is_visible(cond_field: str | None, any_of: list[str] | None, answers: Mapping[str, str]) -> bool:
    if cond_field is None or any_of is None:
        return True
    return answers.get(cond_field, "") in any_of


def visible_fields(step: Step, answers: Mapping[str, str]) -> list[FormField]:
    return [
        f for f in step.fields
        if f.show_if is None or is_visible(f.show_if.field, f.show_if.any_of, answers)
    ]


def visible_steps(procedure: Procedure, answers: Mapping[str, str]) -> list[Step]:
    return [
        s for s in procedure.steps
        if s.show_if is None or is_visible(s.show_if.field, s.show_if.any_of, answers)
    ]


def validate_step(step: Step, answers: Mapping[str, str], today: date | None = None) -> dict[str, Issue]:
    """Problems of every visible field of `step`, keyed by field id, including cross-field checks."""
    issues: dict[str, Issue] = {}
    shown = visible_fields(step, answers)
    for spec in shown:
        issue = validate_field(spec, answers.get(spec.id, ""), answers, today)
        if issue is not None:
            issues[spec.id] = issue
    # The ID number's digits encode the century, year of birth and gender: check them against the
    # answers on the same step.
    by_part = {f.prefill_from_id_card: f for f in shown if f.prefill_from_id_card is not None}
    id_field = by_part.get(IdCardPart.ID_NUMBER)
    if id_field is not None and id_field.id not in issues and answers.get(id_field.id):
        birth_field = by_part.get(IdCardPart.DATE_OF_BIRTH)
        gender_field = by_part.get(IdCardPart.GENDER)
        # A date of birth or gender that is itself wrong is marked there, not blamed on the ID number.
        birth = parse_date(answers.get(birth_field.id, "")) if birth_field and birth_field.id not in issues else None
        gender = answers.get(gender_field.id) if gender_field and gender_field.id not in issues else None
        problem = check_id_number(normalise(answers[id_field.id]), birth, gender)
        if problem is not None:
            issues[id_field.id] = Issue(problem.key)
    return issues
