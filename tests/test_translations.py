"""The texts' gettext catalogs: every language has every key with the same placeholders, the compiled `.mo`
files the kiosk reads are those of the `.po` files people edit, and every key the code asks for exists."""

from __future__ import annotations

import ast
import io
import re
import string
from pathlib import Path

import pytest
from babel.messages.mofile import write_mo

from kiosk.i18n import LANGUAGES, MISSING_MARK, has_text, tr
from tests.translations import TRANSLATIONS, po_path, read_catalog

ROOT = Path(__file__).resolve().parent.parent
# Placeholders English leaves out on purpose: the service point's Vietnamese name (English screens name the
# kind of place instead, and tests/test_ui_journey.py keeps Vietnamese off them).
LEFT_OUT_IN_ENGLISH = {"delivery.counter": {"place"}, "status.rejected": {"place"}}


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def test_every_language_has_every_key_with_the_same_placeholders() -> None:
    keys = {lang: {str(m.id) for m in read_catalog(lang) if m.id} for lang in LANGUAGES}
    assert len(keys["vi"]) > 300 and keys["vi"] == keys["en"]
    empty = [(key, lang) for key, pair in TRANSLATIONS.items() for lang, text in zip(LANGUAGES, pair, strict=True)
             if not text.strip()]
    assert empty == []
    differ = [key for key, (vi, en) in TRANSLATIONS.items()
              if placeholders(vi) - LEFT_OUT_IN_ENGLISH.get(key, set()) != placeholders(en)]
    assert differ == []


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_compiled_catalog_is_the_compilation_of_its_po_file(lang: str) -> None:
    compiled = io.BytesIO()
    write_mo(compiled, read_catalog(lang))
    mo = po_path(lang).with_suffix(".mo")
    assert mo.read_bytes() == compiled.getvalue(), f"{mo.name} of {lang} is stale: run `make messages`"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_each_catalog_declares_its_language_and_utf8(lang: str) -> None:
    catalog = read_catalog(lang)
    assert str(catalog.locale) == lang and catalog.charset == "utf-8"


def _keys_asked_for(tree: ast.AST) -> list[tuple[str, int]]:
    """Keys passed literally to `t(…)`/`tr(…)` (also each side of `a if c else b`)."""
    found = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and node.args):
            continue
        name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
        if name not in {"t", "tr"}:
            continue
        first = node.args[0]
        options = [first.body, first.orelse] if isinstance(first, ast.IfExp) else [first]
        found += [(o.value, node.lineno) for o in options if isinstance(o, ast.Constant) and isinstance(o.value, str)]
    return found


def test_every_key_the_code_asks_for_is_in_the_catalogs() -> None:
    asked, missing = 0, []
    for path in sorted([*ROOT.joinpath("kiosk").rglob("*.py"), *ROOT.joinpath("ui").rglob("*.py")]):
        for key, line in _keys_asked_for(ast.parse(path.read_text("utf-8"))):
            asked += 1
            if re.fullmatch(r"[a-z_]+(\.[a-z0-9_]+)+", key) and not has_text(key):
                missing.append(f"{path.relative_to(ROOT)}:{line}: {key}")
    assert asked > 150 and missing == []


def test_a_text_comes_in_the_chosen_language_with_its_parameters() -> None:
    assert tr("attract.hours", "vi", hours="7:30–17:00") == "Giờ mở cửa: 7:30–17:00"
    assert tr("attract.hours", "en", hours="7:30–17:00") == "Opening hours: 7:30–17:00"
    assert tr("attract.touch", "fr") == TRANSLATIONS["attract.touch"][0]  # any other language reads Vietnamese


def test_a_missing_key_or_parameter_shows_a_marker_and_is_logged(caplog: pytest.LogCaptureFixture) -> None:
    assert tr("no.such.key").startswith(MISSING_MARK) and not has_text("no.such.key")
    assert tr("attract.hours", "vi").startswith(MISSING_MARK) is False  # no parameters given: the raw text
    assert tr("attract.hours", "vi", other="x").startswith(MISSING_MARK)
    assert [r.getMessage() for r in caplog.records] == ["missing translation key 'no.such.key'",
                                                         "bad parameters for translation key 'attract.hours'"]
