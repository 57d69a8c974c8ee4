"""Choices as large cards: one card per answer, the whole card tappable, the chosen one filled.

They replace drop-down lists (rows of 33 pixels, a list that opens over the form) and small radio buttons:
an elderly resident taps the answer itself, a target at least `CARD_PX` tall whatever the text size.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QButtonGroup, QGridLayout, QSizePolicy, QWidget

from ui.common.layouts import TileButton, breakable

CARD_PX = 64  # least height of a card (a 9 mm target is 34 px at 96 dpi)
CHOSEN_MARK = "✓"


class WrappingTile(TileButton):
    """A tile whose text wraps: as tall as its text needs at the width it is given, and at least `CARD_PX`."""

    def hasHeightForWidth(self) -> bool:  # noqa: N802 (Qt override)
        return True

    def heightForWidth(self, width: int) -> int:  # noqa: N802 (Qt override)
        layout = self.layout()
        inner = layout.totalHeightForWidth(width) if layout is not None and layout.hasHeightForWidth() else 0
        return max(CARD_PX, inner)


class ChoiceCard(WrappingTile):
    """One answer: its text wraps inside the card; checked, the card is filled and marked."""

    def __init__(self, name: str, text: str, accessible: str, description: str) -> None:
        super().__init__(name, "choice", "choice")
        self.setCheckable(True)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Minimum)
        self.heading.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self._text = text
        self.toggled.connect(self._show_state)
        self._show_state(False)
        self.setAccessibleName(accessible)
        self.setAccessibleDescription(description)

    def _show_state(self, checked: bool) -> None:
        self.heading.setText(breakable(f"{CHOSEN_MARK} {self._text}" if checked else self._text))
        role = "choice-on" if checked else "choice"
        if self.heading.property("role") != role:
            self.heading.setProperty("role", role)
            self.heading.style().unpolish(self.heading)
            self.heading.style().polish(self.heading)


class ChoiceCards(QWidget):
    """The answers of one choice question; at most one is chosen. Up to three answers stand one a line, up to
    six in two columns, more in three (seven answers and the error summary fit a 1366×768 screen)."""

    changed = Signal()

    def __init__(self, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        self.box = QGridLayout(self)
        self.box.setContentsMargins(0, 0, 0, 0)
        self.box.setSpacing(10)
        self.group = QButtonGroup(self)
        self.cards: dict[str, ChoiceCard] = {}
        self.group.buttonToggled.connect(lambda *_: self.changed.emit())

    def add_all(self, cards: dict[str, ChoiceCard]) -> None:
        columns = 1 if len(cards) <= 3 else 2 if len(cards) <= 6 else 3
        for index, (value, card) in enumerate(cards.items()):
            self.group.addButton(card)
            self.cards[value] = card
            self.box.addWidget(card, index // columns, index % columns)
        for column in range(columns):
            self.box.setColumnStretch(column, 1)

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
