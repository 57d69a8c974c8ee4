"""Validators and the ID-card QR parser: examples and properties."""

from __future__ import annotations

import contextlib
import unicodedata
from datetime import date
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kiosk.answers.idcard import IdCardError, check_id_number, parse_id_card_qr
from kiosk.answers.names import VIETNAMESE_LETTERS
from kiosk.answers.sample import SAMPLE_ID_CARD
from kiosk.answers.validation import (
    Issue,
    is_visible,
    normalise,
    parse_date,
    validate_field,
    validate_step,
    visible_steps,
)
from kiosk.catalog import load_catalog
from kiosk.catalog.models import Condition, FieldKind, FormField, IdCardPart, Option, Step, Text, Validation
from kiosk.files.paths import procedures_dir
from kiosk.i18n import tr

TODAY = date(2026, 11, 26)


def spec(kind: FieldKind, required: bool = True, **rules: object) -> FormField:
    options = [Option(value="a", label=Text(vi="Một", en="One"))] if kind in (FieldKind.SELECT, FieldKind.RADIO) else []
    return FormField(id="f", kind=kind, label=Text(vi="Ô", en="Field"), required=required, options=options,
                     validation=Validation.model_validate(rules))


def key(kind: FieldKind, value: str, **rules: Any) -> str | None:
    issue = validate_field(spec(kind, **rules), value, {}, TODAY)
    return issue.key if issue else None


@pytest.mark.parametrize(
    ("kind", "value", "expected"),
    [
        (FieldKind.PERSON_NAME, "Nguyễn Thị Ánh Tuyết", None),
        (FieldKind.PERSON_NAME, "Nguyen Van 2", "v.name"),
        (FieldKind.PERSON_NAME, "<b>An</b>", "v.name"),
        (FieldKind.PERSON_NAME, "", "v.required"),
        (FieldKind.PERSON_NAME, "A" * 101, "v.too_long"),
        (FieldKind.PERSON_NAME, "שלום", "v.name"),
        (FieldKind.PHONE, "0912345678", None),
        (FieldKind.PHONE, "+84 912 345 678", None),
        (FieldKind.PHONE, "0212345678", "v.phone"),
        (FieldKind.PHONE, "024 3826 1234", None),
        (FieldKind.PHONE, "0912-345-678", None),
        (FieldKind.PHONE, "84912345678", None),
        (FieldKind.PHONE, "091234567", "v.phone"),
        (FieldKind.EMAIL, "an.nguyen@gmail.com", None),
        (FieldKind.EMAIL, "an@", "v.email"),
        (FieldKind.ID_NUMBER, "001060012345", None),
        (FieldKind.ID_NUMBER, "00106001234", "v.id_length"),
        (FieldKind.ID_NUMBER, "003060012345", "v.id_province"),
        (FieldKind.ID_NUMBER, "001960012345", "v.id_century"),
        (FieldKind.DATE, "05/09/1960", None),
        (FieldKind.DATE, "5-9-1960", None),
        (FieldKind.DATE, "31/02/2000", "v.date_not_in_calendar"),
        (FieldKind.DATE, "01/01/2030", "v.date_future"),
        (FieldKind.DATE, "01/01/1850", "v.date_too_old"),
        (FieldKind.NUMBER, "3", None),
        (FieldKind.NUMBER, "ba", "v.number"),
        (FieldKind.NUMBER, "nan", "v.number"),
        (FieldKind.SELECT, "a", None),
        (FieldKind.SELECT, "b", "v.choice"),
        (FieldKind.TEXT, "Bệnh viện Bạch Mai, số 78", None),
        (FieldKind.TEXT, "xin chào 😀", "v.bad_chars"),
        (FieldKind.TEXT, "abc\x00def", "v.bad_chars"),
        (FieldKind.TEXT, "abc\u202edef", "v.bad_chars"),
        (FieldKind.TEXT, "abc \U00017000", "v.bad_chars"),  # a letter of a script with no character names
        (FieldKind.CHECKBOX, "", "v.must_check"),
        (FieldKind.CHECKBOX, "yes", None),
    ],
)
def test_validator_examples(kind: FieldKind, value: str, expected: str | None) -> None:
    assert key(kind, value) == expected


def test_rules_from_the_catalog() -> None:
    assert key(FieldKind.NUMBER, "11", max_value=10) == "v.number_max"
    assert key(FieldKind.NUMBER, "-1", min_value=0) == "v.number_min"
    assert key(FieldKind.DATE, "01/01/2020", min_age_years=16) == "v.date_too_recent"
    assert key(FieldKind.DATE, "01/01/2030", allow_future=True) is None
    assert key(FieldKind.TEXT, "ab", min_length=3) == "v.too_short"
    assert key(FieldKind.TEXT, "abc", pattern=r"\d+") == "v.pattern"


def test_optional_empty_field_passes() -> None:
    assert validate_field(spec(FieldKind.EMAIL, required=False), "  ", {}, TODAY) is None


def test_id_number_agrees_with_birth_and_gender() -> None:
    assert check_id_number("001060012345", date(1960, 9, 5), "nam") is None
    assert check_id_number("001060012345", date(1961, 9, 5), "nam").key == "v.id_mismatch_year"  # type: ignore[union-attr]
    assert check_id_number("001060012345", date(1960, 9, 5), "nu").key == "v.id_mismatch_gender"  # type: ignore[union-attr]
    assert check_id_number("001305012345", date(2005, 1, 1), "nu") is None


def test_a_womans_id_number_does_not_agree_with_a_man() -> None:
    # The 4th digit 1 is a woman born in the 1900s: choosing "nam" is refused, "nu" agrees.
    assert check_id_number("001160012345", date(1960, 9, 5), "nu") is None
    assert check_id_number("001160012345", date(1960, 9, 5), "nam").key == "v.id_mismatch_gender"  # type: ignore[union-attr]


@pytest.mark.parametrize("value", ["٠٠١٠٦٠٠١٢٣٤٥", "００１０６００１２３４５"])
def test_an_id_number_in_other_scripts_digits_asks_for_twelve_digits(value: str) -> None:
    # Arabic-Indic or full-width digits count as digits for Python, not for the ID number: the resident is
    # told the number has exactly 12 digits (0-9), not that its province code is wrong.
    assert len(value) == 12 and value.isdigit()
    assert check_id_number(value).key == "v.id_length"  # type: ignore[union-attr]


def test_id_card_payload_parses() -> None:
    card = parse_id_card_qr(SAMPLE_ID_CARD)
    assert card.full_name == "Nguyễn Văn An"
    assert card.date_of_birth == date(1960, 9, 5)
    assert card.gender == "nam"
    assert card.issue_date == date(2021, 3, 10)
    assert "Nguyễn" not in repr(card)


def test_id_card_payload_with_extra_fields_from_2024_cards() -> None:
    card = parse_id_card_qr(SAMPLE_ID_CARD + "||||")
    assert card.id_number == "001060012345"


@pytest.mark.parametrize(
    "payload",
    [
        "",
        "001060012345|123456789|Nguyễn Văn An|05091960|Nam|Hà Nội",  # 6 fields
        "001060012345|123456789|Nguyễn Văn An|32131960|Nam|Hà Nội|10032021",  # bad date
        "001060012345|123456789|Nguyễn Văn An|05091960|Khác|Hà Nội|10032021",  # bad gender
        "001060012345|123456789|Nguyễn Văn An|05091961|Nam|Hà Nội|10032021",  # ID disagrees with year
        "001060012345|12|Nguyễn Văn An|05091960|Nam|Hà Nội|10032021",  # bad old ID
        "001060012345|123456789||05091960|Nam|Hà Nội|10032021",  # no name
        "x" * 5000,
    ],
)
def test_bad_payloads_raise_id_card_error(payload: str) -> None:
    with pytest.raises(IdCardError):
        parse_id_card_qr(payload)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=400))
def test_parser_never_raises_anything_else(payload: str) -> None:
    with contextlib.suppress(IdCardError):
        parse_id_card_qr(payload)


@settings(max_examples=200, deadline=None)
@given(
    st.sampled_from(["001", "079", "096"]),
    st.dates(min_value=date(1900, 1, 1), max_value=date(2025, 12, 31)),
    st.sampled_from(["nam", "nu"]),
    st.integers(min_value=0, max_value=999_999),
)
def test_generated_cards_round_trip(province: str, birth: date, gender: str, serial: int) -> None:
    digit = {(1900, "nam"): "0", (1900, "nu"): "1", (2000, "nam"): "2", (2000, "nu"): "3"}[
        (birth.year // 100 * 100, gender)
    ]
    id_number = f"{province}{digit}{birth.year % 100:02d}{serial:06d}"
    payload = f"{id_number}||Lê Thị Hồng|{birth:%d%m%Y}|{'Nam' if gender == 'nam' else 'Nữ'}|Hà Nội|01012026"
    card = parse_id_card_qr(payload)
    assert (card.id_number, card.date_of_birth, card.gender) == (id_number, birth, gender)


ALL_KINDS = list(FieldKind)


@settings(max_examples=400, deadline=None)
@given(st.sampled_from(ALL_KINDS), st.text(max_size=300))
def test_every_validator_answers_any_text_without_raising(kind: FieldKind, text: str) -> None:
    issue = validate_field(spec(kind), text, {}, TODAY)
    assert issue is None or issue.key.startswith("v.")


@settings(max_examples=200, deadline=None)
@given(st.dates(min_value=date(1900, 1, 1), max_value=TODAY))
def test_any_past_date_in_day_month_year_is_accepted(day: date) -> None:
    assert parse_date(f"{day:%d/%m/%Y}") == day
    assert key(FieldKind.DATE, f"{day:%d/%m/%Y}") is None


# --- names in Vietnamese letters, plausible birth years, cross-field checks ------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Nguyễn Thị Ánh Tuyết", None),
        ("ĐỖ MINH QUÂN", None),
        ("H'Hen Niê", None),  # Ê Đê names keep their apostrophe
        ("Ksor H’Bơ", None),
        ("Nguyễn Văn An", None),
        ("Müller", "v.name"),  # Latin, but not a Vietnamese letter
        ("Łukasz Nowak", "v.name"),
        ("Ana-Maria", "v.name"),
        ("'An", "v.name"),
        ("An'", "v.name"),
        ("Nguyễn\u200bAn", "v.name"),
        ("Ｎｇｕｙｅｎ", "v.name"),  # full-width letters
    ],
)
def test_person_names_use_vietnamese_letters(value: str, expected: str | None) -> None:
    assert key(FieldKind.PERSON_NAME, value) == expected


def test_decomposed_vietnamese_is_accepted_like_composed() -> None:
    assert key(FieldKind.PERSON_NAME, unicodedata.normalize("NFD", "Nguyễn Thị Ánh")) is None


def test_an_id_number_cannot_be_born_after_this_year() -> None:
    assert key(FieldKind.ID_NUMBER, "001226012345") is None  # born 2026
    assert key(FieldKind.ID_NUMBER, "001227012345") == "v.id_birth_future"
    assert key(FieldKind.ID_NUMBER, "001399012345") == "v.id_birth_future"


def _identity_step() -> Step:
    def field(id_: str, kind: FieldKind, part: IdCardPart, **extra: object) -> FormField:
        return FormField.model_validate(
            {"id": id_, "kind": kind, "label": {"vi": "Ô", "en": "Field"}, "prefill_from_id_card": part, **extra}
        )

    gender_options = [{"value": "nam", "label": {"vi": "Nam", "en": "Male"}},
                      {"value": "nu", "label": {"vi": "Nữ", "en": "Female"}}]
    return Step.model_validate({
        "id": "me", "title": {"vi": "Tôi", "en": "Me"}, "identity": True,
        "fields": [
            field("dob", FieldKind.DATE, IdCardPart.DATE_OF_BIRTH),
            field("gender", FieldKind.RADIO, IdCardPart.GENDER, options=gender_options),
            field("id", FieldKind.ID_NUMBER, IdCardPart.ID_NUMBER),
        ],
    })


def test_a_wrong_birth_date_is_marked_on_the_date_not_blamed_on_the_id() -> None:
    step = _identity_step()
    good = {"dob": "05/09/1960", "gender": "nam", "id": "001060012345"}
    assert validate_step(step, good, TODAY) == {}
    issues = validate_step(step, {**good, "dob": "05/09/1961"}, TODAY)
    assert {k: v.key for k, v in issues.items()} == {"id": "v.id_mismatch_year"}
    issues = validate_step(step, {**good, "dob": "05/09/2030"}, TODAY)
    assert {k: v.key for k, v in issues.items()} == {"dob": "v.date_future"}
    issues = validate_step(step, {**good, "gender": "nu"}, TODAY)
    assert {k: v.key for k, v in issues.items()} == {"id": "v.id_mismatch_gender"}


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from([*sorted(VIETNAMESE_LETTERS), " "]), min_size=1, max_size=60))
def test_any_run_of_vietnamese_letters_is_a_name(text: str) -> None:
    words = text.split()
    if not words:
        return
    assert key(FieldKind.PERSON_NAME, " ".join(words)) is None


def message(kind: FieldKind, value: str, lang: str = "vi", answers: dict[str, str] | None = None,
            **rules: Any) -> str | None:
    """The message the resident reads under the field."""
    issue = validate_field(spec(kind, **rules), value, answers or {}, TODAY)
    return tr(issue.key, lang, **issue.params) if issue else None


def test_limits_are_named_in_the_message_and_hold_at_their_edge() -> None:
    assert message(FieldKind.TEXT, "a" * 201) == "Quá dài: tối đa 200 ký tự."
    assert message(FieldKind.TEXT, "a" * 200) is None
    assert message(FieldKind.TEXT, "abcdef", "en", max_length=5) == "Too long: at most 5 characters."
    assert message(FieldKind.TEXT, "ab", min_length=3) == "Quá ngắn: cần ít nhất 3 ký tự."
    assert message(FieldKind.TEXT, "abc", min_length=3) is None
    assert message(FieldKind.NUMBER, "-1", min_value=0) == "Số nhỏ nhất là 0."
    assert message(FieldKind.NUMBER, "0", min_value=0) is None
    assert message(FieldKind.NUMBER, "11", "en", max_value=10) == "The largest allowed is 10."
    assert message(FieldKind.NUMBER, "10", max_value=10) is None
    assert message(FieldKind.NUMBER, "2,6", max_value=2.5) == "Số lớn nhất là 2.5."  # a decimal comma is read
    assert message(FieldKind.NUMBER, "2,5", max_value=2.5) is None
    assert message(FieldKind.DATE, "01/01/1850") == "Ngày này quá xa (hơn 130 năm trước). Hãy kiểm tra lại."
    assert message(FieldKind.DATE, "01/01/1990", max_age_years=30) == (
        "Ngày này quá xa (hơn 30 năm trước). Hãy kiểm tra lại.")


def test_an_overlong_answer_to_a_choice_is_called_too_long() -> None:
    assert validate_field(spec(FieldKind.SELECT), "a" * 201, {}, TODAY) == Issue("v.too_long", {"max": 200})


def test_the_least_age_follows_an_earlier_answer_or_the_fixed_rule() -> None:
    rules: dict[str, Any] = {"min_age_years": 18,
                             "min_age_by_answer": {"field": "gender", "years": {"nam": 20, "nu": 18}}}
    nineteen = "01/01/2007"
    assert message(FieldKind.DATE, nineteen, answers={"gender": "nam"}, **rules) == "Người này cần đủ 20 tuổi."
    assert message(FieldKind.DATE, nineteen, answers={"gender": "nu"}, **rules) is None
    assert message(FieldKind.DATE, nineteen, answers={}, **rules) is None  # no gender yet: the fixed 18
    assert message(FieldKind.DATE, "01/01/2010", answers={}, **rules) == "Người này cần đủ 18 tuổi."


def test_a_field_without_a_whole_condition_is_always_shown() -> None:
    assert is_visible(None, ["co"], {})
    assert is_visible("born_in_clinic", None, {})
    assert is_visible("born_in_clinic", ["co"], {"born_in_clinic": "co"})
    assert not is_visible("born_in_clinic", ["co"], {"born_in_clinic": "khong"})
    assert not is_visible("born_in_clinic", ["co"], {})


def test_a_question_can_be_asked_only_when_an_earlier_one_was_left_unanswered() -> None:
    # e.g. the passport number, asked only when no ID number was given
    assert is_visible("id_number", [""], {})
    assert is_visible("id_number", [""], {"id_number": ""})
    assert not is_visible("id_number", [""], {"id_number": "001090001234"})


def test_a_conditional_step_appears_only_for_the_answer_that_needs_it() -> None:
    birth = load_catalog(procedures_dir()).get("1.001193.000.00.00.H26")
    steps = list(birth.steps)
    steps[1] = steps[1].model_copy(update={"show_if": Condition(field="relationship", any_of=["cha", "me"])})
    proc = birth.model_copy(update={"steps": steps})
    assert [s.id for s in visible_steps(proc, {"relationship": "cha"})] == [s.id for s in steps]
    assert steps[1] not in visible_steps(proc, {"relationship": "ong_ba"})
    assert steps[1] not in visible_steps(proc, {})
    assert steps[0] in visible_steps(proc, {})


def test_an_optional_missing_birth_date_or_a_wrong_gender_is_not_blamed_on_the_id() -> None:
    step = _identity_step()
    fields = [f.model_copy(update={"required": False}) if f.id == "dob" else f for f in step.fields]
    optional_dob = step.model_copy(update={"fields": fields})
    assert validate_step(optional_dob, {"gender": "nam", "id": "001060012345"}, TODAY) == {}
    issues = validate_step(step, {"dob": "05/09/1960", "gender": "x", "id": "001060012345"}, TODAY)
    assert {k: v.key for k, v in issues.items()} == {"gender": "v.choice"}


def test_a_long_text_keeps_its_line_breaks_and_loses_stray_spaces() -> None:
    assert normalise("  Dòng   một \n  Dòng hai  ") == "Dòng một\nDòng hai"


def test_a_pattern_accepts_what_matches_and_a_broken_pattern_accepts_nothing() -> None:
    assert key(FieldKind.TEXT, "123", pattern=r"\d+") is None
    assert key(FieldKind.TEXT, "123", pattern="(") == "v.pattern"


def test_a_least_age_of_zero_accepts_today() -> None:
    assert key(FieldKind.DATE, TODAY.strftime("%d/%m/%Y"), min_age_years=0) is None
