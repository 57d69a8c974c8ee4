"""The bundled font writes every Vietnamese letter, and the slip leaves room for the marks of capitals."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtGui import QFont, QFontDatabase, QFontMetrics, QImage, QRawFont

from kiosk.files import paths
from kiosk.printing.receipt import Slip, SlipLine
from ui.common.theme import FONT_FAMILY
from ui.printing.slip_render import MARGIN, WIDTH_58MM, WIDTH_80MM, render_slip_layout
from ui.shell.app import ensure_app

pytestmark = pytest.mark.gui

_VOWELS = "aăâeêioôơuưy"
_TONES = ("", "\u0300", "\u0301", "\u0309", "\u0303", "\u0323")  # none, huyền, sắc, hỏi, ngã, nặng


def vietnamese_letters() -> list[str]:
    """Every precomposed letter of Vietnamese that is not plain ASCII, lower and upper case, with đ/Đ."""
    lower = {unicodedata.normalize("NFC", vowel + tone) for vowel in _VOWELS for tone in _TONES} | {"đ"}
    letters = sorted(ch for ch in lower if not ch.isascii())
    return letters + [ch.upper() for ch in letters]


def bundled_fonts() -> list[Path]:
    return sorted((paths.assets_dir() / "fonts").glob("DejaVuSans*.ttf"))


def test_there_are_134_letters_to_cover() -> None:
    letters = vietnamese_letters()
    assert len(letters) == 134 == len(set(letters))
    assert all(len(ch) == 1 for ch in letters)  # precomposed, no combining marks left
    assert {"đ", "Đ", "ễ", "Ễ", "ỗ", "Ỗ", "ế", "Ế", "ự", "Ự", "ỹ", "Ỹ"} <= set(letters)


@pytest.mark.parametrize("font_file", bundled_fonts(), ids=lambda path: path.name)
def test_bundled_font_has_a_glyph_for_every_vietnamese_letter(font_file: Path) -> None:
    ensure_app()
    raw = QRawFont(str(font_file), 24)
    assert raw.isValid()
    letters = vietnamese_letters()
    missing = [ch for ch in letters if not raw.supportsCharacter(ord(ch))]
    assert missing == []
    # Glyph 0 is the "missing glyph" box.
    assert 0 not in raw.glyphIndexesForString("".join(letters))


@pytest.mark.parametrize("bold", [False, True])
def test_slip_font_resolves_to_the_bundled_font_with_every_letter(bold: bool) -> None:
    ensure_app()
    assert FONT_FAMILY in QFontDatabase.families()
    font = QFont(FONT_FAMILY)
    font.setPixelSize(22)
    font.setBold(bold)
    metrics = QFontMetrics(font)
    assert [ch for ch in vietnamese_letters() if not metrics.inFontUcs4(ord(ch))] == []


def ink_rows(image: QImage, top: int, bottom: int) -> np.ndarray:
    gray = image.convertToFormat(QImage.Format.Format_Grayscale8)
    pixels = np.frombuffer(bytes(gray.constBits()), np.uint8).reshape(gray.height(), gray.bytesPerLine())
    band = pixels[top:bottom, : gray.width()]
    return np.flatnonzero((band < 128).any(axis=1)) + top


def tall_capitals_slip(text: str) -> Slip:
    return Slip(lang="vi", authority=text, site="Đ", title="Ễ", reference="Ỗ", provisional=False,
                lines=[SlipLine("Ế", "Ỗ")], papers=[], lookup_url="https://example.vn/x", vietqr_payload=None,
                fee_text="0", footer=[])


@pytest.mark.parametrize("width", [WIDTH_80MM, WIDTH_58MM])
def test_marks_above_capitals_at_the_top_of_the_slip_are_whole(width: int) -> None:
    ensure_app()
    rendered = render_slip_layout(tall_capitals_slip("ỄỖẾ"), width)
    first = rendered.text_boxes[0]
    assert first.text == "ỄỖẾ"
    rows = ink_rows(rendered.image, 0, int(first.rect.bottom()))
    # Nothing is drawn in the top margin, so nothing was cut at y = 0 ...
    assert rows.size and rows[0] >= MARGIN
    # ... and the ink is as tall as the glyphs themselves: the marks of Ễ, Ỗ, Ế are all there.
    font = QFont(FONT_FAMILY)
    font.setPixelSize(22 if width == WIDTH_80MM else round(22 * 0.75))
    font.setBold(True)
    glyphs = QFontMetrics(font).tightBoundingRect("ỄỖẾ")
    assert rows[-1] - rows[0] + 1 >= glyphs.height() - 1


def test_marks_of_a_wrapped_line_do_not_touch_the_line_above() -> None:
    ensure_app()
    # Only capitals with marks above, wrapped on 58 mm paper: a blank row must separate the lines.
    rendered = render_slip_layout(tall_capitals_slip(" ".join(["ỄỖẾ"] * 12)), WIDTH_58MM)
    boxes = [box for box in rendered.text_boxes if "ỄỖẾ" in box.text]
    assert len(boxes) >= 2
    rows = ink_rows(rendered.image, int(boxes[0].rect.top()) - 8, int(boxes[1].rect.bottom()))
    gaps = np.diff(rows)
    assert (gaps > 1).any(), "the two lines of text run into each other"
