"""The box at the top of a form page after a wrong "Tiếp tục": what is wrong, one link per problem.

Each link names the question and says what is wrong with the answer ("Ngày sinh: Ngày này không có trong
lịch"); touching it puts the cursor in that question, which opens the keyboard for a text answer.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QVBoxLayout

from ui.common.choices import WrappingTile
from ui.common.widgets import label


class ErrorSummary(QFrame):
    """Hidden until `show_problems` gets at least one problem; links are kept and reused."""

    def __init__(self, name: str, on_link: Callable[[str], None]) -> None:
        super().__init__()
        self.setObjectName(name)
        self.setProperty("role", "error-summary")
        self._name = name
        self._on_link = on_link
        self.box = QVBoxLayout(self)
        self.box.setContentsMargins(16, 8, 16, 8)
        self.box.setSpacing(4)
        self.heading = label("", f"{name}.heading", "error")
        self.box.addWidget(self.heading)
        self.links: list[WrappingTile] = []
        self.targets: list[str] = []
        self.count = 0  # problems listed
        self.hide()

    def _link(self, index: int) -> WrappingTile:
        while len(self.links) <= index:
            link = WrappingTile("", "error-link", "error-link", "error-link")
            link.layout().setContentsMargins(8, 4, 8, 4)  # type: ignore[union-attr]
            link.setCursor(Qt.CursorShape.PointingHandCursor)
            position = len(self.links)
            link.clicked.connect(lambda _c=False, i=position: self._on_link(self.targets[i]))
            self.links.append(link)
            self.targets.append("")
            self.box.addWidget(link)
        return self.links[index]

    def show_problems(self, heading: str, problems: list[tuple[str, str, str]]) -> None:
        """`problems`: (field id, question, message) in the order of the page."""
        self.heading.setText(heading)
        for index, (field_id, question, message) in enumerate(problems):
            link = self._link(index)
            self.targets[index] = field_id
            link.setObjectName(f"{self._name}.{field_id}")
            link.set_texts(f"{question}: {message}")
            link.show()
        for index in range(len(problems), len(self.links)):
            self.links[index].hide()
            self.links[index].setObjectName("")
            self.links[index].set_texts("")
            self.targets[index] = ""
        self.count = len(problems)
        self.setVisible(bool(problems))

    def clear(self) -> None:
        self.show_problems("", [])
