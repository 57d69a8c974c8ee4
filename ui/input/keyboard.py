"""The on-screen keyboard, docked under the screens of the kiosk window.

It appears when a text field takes focus and goes when focus leaves text fields: Vietnamese
QWERTY with Telex (through `kiosk.input.telex.TelexEngine`) and a row of mark keys for letters, or a
number pad for numbers, phones, ID numbers and dates. Keys never take focus, so the field keeps
it; each key edits the field's text through the engine, so the field always holds NFC text.
Hardware keyboards type into fields as usual, without Telex.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

import shiboken6
from PySide6.QtCore import QEvent, QObject, QPoint, Qt, Signal
from PySide6.QtGui import QHideEvent, QKeyEvent, QKeySequence, QMouseEvent, QShowEvent, QTextCursor
from PySide6.QtWidgets import (
    QApplication,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QTextEdit,
    QVBoxLayout,
    QWidget,
)

from kiosk.catalog.models import FieldKind
from kiosk.i18n import tr
from kiosk.input.telex import Mark, TelexEngine, ToneStyle
from ui.common.widgets import FieldEditor

LETTER_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm")
TONE_MARKS = (Mark.ACUTE, Mark.GRAVE, Mark.HOOK, Mark.TILDE, Mark.DOT, Mark.NONE)
LETTER_MARKS = (("ă", Mark.BREVE), ("â", Mark.CIRCUMFLEX), ("ê", Mark.CIRCUMFLEX), ("ô", Mark.CIRCUMFLEX),
                ("ơ", Mark.HORN), ("ư", Mark.HORN), ("đ", Mark.STROKE))
_TONE_LABELS = {Mark.ACUTE: "á", Mark.GRAVE: "à", Mark.HOOK: "ả", Mark.TILDE: "ã", Mark.DOT: "ạ"}
_LETTER_MARK_NAMES = {"ă": "breve", "â": "circumflex_a", "ê": "circumflex_e", "ô": "circumflex_o",
                      "ơ": "horn_o", "ư": "horn_u", "đ": "stroke"}

_NUMERIC_KINDS = {FieldKind.PHONE: "+", FieldKind.ID_NUMBER: "", FieldKind.NUMBER: ",", FieldKind.DATE: "/"}
_LITERAL_KINDS = frozenset({FieldKind.EMAIL})
_PAD_ALONE_MAX_PX = 640
_QWIDGETSIZE_MAX = 16777215
_NUMERIC_HINTS = (
    (Qt.InputMethodHint.ImhDate, "/"),
    (Qt.InputMethodHint.ImhFormattedNumbersOnly, ","),
    (Qt.InputMethodHint.ImhDialableCharactersOnly, "+"),
    (Qt.InputMethodHint.ImhDigitsOnly, ""),
)
_LITERAL_HINTS = (Qt.InputMethodHint.ImhEmailCharactersOnly | Qt.InputMethodHint.ImhUrlCharactersOnly
                  | Qt.InputMethodHint.ImhLatinOnly)


class KeyboardMode(StrEnum):
    TEXT = "text"  # Vietnamese: Telex and the mark keys
    LITERAL = "literal"  # e-mail addresses and codes: letters as typed, no marks
    NUMBER = "number"  # the number pad


@dataclass(frozen=True)
class FieldInput:
    """How a focused field is typed into on the on-screen keyboard."""

    mode: KeyboardMode
    extra: str = ""  # the number pad's extra key: "/" for dates, "," for numbers, "+" for phones


def text_widget(widget: QWidget | None) -> QLineEdit | QPlainTextEdit | None:
    """The widget if it is a text field a resident can type into."""
    if isinstance(widget, QLineEdit | QPlainTextEdit) and not widget.isReadOnly() and widget.isEnabled():
        return widget
    return None


def input_for(widget: QWidget | None) -> FieldInput | None:
    """How `widget` is typed into, or None if it is not a text field.

    The field's FieldEditor kind decides when there is one; otherwise its input method hints.
    """
    field = text_widget(widget)
    if field is None:
        return None
    editor = field.parentWidget()
    while editor is not None and not isinstance(editor, FieldEditor):
        editor = editor.parentWidget()
    if isinstance(editor, FieldEditor) and editor.input is field:
        kind = editor.spec.kind
        if kind in _NUMERIC_KINDS:
            return FieldInput(KeyboardMode.NUMBER, _NUMERIC_KINDS[kind])
        if kind in _LITERAL_KINDS:
            return FieldInput(KeyboardMode.LITERAL)
        return FieldInput(KeyboardMode.TEXT)
    hints = field.inputMethodHints()
    for hint, extra in _NUMERIC_HINTS:
        if hints & hint:
            return FieldInput(KeyboardMode.NUMBER, extra)
    if hints & _LITERAL_HINTS:
        return FieldInput(KeyboardMode.LITERAL)
    return FieldInput(KeyboardMode.TEXT)


# Qt counts text positions in UTF-16 code units, Python in code points.
def _to_qt(text: str, index: int) -> int:
    return len(text[:index].encode("utf-16-le")) // 2


def _from_qt(text: str, position: int) -> int:
    units = 0
    for index, char in enumerate(text):
        if units >= position:
            return index
        units += 2 if ord(char) > 0xFFFF else 1
    return len(text)


Edit = Callable[[str, int], tuple[str, int]]


def _line_edit(field: QLineEdit, edit: Edit) -> None:
    if field.hasSelectedText():
        field.del_()
    old = field.text()
    new, cursor = edit(old, _from_qt(old, field.cursorPosition()))
    start, old_end, new_end = _changed_span(old, new)
    if new != old:
        if old_end > start:
            field.setSelection(_to_qt(old, start), _to_qt(old, old_end) - _to_qt(old, start))
        else:
            field.setCursorPosition(_to_qt(old, start))
        field.insert(new[start:new_end])  # emits textEdited, as typing does
    text = field.text()
    field.setCursorPosition(_to_qt(text, min(cursor, len(text))))


def _plain_edit(field: QPlainTextEdit, edit: Edit) -> None:
    cursor = field.textCursor()
    if cursor.hasSelection():
        cursor.removeSelectedText()
    old = field.toPlainText()
    new, index = edit(old, _from_qt(old, cursor.position()))
    start, old_end, new_end = _changed_span(old, new)
    if new != old:
        cursor.setPosition(_to_qt(old, start))
        cursor.setPosition(_to_qt(old, old_end), QTextCursor.MoveMode.KeepAnchor)
        cursor.insertText(new[start:new_end])
    text = field.toPlainText()
    cursor.setPosition(_to_qt(text, min(index, len(text))))
    field.setTextCursor(cursor)


def _changed_span(old: str, new: str) -> tuple[int, int, int]:
    """The smallest span that differs: (start, end in old, end in new)."""
    start = 0
    limit = min(len(old), len(new))
    while start < limit and old[start] == new[start]:
        start += 1
    end = 0
    while end < limit - start and old[len(old) - 1 - end] == new[len(new) - 1 - end]:
        end += 1
    return start, len(old) - end, len(new) - end


def _literal(char: str) -> Edit:
    def edit(text: str, cursor: int) -> tuple[str, int]:
        before = unicodedata.normalize("NFC", text[:cursor] + char)
        return unicodedata.normalize("NFC", before + text[cursor:]), len(before)

    return edit


def _reveal(area: QScrollArea, widget: QWidget, margin: int = 8, down_to: QWidget | None = None) -> None:
    """Scroll `area` so all of `widget` shows (QScrollArea.ensureWidgetVisible shows only a field's cursor);
    with `down_to`, everything from the top of `widget` to the bottom of `down_to`. When that is taller than
    the room, its top shows."""
    content = area.widget()
    if content is None or not content.isAncestorOf(widget):
        return
    top = widget.mapTo(content, QPoint(0, 0)).y()
    last = down_to if down_to is not None and content.isAncestorOf(down_to) else widget
    bottom = last.mapTo(content, QPoint(0, 0)).y() + last.height()
    bar = area.verticalScrollBar()
    room = area.viewport().height()
    value = bar.value()
    if bottom + margin > value + room:
        value = bottom + margin - room
    value = min(value, top - margin)
    bar.setValue(value)


def is_paste(event: QKeyEvent) -> bool:
    """Ctrl+V, Shift+Insert and the platform's other paste keys."""
    if event.matches(QKeySequence.StandardKey.Paste):
        return True
    return event.key() == Qt.Key.Key_Insert and bool(event.modifiers() & Qt.KeyboardModifier.ShiftModifier)


def _is_text_target(watched: QObject) -> bool:
    return isinstance(watched, QLineEdit | QPlainTextEdit | QTextEdit) or (
        isinstance(watched, QWidget) and isinstance(watched.parentWidget(), QPlainTextEdit | QTextEdit)
    )


class OnScreenKeyboard(QFrame):
    """The keyboard. Call `filter_event` from the window's application event filter."""

    # Queued, so the keyboard hides after the click that moved focus away has been delivered.
    _settle = Signal()
    # Queued, so the field is scrolled into view after the layouts have made room for the keyboard.
    _scroll = Signal()
    # Queued: the keyboard changes the window's layout only after the focus change has been handled, never
    # in the middle of a screen's own updates (its geometry would be read half done).
    _follow = Signal()
    # The keyboard came up (True) or went away (False): screens make room for it.
    shown_changed = Signal(bool)

    def __init__(
        self, host: QWidget, tone_style: str, lang: Callable[[], str], resident_area: QWidget | None = None
    ) -> None:
        """`host`: the window whose fields the keyboard serves. `resident_area`: where paste is refused
        (the residents' screens; staff screens elsewhere in the window keep it); default the whole host."""
        super().__init__(host)
        self.setObjectName("osk")
        self.setProperty("role", "keyboard")
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        self._host = host
        self._resident_area = resident_area or host
        self._lang = lang
        self.engine = TelexEngine(ToneStyle(tone_style))
        self.target: QLineEdit | QPlainTextEdit | None = None
        self.input = FieldInput(KeyboardMode.TEXT)
        self.shifted = False
        self._pointer_down = False
        self._hide_pending = False
        self.keys: dict[str, QPushButton] = {}
        self._build()
        self._settle.connect(self._settle_visibility, Qt.ConnectionType.QueuedConnection)
        self._scroll.connect(self.keep_target_visible, Qt.ConnectionType.QueuedConnection)
        self._follow.connect(self._follow_focus, Qt.ConnectionType.QueuedConnection)
        self._following = True
        app = QApplication.instance()
        if isinstance(app, QApplication):
            app.focusChanged.connect(self._focus_changed)
        self.retranslate()
        self.hide()

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 (Qt override)
        super().showEvent(event)
        self.shown_changed.emit(True)

    def hideEvent(self, event: QHideEvent) -> None:  # noqa: N802 (Qt override)
        super().hideEvent(event)
        self.shown_changed.emit(False)

    # --- building ---

    def _key(self, name: str, text: str, role: str, action: Callable[[], None], stretch: int = 2) -> QPushButton:
        key = QPushButton(text)
        key.setObjectName(f"osk.{name}")
        key.setProperty("role", role)
        key.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        key.setAutoDefault(False)
        key.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        key.clicked.connect(action)
        key.setProperty("stretch", stretch)
        self.keys[name] = key
        return key

    def _row(self, keys: list[QPushButton]) -> QHBoxLayout:
        row = QHBoxLayout()
        row.setSpacing(6)
        for key in keys:
            row.addWidget(key, int(key.property("stretch")))
        return row

    def _build(self) -> None:
        outer = QVBoxLayout(self)
        outer.setContentsMargins(12, 8, 12, 8)
        outer.setSpacing(6)
        marks = [self._key(f"mark.{m.value}", _TONE_LABELS.get(m, ""), "key-mark", self._mark_action(m),
                           3 if m is Mark.NONE else 2) for m in TONE_MARKS]
        marks += [self._key(f"mark.{_LETTER_MARK_NAMES[c]}", c, "key-mark", self._letter_mark_action(c, m))
                  for c, m in LETTER_MARKS]
        self.mark_row = QWidget()
        self.mark_row.setObjectName("osk.marks")
        self.mark_row.setProperty("role", "keys")
        mark_layout = self._row(marks)
        mark_layout.setContentsMargins(0, 0, 0, 0)
        self.mark_row.setLayout(mark_layout)
        outer.addWidget(self.mark_row)

        body = QHBoxLayout()
        body.setSpacing(18)
        body.addStretch(0)  # these two take the room only the number pad alone leaves (it is capped)
        self.letters = QWidget()
        self.letters.setObjectName("osk.letters")
        self.letters.setProperty("role", "keys")
        rows = QVBoxLayout(self.letters)
        rows.setContentsMargins(0, 0, 0, 0)
        rows.setSpacing(6)
        first = [self._letter(c) for c in LETTER_ROWS[0]]
        first.append(self._key("backspace", "⌫", "key-fn", self.backspace, 3))
        second = [self._letter(c) for c in LETTER_ROWS[1]]
        second += [self._char("-", "hyphen"), self._char("'", "apostrophe")]
        shift = self._key("shift", "⇧", "key-fn", self.toggle_shift, 3)
        shift.setCheckable(True)
        third = [shift, *[self._letter(c) for c in LETTER_ROWS[2]], self._char(",", "comma"), self._char(".", "dot"),
                 self._char("/", "slash")]
        fourth = [self._char("@", "at"), self._key("space", "", "key-fn", lambda: self.type_text(" "), 10),
                  self._key("next", "", "key-fn", self.next_field, 4), self._key("done", "", "key-done", self.done, 3)]
        for keys in (first, second, third, fourth):
            rows.addLayout(self._row(keys))
        body.addWidget(self.letters, 4)

        self.pad = QWidget()
        self.pad.setObjectName("osk.pad")
        self.pad.setProperty("role", "keys")
        grid = QGridLayout(self.pad)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setSpacing(6)
        for index, digit in enumerate("789456123"):
            grid.addWidget(self._char(digit, digit), index // 3, index % 3)
        grid.addWidget(self._char("0", "0"), 3, 0, 1, 2)
        self.extra = self._key("extra", "", "key", self._type_extra)
        grid.addWidget(self.extra, 3, 2)
        # The number pad's own function keys, shown only when it stands alone.
        self.pad_backspace = self._key("pad.backspace", "⌫", "key-fn", self.backspace)
        self.pad_next = self._key("pad.next", "", "key-fn", self.next_field)
        self.pad_done = self._key("pad.done", "", "key-done", self.done)
        grid.addWidget(self.pad_backspace, 0, 3)
        grid.addWidget(self.pad_next, 1, 3, 2, 1)
        self.pad_next.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        grid.addWidget(self.pad_done, 3, 3)
        body.addWidget(self.pad, 1)
        body.addStretch(0)
        outer.addLayout(body)
        self._layout_for(self.input)

    def _letter(self, char: str) -> QPushButton:
        return self._key(f"key.{char}", char, "key", lambda: self.type_letter(char))

    def _char(self, char: str, name: str) -> QPushButton:
        return self._key(f"key.{name}", char, "key", lambda: self.type_text(char))

    def _mark_action(self, mark: Mark) -> Callable[[], None]:
        return lambda: self.apply_mark(mark)

    def _letter_mark_action(self, char: str, mark: Mark) -> Callable[[], None]:
        return lambda: self.apply_letter_mark(char, mark)

    # --- texts ---

    def retranslate(self) -> None:
        lang = self._lang()
        self.setAccessibleName(tr("osk.name", lang))
        self.setAccessibleDescription(tr("osk.help", lang))
        fn = {"backspace": "osk.backspace", "pad.backspace": "osk.backspace", "shift": "osk.shift",
              "space": "osk.space", "next": "osk.next", "pad.next": "osk.next", "done": "osk.done",
              "pad.done": "osk.done"}
        for name, key in self.keys.items():
            if name in fn:
                text = tr(fn[name], lang)
                if name in ("space", "next", "pad.next", "done", "pad.done"):
                    key.setText(text)
                key.setAccessibleName(text)
                key.setAccessibleDescription(tr(fn[name] + ".help", lang))
            elif name.startswith("mark."):
                if name == "mark.none":
                    key.setText(tr("osk.mark.none.label", lang))
                key.setAccessibleName(tr(f"osk.{name}", lang))
                key.setAccessibleDescription(tr("osk.mark.help", lang))
            else:
                self._name_char_key(key, lang)
        self._relabel_letters()

    def _name_char_key(self, key: QPushButton, lang: str) -> None:
        char = key.text()
        key.setAccessibleName(char or tr("osk.extra", lang))
        key.setAccessibleDescription(tr("osk.type", lang, char=char) if char else tr("osk.extra", lang))

    def _relabel_letters(self) -> None:
        lang = self._lang()
        for row in LETTER_ROWS:
            for char in row:
                key = self.keys[f"key.{char}"]
                key.setText(char.upper() if self.shifted else char)
                self._name_char_key(key, lang)
        for char, _mark in LETTER_MARKS:  # typed as letters where they mark nothing, so they follow shift
            key = self.keys[f"mark.{_LETTER_MARK_NAMES[char]}"]
            key.setText(char.upper() if self.shifted else char)
        shift = self.keys["shift"]
        shift.setChecked(self.shifted)

    # --- showing and hiding ---

    def _focus_changed(self, _old: QWidget | None, _new: QWidget | None) -> None:
        if self._following:
            self._follow.emit()

    def _follow_focus(self) -> None:
        """Show for the text field in focus, or go (after the click that moved focus away)."""
        if not self._following:
            return
        field = text_widget(QApplication.focusWidget())
        if field is not None and field.window() is self._host:
            if field is not self.target or not self.isVisible():
                self.attach(field)
        elif self.target is not None or self.isVisible():
            self.target = None
            if self._pointer_down:
                self._hide_pending = True  # hide once the press that moved focus is released
            else:
                self.hide()

    def attach(self, field: QLineEdit | QPlainTextEdit) -> None:
        """Type into `field` from now on, with the layout it needs, and keep it in view."""
        info = input_for(field) or FieldInput(KeyboardMode.TEXT)
        self.target = field
        self._hide_pending = False
        if info != self.input:
            self.input = info
            self._layout_for(info)
        self.show()
        self.raise_()  # above an overlay of the window (the staff console) that has fields of its own
        self._scroll.emit()

    def _layout_for(self, info: FieldInput) -> None:
        number = info.mode is KeyboardMode.NUMBER
        self.mark_row.setVisible(info.mode is KeyboardMode.TEXT)
        self.letters.setVisible(not number)
        for key in (self.pad_backspace, self.pad_next, self.pad_done):
            key.setVisible(number)
        self.extra.setText(info.extra if number else "")
        self.extra.setEnabled(bool(info.extra) and number)
        self._name_char_key(self.extra, self._lang())
        self.pad.setMaximumWidth(_PAD_ALONE_MAX_PX if number else _QWIDGETSIZE_MAX)

    def _settle_visibility(self) -> None:
        if self._hide_pending and text_widget(QApplication.focusWidget()) is None:
            self.hide()
        self._hide_pending = False

    def _live_target(self) -> QLineEdit | QPlainTextEdit | None:
        field = self.target
        if field is not None and not shiboken6.isValid(field):  # its screen was rebuilt
            self.target = field = None
        return field

    def keep_target_visible(self) -> None:
        """Scroll every scroll area around the field so the field shows above the keyboard."""
        field = self._live_target()
        if field is None:
            return
        QApplication.sendPostedEvents(None, QEvent.Type.LayoutRequest)
        host_layout = self._host.layout()
        if host_layout is not None:
            host_layout.activate()
        QApplication.sendPostedEvents(None, QEvent.Type.LayoutRequest)
        editor = field.parentWidget()
        while editor is not None and not isinstance(editor, FieldEditor):
            editor = editor.parentWidget()
        widget: QWidget | None = field.parentWidget()
        while widget is not None and widget is not self._host:  # innermost scroll area first
            if isinstance(widget, QScrollArea):
                if editor is not None:
                    _reveal(widget, editor)  # the question with its field and message, when there is room
                    if editor.error.isVisible():  # else what is wrong with it, under the field, before the question
                        _reveal(widget, field, down_to=editor.error)
                _reveal(widget, field)
            widget = widget.parentWidget()

    def clear(self) -> None:
        """Forget the resident: no target, no shift, hidden (the session reset)."""
        self.target = None
        self.shifted = False
        self._hide_pending = False
        self._relabel_letters()
        self.hide()

    # --- the window's event filter ---

    def filter_event(self, watched: QObject, event: QEvent) -> bool:
        """Track the pointer (for hiding after a click) and swallow pastes into fields."""
        kind = event.type()
        if kind in (QEvent.Type.MouseButtonPress, QEvent.Type.TouchBegin):
            self._pointer_down = True
            if isinstance(event, QMouseEvent) and event.button() == Qt.MouseButton.MiddleButton:
                return self._resident_field(watched)  # X11 selection paste
        elif kind in (QEvent.Type.MouseButtonRelease, QEvent.Type.TouchEnd, QEvent.Type.TouchCancel):
            self._pointer_down = False
            if self._hide_pending:
                self._settle.emit()
            if isinstance(event, QMouseEvent) and event.button() == Qt.MouseButton.MiddleButton:
                return self._resident_field(watched)
        elif kind == QEvent.Type.KeyPress and isinstance(event, QKeyEvent):
            return is_paste(event) and self._resident_field(watched)
        return False

    def _resident_field(self, watched: QObject) -> bool:
        return _is_text_target(watched) and isinstance(watched, QWidget) and self._resident_area.isAncestorOf(watched)

    # --- typing ---

    def _edit(self, edit: Edit) -> None:
        field = self._live_target()
        if field is None or not field.hasFocus():
            return
        if isinstance(field, QLineEdit):
            _line_edit(field, edit)
        else:
            _plain_edit(field, edit)

    def type_letter(self, char: str) -> None:
        self.type_text(char.upper() if self.shifted else char)
        if self.shifted:
            self.shifted = False
            self._relabel_letters()

    def type_text(self, char: str) -> None:
        """Type one character at the cursor (Telex applies in Vietnamese text fields)."""
        if self.input.mode is KeyboardMode.TEXT:
            engine = self.engine
            self._edit(lambda text, cursor: engine.apply_key(text, cursor, char))
        else:
            self._edit(_literal(char))

    def _type_extra(self) -> None:
        if self.input.extra:
            self.type_text(self.input.extra)

    def apply_mark(self, mark: Mark) -> None:
        if self.input.mode is not KeyboardMode.TEXT:
            return
        engine = self.engine
        self._edit(lambda text, cursor: engine.apply_mark(text, cursor, mark))

    def apply_letter_mark(self, char: str, mark: Mark) -> None:
        """ă â ê ô ơ ư đ: mark the word at the cursor; where there is nothing to mark, type the letter."""
        field = self._live_target()
        if field is None or self.input.mode is not KeyboardMode.TEXT:
            return
        before = field.text() if isinstance(field, QLineEdit) else field.toPlainText()
        self.apply_mark(mark)
        after = field.text() if isinstance(field, QLineEdit) else field.toPlainText()
        if after == before:
            self.type_letter(char)

    def backspace(self) -> None:
        self._edit(self.engine.backspace)

    def toggle_shift(self) -> None:
        self.shifted = not self.shifted
        self._relabel_letters()

    def next_field(self) -> None:
        field = self._live_target()
        if field is None:
            return
        # Tab, as on a hardware keyboard: the screen's own focus order decides what comes next.
        tab = QKeyEvent(QEvent.Type.KeyPress, Qt.Key.Key_Tab, Qt.KeyboardModifier.NoModifier, "\t")
        QApplication.sendEvent(field, tab)

    def done(self) -> None:
        field = self._live_target()
        if field is not None:
            field.clearFocus()
        self.target = None
        self.hide()

    def detach(self) -> None:
        """Stop following focus (the window shuts down)."""
        self._following = False
        self.clear()
