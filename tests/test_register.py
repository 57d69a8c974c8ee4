"""The polite register and the project's terms in every text a resident reads.

Elderly residents are addressed as Ông/Bà, or with no pronoun: never "bạn". The scan covers the
translation table, every Vietnamese text of the bundled procedure catalog and every string literal
of the Qt layer."""

from __future__ import annotations

import ast
import re
import unicodedata
from pathlib import Path

import pytest

from kiosk.catalog import load_catalog
from kiosk.catalog.models import Text
from kiosk.files.paths import procedures_dir
from tests.test_catalog import _texts
from tests.translations import TRANSLATIONS

ROOT = Path(__file__).resolve().parent.parent
# "bạn" as a whole word, any case; "bản" (a copy) and "bạc" are other words.
INFORMAL = re.compile(r"(?<!\w)bạn(?!\w)", re.IGNORECASE)
# English terms replaced in residents' texts, with what replaces them.
ENGLISH_TERMS = {
    "dossier": "application",
    "city council": "Hanoi People's Council",
    "one-stop desk": "Public Administrative Service Centre",
}
# Texts for staff (console, PIN pad) are not residents' texts; the printed slip's wording about where to
# bring papers and pay belongs to the site profile.
STAFF_PREFIXES = ("console.", "staff.")
SITE_WORDED = ("slip.title", "slip.due", "slip.bring", "slip.pay_how", "slip.papers_heading", "slip.pay_desk")


def informal(text: str) -> bool:
    return INFORMAL.search(unicodedata.normalize("NFC", text)) is not None


def catalog_texts() -> list[tuple[str, Text]]:
    catalog = load_catalog(procedures_dir())
    return [pair for proc in catalog.procedures for pair in _texts(proc, proc.code)]


def ui_literals() -> list[tuple[str, str]]:
    found = []
    for path in sorted((ROOT / "ui").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                found.append((f"{path.relative_to(ROOT)}:{node.lineno}", node.value))
    return found


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Bạn muốn làm gì?", True),
        ("Mời bạn lấy phiếu", True),
        ("BẠN", True),
        ("Cảm ơn bạn!", True),
        ("Ông/Bà muốn làm gì?", False),
        ("bản sao Giấy khai sinh", False),  # "bản", not "bạn"
        ("Bản chính", False),
        ("bạc", False),
        ("bạnh", False),  # not a whole word
    ],
)
def test_the_check_finds_the_word_and_only_the_word(text: str, expected: bool) -> None:
    assert informal(text) is expected
    assert informal(unicodedata.normalize("NFD", text)) is expected


def test_no_informal_pronoun_in_the_translation_table() -> None:
    bad = [key for key, (vi, _en) in TRANSLATIONS.items() if informal(vi)]
    assert bad == []


def test_no_informal_pronoun_in_the_procedure_catalog() -> None:
    texts = catalog_texts()
    assert len(texts) > 500  # the walk reaches every field, option and paper
    bad = [where for where, text in texts if informal(text.vi)]
    assert bad == []


def test_no_informal_pronoun_in_the_screens() -> None:
    literals = ui_literals()
    assert literals
    bad = [where for where, text in literals if informal(text)]
    assert bad == []


def test_residents_english_texts_use_the_projects_terms() -> None:
    bad = []
    for key, (_vi, en) in TRANSLATIONS.items():
        if key.startswith(STAFF_PREFIXES) or key in SITE_WORDED:
            continue
        bad += [(key, term) for term in ENGLISH_TERMS if term in en.casefold()]
    assert bad == []


def test_form_texts_of_the_catalog_use_the_projects_terms() -> None:
    """Steps, fields, options and papers (fee notes are worded with the fee model)."""
    bad = []
    for where, text in catalog_texts():
        if ".fees" in where:
            continue
        bad += [(where, term) for term in ENGLISH_TERMS if term in text.en.casefold()]
    assert bad == []


def test_one_term_for_the_id_card() -> None:
    """New cards are "thẻ Căn cước"; the old name appears only where old cards are meant."""
    bad = [key for key, (vi, _en) in TRANSLATIONS.items()
           if "Căn cước công dân" in vi and not key.startswith(STAFF_PREFIXES)]
    assert bad == []
