"""The procedure list with search and category filters."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLineEdit, QPushButton, QVBoxLayout, QWidget

from kiosk.catalog.models import Category, Procedure
from kiosk.journey import (
    Mode,
    Screen,
    SelectProcedure,
)
from ui.screens.base import ScreenContext, ScreenView, scroll_area
from ui.widgets import button, clear_layout, label, set_button_text


class ProceduresScreen(ScreenView):
    kind = Screen.PROCEDURES

    def __init__(self, ctx: ScreenContext) -> None:
        super().__init__(ctx)
        self.title = label("", "procedures.title", "title")
        self.search = QLineEdit()
        self.search.setObjectName("procedures.search")
        self.search.setContextMenuPolicy(Qt.ContextMenuPolicy.NoContextMenu)
        self.search.setMaxLength(100)
        self.search.textEdited.connect(lambda _t: self._refresh())
        chips = QHBoxLayout()
        self.chips: dict[str, QPushButton] = {}
        for key in ["popular", "all", *[c.value for c in Category]]:
            chip = button("", f"procedures.filter.{key}", "chip")
            chip.setCheckable(True)
            chip.clicked.connect(lambda _c=False, k=key: self._set_filter(k))
            self.chips[key] = chip
            chips.addWidget(chip)
        chips.addStretch(1)
        self.filter = "all"
        self.list_box = QWidget()
        self.list_layout = QVBoxLayout(self.list_box)
        self.list_layout.setSpacing(10)
        self.empty = label("", "procedures.empty", "muted")
        self.outer.addWidget(self.title)
        self.outer.addWidget(self.search)
        self.outer.addLayout(chips)
        self.outer.addWidget(scroll_area(self.list_box, "procedures.scroll"), 1)

    def _set_filter(self, key: str) -> None:
        self.filter = key
        self._refresh()

    def enter(self) -> None:
        t = self.ctx.t
        mode = self.ctx.journey.session.mode
        self.title.setText(t("list.title.learn" if mode is Mode.LEARN else "list.title.do"))
        self.search.setPlaceholderText(t("list.search"))
        self.search.setAccessibleName(t("list.search"))
        self.search.setAccessibleDescription(t("list.search"))
        for key, chip in self.chips.items():
            text = t(f"list.{key}") if key in ("popular", "all") else t(f"category.{key}")
            set_button_text(chip, text)
        self._refresh()

    def visible_procedures(self) -> list[Procedure]:
        catalog = self.ctx.runtime.catalog
        query = self.search.text().strip()
        found = catalog.search(query) if query else list(catalog.procedures)
        if self.filter == "popular" and not query:
            found = [p for p in found if p.popular]
        elif self.filter not in ("all", "popular"):
            found = [p for p in found if p.category.value == self.filter]
        return found

    def _refresh(self) -> None:
        for key, chip in self.chips.items():
            chip.setChecked(key == self.filter)
        self.empty.setParent(None)
        clear_layout(self.list_layout)
        lang = self.ctx.lang
        procedures = self.visible_procedures()
        for proc in procedures:
            item = button(f"{proc.name.get(lang)}\n{proc.summary.get(lang)[:90]}", f"procedure.{proc.code}", "tile",
                          proc.summary.get(lang))
            item.clicked.connect(lambda _c=False, code=proc.code: self.ctx.send(SelectProcedure(code)))
            self.list_layout.addWidget(item)
        if not procedures:
            self.empty.setText(self.ctx.t("list.empty"))
            self.list_layout.addWidget(self.empty)
            self.empty.show()
        self.list_layout.addStretch(1)

    def clear(self) -> None:
        super().clear()
        self.filter = "all"
