"""Layouts and buttons whose texts wrap instead of being cut: residents read every word at any size.

Qt's buttons draw their text on one line; a long procedure name or answer option would then run past
the screen's edge. These widgets put plain-text, word-wrapped labels inside the touch target.
"""

from __future__ import annotations

import re

from PySide6.QtCore import QEvent, QPoint, QRect, QSize, Qt
from PySide6.QtGui import QMouseEvent, QResizeEvent
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractScrollArea,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QScroller,
    QScrollerProperties,
    QSizePolicy,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

MIN_TARGET_PX = 56
MIN_SCROLL_PX = 180
_LONG_RUN = re.compile(r"\S{28,}")
_ZWSP = "\u200b"


def breakable(text: str, every: int = 20) -> str:
    """`text` with invisible break opportunities inside very long unbroken runs (a pasted code, a
    runaway key), so a word-wrapped label can wrap them instead of running off the screen."""

    def split(match: re.Match[str]) -> str:
        run = match.group(0)
        return _ZWSP.join(run[i:i + every] for i in range(0, len(run), every))

    return _LONG_RUN.sub(split, text)


def _label(name: str, role: str = "") -> QLabel:
    widget = QLabel()
    widget.setTextFormat(Qt.TextFormat.PlainText)
    widget.setWordWrap(True)
    widget.setObjectName(name)
    if role:
        widget.setProperty("role", role)
    widget.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
    return widget


def takes_the_rest(area: QScrollArea, minimum: int = MIN_SCROLL_PX) -> QScrollArea:
    """Let `area` fill the height its screen has left, without asking for its content's full height:
    a screen then fits the window, and only this part scrolls."""
    area.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Ignored)
    area.setMinimumHeight(minimum)
    area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)  # content wraps instead
    return area


class FlowBox(QWidget):
    """Places its widgets left to right and starts a new line when the next one does not fit.

    A widget rather than a QLayout subclass: a Python QLayout must return None from `itemAt`, which
    PySide6 counts wrongly (the interpreter aborts at exit after many layout passes).
    """

    def __init__(self, spacing: int = 12, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._spacing = spacing
        self._items: list[QWidget] = []
        policy = QSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
        policy.setHeightForWidth(True)
        self.setSizePolicy(policy)

    def add(self, widget: QWidget) -> None:
        widget.setParent(self)
        self._items.append(widget)
        widget.show()
        self._relayout()

    def widgets(self) -> list[QWidget]:
        return list(self._items)

    def hasHeightForWidth(self) -> bool:  # noqa: N802 (Qt override)
        return True

    def heightForWidth(self, width: int) -> int:  # noqa: N802 (Qt override)
        return self._arrange(width, apply=False)

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt override)
        shown = self._shown()
        width = sum(w.sizeHint().width() for w in shown) + self._spacing * max(0, len(shown) - 1)
        return QSize(width, self._arrange(width, apply=False))

    def minimumSizeHint(self) -> QSize:  # noqa: N802 (Qt override)
        width = max((self._min_width(w) for w in self._shown()), default=0)
        return QSize(width, self._arrange(max(width, self.width()), apply=False))

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.LayoutRequest:  # a child's size or visibility changed
            self._relayout()
        return super().event(event)

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 (Qt override)
        self._arrange(self.width(), apply=True)
        super().resizeEvent(event)

    def _relayout(self) -> None:
        self.updateGeometry()
        self._arrange(self.width(), apply=True)

    def _shown(self) -> list[QWidget]:
        return [w for w in self._items if not w.isHidden()]

    @staticmethod
    def _min_width(widget: QWidget) -> int:
        return max(widget.minimumSizeHint().width(), widget.minimumWidth())

    def _arrange(self, width: int, apply: bool) -> int:
        x, y, line_height = 0, 0, 0
        shown = self._shown()
        for widget in shown:
            item_width = max(min(widget.sizeHint().width(), width), self._min_width(widget))
            if x > 0 and x + item_width > width:
                x, y = 0, y + line_height + self._spacing
                line_height = 0
            height = widget.heightForWidth(item_width) if widget.hasHeightForWidth() else widget.sizeHint().height()
            height = max(height, widget.minimumSizeHint().height(), widget.minimumHeight())
            if apply:
                widget.setGeometry(QRect(QPoint(x, y), QSize(item_width, height)))
            x += item_width + self._spacing
            line_height = max(line_height, height)
        return y + line_height


class TileButton(QPushButton):
    """A large button with a heading and an optional detail line, both wrapping as plain text."""

    def __init__(self, name: str, role: str = "tile", heading_role: str = "subtitle", detail_role: str = "") -> None:
        super().__init__()
        self.setObjectName(name)
        self.setProperty("role", role)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setAutoDefault(False)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
        box = QVBoxLayout(self)
        box.setContentsMargins(24, 14, 24, 14)
        box.setSpacing(4)
        self.heading = _label(f"{name}.heading", heading_role)
        self.detail = _label(f"{name}.detail", detail_role)
        for part in (self.heading, self.detail):
            box.addWidget(part)
        self.detail.hide()

    def set_texts(self, heading: str, detail: str = "", description: str = "") -> None:
        self.heading.setText(breakable(heading))
        self.detail.setText(breakable(detail))
        self.detail.setVisible(bool(detail))
        self.setAccessibleName(heading)
        self.setAccessibleDescription(description or detail or heading)

    def texts(self) -> str:
        """What the tile says, as a resident reads it."""
        return "\n".join(t for t in (self.heading.text(), self.detail.text()) if t)

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt override)
        layout = self.layout()
        hint = layout.totalSizeHint() if layout is not None else super().sizeHint()
        return hint.expandedTo(QSize(MIN_TARGET_PX, MIN_TARGET_PX))

    def minimumSizeHint(self) -> QSize:  # noqa: N802 (Qt override)
        layout = self.layout()
        hint = layout.totalMinimumSize() if layout is not None else super().minimumSizeHint()
        return hint.expandedTo(QSize(MIN_TARGET_PX, MIN_TARGET_PX))


class OptionRow(QWidget):
    """A radio button or check box with its text as a wrapping label; touching the text toggles it."""

    def __init__(self, button: QAbstractButton, text: str, name: str) -> None:
        super().__init__()
        self.button = button
        self.setObjectName(name)
        button.setMinimumSize(MIN_TARGET_PX, MIN_TARGET_PX)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 8, 0)
        row.setSpacing(8)
        self.text = _label(f"{name}.text")
        self.text.setText(breakable(text))
        self.text.setMinimumHeight(MIN_TARGET_PX)
        row.addWidget(button, 0, Qt.AlignmentFlag.AlignTop)
        row.addWidget(self.text, 1)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802 (Qt override)
        if self.rect().contains(event.position().toPoint()) and self.button.isEnabled():
            self.button.click()
            self.button.setFocus(Qt.FocusReason.MouseFocusReason)
        event.accept()

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 (Qt override)
        event.accept()


class ScreenStack(QStackedWidget):
    """A stack of screens that asks for the room its current screen needs (not its tallest screen's)."""

    def __init__(self) -> None:
        super().__init__()
        self.currentChanged.connect(lambda _index: self.updateGeometry())

    def minimumSizeHint(self) -> QSize:  # noqa: N802 (Qt override)
        current = self.currentWidget()
        return current.minimumSizeHint() if current is not None else super().minimumSizeHint()

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt override)
        current = self.currentWidget()
        return current.sizeHint() if current is not None else super().sizeHint()

    def hasHeightForWidth(self) -> bool:  # noqa: N802 (Qt override)
        current = self.currentWidget()
        return current.hasHeightForWidth() if current is not None else super().hasHeightForWidth()

    def heightForWidth(self, width: int) -> int:  # noqa: N802 (Qt override)
        current = self.currentWidget()
        return current.heightForWidth(width) if current is not None else super().heightForWidth(width)


def flick_to_scroll(area: QAbstractScrollArea) -> None:
    """Dragging a finger (or a touch screen that reports itself as a mouse) scrolls `area`, with momentum,
    as residents expect from their phones; a tap still reaches the button under the finger at once."""
    scroller = QScroller.scroller(area.viewport())
    properties = scroller.scrollerProperties()
    properties.setScrollMetric(QScrollerProperties.ScrollMetric.MousePressEventDelay, 0)
    properties.setScrollMetric(QScrollerProperties.ScrollMetric.OvershootDragResistanceFactor, 0.2)
    properties.setScrollMetric(QScrollerProperties.ScrollMetric.HorizontalOvershootPolicy,
                               QScrollerProperties.OvershootPolicy.OvershootAlwaysOff)
    scroller.setScrollerProperties(properties)
    QScroller.grabGesture(area.viewport(), QScroller.ScrollerGestureType.LeftMouseButtonGesture)


class ScrollingScreens(QScrollArea):
    """The screens, scrolling as a whole when the keyboard or large text leaves them too little height.

    Without it a screen taller than the room left above the keyboard would push the window past the
    bottom of the display, keyboard and all.
    """

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("kiosk.screens")
        self.stack = ScreenStack()
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setWidget(self.stack)
        flick_to_scroll(self)
