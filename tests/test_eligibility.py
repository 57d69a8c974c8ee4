"""Boundaries of every age rule and of each validator: the day before, of and after a birthday,
29 February, phone forms, dates the calendar lacks, and the ID-card QR parser sharing the name rule."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
import requests

from kiosk.answers.idcard import IdCardError, parse_id_card_qr
from kiosk.answers.sample import sample_answers
from kiosk.answers.validation import (
    MAX_AGE_YEARS,
    age_on,
    normalise_phone,
    stored_answer,
    validate_field,
    validate_step,
)
from kiosk.catalog import Catalog, load_catalog
from kiosk.catalog.models import FieldKind, FormField, Procedure, Text, Validation
from kiosk.files.paths import procedures_dir
from kiosk.i18n import tr
from kiosk.journey.machine import (
    ChooseMode,
    ConfirmSubmit,
    GiveConsent,
    Journey,
    Mode,
    Screen,
    SelectProcedure,
    StartApplication,
    SubmitStep,
    Touch,
)
from kiosk.outbox.lookup import lookup_digits
from kiosk.portal.models import DossierSubmission
from kiosk.sandbox.server import SandboxServer
from kiosk.workdays.clock import VN_TZ, ManualClock
from tests import portal_fixtures

TODAY = date(2026, 11, 26)
BIRTH = "1.001193.000.00.00.H26"
MARRIAGE = "1.000894.000.00.00.H26"
GUARDIANSHIP = "1.004837.000.00.00.H26"

sandbox = portal_fixtures.sandbox
sandbox_factory = portal_fixtures.sandbox_factory


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog(procedures_dir())


def years_before(day: date, years: int) -> date:
    """The same day `years` earlier (28 February for a 29 February that year lacks)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return date(day.year - years, 2, 28)


def dob(value: date) -> str:
    return f"{value:%d/%m/%Y}"


def date_spec(**rules: object) -> FormField:
    return FormField(id="dob", kind=FieldKind.DATE, label=Text(vi="Ngày sinh", en="Date of birth"),
                     validation=Validation.model_validate(rules))


def issue_key(spec: FormField, value: str, answers: dict[str, str] | None = None, today: date = TODAY) -> str | None:
    issue = validate_field(spec, value, answers or {}, today)
    return issue.key if issue else None


# --- completed years --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("birth", "day", "age"),
    [
        (date(2008, 11, 26), date(2026, 11, 25), 17),  # the day before the 18th birthday
        (date(2008, 11, 26), date(2026, 11, 26), 18),  # the birthday itself completes the year
        (date(2008, 11, 26), date(2026, 11, 27), 18),
        (date(2008, 1, 1), date(2025, 12, 31), 17),  # across a new year
        (date(2008, 1, 1), date(2026, 1, 1), 18),
        (date(2008, 2, 29), date(2026, 2, 27), 17),  # a 29 February birthday in a common year ...
        (date(2008, 2, 29), date(2026, 2, 28), 18),  # ... falls on 28 February
        (date(2008, 2, 29), date(2026, 3, 1), 18),
        (date(2008, 2, 29), date(2028, 2, 28), 19),  # in a leap year, on 29 February
        (date(2008, 2, 29), date(2028, 2, 29), 20),
        (date(2008, 3, 1), date(2028, 2, 29), 19),
    ],
)
def test_age_in_completed_years(birth: date, day: date, age: int) -> None:
    assert age_on(birth, day) == age


@pytest.mark.parametrize("years", [16, 18, 20])
def test_min_age_boundary_day_before_of_and_after(years: int) -> None:
    spec = date_spec(min_age_years=years)
    birthday = years_before(TODAY, years)
    assert issue_key(spec, dob(birthday + timedelta(days=1))) == "v.date_too_recent"  # one day short
    assert issue_key(spec, dob(birthday)) is None  # the birthday
    assert issue_key(spec, dob(birthday - timedelta(days=1))) is None


def test_min_age_for_a_29_february_birthday() -> None:
    spec = date_spec(min_age_years=18)
    assert issue_key(spec, "29/02/2008", today=date(2026, 2, 27)) == "v.date_too_recent"
    assert issue_key(spec, "29/02/2008", today=date(2026, 2, 28)) is None
    assert issue_key(spec, "29/02/2008", today=date(2026, 3, 1)) is None


def test_max_age_boundary() -> None:
    """At most MAX_AGE_YEARS completed years: too old from the day the next year is complete."""
    spec = date_spec()
    too_old = years_before(TODAY, MAX_AGE_YEARS + 1)
    assert issue_key(spec, dob(too_old + timedelta(days=1))) is None
    assert issue_key(spec, dob(too_old)) == "v.date_too_old"
    assert issue_key(spec, dob(too_old - timedelta(days=1))) == "v.date_too_old"
    child = date_spec(max_age_years=18)
    assert issue_key(child, dob(years_before(TODAY, 19) + timedelta(days=1))) is None
    assert issue_key(child, dob(years_before(TODAY, 19))) == "v.date_too_old"


def test_future_date_boundary() -> None:
    spec = date_spec()
    assert issue_key(spec, dob(TODAY)) is None
    assert issue_key(spec, dob(TODAY + timedelta(days=1))) == "v.date_future"


# --- every age rule of the bundled catalog ------------------------------------------------------------


def _age_rules(catalog: Catalog) -> list[tuple[Procedure, FormField, dict[str, str], int]]:
    """(procedure, date field, answers that select the rule, least age) for every age rule."""
    rules = []
    for proc in catalog.procedures:
        for spec in proc.fields():
            by_answer = spec.validation.min_age_by_answer
            if by_answer is not None:
                rules += [(proc, spec, {by_answer.field: answer}, years) for answer, years in by_answer.years.items()]
            elif spec.validation.min_age_years:
                rules.append((proc, spec, {}, spec.validation.min_age_years))
    return rules


def test_only_marriage_and_guardianship_set_a_least_age(catalog: Catalog) -> None:
    codes = {proc.code for proc, *_ in _age_rules(catalog)}
    assert codes == {MARRIAGE, GUARDIANSHIP}


def test_every_age_rule_of_the_catalog_on_its_boundary(catalog: Catalog) -> None:
    rules = _age_rules(catalog)
    assert len(rules) >= 5
    for proc, spec, chosen, years in rules:
        step = next(s for s in proc.steps if spec in s.fields)
        answers = {**sample_answers(proc, TODAY), **chosen}
        birthday = years_before(TODAY, years)
        where = f"{proc.code} {spec.id} {chosen}"
        for day, ok in ((birthday + timedelta(days=1), False), (birthday, True), (birthday - timedelta(days=1), True)):
            answers[spec.id] = dob(day)
            if spec.prefill_from_id_card is not None:  # keep the sample ID number's year out of the way
                answers.pop("applicant_id", None)
            issues = validate_step(step, answers, TODAY)
            got = issues[spec.id].key if spec.id in issues else None
            assert got == (None if ok else "v.date_too_recent"), (where, day)


def test_marriage_ages_men_20_women_18(catalog: Catalog) -> None:
    spec = catalog.get(MARRIAGE).field("partner_dob")
    nineteen = dob(years_before(TODAY, 20) + timedelta(days=1))
    assert issue_key(spec, nineteen, {"partner_gender": "nam"}) == "v.date_too_recent"
    assert issue_key(spec, nineteen, {"partner_gender": "nu"}) is None
    seventeen = dob(years_before(TODAY, 18) + timedelta(days=1))
    assert issue_key(spec, seventeen, {"partner_gender": "nu"}) == "v.date_too_recent"
    issue = validate_field(spec, nineteen, {"partner_gender": "nam"}, TODAY)
    assert issue is not None and tr(issue.key, "vi", **issue.params) == "Người này cần đủ 20 tuổi."


def test_an_adult_never_registered_can_register_a_late_birth(catalog: Catalog) -> None:
    proc = catalog.get(BIRTH)
    answers = sample_answers(proc, TODAY)
    answers.update(relationship="ban_than", child_dob="05/09/1960")
    assert all(validate_step(step, answers, TODAY) == {} for step in proc.steps)
    young_mother = {**answers, "applicant_dob": "05/09/2010", "applicant_id": "001310012345",
                    "applicant_gender": "nu"}
    assert validate_step(proc.steps[0], young_mother, TODAY) == {}


def test_unmarried_parents_are_pointed_to_the_combined_procedure(catalog: Catalog) -> None:
    proc = catalog.get(BIRTH)
    father_step = next(s for s in proc.steps if any(f.id == "father_known" for f in s.fields))
    assert father_step.help is not None
    assert "Đăng ký khai sinh kết hợp nhận cha, mẹ, con" in father_step.help.vi


@pytest.mark.parametrize(
    ("code", "fields"),
    [
        (BIRTH, {"child_ethnicity", "child_nationality", "hometown", "mother_birth_year", "mother_ethnicity",
                 "mother_nationality", "mother_address", "mother_id", "father_birth_year", "father_address"}),
        ("1.004884.000.00.00.H26", {"person_ethnicity", "person_nationality", "hometown", "mother_address"}),
        ("1.000656.000.00.00.H26", {"deceased_ethnicity", "deceased_nationality", "deceased_last_address",
                                    "death_time", "notice_number", "notice_issuer"}),
        ("1.005461.000.00.00.H26", {"deceased_ethnicity", "deceased_nationality", "deceased_last_address"}),
    ],
)
def test_birth_and_death_forms_ask_what_the_declaration_asks(catalog: Catalog, code: str, fields: set[str]) -> None:
    proc = catalog.get(code)
    assert fields <= {f.id for f in proc.fields()}


# --- phone numbers --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("0912345678", "0912345678"),
        ("0912-345-678", "0912345678"),
        ("0912.345.678", "0912345678"),
        ("84912345678", "0912345678"),
        ("+84 912 345 678", "0912345678"),
        ("+84912345678", "0912345678"),
        ("0356 789 012", "0356789012"),
        ("0512345678", "0512345678"),
        ("0712345678", "0712345678"),
        ("0812345678", "0812345678"),
        ("024 3826 1234", "02438261234"),
        ("(024) 3826-1234", "02438261234"),
        ("+84 24 3826 1234", "02438261234"),
        ("8424 3826 1234", "02438261234"),
    ],
)
def test_phone_numbers_accepted_and_stored_in_one_form(typed: str, stored: str) -> None:
    spec = FormField(id="p", kind=FieldKind.PHONE, label=Text(vi="Số điện thoại", en="Phone"))
    assert normalise_phone(typed) == stored
    assert validate_field(spec, typed, {}, TODAY) is None
    assert stored_answer(spec, typed) == stored


@pytest.mark.parametrize(
    "typed",
    [
        "091234567",  # 9 digits
        "09123456789",  # 11 digits
        "0212345678",  # not a mobile prefix
        "0112345678",
        "0243826123",  # landline one digit short
        "024382612345",  # one digit long
        "0283826 1234",  # not a Hanoi landline
        "+85 912 345 678",
        "84 12345",
        "0912 345 67a",
        "０９１２３４５６７８",  # full-width digits
        "+",
    ],
)
def test_phone_numbers_rejected(typed: str) -> None:
    assert normalise_phone(typed) is None
    spec = FormField(id="p", kind=FieldKind.PHONE, label=Text(vi="Số điện thoại", en="Phone"))
    issue = validate_field(spec, typed, {}, TODAY)
    assert issue is not None and issue.key == "v.phone"


def test_phone_is_optional_in_every_procedure_and_says_so(catalog: Catalog) -> None:
    for proc in catalog.procedures:
        spec = proc.field("applicant_phone")
        assert not spec.required, proc.code
        assert spec.help is not None and "Không bắt buộc" in spec.help.vi, proc.code
        assert validate_field(spec, "", {}, TODAY) is None


def submitted_applicant(catalog: Catalog, code: str, changes: dict[str, str]) -> dict[str, str]:
    """The applicant part of the payload after a resident fills every step with `changes` applied."""
    journey = Journey(catalog, clock=ManualClock(datetime(2026, 11, 26, 9, 0, tzinfo=VN_TZ)))
    for event in (Touch(), ChooseMode(Mode.DO), SelectProcedure(code), StartApplication(), GiveConsent()):
        assert journey.dispatch(event)
    answers = {**sample_answers(catalog.get(code), TODAY), **changes}
    while journey.screen is Screen.STEP:
        step = journey.current_step()
        assert step is not None
        journey.dispatch(SubmitStep({f.id: answers.get(f.id, "") for f in step.fields}))
        assert not journey.session.errors, journey.session.errors
    assert journey.dispatch(ConfirmSubmit())
    payload = journey.session.pending_payload
    assert payload is not None
    return dict(payload["applicant"])


@pytest.mark.parametrize(
    ("typed", "stored"),
    [("024 3826 1234", "02438261234"), ("+84 912 345 678", "0912345678"), ("0912-345-678", "0912345678"),
     ("", None)],
)
def test_a_resident_with_a_landline_or_no_phone_submits(catalog: Catalog, typed: str, stored: str | None) -> None:
    for code in (BIRTH, "2.000815.000.00.00.H26"):
        applicant = submitted_applicant(catalog, code, {"applicant_phone": typed})
        assert applicant.get("phone") == stored, code


def test_a_dossier_without_a_phone_is_valid_and_looked_up_by_the_id_number() -> None:
    body = portal_fixtures.make_submission(1).model_dump(mode="json", exclude_none=True)
    del body["applicant"]["phone"]
    submission = DossierSubmission.model_validate(body)
    assert submission.applicant.phone is None
    assert lookup_digits(body["applicant"]) == body["applicant"]["id_number"][-4:]
    assert lookup_digits({"phone": "024 3826 1234", "id_number": "001190000001"}) == "1234"


def test_the_sandbox_portal_takes_a_dossier_without_a_phone(sandbox: SandboxServer) -> None:
    auth = {"Authorization": "Bearer " + requests.post(sandbox.url + "/oauth/token", timeout=5, data={
        "grant_type": "client_credentials", "client_id": "kiosk-demo", "client_secret": "demo-secret"}).json()[
        "access_token"]}
    body = portal_fixtures.make_submission(7).model_dump(mode="json", exclude_none=True)
    del body["applicant"]["phone"]
    created = requests.post(sandbox.url + "/api/v1/dossiers", json=body, timeout=5,
                            headers={**auth, "Idempotency-Key": "5b7f3d0e-8a3c-4c1e-9a57-2f0d3e1c9b11"})
    assert created.status_code == 201, created.text
    code = created.json()["dossier_code"]
    digits = body["applicant"]["id_number"][-4:]
    url = f"{sandbox.url}/api/v1/dossiers/{code}/status"
    assert requests.get(url, params={"phone_last4": digits}, headers=auth, timeout=5).status_code == 200
    wrong = "0000" if digits != "0000" else "1111"
    assert requests.get(url, params={"phone_last4": wrong}, headers=auth, timeout=5).status_code == 403


# --- dates ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("28/02/2023", None),
        ("29/02/2023", "v.date_not_in_calendar"),
        ("29/02/2024", None),
        ("29/02/1900", "v.date_not_in_calendar"),  # 1900 was not a leap year
        ("29/02/2000", None),
        ("31/04/2020", "v.date_not_in_calendar"),
        ("30/04/2020", None),
        ("31/02/2000", "v.date_not_in_calendar"),
        ("00/01/2000", "v.date_not_in_calendar"),
        ("01/13/2000", "v.date_not_in_calendar"),
        ("2000-02-28", "v.date_format"),
        ("28/02", "v.date_format"),
        ("5 tháng 9", "v.date_format"),
    ],
)
def test_a_day_missing_from_the_calendar_has_its_own_message(typed: str, expected: str | None) -> None:
    assert issue_key(date_spec(), typed) == expected


def test_the_calendar_message_is_not_the_format_message() -> None:
    assert "không có trong lịch" in tr("v.date_not_in_calendar")
    assert tr("v.date_not_in_calendar") != tr("v.date_format")
    assert "calendar" in tr("v.date_not_in_calendar", "en")


# --- the ID-card QR and the one name rule --------------------------------------------------------------


def card(name: str = "Nguyễn Văn An", old_id: str = "123456789", address: str = "Số 12 phố Huế, Hà Nội",
         extra: str = "") -> str:
    return f"001060012345|{old_id}|{name}|05091960|Nam|{address}|10032021{extra}"


@pytest.mark.parametrize("old_id", ["", "123456789", "001060012345"])
def test_old_id_field_may_be_9_or_12_digits_or_empty(old_id: str) -> None:
    assert parse_id_card_qr(card(old_id=old_id)).old_id_number == old_id


@pytest.mark.parametrize("old_id", ["12345678", "1234567890", "12345678901", "0010600123456", "12345678a"])
def test_other_old_id_values_are_refused(old_id: str) -> None:
    with pytest.raises(IdCardError):
        parse_id_card_qr(card(old_id=old_id))


@pytest.mark.parametrize("extra", ["", "|", "||||", "|x|y"])
def test_seven_or_more_fields(extra: str) -> None:
    assert parse_id_card_qr(card(extra=extra)).id_number == "001060012345"


def test_six_fields_are_refused() -> None:
    with pytest.raises(IdCardError) as caught:
        parse_id_card_qr("001060012345|123456789|Nguyễn Văn An|05091960|Nam|Hà Nội")
    assert caught.value.reason == "bad"


@pytest.mark.parametrize("address", ["", "   "])
def test_an_empty_permanent_address_is_refused_with_its_own_reason(address: str) -> None:
    with pytest.raises(IdCardError) as caught:
        parse_id_card_qr(card(address=address))
    assert caught.value.reason == "no_address"
    assert "nơi thường trú" in tr("form.scan_no_address")


@pytest.mark.parametrize(
    "name",
    ["H'Hen Niê", "Ksor H’Bơ", "Nguyễn Thị Ánh Tuyết", "ĐỖ MINH QUÂN", "Müller", "Ana-Maria", "'An", "An'",
     "Nguyen Van 2", "A" * 100, "A" * 101, "Nguyễn\u200bAn"],
)
def test_parser_and_manual_entry_share_one_name_rule(name: str) -> None:
    spec = FormField(id="n", kind=FieldKind.PERSON_NAME, label=Text(vi="Họ tên", en="Name"))
    typed_ok = validate_field(spec, name, {}, TODAY) is None
    try:
        scanned = parse_id_card_qr(card(name=name))
    except IdCardError:
        scanned_ok = False
    else:
        scanned_ok = True
        assert scanned.full_name == name
    assert scanned_ok == typed_ok, name


def test_a_name_with_an_apostrophe_scans() -> None:
    assert parse_id_card_qr(card(name="H'Hen Niê")).full_name == "H'Hen Niê"


def card_fields(birth: str = "05091960", issued: str = "10032021", id_number: str = "001060012345",
                gender: str = "Nam") -> str:
    return f"{id_number}|123456789|Nguyễn Văn An|{birth}|{gender}|Số 12 phố Huế, Hà Nội|{issued}"


@pytest.mark.parametrize(
    ("birth", "issued"),
    [("050901960", "10032021"), ("05091960", "100302021"),  # 9 digits a loose reader takes for a date
     ("٠٥٠٩١٩٦٠", "10032021"), ("05091960", "١٠٠٣٢٠٢١")],  # Arabic-Indic digits
)
def test_a_date_that_is_not_eight_ascii_digits_is_refused(birth: str, issued: str) -> None:
    assert parse_id_card_qr(card_fields()).date_of_birth == date(1960, 9, 5)
    with pytest.raises(IdCardError) as caught:
        parse_id_card_qr(card_fields(birth=birth, issued=issued))
    assert caught.value.reason == "bad"


@pytest.mark.parametrize("gender", ["Nữ", "NỮ", "nữ", "Nu", "NU"])
def test_a_womans_card_says_nu_with_or_without_the_accent(gender: str) -> None:
    scanned = parse_id_card_qr(card_fields(id_number="001160012345", gender=gender))
    assert scanned.gender == "nu"


def test_a_card_whose_id_number_disagrees_with_its_gender_is_refused() -> None:
    # 001160012345 is a woman's number (4th digit 1): a card saying Nam is not a card.
    with pytest.raises(IdCardError):
        parse_id_card_qr(card_fields(id_number="001160012345", gender="Nam"))
    with pytest.raises(IdCardError):
        parse_id_card_qr(card_fields(id_number="001060012345", gender="Nữ"))


def test_a_card_issued_on_the_day_of_birth_scans_and_one_issued_before_is_refused() -> None:
    assert parse_id_card_qr(card_fields(issued="05091960")).issue_date == date(1960, 9, 5)
    with pytest.raises(IdCardError):
        parse_id_card_qr(card_fields(issued="04091960"))


def test_an_address_of_up_to_300_characters_scans() -> None:
    address = ("Số 12 phố Huế, Hà Nội " * 20)[:300]
    assert parse_id_card_qr(card(address=address)).address == address
    with pytest.raises(IdCardError):
        parse_id_card_qr(card(address=address + "x"))


def test_a_payload_of_up_to_1024_characters_scans() -> None:
    short = card(extra="|")
    exact = short + "x" * (1024 - len(short))
    assert len(exact) == 1024
    assert parse_id_card_qr(exact).full_name == "Nguyễn Văn An"
    with pytest.raises(IdCardError):
        parse_id_card_qr(exact + "x")


@pytest.mark.parametrize("mark", ["\x00", "\x07", "\x1b", "\x85", "\u200b", "\u202e", "\ufeff"])
def test_control_and_format_characters_inside_a_scan_are_refused(mark: str) -> None:
    # A garbled scan or a spoofing attempt (a right-to-left override in the address) is not a card.
    with pytest.raises(IdCardError):
        parse_id_card_qr(card(address="Số 12 phố Huế," + mark + " Hà Nội"))


@pytest.mark.parametrize("ending", ["\r", "\n", "\r\n", "\t", " "])
def test_the_scanners_line_ending_is_trimmed(ending: str) -> None:
    assert parse_id_card_qr(card() + ending).issue_date == date(2021, 3, 10)


@pytest.mark.parametrize("ending", ["\x0b", "\x0c", "\x1c", "\x85"])
def test_other_control_characters_at_the_end_are_not_trimmed_but_refused(ending: str) -> None:
    with pytest.raises(IdCardError):
        parse_id_card_qr(card() + ending)


@pytest.mark.parametrize("stray", ["X", "#", "A"])
def test_a_stray_character_before_the_id_number_is_refused(stray: str) -> None:
    with pytest.raises(IdCardError):
        parse_id_card_qr(stray + card())
