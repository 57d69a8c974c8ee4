"""Drawing a slip with QPainter: one renderer for the screen preview, PDF/system printers and thermal rolls.

The slip is drawn at the printer's dot width (576 dots for 80 mm, 384 for 58 mm at 203 dpi) in black on
white, so it converts to a 1-bit raster without dithering. Vietnamese stays pixels, never code pages.
Text wraps at word boundaries, and inside a word only when the word is wider than the paper, so nothing
is ever cut off or shortened: a long name makes the slip taller, not clipped. Rendering is safe in a
worker thread (QImage and QTextLayout only).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import TYPE_CHECKING

from PySide6.QtCore import QPointF, QRect, QRectF, Qt
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetricsF,
    QImage,
    QPainter,
    QTextCharFormat,
    QTextLayout,
    QTextOption,
)

from kiosk.i18n import tr
from kiosk.printing import PAPER_58MM_DOTS, PAPER_80MM_DOTS
from kiosk.printing.qr import qr_modules
from kiosk.printing.receipt import Checklist, Slip, build_slip
from ui.common.theme import FONT_FAMILY

if TYPE_CHECKING:
    from kiosk.catalog import Procedure
    from kiosk.payment.fees import FeeBreakdown
    from kiosk.settings.config import Settings

WIDTH_80MM = PAPER_80MM_DOTS
WIDTH_58MM = PAPER_58MM_DOTS
DOTS_PER_MM = 8  # 203 dpi thermal heads
MARGIN = 12
MIN_MODULE_DOTS = 4
MAX_MODULE_DOTS = 8
QR_GAP = 16
# Marks of Ế, Ỗ, Ễ reach above the font's ascent; every line gets at least this much room above.
CAPITAL_PADDING = 2
_TALL_CAPITALS = "ỄỖẾỀỘẪẴẲỂỔỞỠ"

Paint = Callable[[QPainter], None]
Matrix = tuple[tuple[bool, ...], ...]


@dataclass(frozen=True)
class TextBox:
    """One laid-out line of text and the rectangle it occupies on the slip (dots)."""

    text: str
    rect: QRectF


@dataclass
class RenderedSlip:
    """The image, with where each text line and each QR code went (for previews and tests)."""

    image: QImage
    text_boxes: list[TextBox] = field(default_factory=list)
    qr_boxes: list[tuple[str, QRect]] = field(default_factory=list)


def paper_dots(paper_width_mm: int) -> int:
    """Dots per line of a roll: 384 for 58 mm paper, else 576 (80 mm)."""
    return WIDTH_58MM if paper_width_mm == 58 else WIDTH_80MM


def encode_slip_codes(slip: Slip, level: str) -> None:
    """Encode the slip's QR codes ahead (in a worker thread): the receipt screen (level M), its preview and the
    print job (`level`) then find them in `kiosk.printing.qr.qr_modules`, and the GUI thread does not wait for them."""
    for payload in (slip.lookup_url, slip.vietqr_payload):
        if payload:
            for each in {"M", level}:
                qr_modules(payload, each)


def make_receipt(proc: Procedure, answers: Mapping[str, str], reference: str, submitted_at: datetime,
                 fee: FeeBreakdown, settings: Settings, lang: str, scanned: Sequence[str] = ()) -> Slip:
    """A stored dossier's slip with its QR codes encoded; in any thread. `scanned`: the papers sent scanned."""
    slip = build_slip(proc, answers, reference, True, submitted_at, fee, settings, lang, scanned=scanned)
    encode_slip_codes(slip, settings.printer.qr_level)
    return slip


def qr_image(matrix: Sequence[Sequence[bool]]) -> QImage:
    """The QR matrix as a grayscale image, one pixel per module (quiet zone included)."""
    modules = len(matrix)
    stride = (modules + 3) // 4 * 4  # scan lines of a QImage are 32-bit aligned
    pad = bytes(stride - modules)
    data = b"".join(bytes(0 if dark else 255 for dark in row) + pad for row in matrix)
    return QImage(data, modules, modules, stride, QImage.Format.Format_Grayscale8).copy()


def _font(px: int, bold: bool = False) -> QFont:
    font = QFont(FONT_FAMILY)
    font.setPixelSize(px)
    font.setBold(bold)
    font.setHintingPreference(QFont.HintingPreference.PreferFullHinting)
    return font


@lru_cache(maxsize=64)
def line_padding(px: int, bold: bool = False) -> int:
    """Room above each line so the marks of tall capitals (Ễ, Ỗ) are not clipped or touch the line above."""
    metrics = QFontMetricsF(_font(px, bold))
    overshoot = -metrics.tightBoundingRect(_TALL_CAPITALS).top() - metrics.ascent()
    return max(0, math.ceil(overshoot)) + CAPITAL_PADDING


class _Layout:
    """Lays blocks out top to bottom, keeping the painting for later, once the height is known."""

    def __init__(self, width: int, qr_level: str) -> None:
        self.width = width
        self.qr_level = qr_level
        self.y = MARGIN
        self.ops: list[Paint] = []
        self.boxes: list[TextBox] = []
        self.qr_boxes: list[tuple[str, QRect]] = []
        # 58 mm paper gets slightly larger text than a plain scale-down would give: it is read in the hand.
        self.scale = 1.0 if width >= WIDTH_80MM else 0.75

    @property
    def available(self) -> int:
        return self.width - 2 * MARGIN

    def px(self, size: int) -> int:
        return max(12, round(size * self.scale))

    def paragraph(
        self,
        text: str,
        size: int,
        *,
        bold: bool = False,
        center: bool = False,
        label: str = "",
        x: int = MARGIN,
        width: int | None = None,
        top: int | None = None,
    ) -> int:
        """Lay out `label` (bold) followed by `text`; returns the y below it. Advances the cursor
        unless `top` is given (for side-by-side columns)."""
        px = self.px(size)
        font = _font(px, bold)
        content = f"{label}: {text}" if label else text
        if not content:
            return self.y if top is None else top
        layout = QTextLayout(content, font)
        option = QTextOption(Qt.AlignmentFlag.AlignHCenter if center else Qt.AlignmentFlag.AlignLeft)
        option.setWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)
        layout.setTextOption(option)
        if label and not bold:
            bold_format = QTextCharFormat()
            bold_format.setFont(_font(px, True))
            label_range = QTextLayout.FormatRange()
            label_range.start, label_range.length, label_range.format = 0, len(label) + 1, bold_format
            layout.setFormats([label_range])
        column = self.available if width is None else width
        pad = line_padding(px, bold or bool(label))
        start = self.y if top is None else top
        y = 0.0
        layout.beginLayout()
        while True:
            line = layout.createLine()
            if not line.isValid():
                break
            line.setLineWidth(column)
            y += pad
            line.setPosition(QPointF(0, y))
            y += line.height()
        layout.endLayout()
        layout.setPosition(QPointF(x, start))
        for index in range(layout.lineCount()):
            line = layout.lineAt(index)
            rect = line.naturalTextRect().translated(layout.position())
            self.boxes.append(TextBox(content[line.textStart() : line.textStart() + line.textLength()], rect))
        self.ops.append(lambda painter: layout.draw(painter, QPointF(0, 0)))
        bottom = start + math.ceil(y) + 2
        if top is None:
            self.y = bottom
        return bottom

    def rule(self) -> None:
        y = self.y + 4
        self.ops.append(lambda painter: painter.fillRect(MARGIN, y, self.available, 2, QColor("black")))
        self.y += 10

    def qr_module(self, payload: str, space: int) -> tuple[Matrix, int]:
        """The QR matrix and the dots per module that fit in `space` (0 when it does not fit)."""
        matrix = qr_modules(payload, self.qr_level)
        module = min(MAX_MODULE_DOTS, space // len(matrix))
        return matrix, (module if module >= MIN_MODULE_DOTS else 0)

    def _qr_at(self, payload: str, matrix: Matrix, module: int, x0: int, y0: int) -> int:
        size = len(matrix) * module
        image = qr_image(matrix)
        target = QRect(x0, y0, size, size)
        # One scaled drawImage instead of a fillRect per module: whole dots per module, and few calls.
        self.ops.append(lambda painter: painter.drawImage(target, image))
        self.qr_boxes.append((payload, target))
        return y0 + size

    def qr(self, payload: str, captions: list[str]) -> None:
        """A QR code centred on the paper (its quiet zone included), captions below."""
        matrix, module = self.qr_module(payload, self.available)
        if not module:
            raise ValueError(f"a QR code of {len(matrix)} modules does not fit {self.width} dots at "
                             f"{MIN_MODULE_DOTS} dots per module")
        x0 = (self.width - len(matrix) * module) // 2
        self.y = self._qr_at(payload, matrix, module, x0, self.y)
        for caption in captions:
            self.paragraph(caption, 20, center=True)

    def qr_pair(self, left: tuple[str, list[str]], right: tuple[str, list[str]]) -> None:
        """Two QR codes side by side when both fit at 4+ dots per module, else one under the other."""
        column = (self.available - QR_GAP) // 2
        (left_matrix, left_module), (right_matrix, right_module) = (
            self.qr_module(left[0], column), self.qr_module(right[0], column))
        if not (left_module and right_module):
            self.qr(*left)
            self.rule()
            self.qr(*right)
            return
        top = self.y
        bottoms = []
        for index, ((payload, captions), matrix, module) in enumerate(
            ((left, left_matrix, left_module), (right, right_matrix, right_module))
        ):
            x = MARGIN + index * (column + QR_GAP)
            y = self._qr_at(payload, matrix, module, x + (column - len(matrix) * module) // 2, top)
            for caption in captions:
                y = self.paragraph(caption, 18, center=True, x=x, width=column, top=y)
            bottoms.append(y)
        self.y = max(bottoms)

    def render(self) -> RenderedSlip:
        height = self.y + MARGIN
        image = QImage(self.width, height, QImage.Format.Format_RGB32)
        image.fill(QColor("white"))
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.TextAntialiasing, True)
        painter.setPen(QColor("black"))
        for op in self.ops:
            op(painter)
        painter.end()
        return RenderedSlip(image, self.boxes, self.qr_boxes)


def _header(layout: _Layout, authority: str, site: str) -> None:
    layout.paragraph(authority.upper(), 22, bold=True, center=True)
    layout.paragraph(site, 20, center=True)
    layout.rule()


def _draw_slip(slip: Slip, layout: _Layout) -> None:
    lang = slip.lang
    _header(layout, slip.authority, slip.site)
    layout.paragraph(slip.title, 30, bold=True, center=True)
    layout.paragraph(slip.reference, 28, bold=True, center=True)
    if slip.provisional:
        layout.paragraph(tr("slip.provisional", lang), 18, center=True)
    layout.rule()
    for line in slip.lines:
        layout.paragraph(line.value, 22, label=line.label)
    if slip.papers:
        layout.rule()
        layout.paragraph((slip.papers_heading or tr("overview.papers", lang)) + ":", 22, bold=True)
        for paper in slip.papers:
            layout.paragraph(paper, 20)
    layout.rule()
    layout.paragraph(slip.fee_text, 22, bold=True, label=tr("slip.fee", lang))
    layout.paragraph(slip.pay_text, 20)
    layout.rule()
    lookup = (slip.lookup_url, [tr("slip.lookup", lang)])
    if slip.vietqr_payload:
        pay = (slip.vietqr_payload, [tr("slip.vietqr", lang), slip.fee_text])
        layout.qr_pair(lookup, pay)
        layout.paragraph(slip.pay_to, 18, center=True)
    else:
        layout.qr(*lookup)
    layout.rule()
    for footer_line in slip.footer:
        layout.paragraph(footer_line, 20, center=True)


def _draw_checklist(checklist: Checklist, layout: _Layout) -> None:
    _header(layout, checklist.authority, checklist.site)
    layout.paragraph(checklist.title, 28, bold=True, center=True)
    layout.paragraph(checklist.procedure, 24, bold=True, center=True)
    layout.rule()
    for paper in checklist.papers:
        layout.paragraph(paper, 22)
    layout.rule()
    layout.paragraph(checklist.fee_text, 20)
    layout.paragraph(checklist.time_text, 20)
    layout.rule()
    for footer_line in checklist.footer:
        layout.paragraph(footer_line, 20, center=True)


def render_slip_layout(slip: Slip, width: int = WIDTH_80MM, qr_level: str = "M") -> RenderedSlip:
    """The slip `width` dots wide, with the position of every text line and QR code."""
    layout = _Layout(width, qr_level)
    _draw_slip(slip, layout)
    return layout.render()


def render_slip(slip: Slip, width: int = WIDTH_80MM, qr_level: str = "M") -> QImage:
    """The slip as a black-on-white image `width` dots wide."""
    return render_slip_layout(slip, width, qr_level).image


def render_checklist_layout(checklist: Checklist, width: int = WIDTH_80MM) -> RenderedSlip:
    """The papers checklist `width` dots wide, with the position of every text line."""
    layout = _Layout(width, "M")
    _draw_checklist(checklist, layout)
    return layout.render()


def render_checklist(checklist: Checklist, width: int = WIDTH_80MM) -> QImage:
    """The papers checklist as a black-on-white image `width` dots wide."""
    return render_checklist_layout(checklist, width).image
