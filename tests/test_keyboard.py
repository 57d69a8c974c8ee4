"""The on-screen keyboard: Vietnamese typing through Telex and mark keys, the number pad, and where it shows."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QLabel, QLineEdit, QPlainTextEdit, QPushButton, QVBoxLayout, QWidget
from pytestqt.qtbot import QtBot

from kiosk.answers.sample import sample_answers
from kiosk.input.telex import Mark, telex_spelling
from kiosk.journey.machine import (
    ChooseMode,
    GiveConsent,
    Mode,
    OpenFeedback,
    OpenLookup,
    Reset,
    Screen,
    SelectProcedure,
    StartApplication,
    SubmitStep,
    Touch,
)
from kiosk.settings.config import Settings
from kiosk.workdays.clock import ManualClock
from tests.qt_fixtures import WindowFactory
from ui.accessibility.modes import DisplayMode
from ui.common.theme import TEXT_SCALES
from ui.input.keyboard import KeyboardMode, OnScreenKeyboard
from ui.screens.form import StepScreen
from ui.shell.app import ensure_app
from ui.shell.window import KioskWindow

BIRTH = "1.001193.000.00.00.H26"


@pytest.fixture
def window(active_window: KioskWindow) -> KioskWindow:
    return active_window


def to_identity_step(window: KioskWindow) -> StepScreen:
    for event in (Touch(), ChooseMode(Mode.DO), SelectProcedure(BIRTH), StartApplication(), GiveConsent()):
        window.send(event)
    assert window.journey.screen is Screen.STEP
    view = window.screens[Screen.STEP]
    assert isinstance(view, StepScreen)
    return view


def field(window: KioskWindow, name: str) -> QLineEdit:
    widget = window.findChild(QLineEdit, name)
    assert widget is not None, name
    return widget


def settle() -> None:
    for _ in range(3):  # the keyboard follows the focus, then scrolls the field into view, each queued
        QApplication.processEvents()


def focus(qtbot: QtBot, widget: QWidget) -> None:
    widget.setFocus(Qt.FocusReason.MouseFocusReason)
    qtbot.waitUntil(widget.hasFocus, timeout=2000)
    settle()


def press(qtbot: QtBot, keyboard: OnScreenKeyboard, name: str) -> None:
    key = keyboard.keys[name]
    assert key.isVisible(), name
    qtbot.mouseClick(key, Qt.MouseButton.LeftButton)


def type_telex(qtbot: QtBot, keyboard: OnScreenKeyboard, text: str) -> None:
    """Type `text` on the keyboard's letter keys, spelled in Telex (capitals with the shift key)."""
    names = {" ": "space", ",": "key.comma", ".": "key.dot", "-": "key.hyphen", "/": "key.slash"}
    for char in telex_spelling(text):
        if char in names:
            press(qtbot, keyboard, names[char])
        elif char.isdigit():
            press(qtbot, keyboard, f"key.{char}")
        else:
            if char.isupper():
                press(qtbot, keyboard, "shift")
            press(qtbot, keyboard, f"key.{char.lower()}")


def test_typing_a_vietnamese_name_in_telex_shows_it_in_the_field(qtbot: QtBot, window: KioskWindow) -> None:
    to_identity_step(window)
    name = field(window, "field.applicant_name")
    focus(qtbot, name)
    keyboard = window.input.keyboard
    assert keyboard.isVisible() and keyboard.input.mode is KeyboardMode.TEXT
    type_telex(qtbot, keyboard, "Nguyễn Thị Thủy")
    assert name.text() == "Nguyễn Thị Thủy"
    assert unicodedata.is_normalized("NFC", name.text())
    assert name.hasFocus() and keyboard.isVisible()  # keys never take the focus
    assert window.journey.session.answers.get("applicant_name") is None  # nothing sent before Next


def test_typing_an_address_with_the_mark_keys(qtbot: QtBot, window: KioskWindow) -> None:
    to_identity_step(window)
    address = field(window, "field.applicant_address")
    focus(qtbot, address)
    keyboard = window.input.keyboard
    words = [
        ["shift", "key.s", "key.o", "mark.circumflex_o", "mark.acute"],  # Số
        ["key.5"],
        ["key.n", "key.g", "key.o", "mark.tilde"],  # ngõ
        ["key.1", "key.2"],
        ["key.p", "key.h", "key.o", "mark.circumflex_o", "mark.acute"],  # phố
        ["shift", "key.b", "key.a", "key.c", "key.h", "mark.dot"],  # Bạch
        ["shift", "key.m", "key.a", "key.i", "key.comma"],  # Mai,
        ["shift", "key.h", "key.a", "key.i"],  # Hai
        ["shift", "key.b", "key.a", "mark.grave"],  # Bà
        ["shift", "key.t", "key.r", "key.u", "key.n", "key.g", "mark.horn_u"],  # Trưng
    ]
    for index, keys in enumerate(words):
        if index:
            press(qtbot, keyboard, "space")
        for key in keys:
            press(qtbot, keyboard, key)
    assert address.text() == "Số 5 ngõ 12 phố Bạch Mai, Hai Bà Trưng"
    assert unicodedata.is_normalized("NFC", address.text())


def test_tone_placement_follows_the_setting(qtbot: QtBot, make_window: WindowFactory) -> None:
    settings = Settings()
    settings.kiosk.tone_style = "modern"
    win = make_window(settings, active=True)
    to_identity_step(win)
    name = field(win, "field.applicant_name")
    focus(qtbot, name)
    keyboard = win.input.keyboard
    for key in ("shift", "key.t", "key.h", "key.u", "key.y", "mark.hook"):
        press(qtbot, keyboard, key)
    assert name.text() == "Thuỷ"


def test_a_letter_mark_key_types_its_letter_where_there_is_nothing_to_mark(
    qtbot: QtBot, window: KioskWindow
) -> None:
    to_identity_step(window)
    name = field(window, "field.applicant_name")
    focus(qtbot, name)
    keyboard = window.input.keyboard
    for key in ("shift", "mark.stroke", "key.a", "key.o", "mark.grave"):
        press(qtbot, keyboard, key)
    assert name.text() == "Đào"


def test_number_pad_for_numbers_phones_ids_and_dates(qtbot: QtBot, window: KioskWindow) -> None:
    to_identity_step(window)
    keyboard = window.input.keyboard
    dob = field(window, "field.applicant_dob")
    focus(qtbot, dob)
    assert keyboard.input.mode is KeyboardMode.NUMBER
    assert not keyboard.letters.isVisible() and keyboard.pad.isVisible()
    for key in ("key.0", "key.5", "extra", "key.0", "key.9", "extra", "key.1", "key.9", "key.6", "key.0"):
        press(qtbot, keyboard, key)
    assert dob.text() == "05/09/1960"
    phone = field(window, "field.applicant_phone")
    focus(qtbot, phone)
    assert keyboard.input.mode is KeyboardMode.NUMBER and keyboard.extra.text() == "+"
    id_number = field(window, "field.applicant_id")
    focus(qtbot, id_number)
    assert keyboard.input.mode is KeyboardMode.NUMBER and not keyboard.extra.isEnabled()
    name = field(window, "field.applicant_name")
    focus(qtbot, name)
    assert keyboard.input.mode is KeyboardMode.TEXT and keyboard.letters.isVisible()
    window.send(Reset("test"))
    window.send(Touch())
    window.send(OpenLookup())
    lookup_phone = field(window, "lookup.phone")
    focus(qtbot, lookup_phone)  # no FieldEditor here: the field's input hints decide
    assert keyboard.input.mode is KeyboardMode.NUMBER


def test_backspace_next_field_and_done(qtbot: QtBot, window: KioskWindow) -> None:
    to_identity_step(window)
    keyboard = window.input.keyboard
    name = field(window, "field.applicant_name")
    focus(qtbot, name)
    type_telex(qtbot, keyboard, "Hà")
    press(qtbot, keyboard, "backspace")
    assert name.text() == "H"
    press(qtbot, keyboard, "next")
    settle()
    dob = field(window, "field.applicant_dob")
    assert dob.hasFocus()
    assert keyboard.isVisible() and keyboard.input.mode is KeyboardMode.NUMBER
    press(qtbot, keyboard, "pad.done")
    settle()
    assert not keyboard.isVisible()
    assert not dob.hasFocus()


def test_keyboard_goes_when_focus_leaves_text_fields(qtbot: QtBot, window: KioskWindow) -> None:
    to_identity_step(window)
    keyboard = window.input.keyboard
    assert not keyboard.isVisible() or QApplication.focusWidget() is not None
    name = field(window, "field.applicant_name")
    focus(qtbot, name)
    assert keyboard.isVisible()
    radio = window.findChild(QWidget, "field.applicant_gender.nam")
    assert radio is not None
    qtbot.mouseClick(radio, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not keyboard.isVisible(), timeout=2000)
    focus(qtbot, name)
    assert keyboard.isVisible()


def test_keys_are_big_touch_targets_at_every_text_size(qtbot: QtBot, window: KioskWindow) -> None:
    to_identity_step(window)
    keyboard = window.input.keyboard
    for scale in TEXT_SCALES:
        window.input.display.set_mode(DisplayMode(scale))
        for name in ("field.applicant_name", "field.applicant_phone"):
            focus(qtbot, field(window, name))
            keys = [k for k in keyboard.findChildren(QPushButton) if k.isVisible()]
            assert len(keys) >= 10
            for key in keys:
                assert key.width() >= 56 and key.height() >= 56, (scale, key.objectName(), key.size())
                assert key.focusPolicy() == Qt.FocusPolicy.NoFocus


def test_pressing_keys_counts_as_activity(qtbot: QtBot, window: KioskWindow) -> None:
    clock = window.runtime.clock
    assert isinstance(clock, ManualClock)
    to_identity_step(window)
    name = field(window, "field.applicant_name")
    focus(qtbot, name)
    for _ in range(4):
        clock.advance(window.runtime.idle_policy.form_seconds - 5)
        press(qtbot, window.input.keyboard, "key.m")
        window.poll_idle()
        assert window.journey.screen is Screen.STEP
        assert not window.overlay.isVisible()
    assert name.text() == "mmmm"


def test_reset_clears_the_keyboard(qtbot: QtBot, window: KioskWindow) -> None:
    to_identity_step(window)
    keyboard = window.input.keyboard
    focus(qtbot, field(window, "field.applicant_name"))
    press(qtbot, keyboard, "shift")
    assert keyboard.shifted and keyboard.keys["key.a"].text() == "A"
    window.send(Reset("idle"))
    settle()
    assert not keyboard.isVisible()
    assert not keyboard.shifted and keyboard.target is None
    assert keyboard.keys["key.a"].text() == "a"


def test_hardware_keyboard_still_types_into_fields(qtbot: QtBot, window: KioskWindow) -> None:
    to_identity_step(window)
    name = field(window, "field.applicant_name")
    focus(qtbot, name)
    QTest.keyClicks(name, "An Binh")
    window.input.scanner.flush()  # QTest types as fast as a scanner; without Enter it is typing
    assert name.text() == "An Binh"


def test_paste_is_swallowed_in_fields(qtbot: QtBot, window: KioskWindow) -> None:
    to_identity_step(window)
    name = field(window, "field.applicant_name")
    focus(qtbot, name)
    QGuiApplication.clipboard().setText("PASTED")
    QTest.keyClick(name, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    QTest.keyClick(name, Qt.Key.Key_Insert, Qt.KeyboardModifier.ShiftModifier)
    window.input.scanner.flush()
    assert name.text() == ""
    QGuiApplication.clipboard().clear()


def visible_rect(widget: QWidget, window: QWidget) -> QRect:
    return QRect(widget.mapTo(window, QPoint(0, 0)), widget.size())


def text_fields_of_every_screen(qtbot: QtBot, window: KioskWindow) -> Iterator[QLineEdit | QPlainTextEdit]:
    view = to_identity_step(window)
    proc = window.journey.procedure
    assert proc is not None
    answers = sample_answers(proc, window.runtime.clock.now().date())
    while window.journey.screen is Screen.STEP and window.journey.session.step_index == 0:  # one question a page
        for editor in view.editors.values():
            if isinstance(editor.input, QLineEdit) and editor.isVisible():
                yield editor.input
        window.send(SubmitStep({f: answers.get(f, "") for f in view.capture()}))
    window.send(Reset("test"))
    window.send(Touch())
    window.send(OpenLookup())
    yield field(window, "lookup.code")
    yield field(window, "lookup.phone")
    window.send(Reset("test"))
    window.send(Touch())
    window.send(OpenFeedback())
    feedback = window.findChild(QPlainTextEdit, "feedback.text")
    assert feedback is not None
    yield feedback
    window.send(Reset("test"))
    window.send(Touch())
    window.send(ChooseMode(Mode.DO))
    yield field(window, "procedures.search")


LAYOUTS = [(1920, 1080, 1.0), (1366, 768, 1.0), (1080, 1920, 1.0), (1366, 768, 1.5)]


@pytest.mark.parametrize(("width", "height", "scale"), LAYOUTS, ids=[f"{w}x{h}@{s}" for w, h, s in LAYOUTS])
def test_keyboard_never_covers_the_focused_field(
    qtbot: QtBot, make_window: WindowFactory, width: int, height: int, scale: float
) -> None:
    win = make_window(size=(width, height), active=True)
    keyboard = win.input.keyboard
    seen = 0
    for target in text_fields_of_every_screen(qtbot, win):
        win.input.display.set_mode(DisplayMode(scale))  # again after each reset
        focus(qtbot, target)
        qtbot.waitUntil(keyboard.isVisible, timeout=2000)
        QApplication.processEvents()
        assert (win.width(), win.height()) == (width, height)  # nothing pushed the window past the display
        where = visible_rect(target, win)
        keys = visible_rect(keyboard, win)
        what = f"{target.objectName()} at {width}x{height} ×{scale}"
        assert win.rect().contains(keys), what
        assert not where.intersects(keys), what
        assert target.visibleRegion().boundingRect() == target.rect(), what  # not clipped by a scroll area
        seen += 1
    assert seen >= 8


def test_with_the_keyboard_up_a_step_keeps_its_fields_and_buttons_in_view(qtbot: QtBot, window: KioskWindow) -> None:
    view = to_identity_step(window)
    keyboard = window.input.keyboard
    assert view.help.isVisible() and view.scan_hint.isVisible()
    focus(qtbot, field(window, "field.applicant_name"))
    qtbot.waitUntil(keyboard.isVisible, timeout=2000)
    QApplication.processEvents()
    keys = visible_rect(keyboard, window)
    progress = window.findChild(QLabel, "step.progress")
    step = window.journey.current_step()
    assert progress is not None and step is not None
    assert step.title.vi in progress.text()  # the step's title moves up into the progress line
    for name in ("step.back", "step.next", "step.progress"):
        widget = window.findChild(QWidget, name)
        assert widget is not None and widget.isVisible(), name
        where = visible_rect(widget, window)
        assert where.bottom() < keys.top(), name  # above the keyboard, not scrolled out of the window
        assert widget.visibleRegion().boundingRect() == widget.rect(), name  # whole
    # The step's help, scan hint and large title give way; the screens as a whole do not scroll.
    assert not view.help.isVisible() and not view.scan_hint.isVisible() and not view.title.isVisible()
    assert window.screens_area.verticalScrollBar().maximum() == 0
    next_button = window.findChild(QPushButton, "step.next")
    assert next_button is not None
    focus(qtbot, next_button)  # a button: the keyboard goes
    qtbot.waitUntil(lambda: not keyboard.isVisible(), timeout=2000)
    assert view.help.isVisible() and view.scan_hint.isVisible()


# --- property: any keys, marks and backspaces leave NFC text ------------------------------------------


class Host(QWidget):
    """A window with one line field, one multi-line field and the keyboard."""

    def __init__(self) -> None:
        super().__init__()
        layout = QVBoxLayout(self)
        self.line = QLineEdit()
        self.plain = QPlainTextEdit()
        layout.addWidget(self.line)
        layout.addWidget(self.plain)
        self.keyboard = OnScreenKeyboard(self, "traditional", lambda: "vi")
        layout.addWidget(self.keyboard)


@pytest.fixture
def host(qtbot: QtBot) -> Iterator[Host]:
    ensure_app()
    widget = Host()
    qtbot.addWidget(widget)
    widget.resize(1200, 700)
    widget.show()
    widget.activateWindow()
    qtbot.waitUntil(widget.isActiveWindow, timeout=2000)
    yield widget
    widget.keyboard.detach()


LETTER_KEYS = [f"key.{c}" for c in "qwertyuiopasdfghjklzxcvbnm"]
OTHER_KEYS = ["key.comma", "key.dot", "key.hyphen", "key.apostrophe", "key.1", "key.0", "space", "backspace", "shift"]
MARK_KEYS = [f"mark.{m.value}" for m in (Mark.ACUTE, Mark.GRAVE, Mark.HOOK, Mark.TILDE, Mark.DOT, Mark.NONE)] + [
    "mark.breve", "mark.circumflex_a", "mark.circumflex_e", "mark.circumflex_o", "mark.horn_o", "mark.horn_u",
    "mark.stroke",
]
ACTIONS = st.one_of(
    st.sampled_from(LETTER_KEYS + OTHER_KEYS + MARK_KEYS + ["backspace"] * 6),
    st.integers(min_value=0, max_value=60).map(lambda n: f"cursor:{n}"),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(start=st.text(alphabet="aăâeêioôơuưyAĐdđnghtr \u0300\u0301\u0303\u0309\u0323", max_size=12),
       actions=st.lists(ACTIONS, max_size=40), multi_line=st.booleans())
def test_any_keys_marks_and_backspaces_leave_nfc_text(
    qtbot: QtBot, host: Host, start: str, actions: list[str], multi_line: bool
) -> None:
    target: QLineEdit | QPlainTextEdit = host.plain if multi_line else host.line
    target.setFocus()
    settle()
    assert host.keyboard.target is target
    if isinstance(target, QLineEdit):
        target.setText(start)  # may hold decomposed letters, as another input method could leave them
    else:
        target.setPlainText(start)
    for action in actions:
        if action.startswith("cursor:"):
            text = target.text() if isinstance(target, QLineEdit) else target.toPlainText()
            position = min(int(action.split(":")[1]), len(text))
            if isinstance(target, QLineEdit):
                target.setCursorPosition(position)
            else:
                cursor = target.textCursor()
                cursor.setPosition(position)
                target.setTextCursor(cursor)
            continue
        host.keyboard.keys[action].click()
        if action == "shift":
            continue  # edits nothing
        text = target.text() if isinstance(target, QLineEdit) else target.toPlainText()
        assert unicodedata.is_normalized("NFC", text), (action, text)
