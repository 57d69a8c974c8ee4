"""The kiosk's look: named colours and one style-sheet template, large type for touch."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from string import Template

from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import QApplication

from kiosk.paths import assets_dir

FONT_FAMILY = "DejaVu Sans"
MIN_TOUCH_PX = 64
BODY_PX = 22


@dataclass(frozen=True)
class Palette:
    background: str
    surface: str
    text: str
    muted: str
    primary: str
    on_primary: str
    danger: str
    border: str
    focus: str


NORMAL = Palette(
    background="#F4F7FB", surface="#FFFFFF", text="#111827", muted="#374151", primary="#0B5CAD",
    on_primary="#FFFFFF", danger="#B00020", border="#6B7280", focus="#F59E0B",
)
HIGH_CONTRAST = Palette(
    background="#000000", surface="#000000", text="#FFFFFF", muted="#FFFFFF", primary="#FFFF00",
    on_primary="#000000", danger="#FF8080", border="#FFFFFF", focus="#00FFFF",
)

_QSS = Template("""
QWidget { background: $background; color: $text; font-family: "$font"; font-size: ${body}px; }
QLabel { background: transparent; }
QLabel[role="title"] { font-size: ${title}px; font-weight: bold; }
QLabel[role="subtitle"] { font-size: ${subtitle}px; font-weight: bold; }
QLabel[role="muted"] { color: $muted; }
QLabel[role="error"] { color: $danger; font-weight: bold; }
QLabel[role="banner"] { color: $danger; font-weight: bold; border: 2px solid $danger; padding: 8px; }
QPushButton {
    background: $surface; color: $text; border: 2px solid $border; border-radius: 10px;
    min-height: ${touch}px; padding: 6px 18px; font-size: ${body}px;
}
QPushButton:focus { border: 3px solid $focus; }
QPushButton[role="primary"] { background: $primary; color: $on_primary; border-color: $primary; font-weight: bold; }
QPushButton[role="tile"] { min-height: ${tile}px; font-size: ${subtitle}px; text-align: left; padding: 16px 24px; }
QPushButton[role="chip"] { min-height: ${touch}px; border-radius: 24px; }
QLineEdit, QPlainTextEdit, QComboBox {
    background: $surface; color: $text; border: 2px solid $border; border-radius: 8px;
    min-height: ${touch}px; padding: 4px 12px; font-size: ${body}px;
}
QLineEdit:focus, QPlainTextEdit:focus, QComboBox:focus { border: 3px solid $focus; }
QLineEdit[invalid="true"], QPlainTextEdit[invalid="true"], QComboBox[invalid="true"] { border: 3px solid $danger; }
QComboBox QAbstractItemView { min-height: ${touch}px; font-size: ${body}px; }
QRadioButton, QCheckBox { min-height: ${touch}px; spacing: 14px; font-size: ${body}px; }
QRadioButton::indicator, QCheckBox::indicator { width: 32px; height: 32px; }
QScrollArea { border: none; }
QScrollBar:vertical { width: 28px; }
QFrame[role="card"] { background: $surface; border: 2px solid $border; border-radius: 12px; }
QFrame[role="overlay"] { background: rgba(0, 0, 0, 170); }
QFrame[role="dialog"] { background: $surface; border: 3px solid $primary; border-radius: 16px; }
""")


def stylesheet(palette: Palette = NORMAL, scale: float = 1.0) -> str:
    return _QSS.substitute(
        background=palette.background, surface=palette.surface, text=palette.text, muted=palette.muted,
        primary=palette.primary, on_primary=palette.on_primary, danger=palette.danger, border=palette.border,
        focus=palette.focus, font=FONT_FAMILY, body=round(BODY_PX * scale), title=round(40 * scale),
        subtitle=round(28 * scale), touch=round(MIN_TOUCH_PX * scale), tile=round(110 * scale),
    )


def load_fonts() -> list[str]:
    """Register the bundled fonts (they cover every Vietnamese letter); returns the family names."""
    families: list[str] = []
    for path in sorted(Path(assets_dir(), "fonts").glob("*.ttf")):
        font_id = QFontDatabase.addApplicationFont(str(path))
        if font_id >= 0:
            families.extend(QFontDatabase.applicationFontFamilies(font_id))
    return families


def apply_theme(app: QApplication, palette: Palette = NORMAL, scale: float = 1.0) -> None:
    font = QFont(FONT_FAMILY)
    font.setPixelSize(round(BODY_PX * scale))
    app.setFont(font)
    app.setStyleSheet(stylesheet(palette, scale))
