"""VietQR payloads: the NAPAS bank-transfer QR (EMVCo merchant-presented format).

`build_payload` makes the text to put in a QR code; `parse_payload` checks and reads one back.
Both raise `VietQRError` (a `ValueError`) with an English message on bad input, and nothing else.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

NAPAS_GUID = "A000000727"
SERVICE_ACCOUNT_TRANSFER = "QRIBFTTA"
CURRENCY_VND = "704"
COUNTRY_VN = "VN"
MAX_AMOUNT_VND = 9_999_999_999
MAX_PURPOSE_LENGTH = 25
MAX_ACCOUNT_LENGTH = 19

_BIN_RE = re.compile(r"[0-9]{6}")
_ACCOUNT_RE = re.compile(r"[A-Za-z0-9]{1,19}")
_AMOUNT_RE = re.compile(r"[1-9][0-9]{0,9}")
_PURPOSE_DROP_RE = re.compile(r"[^A-Za-z0-9 \-._/]")
_TWO_DIGITS = frozenset("0123456789")
_CRC_TAG = "6304"


class VietQRError(ValueError):
    """A VietQR payload or one of its inputs is not valid."""


@dataclass(frozen=True)
class VietQR:
    """The transfer a VietQR payload asks for."""

    bank_bin: str
    account: str
    amount_vnd: int | None
    purpose: str
    is_dynamic: bool


def crc16_ccitt_false(data: bytes) -> int:
    """CRC-16/CCITT-FALSE (poly 0x1021, init 0xFFFF, no reflection, no final xor)."""
    crc = 0xFFFF
    for byte in data:
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else (crc << 1)
            crc &= 0xFFFF
    return crc


def sanitize_purpose(purpose: str) -> str:
    """The purpose as banking apps accept it: no diacritics, only [A-Za-z0-9 -._/], at most 25 chars."""
    # đ/Đ have no Unicode decomposition, so NFD alone would drop them instead of mapping them to d/D.
    text = purpose.replace("đ", "d").replace("Đ", "D")
    text = "".join(ch for ch in unicodedata.normalize("NFD", text) if not unicodedata.combining(ch))
    text = _PURPOSE_DROP_RE.sub(" ", text)
    text = " ".join(text.split())
    return text[:MAX_PURPOSE_LENGTH].rstrip()


def _tlv(tag: str, value: str) -> str:
    if len(value) > 99:
        raise VietQRError(f"value of tag {tag} is longer than 99 characters")
    return f"{tag}{len(value):02d}{value}"


def _check_bank_bin(bank_bin: str) -> None:
    if not _BIN_RE.fullmatch(bank_bin):
        raise VietQRError("bank BIN must be exactly 6 digits")


def _check_account(account: str) -> None:
    if not _ACCOUNT_RE.fullmatch(account):
        raise VietQRError(
            f"account number must be 1 to {MAX_ACCOUNT_LENGTH} letters or digits, without spaces"
        )


def build_payload(bank_bin: str, account: str, amount_vnd: int | None, purpose: str) -> str:
    """The VietQR text for a transfer to `account` at the bank `bank_bin`.

    A payload with an amount is dynamic (tag 01 = "12"), one without is static ("11"). The purpose
    is passed through `sanitize_purpose`; when nothing is left of it, tag 62 is left out.
    """
    _check_bank_bin(bank_bin)
    _check_account(account)
    if amount_vnd is not None and (
        isinstance(amount_vnd, bool)
        or not isinstance(amount_vnd, int)
        or not 1 <= amount_vnd <= MAX_AMOUNT_VND
    ):
        raise VietQRError(f"amount must be a whole number of dong from 1 to {MAX_AMOUNT_VND:,}")
    clean_purpose = sanitize_purpose(purpose)

    beneficiary = _tlv("00", bank_bin) + _tlv("01", account)
    merchant_account = _tlv("00", NAPAS_GUID) + _tlv("01", beneficiary) + _tlv("02", SERVICE_ACCOUNT_TRANSFER)
    parts = [
        _tlv("00", "01"),
        _tlv("01", "11" if amount_vnd is None else "12"),
        _tlv("38", merchant_account),
        _tlv("53", CURRENCY_VND),
    ]
    if amount_vnd is not None:
        parts.append(_tlv("54", str(amount_vnd)))
    parts.append(_tlv("58", COUNTRY_VN))
    if clean_purpose:
        parts.append(_tlv("62", _tlv("08", clean_purpose)))
    body = "".join(parts) + _CRC_TAG
    return body + f"{crc16_ccitt_false(body.encode('ascii')):04X}"


def _read_tlv(text: str, where: str) -> dict[str, str]:
    """The tag → value map of a TLV string; every character must belong to a field."""
    fields: dict[str, str] = {}
    pos = 0
    while pos < len(text):
        header = text[pos : pos + 4]
        if len(header) < 4 or not set(header) <= _TWO_DIGITS:
            raise VietQRError(f"{where}: malformed field header at position {pos}")
        tag, length = header[:2], int(header[2:])
        value = text[pos + 4 : pos + 4 + length]
        if len(value) != length:
            raise VietQRError(f"{where}: field {tag} is cut short")
        if tag in fields:
            raise VietQRError(f"{where}: field {tag} appears twice")
        fields[tag] = value
        pos += 4 + length
    return fields


def _required(fields: dict[str, str], tag: str, where: str) -> str:
    try:
        return fields[tag]
    except KeyError:
        raise VietQRError(f"{where}: required field {tag} is missing") from None


def _verify_crc(text: str) -> str:
    """The payload without its CRC field, once the CRC matches."""
    if len(text) < 8 or text[-8:-4] != _CRC_TAG:
        raise VietQRError("payload does not end with a CRC field (6304 + 4 hex digits)")
    body, given = text[:-4], text[-4:]
    if not set(given) <= set("0123456789ABCDEFabcdef"):
        raise VietQRError("CRC field is not 4 hexadecimal digits")
    try:
        data = body.encode("utf-8")
    except UnicodeEncodeError:
        raise VietQRError("payload contains characters that cannot be encoded") from None
    if crc16_ccitt_false(data) != int(given, 16):
        raise VietQRError("CRC does not match: the payload is damaged or was changed")
    return text[:-8]


def parse_payload(text: str) -> VietQR:
    """The transfer described by a VietQR payload, after checking its CRC and structure.

    Only NAPAS account transfers (service QRIBFTTA) in VND for Vietnam are accepted; unknown
    extra fields (merchant name, other schemes' accounts) are ignored.
    """
    fields = _read_tlv(_verify_crc(text), "payload")
    if not text.startswith("000201"):
        raise VietQRError("payload must start with format indicator 000201")
    if "63" in fields:
        raise VietQRError("CRC field 63 must appear once, at the end")

    initiation = fields.get("01")
    if initiation not in (None, "11", "12"):
        raise VietQRError("point of initiation (field 01) must be 11 or 12")

    merchant = _read_tlv(_required(fields, "38", "payload"), "field 38")
    if _required(merchant, "00", "field 38").upper() != NAPAS_GUID:
        raise VietQRError(f"field 38 is not a NAPAS account (GUID {NAPAS_GUID} expected)")
    service = _required(merchant, "02", "field 38")
    if service != SERVICE_ACCOUNT_TRANSFER:
        raise VietQRError(
            f"only account transfers ({SERVICE_ACCOUNT_TRANSFER}) are supported, not {service!r}"
        )
    beneficiary = _read_tlv(_required(merchant, "01", "field 38"), "field 38.01")
    bank_bin = _required(beneficiary, "00", "field 38.01")
    account = _required(beneficiary, "01", "field 38.01")
    _check_bank_bin(bank_bin)
    _check_account(account)

    if _required(fields, "53", "payload") != CURRENCY_VND:
        raise VietQRError(f"currency (field 53) must be {CURRENCY_VND} (VND)")
    if _required(fields, "58", "payload") != COUNTRY_VN:
        raise VietQRError(f"country (field 58) must be {COUNTRY_VN}")

    amount: int | None = None
    if "54" in fields:
        if not _AMOUNT_RE.fullmatch(fields["54"]):
            raise VietQRError(
                f"amount (field 54) must be a whole number of dong from 1 to {MAX_AMOUNT_VND:,}"
            )
        amount = int(fields["54"])

    purpose = ""
    if "62" in fields:
        purpose = _read_tlv(fields["62"], "field 62").get("08", "")

    is_dynamic = initiation == "12" if initiation is not None else amount is not None
    return VietQR(
        bank_bin=bank_bin, account=account, amount_vnd=amount, purpose=purpose, is_dynamic=is_dynamic
    )
