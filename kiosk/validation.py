"""Validation of residents' answers. Messages are translation keys, shown beside the field."""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from kiosk.catalog.models import FieldKind, FormField, IdCardPart, Procedure, Step
from kiosk.idcard import CENTURY_GENDER, check_id_number

DEFAULT_MAX_LENGTH = {
    FieldKind.PERSON_NAME: 100,
    FieldKind.TEXT: 200,
    FieldKind.ADDRESS: 250,
    FieldKind.LONG_TEXT: 1000,
    FieldKind.EMAIL: 254,
    FieldKind.NUMBER: 12,
    FieldKind.PHONE: 15,
    FieldKind.ID_NUMBER: 15,
    FieldKind.DATE: 12,
}
MAX_AGE_YEARS = 130
PUNCTUATION = set(" ,.;:-/()'\"&+#%?!@_–\n")
MOBILE_PREFIXES = ("03", "05", "07", "08", "09")
EMAIL_RE = re.compile(r"^[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]{1,63}(\.[A-Za-z0-9-]{1,63})+$")
DATE_RE = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")

_VOWELS = "aăâeêioôơuưy"
_TONES = ("", "\u0300", "\u0301", "\u0309", "\u0303", "\u0323")  # none, huyền, sắc, hỏi, ngã, nặng
# The letters of Vietnamese names: the 17 consonants plus f, j, w, z (names of ethnic minorities and
# foreign names), and every vowel with every tone, in both cases.
_LOWER = "".join(unicodedata.normalize("NFC", v + t) for v in _VOWELS for t in _TONES) + "bcdđghklmnpqrstvxfjwz"
VIETNAMESE_LETTERS = frozenset(_LOWER + _LOWER.upper())
NAME_APOSTROPHES = "'’"  # Ê Đê and Jrai names: H'Hen Niê


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


def is_vietnamese_name(value: str) -> bool:
    """Vietnamese letters and single spaces; an apostrophe only inside a word (H'Hen)."""
    for word in value.split(" "):
        if not word or word[0] in NAME_APOSTROPHES or word[-1] in NAME_APOSTROPHES:
            return False
        if not all(ch in VIETNAMESE_LETTERS or ch in NAME_APOSTROPHES for ch in word):
            return False
    return True


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


def format_date(value: date) -> str:
    return value.strftime("%d/%m/%Y")


def _years_between(earlier: date, later: date) -> int:
    return later.year - earlier.year - ((later.month, later.day) < (earlier.month, earlier.day))


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
        digits = value.replace(" ", "").replace(".", "")
        if digits.startswith("+84"):
            digits = "0" + digits[3:]
        if not (len(digits) == 10 and digits.isascii() and digits.isdigit() and digits.startswith(MOBILE_PREFIXES)):
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
            return Issue("v.date_format")
        if parsed > today and not rules.allow_future:
            return Issue("v.date_future")
        max_age = rules.max_age_years if rules.max_age_years is not None else MAX_AGE_YEARS
        if parsed <= today and _years_between(parsed, today) > max_age:
            return Issue("v.date_too_old", {"years": max_age})
        if rules.min_age_years is not None and (parsed > today or _years_between(parsed, today) < rules.min_age_years):
            return Issue("v.date_too_recent", {"years": rules.min_age_years})
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
