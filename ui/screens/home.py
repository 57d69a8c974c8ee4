"""The home screen: the four choices, a search field, procedures by field and the popular ones."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QGridLayout, QLineEdit, QPushButton, QVBoxLayout, QWidget

from kiosk.catalog.models import Category
from kiosk.journey.machine import (
    ChooseMode,
    Mode,
    OpenFeedback,
    OpenLookup,
    Screen,
    SearchProcedures,
    SelectProcedure,
)
from ui.common.layouts import FlowBox, TileButton, takes_the_rest
from ui.common.widgets import button, label, set_button_text
from ui.screens.base import ScreenContext, ScreenView, scroll_area

MAX_POPULAR = 6
COLUMNS = 2


class HomeScreen(ScreenView):
    kind = Screen.HOME

    def __init__(self, ctx: ScreenContext) -> None:
        super().__init__(ctx)
        self.title = label("", "home.title", "title")
        self.search = QLineEdit()
        self.search.setObjectName("home.search")
        self.search.setMaxLength(100)
        self.search.setContextMenuPolicy(Qt.ContextMenuPolicy.NoContextMenu)
        # The first letter typed here takes the resident to the list, where the search goes on.
        self.search.textEdited.connect(self._typed)
        content = QWidget()
        body = QVBoxLayout(content)
        body.setContentsMargins(0, 0, 0, 0)
        body.setSpacing(16)
        grid = QGridLayout()
        grid.setSpacing(16)
        self.tiles: dict[str, TileButton] = {}
        actions = {
            "do": lambda: ctx.send(ChooseMode(Mode.DO)),
            "lookup": lambda: ctx.send(OpenLookup()),
            "learn": lambda: ctx.send(ChooseMode(Mode.LEARN)),
            "feedback": lambda: ctx.send(OpenFeedback()),
        }
        for index, (key, action) in enumerate(actions.items()):
            tile = TileButton(f"home.{key}")
            tile.clicked.connect(action)
            self.tiles[key] = tile
            grid.addWidget(tile, index // COLUMNS, index % COLUMNS)
        body.addLayout(grid)
        self.categories_heading = label("", "home.categories", "subtitle")
        self.category_box = FlowBox(spacing=12)
        self.chips: dict[str, QPushButton] = {}
        present = {p.category for p in ctx.runtime.catalog.procedures}
        for category in Category:
            if category not in present:
                continue
            chip = button("", f"home.category.{category.value}", "chip")
            chip.clicked.connect(lambda _c=False, k=category.value: ctx.send(SearchProcedures("", k)))
            self.chips[category.value] = chip
            self.category_box.add(chip)
        self.popular_heading = label("", "home.popular", "subtitle")
        self.popular_grid = QGridLayout()
        self.popular_grid.setSpacing(12)
        for widget in (self.categories_heading, self.category_box, self.popular_heading):
            body.addWidget(widget)
        body.addLayout(self.popular_grid)
        body.addStretch(1)
        self.outer.addWidget(self.title)
        self.outer.addWidget(self.search)
        self.outer.addWidget(takes_the_rest(scroll_area(content, "home.scroll")), 1)
        self.popular: dict[str, TileButton] = {}
        for index, proc in enumerate(ctx.runtime.catalog.popular()[:MAX_POPULAR]):
            tile = TileButton(f"home.popular.{proc.code}", "tile")
            tile.clicked.connect(lambda _c=False, code=proc.code: ctx.send(SelectProcedure(code)))
            self.popular[proc.code] = tile
            self.popular_grid.addWidget(tile, index // COLUMNS, index % COLUMNS)
        self.popular_heading.setVisible(bool(self.popular))
        self.categories_heading.setVisible(bool(self.chips))

    def _typed(self, text: str) -> None:
        if text.strip() and self.ctx.journey.screen is Screen.HOME:
            self.ctx.send(SearchProcedures(text))

    def enter(self) -> None:
        t, lang = self.ctx.t, self.ctx.lang
        self.title.setText(t("home.title"))
        self.search.setPlaceholderText(t("home.search"))
        self.search.setAccessibleName(t("home.search"))
        self.search.setAccessibleDescription(t("home.search"))
        for key, tile in self.tiles.items():
            tile.set_texts(t(f"home.{key}"), t(f"home.{key}.help"))
        self.categories_heading.setText(t("home.categories"))
        for key, chip in self.chips.items():
            set_button_text(chip, t(f"category.{key}"))
        self.popular_heading.setText(t("home.popular"))
        catalog = self.ctx.runtime.catalog
        for code, tile in self.popular.items():
            tile.set_texts(catalog.get(code).name.get(lang))

    def leave(self) -> None:
        self.search.blockSignals(True)
        self.search.clear()
        self.search.blockSignals(False)

    def clear(self) -> None:
        self.leave()
        super().clear()
