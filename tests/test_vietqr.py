"""VietQR payloads: what a banking app would scan from the receipt."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kiosk.payment.vietqr import (
    MAX_AMOUNT_VND,
    VietQR,
    VietQRError,
    build_payload,
    crc16_ccitt_false,
    parse_payload,
    sanitize_purpose,
)

PUBLISHED_EXAMPLE = (
    "00020101021238540010A00000072701240006970436011010175956000208QRIBFTTA"
    "530370454061800005802VN62230819thanh toan don hang630470FA"
)
PROPERTIES = settings(database=None, deadline=None, max_examples=200)


def with_crc(body: str) -> str:
    """`body` + a correct CRC field, to build payloads that fail only on structure."""
    body += "6304"
    return body + f"{crc16_ccitt_false(body.encode()):04X}"


def test_crc_matches_the_standard_check_value() -> None:
    assert crc16_ccitt_false(b"123456789") == 0x29B1
    assert crc16_ccitt_false(b"") == 0xFFFF


def test_published_example_verifies_and_parses() -> None:
    assert parse_payload(PUBLISHED_EXAMPLE) == VietQR(
        bank_bin="970436",
        account="1017595600",
        amount_vnd=180000,
        purpose="thanh toan don hang",
        is_dynamic=True,
    )


def test_build_reproduces_the_published_example() -> None:
    assert build_payload("970436", "1017595600", 180000, "thanh toan don hang") == PUBLISHED_EXAMPLE


def test_static_payload_has_no_amount() -> None:
    payload = build_payload("970436", "1017595600", None, "000.00.21.H26-261126-0001")
    assert payload.startswith("000201010211")
    assert "53037045802VN" in payload  # no field 54 between currency and country
    assert parse_payload(payload) == VietQR("970436", "1017595600", None, "000.00.21.H26-261126-0001", False)


def test_purpose_loses_diacritics_and_is_cut_to_25_characters() -> None:
    payload = build_payload("970418", "12345678", 2000, "Đăng ký khai sinh – hồ sơ #12 (ưu tiên)")
    assert parse_payload(payload).purpose == "Dang ky khai sinh ho so 1"
    assert sanitize_purpose("Phí chứng thực: 10.000đ") == "Phi chung thuc 10.000d"


def test_empty_purpose_leaves_out_field_62() -> None:
    payload = build_payload("970418", "12345678", 2000, "  ☺ ")
    assert "5802VN6304" in payload  # no field 62 between country and CRC
    assert parse_payload(payload).purpose == ""


@pytest.mark.parametrize(
    ("bank_bin", "account", "amount", "message"),
    [
        ("97043", "1017595600", 1000, "^bank BIN must be exactly 6 digits$"),
        ("97043a", "1017595600", 1000, "^bank BIN must be exactly 6 digits$"),
        ("９７０４３６", "1017595600", 1000, "^bank BIN must be exactly 6 digits$"),
        ("970436", "", 1000, "account"),
        ("970436", "1" * 20, 1000, "account"),
        ("970436", "1017 5956", 1000, "account"),
        ("970436", "101759560đ", 1000, "account"),
        ("970436", "1017595600", 0, "amount"),
        ("970436", "1017595600", -5, "amount"),
        ("970436", "1017595600", MAX_AMOUNT_VND + 1, "amount"),
        ("970436", "1017595600", True, "amount"),
    ],
)
def test_invalid_inputs_are_refused_with_a_clear_message(
    bank_bin: str, account: str, amount: int, message: str
) -> None:
    with pytest.raises(VietQRError, match=message):
        build_payload(bank_bin, account, amount, "x")


def test_highest_amount_is_accepted() -> None:
    payload = build_payload("970436", "1017595600", MAX_AMOUNT_VND, "x")
    assert parse_payload(payload).amount_vnd == MAX_AMOUNT_VND


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ("", "CRC"),
        (PUBLISHED_EXAMPLE.replace("180000", "190000"), "CRC does not match"),
        (PUBLISHED_EXAMPLE[:-4] + "70FB", "CRC does not match"),
        (PUBLISHED_EXAMPLE[:-4] + "70FG", "hexadecimal"),
        (PUBLISHED_EXAMPLE[:-8], "CRC"),
        (with_crc("000201010212"), "field 38 is missing"),
        (with_crc("0002010102123854"), "cut short"),
        (with_crc("0002010x0212"), "header"),
        (with_crc("000201000201"), "twice"),
        (with_crc("000202"), "format indicator"),
        (with_crc(PUBLISHED_EXAMPLE[:-8].replace("5303704", "5303840")), "currency"),
        (with_crc(PUBLISHED_EXAMPLE[:-8].replace("5802VN", "5802TH")), "country"),
        (with_crc(PUBLISHED_EXAMPLE[:-8].replace("QRIBFTTA", "QRIBFTTC")), "account transfers"),
        (with_crc(PUBLISHED_EXAMPLE[:-8].replace("A000000727", "A000000728")), "NAPAS"),
        (with_crc(PUBLISHED_EXAMPLE[:-8].replace("5406180000", "5406180.00")), "amount"),
        (with_crc(PUBLISHED_EXAMPLE[:-8].replace("010212", "010213")), "point of initiation"),
        (with_crc(PUBLISHED_EXAMPLE[:-8] + "63020A"), "CRC field 63"),
    ],
)
def test_malformed_payloads_are_refused(payload: str, message: str) -> None:
    with pytest.raises(VietQRError, match=message):
        parse_payload(payload)


def test_lower_case_crc_is_accepted() -> None:
    assert parse_payload(PUBLISHED_EXAMPLE[:-4] + "70fa").amount_vnd == 180000


def test_unknown_fields_are_ignored() -> None:
    body = PUBLISHED_EXAMPLE[:-8].replace("5802VN", "5802VN5907KIOSK016005HANOI")
    assert parse_payload(with_crc(body)).account == "1017595600"


@PROPERTIES
@given(
    bank_bin=st.from_regex(r"[0-9]{6}", fullmatch=True),
    account=st.from_regex(r"[A-Za-z0-9]{1,19}", fullmatch=True),
    amount=st.none() | st.integers(min_value=1, max_value=MAX_AMOUNT_VND),
    purpose=st.text(max_size=60),
)
def test_round_trip(bank_bin: str, account: str, amount: int | None, purpose: str) -> None:
    payload = build_payload(bank_bin, account, amount, purpose)
    assert payload.isascii()
    parsed = parse_payload(payload)
    assert parsed == VietQR(bank_bin, account, amount, sanitize_purpose(purpose), amount is not None)
    assert len(parsed.purpose) <= 25
    assert set(parsed.purpose) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789 -._/")


def _mutations() -> st.SearchStrategy[str]:
    """Valid payloads with one character changed, removed or added, CRC fixed up or not."""
    return st.builds(
        lambda index, new, kind, fix: _mutate(PUBLISHED_EXAMPLE, index, new, kind, fix),
        st.integers(min_value=0, max_value=len(PUBLISHED_EXAMPLE) - 1),
        st.characters(),
        st.sampled_from(["replace", "delete", "insert"]),
        st.booleans(),
    )


def _mutate(payload: str, index: int, new: str, kind: str, fix: bool) -> str:
    body = payload[:-8]
    index %= len(body)
    if kind == "replace":
        body = body[:index] + new + body[index + 1 :]
    elif kind == "delete":
        body = body[:index] + body[index + 1 :]
    else:
        body = body[:index] + new + body[index:]
    if not fix:
        return body + payload[-8:]
    try:
        return with_crc(body)
    except UnicodeEncodeError:
        return body + payload[-8:]


def _safe_with_crc(text: str) -> str:
    try:
        return with_crc(text)
    except UnicodeEncodeError:
        return text


@PROPERTIES
@given(text=st.text() | st.text().map(_safe_with_crc) | _mutations())
def test_parse_raises_only_vietqr_error(text: str) -> None:
    try:
        result = parse_payload(text)
    except VietQRError:
        return
    assert isinstance(result, VietQR)


MERCHANT = "0010A000000727"  # field 38.00: the NAPAS GUID
SERVICE = "0208QRIBFTTA"  # field 38.02: account transfer
BENEFICIARY = "0124" + "0006970436" + "0110" + "1017595600"  # field 38.01: bank BIN and account


def _with_merchant(merchant: str, initiation: str = "010211", rest: str = "53037045802VN") -> str:
    return with_crc(f"000201{initiation}38{len(merchant):02d}{merchant}{rest}")


TRANSFER = MERCHANT + BENEFICIARY + SERVICE


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ("", "payload does not end with a CRC field (6304 + 4 hex digits)"),
        (PUBLISHED_EXAMPLE[:-8] + "6305" + "70FA", "payload does not end with a CRC field (6304 + 4 hex digits)"),
        (PUBLISHED_EXAMPLE[:-4] + "70FX", "CRC field is not 4 hexadecimal digits"),
        (PUBLISHED_EXAMPLE[:-4] + "70FB", "CRC does not match: the payload is damaged or was changed"),
        (with_crc(""), "payload must start with format indicator 000201"),  # a CRC field alone: checked, then read
        (with_crc("000201010212"), "payload: required field 38 is missing"),
        (with_crc("000201010212380"), "payload: malformed field header at position 12"),
        (with_crc("000201010213"), "point of initiation (field 01) must be 11 or 12"),
        (with_crc(PUBLISHED_EXAMPLE[:-8] + "63020A"), "CRC field 63 must appear once, at the end"),
        (_with_merchant(SERVICE + BENEFICIARY), "field 38: required field 00 is missing"),
        (_with_merchant(MERCHANT + BENEFICIARY), "field 38: required field 02 is missing"),
        (_with_merchant(MERCHANT + SERVICE), "field 38: required field 01 is missing"),
        (_with_merchant(MERCHANT + "01000x" + SERVICE), "field 38: malformed field header at position 18"),
        (_with_merchant(MERCHANT + "011401101017595600" + SERVICE), "field 38.01: required field 00 is missing"),
        (_with_merchant(MERCHANT + "01100006970436" + SERVICE), "field 38.01: required field 01 is missing"),
        (_with_merchant(MERCHANT + "0104000x" + SERVICE), "field 38.01: malformed field header at position 0"),
        (_with_merchant(TRANSFER, rest="5802VN"), "payload: required field 53 is missing"),
        (_with_merchant(TRANSFER, rest="5303704"), "payload: required field 58 is missing"),
        (_with_merchant(TRANSFER, rest="53037045802VN62040x01"), "field 62: malformed field header at position 0"),
    ],
)
def test_a_refused_payload_says_which_part_is_wrong(payload: str, message: str) -> None:
    with pytest.raises(VietQRError) as refused:
        parse_payload(payload)
    assert str(refused.value) == message


def test_a_payload_that_cannot_be_encoded_is_refused() -> None:
    with pytest.raises(VietQRError) as refused:
        parse_payload("000201" + chr(0xD800) + "6304ABCD")
    assert str(refused.value) == "payload contains characters that cannot be encoded"


def test_a_purpose_cut_at_a_space_keeps_no_trailing_space() -> None:
    assert sanitize_purpose("Le phi chung thuc ban sa  o 3 trang") == "Le phi chung thuc ban sa"
    payload = build_payload("970436", "1017595600", 2000, "Le phi chung thuc ban sa  o 3 trang")
    assert parse_payload(payload).purpose == "Le phi chung thuc ban sa"


def test_one_dong_is_the_smallest_amount() -> None:
    assert parse_payload(build_payload("970436", "1017595600", 1, "x")).amount_vnd == 1


def test_a_purpose_field_without_its_text_reads_as_no_purpose() -> None:
    assert parse_payload(_with_merchant(TRANSFER, rest="53037045802VN62070703ABC")).purpose == ""


@pytest.mark.parametrize(
    ("initiation", "amount", "dynamic"),
    [("", "", False), ("", "54041000", True), ("010211", "54041000", False), ("010212", "", True)],
)
def test_without_a_point_of_initiation_an_amount_makes_the_code_dynamic(
    initiation: str, amount: str, dynamic: bool
) -> None:
    payload = _with_merchant(TRANSFER, initiation=initiation, rest="5303704" + amount + "5802VN")
    assert parse_payload(payload).is_dynamic is dynamic
