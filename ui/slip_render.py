"""Drawing a slip with QPainter: one renderer for the screen preview, PDF/system printers and thermal rolls.

The slip is drawn at the printer's dot width (576 dots for 80 mm, 384 for 58 mm at 203 dpi) in black on
white, so it converts to a 1-bit raster without dithering. Vietnamese stays pixels, never code pages.
"""

from __future__ import annotations

from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QImage, QPainter

from kiosk.i18n import tr
from kiosk.qr import qr_matrix
from kiosk.receipt import Slip
from ui.theme import FONT_FAMILY

WIDTH_80MM = 576
WIDTH_58MM = 384
MARGIN = 12
# Marks of Ế, Ỗ reach above the font's ascent: extra room above every line of capitals.
CAPITAL_PADDING = 6


def _font(px: int, bold: bool = False) -> QFont:
    font = QFont(FONT_FAMILY)
    font.setPixelSize(px)
    font.setBold(bold)
    font.setHintingPreference(QFont.HintingPreference.PreferFullHinting)
    return font


class _Layout:
    """Two passes over the same drawing code: measure (painter None), then paint."""

    def __init__(self, width: int, painter: QPainter | None) -> None:
        self.width = width
        self.painter = painter
        self.y = MARGIN
        self.scale = width / WIDTH_80MM

    def px(self, size: int) -> int:
        return max(12, round(size * self.scale)) if self.width < WIDTH_80MM else size

    def text(self, text: str, size: int, bold: bool = False, center: bool = False) -> None:
        font = _font(self.px(size), bold)
        metrics = QFontMetrics(font)
        flags = int(Qt.TextFlag.TextWordWrap) | int(
            Qt.AlignmentFlag.AlignHCenter if center else Qt.AlignmentFlag.AlignLeft
        )
        available = self.width - 2 * MARGIN
        # Words longer than a line (a 60-letter name) must still wrap: only then break inside words.
        if any(metrics.horizontalAdvance(word) > available for word in text.split()):
            flags |= int(Qt.TextFlag.TextWrapAnywhere)
        bound = metrics.boundingRect(QRect(MARGIN, self.y + CAPITAL_PADDING, available, 100_000), flags, text)
        if self.painter is not None:
            self.painter.setFont(font)
            self.painter.drawText(QRect(MARGIN, self.y + CAPITAL_PADDING, available, bound.height()), flags, text)
        self.y += bound.height() + CAPITAL_PADDING + 2

    def rule(self) -> None:
        if self.painter is not None:
            self.painter.fillRect(MARGIN, self.y + 4, self.width - 2 * MARGIN, 2, QColor("black"))
        self.y += 10

    def qr(self, payload: str, caption: str, level: str = "M") -> None:
        matrix = qr_matrix(payload, level)
        modules = len(matrix)
        module_px = max(4, min(8, (self.width - 2 * MARGIN) // modules))
        size = modules * module_px
        x0 = (self.width - size) // 2
        if self.painter is not None:
            black = QColor("black")
            for row_index, row in enumerate(matrix):
                for col_index, dark in enumerate(row):
                    if dark:
                        self.painter.fillRect(x0 + col_index * module_px, self.y + row_index * module_px,
                                              module_px, module_px, black)
        self.y += size
        self.text(caption, 20, center=True)


def _draw(slip: Slip, layout: _Layout) -> None:
    layout.text(slip.authority.upper(), 22, bold=True, center=True)
    layout.text(slip.site, 20, center=True)
    layout.rule()
    layout.text(slip.title, 30, bold=True, center=True)
    layout.text(slip.reference, 30, bold=True, center=True)
    if slip.provisional:
        layout.text(tr("slip.provisional_short", slip.lang), 18, center=True)
    layout.rule()
    for line in slip.lines:
        layout.text(f"{line.label}: {line.value}", 22)
    papers_label, fee_label = tr("slip.papers_heading", slip.lang), tr("slip.fee", slip.lang)
    if slip.papers:
        layout.rule()
        layout.text(papers_label + ":", 22, bold=True)
        for paper in slip.papers:
            layout.text(paper, 20)
    layout.rule()
    layout.text(f"{fee_label}: {slip.fee_text}", 22, bold=True)
    layout.rule()
    layout.qr(slip.lookup_url, tr("slip.lookup", slip.lang))
    if slip.vietqr_payload:
        layout.rule()
        layout.qr(slip.vietqr_payload, tr("slip.vietqr", slip.lang))
    layout.rule()
    for footer_line in slip.footer:
        layout.text(footer_line, 20, center=True)
    layout.y += MARGIN


def render_slip(slip: Slip, width: int = WIDTH_80MM) -> QImage:
    """The slip as a black-on-white image `width` dots wide."""
    measure = _Layout(width, None)
    _draw(slip, measure)
    image = QImage(width, measure.y, QImage.Format.Format_RGB32)
    image.fill(QColor("white"))
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.TextAntialiasing, True)
    painter.setPen(QColor("black"))
    _draw(slip, _Layout(width, painter))
    painter.end()
    return image
