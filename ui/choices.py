"""Choices as large cards: one card per answer, the whole card tappable, the chosen one filled.

They replace drop-down lists (rows of 33 pixels, a list that opens over the form) and small radio buttons:
an elderly resident taps the answer itself, a target at least `CARD_PX` tall whatever the text size.
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtWidgets import QButtonGroup, QPushButton, QSizePolicy, QVBoxLayout, QWidget

from ui.layouts import breakable
from ui.widgets import label

CARD_PX = 64  # least height of a card (a 9 mm target is 34 px at 96 dpi)
CHOSEN_MARK = "✓"


class ChoiceCard(QPushButton):
    """One answer: its text wraps inside the card; checked, the card is filled and marked."""

    def __init__(self, name: str, text: str, accessible: str, description: str) -> None:
        super().__init__()
        self.setObjectName(name)
        self.setProperty("role", "choice")
        self.setCheckable(True)
        self.setAutoDefault(False)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Minimum)
        self.setAccessibleName(accessible)
        self.setAccessibleDescription(description)
        box = QVBoxLayout(self)
        box.setContentsMargins(24, 10, 24, 10)
        self.text_label = label("", f"{name}.text", "choice")
        self.text_label.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        box.addWidget(self.text_label)
        self._text = breakable(text)
        self.toggled.connect(self._show_state)
        self._show_state(False)

    def _show_state(self, checked: bool) -> None:
        self.text_label.setText(f"{CHOSEN_MARK} {self._text}" if checked else self._text)
        role = "choice-on" if checked else "choice"
        if self.text_label.property("role") != role:
            self.text_label.setProperty("role", role)
            self.text_label.style().unpolish(self.text_label)
            self.text_label.style().polish(self.text_label)

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt override)
        layout = self.layout()
        hint = layout.totalSizeHint() if layout is not None else super().sizeHint()
        return hint.expandedTo(QSize(CARD_PX, CARD_PX))

    def minimumSizeHint(self) -> QSize:  # noqa: N802 (Qt override)
        layout = self.layout()
        hint = layout.totalMinimumSize() if layout is not None else super().minimumSizeHint()
        return hint.expandedTo(QSize(CARD_PX, CARD_PX))

    def hasHeightForWidth(self) -> bool:  # noqa: N802 (Qt override)
        return True

    def heightForWidth(self, width: int) -> int:  # noqa: N802 (Qt override)
        layout = self.layout()
        inner = layout.heightForWidth(width) if layout is not None and layout.hasHeightForWidth() else 0
        return max(CARD_PX, inner)


class ChoiceCards(QWidget):
    """The answers of one choice question, one card a line; at most one is chosen."""

    changed = Signal()

    def __init__(self, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        self.box = QVBoxLayout(self)
        self.box.setContentsMargins(0, 0, 0, 0)
        self.box.setSpacing(10)
        self.group = QButtonGroup(self)
        self.cards: dict[str, ChoiceCard] = {}
        self.group.buttonToggled.connect(lambda *_: self.changed.emit())

    def add(self, value: str, card: ChoiceCard) -> None:
        self.group.addButton(card)
        self.cards[value] = card
        self.box.addWidget(card)

    def value(self) -> str:
        return next((value for value, card in self.cards.items() if card.isChecked()), "")

    def set_value(self, value: str) -> None:
        card = self.cards.get(value)
        if card is not None:
            card.setChecked(True)
            return
        self.group.setExclusive(False)
        for other in self.cards.values():
            other.setChecked(False)
        self.group.setExclusive(True)
