"""The kiosk's look: named colours and one style-sheet template, large type for touch.

Two palettes (normal, high contrast) and three text sizes; `contrast_pairs` lists every pair of
colours the style sheet puts text or controls on, so a test can hold both palettes to WCAG ratios.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from pathlib import Path
from string import Template

from PySide6.QtGui import QColor, QFont, QFontDatabase, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication, QPushButton, QWidget

from kiosk.files.paths import assets_dir
from ui.common.widgets import set_button_text

FONT_FAMILY = "DejaVu Sans"
MIN_TOUCH_PX = 64
BODY_PX = 22
NEXT_STEPS_PX = 26  # the receipt's next steps: read once, standing, by an elderly resident
KEY_PX = 60  # on-screen keyboard keys, border included: at least 56 px each way at every text size
TEXT_SCALES = (1.0, 1.25, 1.5)


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
    panel: str  # behind the on-screen keyboard's keys


NORMAL = Palette(
    background="#F4F7FB", surface="#FFFFFF", text="#111827", muted="#374151", primary="#0B5CAD",
    on_primary="#FFFFFF", danger="#B00020", border="#6B7280", focus="#B45309", panel="#E2E8F0",
)
HIGH_CONTRAST = Palette(
    background="#000000", surface="#000000", text="#FFFFFF", muted="#FFFFFF", primary="#FFFF00",
    on_primary="#000000", danger="#FF8080", border="#FFFFFF", focus="#00FFFF", panel="#000000",
)

_QSS = Template("""
QWidget { background: $background; color: $text; font-family: "$font"; font-size: ${body}px; }
QLabel { background: transparent; }
QLabel[role="title"] { font-size: ${title}px; font-weight: bold; }
QLabel[role="subtitle"] { font-size: ${subtitle}px; font-weight: bold; }
QLabel[role="next"] { font-size: ${next}px; }
QLabel[role="next-heading"] { font-size: ${next}px; font-weight: bold; color: $primary; padding-top: 8px; }
QLabel[role="muted"] { color: $muted; }
QLabel[role="error"] { color: $danger; font-weight: bold; }
QLabel[role="banner"] { color: $danger; font-weight: bold; border: 2px solid $danger; padding: 8px; }
QPushButton {
    background: $surface; color: $text; border: 2px solid $border; border-radius: 10px;
    min-height: ${touch}px; padding: 6px 18px; font-size: ${body}px;
}
QPushButton:focus { border: 3px solid $focus; }
QPushButton:checked { background: $primary; color: $on_primary; border-color: $primary; }
QPushButton[role="primary"] { background: $primary; color: $on_primary; border-color: $primary; font-weight: bold; }
QPushButton[role="tile"] { min-height: ${tile}px; font-size: ${subtitle}px; text-align: left; padding: 16px 24px; }
QPushButton[role="chip"] { min-height: ${touch}px; border-radius: 24px; }
/* The display controls keep their size, so the top bar still fits a portrait screen at ×1.5. */
QPushButton[role="bar"] { min-height: ${touch}px; padding: 2px 12px; font-size: ${body_fixed}px; }
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
QFrame[role="keyboard"] { background: $panel; border-top: 2px solid $border; }
QWidget[role="keys"] { background: $panel; }
QPushButton[role="key"], QPushButton[role="key-mark"], QPushButton[role="key-fn"] {
    background: $surface; color: $text; border: 2px solid $border; border-radius: 8px;
    min-height: ${key_h}px; max-height: ${key_h}px; min-width: ${key_w}px; padding: 0px 4px; font-size: ${key_font}px;
}
QPushButton[role="key-mark"] { color: $primary; font-weight: bold; }
QPushButton[role="key-fn"] { font-size: ${body}px; font-weight: bold; }
QPushButton[role="key"]:pressed, QPushButton[role="key-mark"]:pressed, QPushButton[role="key-fn"]:pressed,
QPushButton[role="key-fn"]:checked { background: $primary; color: $on_primary; border-color: $primary; }
QPushButton[role="key-done"] {
    background: $primary; color: $on_primary; border: 2px solid $primary; border-radius: 8px; font-weight: bold;
    min-height: ${key_h}px; max-height: ${key_h}px; min-width: ${key_w}px; padding: 0px 4px; font-size: ${body}px;
}
""")


def stylesheet(palette: Palette = NORMAL, scale: float = 1.0, screen: float = 1.0) -> str:
    """The style sheet at the resident's text size `scale` on a screen `screen` times a 1366×768 one (the top
    bar's buttons keep their size whatever the text size, but grow with the screen)."""
    scale *= screen
    return _QSS.substitute(
        background=palette.background, surface=palette.surface, text=palette.text, muted=palette.muted,
        primary=palette.primary, on_primary=palette.on_primary, danger=palette.danger, border=palette.border,
        focus=palette.focus, panel=palette.panel, font=FONT_FAMILY, body=round(BODY_PX * scale),
        title=round(40 * scale), subtitle=round(28 * scale), touch=round(MIN_TOUCH_PX * scale),
        tile=round(110 * scale), key_h=KEY_PX - 4, key_w=KEY_PX - 12, key_font=round(26 * scale),
        body_fixed=round(BODY_PX * screen), next=round(NEXT_STEPS_PX * scale),
    )


def _channel(value: int) -> float:
    c = value / 255
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def relative_luminance(colour: str) -> float:
    """WCAG 2 relative luminance of a #RRGGBB colour."""
    text = colour.lstrip("#")
    if len(text) != 6:
        raise ValueError(f"not a #RRGGBB colour: {colour!r}")
    r, g, b = (int(text[i : i + 2], 16) for i in (0, 2, 4))
    return 0.2126 * _channel(r) + 0.7152 * _channel(g) + 0.0722 * _channel(b)


def contrast_ratio(foreground: str, background: str) -> float:
    """WCAG 2 contrast ratio of two #RRGGBB colours (1 to 21)."""
    a, b = relative_luminance(foreground), relative_luminance(background)
    light, dark = max(a, b), min(a, b)
    return (light + 0.05) / (dark + 0.05)


def contrast_pairs(palette: Palette) -> dict[str, list[tuple[str, str, str]]]:
    """Every (what, foreground, background) the style sheet uses, under "text" and "controls".

    Text pairs are held to 4.5:1 (7:1 in high contrast); controls (borders, the focus ring) to 3:1.
    """
    p = palette
    text = [
        ("text on background", p.text, p.background),
        ("text on surface", p.text, p.surface),
        ("muted on background", p.muted, p.background),
        ("muted on surface", p.muted, p.surface),
        ("placeholder on surface", p.muted, p.surface),
        ("primary button", p.on_primary, p.primary),
        ("checked button", p.on_primary, p.primary),
        ("error on background", p.danger, p.background),
        ("error on surface", p.danger, p.surface),
        ("mark key", p.primary, p.surface),
        ("key on surface", p.text, p.surface),
        ("text on keyboard panel", p.text, p.panel),
    ]
    controls = [
        ("border on surface", p.border, p.surface),
        ("border on background", p.border, p.background),
        ("border on keyboard panel", p.border, p.panel),
        ("focus ring on surface", p.focus, p.surface),
        ("focus ring on background", p.focus, p.background),
    ]
    return {"text": text, "controls": controls}


def palette_colours(palette: Palette) -> dict[str, str]:
    return {f.name: getattr(palette, f.name) for f in fields(palette)}


def load_fonts() -> list[str]:
    """Register the bundled fonts (they cover every Vietnamese letter); returns the family names."""
    families: list[str] = []
    for path in sorted(Path(assets_dir(), "fonts").glob("*.ttf")):
        font_id = QFontDatabase.addApplicationFont(str(path))
        if font_id >= 0:
            families.extend(QFontDatabase.applicationFontFamilies(font_id))
    return families


def _qt_palette(base: QPalette, palette: Palette) -> QPalette:
    # The style sheet colours everything it names; the placeholder text comes from the palette.
    result = QPalette(base)
    result.setColor(QPalette.ColorRole.PlaceholderText, QColor(palette.muted))
    return result


# The sizes above are for a 1366×768 screen; larger screens scale them up to this much.
MAX_SCREEN_SCALE = 1.6


def screen_scale() -> float:
    """How much larger than on 1366×768 text and touch targets are on this machine's screen: the same share
    of the screen on a 1920×1080 panel (×1.4) as on the smallest kiosk screen, never smaller."""
    screen = QGuiApplication.primaryScreen()
    return 1.0 if screen is None else scale_for(screen.size().width(), screen.size().height())


def scale_for(width: int, height: int) -> float:
    """`screen_scale` for a screen of `width` × `height` pixels (portrait screens go by their width)."""
    return max(1.0, min(width / 1366, height / 768, MAX_SCREEN_SCALE))


def apply_theme(target: QApplication | QWidget, palette: Palette = NORMAL, scale: float = 1.0) -> None:
    """Font, palette and style sheet for the whole application, or for one window (the accessibility modes
    restyle the kiosk window and leave the application's theme as it is). `scale` is the resident's text
    size; the screen's own scale (`screen_scale`) multiplies it."""
    screen = screen_scale()
    font = QFont(FONT_FAMILY)
    font.setPixelSize(round(BODY_PX * scale * screen))
    target.setFont(font)
    target.setPalette(_qt_palette(target.palette(), palette))
    target.setStyleSheet(stylesheet(palette, scale, screen))


def clear_window_theme(window: QWidget) -> None:
    """Back to the application's theme."""
    window.setStyleSheet("")
    window.setFont(QFont())
    window.setPalette(QPalette())


def two_lines(text: str) -> str:
    """The text broken at the space nearest its middle, so a top-bar button stays narrow."""
    spaces = [i for i, char in enumerate(text) if char == " "]
    if not spaces:
        return text
    middle = min(spaces, key=lambda i: abs(i - len(text) / 2))
    return text[:middle] + "\n" + text[middle + 1 :]


def set_bar_text(widget: QPushButton, text: str, description: str) -> None:
    """A top-bar button's text on two lines; its accessible name stays one line."""
    set_button_text(widget, text, description)
    widget.setText(two_lines(text))
