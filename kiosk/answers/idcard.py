"""The chip ID card (CCCD) QR payload: parsing and the 12-digit personal ID number's rules."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date

from kiosk.answers.names import is_vietnamese_name

# Province codes that open a 12-digit personal ID number (the 63 provinces as numbered by the
# Ministry of Public Security; they stay valid on cards issued before the 2025 mergers).
PROVINCE_CODES = frozenset(
    [
        "001",
        "002",
        "004",
        "006",
        "008",
        "010",
        "011",
        "012",
        "014",
        "015",
        "017",
        "019",
        "020",
        "022",
        "024",
        "025",
        "026",
        "027",
        "030",
        "031",
        "033",
        "034",
        "035",
        "036",
        "037",
        "038",
        "040",
        "042",
        "044",
        "045",
        "046",
        "048",
        "049",
        "051",
        "052",
        "054",
        "056",
        "058",
        "060",
        "062",
        "064",
        "066",
        "067",
        "068",
        "070",
        "072",
        "074",
        "075",
        "077",
        "079",
        "080",
        "082",
        "083",
        "084",
        "086",
        "087",
        "089",
        "091",
        "092",
        "093",
        "094",
        "095",
        "096",
    ]
)

# 4th digit: gender and century of birth. Only the centuries of living people are accepted.
CENTURY_GENDER = {"0": (1900, "nam"), "1": (1900, "nu"), "2": (2000, "nam"), "3": (2000, "nu")}

MAX_PAYLOAD = 1024


MAX_ADDRESS = 300
OLD_ID_LENGTHS = (9, 12)  # a 9-digit CMND, a 12-digit CMND, or the cancelled number new cards may carry


class IdCardError(ValueError):
    """The scanned text is not a chip ID card's QR payload, or lacks a part the form needs.

    `reason` tells the resident what happened: "bad" (not readable as a card) or "no_address" (a card
    whose permanent address is empty, so the address must be typed).
    """

    def __init__(self, message: str, reason: str = "bad") -> None:
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True)
class IdCardData:
    id_number: str
    old_id_number: str
    full_name: str
    date_of_birth: date
    gender: str  # "nam" or "nu", the values of the catalog's gender options
    address: str
    issue_date: date

    def __repr__(self) -> str:  # never print personal data by accident
        return "IdCardData(<redacted>)"


@dataclass(frozen=True)
class IdNumberProblem:
    key: str  # translation key of the message


def check_id_number(value: str, birth: date | None = None, gender: str | None = None) -> IdNumberProblem | None:
    """Check a 12-digit personal ID number, and that it agrees with a known birth date and gender."""
    if len(value) != 12 or not value.isascii() or not value.isdigit():
        return IdNumberProblem("v.id_length")
    if value[:3] not in PROVINCE_CODES:
        return IdNumberProblem("v.id_province")
    century_gender = CENTURY_GENDER.get(value[3])
    if century_gender is None:
        return IdNumberProblem("v.id_century")
    century, id_gender = century_gender
    if birth is not None and century + int(value[4:6]) != birth.year:
        return IdNumberProblem("v.id_mismatch_year")
    if gender in ("nam", "nu") and gender != id_gender:
        return IdNumberProblem("v.id_mismatch_gender")
    return None


def _parse_ddmmyyyy(text: str) -> date:
    if len(text) != 8 or not text.isascii() or not text.isdigit():
        raise IdCardError("date is not ddmmyyyy")
    try:
        return date(int(text[4:]), int(text[2:4]), int(text[:2]))
    except ValueError as exc:
        raise IdCardError("date does not exist") from exc


def parse_id_card_qr(payload: str) -> IdCardData:
    """Parse the `|`-separated payload; raise IdCardError (never anything else) when it is not one."""
    if not isinstance(payload, str) or len(payload) > MAX_PAYLOAD:
        raise IdCardError("payload missing or too long")
    text = unicodedata.normalize("NFC", payload.strip("\r\n\t "))
    if any(unicodedata.category(ch) in ("Cc", "Cf") for ch in text):
        raise IdCardError("payload holds control characters")
    parts = text.split("|")
    if len(parts) < 7:
        raise IdCardError("fewer than 7 fields")
    id_number, old_id, name, dob_text, gender_text, address, issued_text = (p.strip() for p in parts[:7])
    birth = _parse_ddmmyyyy(dob_text)
    issued = _parse_ddmmyyyy(issued_text)
    gender_map = {"nam": "nam", "nữ": "nu", "nu": "nu"}
    gender = gender_map.get(gender_text.casefold())
    if gender is None:
        raise IdCardError("gender is not Nam/Nữ")
    if check_id_number(id_number, birth, gender) is not None:
        raise IdCardError("ID number invalid or inconsistent")
    if old_id and (len(old_id) not in OLD_ID_LENGTHS or not old_id.isascii() or not old_id.isdigit()):
        raise IdCardError("old ID number is not 9 or 12 digits")
    name = " ".join(name.split())
    if not is_vietnamese_name(name):
        raise IdCardError("name missing or not a name")
    if issued < birth:
        raise IdCardError("issued before birth")
    address = " ".join(address.split())
    if len(address) > MAX_ADDRESS:
        raise IdCardError("address too long")
    if not address:
        raise IdCardError("permanent address empty", reason="no_address")
    return IdCardData(id_number, old_id, name, birth, gender, address, issued)
