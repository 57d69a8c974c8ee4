"""The procedure list: search (ranked, without caring for accents or case), popular, by field."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLineEdit, QPushButton, QVBoxLayout, QWidget

from kiosk.catalog.models import Category, Procedure
from kiosk.journey.machine import Mode, Screen, SearchProcedures, SelectProcedure
from ui.common.layouts import FlowBox, TileButton, takes_the_rest
from ui.common.widgets import button, label, set_button_text
from ui.screens.base import ScreenContext, ScreenView, scroll_area

MAX_SHOWN = 50
PREVIEW_CHARS = 140


def preview(text: str, limit: int = PREVIEW_CHARS) -> str:
    """The first sentence of a summary, cut at a word when it is long (the overview shows it whole)."""
    first = text.split(". ", maxsplit=1)[0].strip()
    if len(first) <= limit:
        return first if first.endswith(".") or first == text.strip() else first + "."
    cut = first[:limit].rsplit(" ", 1)[0].rstrip(",;:")
    return cut + "…"


class ProceduresScreen(ScreenView):
    kind = Screen.PROCEDURES

    def __init__(self, ctx: ScreenContext) -> None:
        super().__init__(ctx)
        self.title = label("", "procedures.title", "title")
        self.search = QLineEdit()
        self.search.setObjectName("procedures.search")
        self.search.setContextMenuPolicy(Qt.ContextMenuPolicy.NoContextMenu)
        self.search.setMaxLength(100)
        self.search.textEdited.connect(lambda text: ctx.send(SearchProcedures(text)))
        self.chip_box = FlowBox(spacing=12)
        self.chips: dict[str, QPushButton] = {}
        present = {p.category.value for p in ctx.runtime.catalog.procedures}
        keys = ["all", "popular", *[c.value for c in Category if c.value in present]]
        for key in keys:
            chip = button("", f"procedures.filter.{key}", "chip")
            chip.setCheckable(True)
            chip.clicked.connect(lambda _c=False, k=key: ctx.send(SearchProcedures(self.search.text(), k)))
            self.chips[key] = chip
            self.chip_box.add(chip)
        self.count = label("", "procedures.count", "muted")
        self.list_box = QWidget()
        self.list_layout = QVBoxLayout(self.list_box)
        self.list_layout.setContentsMargins(0, 0, 0, 0)
        self.list_layout.setSpacing(10)
        # Tiles are kept and refilled (building them is what made the list slow); `codes` says which
        # procedure each shows.
        self.tiles: list[TileButton] = []
        self.codes: list[str] = []
        self.shown_tiles = 0
        self.empty = label("", "procedures.empty", "subtitle")
        self.more = label("", "procedures.more", "muted")
        for note in (self.empty, self.more):
            note.setVisible(False)
            self.list_layout.addWidget(note)
        self.list_layout.addStretch(1)
        self.list_scroll = takes_the_rest(scroll_area(self.list_box, "procedures.scroll"))
        for widget in (self.title, self.search, self.chip_box, self.count):
            self.outer.addWidget(widget)
        self.outer.addWidget(self.list_scroll, 1)
        self._shown: tuple[str, str, str] | None = None

    def enter(self) -> None:
        t = self.ctx.t
        session = self.ctx.journey.session
        self.title.setText(t("list.title.learn" if session.mode is Mode.LEARN else "list.title.do"))
        self.search.setPlaceholderText(t("list.search"))
        self.search.setAccessibleName(t("list.search"))
        self.search.setAccessibleDescription(t("list.search"))
        if self.search.text() != session.query:
            self.search.setText(session.query)
        history = self.ctx.journey.history
        if session.query and not self.search.hasFocus() and history and history[-1] is Screen.HOME:
            # Arrived from the home screen's search field: the resident keeps typing here.
            self.search.setFocus(Qt.FocusReason.OtherFocusReason)
            self.search.end(False)
        for key, chip in self.chips.items():
            text = t(f"list.{key}") if key in ("popular", "all") else t(f"category.{key}")
            set_button_text(chip, text)
            chip.setChecked(key == session.category)
        self._refresh()

    def visible_procedures(self) -> list[Procedure]:
        """The procedures matching the query and the chosen filter, best match first."""
        session = self.ctx.journey.session
        catalog = self.ctx.runtime.catalog
        query = session.query.strip()
        found = catalog.search(query, limit=len(catalog)) if query else list(catalog.procedures)
        if session.category == "popular":
            found = [p for p in found if p.popular]
        elif session.category != "all":
            found = [p for p in found if p.category.value == session.category]
        return found

    def _refresh(self) -> None:
        session = self.ctx.journey.session
        key = (session.query, session.category, session.lang)
        if key == self._shown:
            return
        self._shown = key
        t, lang = self.ctx.t, self.ctx.lang
        procedures = self.visible_procedures()
        listed = procedures[:MAX_SHOWN]
        for index, proc in enumerate(listed):
            tile = self._tile(index)
            self.codes[index] = proc.code
            if tile.objectName() != f"procedure.{proc.code}":
                _name_tile(tile, f"procedure.{proc.code}")
            summary = proc.summary.get(lang)
            tile.set_texts(proc.name.get(lang), preview(summary), summary)
            tile.setVisible(True)  # at once, not when the event loop next runs: a quick touch finds it
        self._hide_tiles(len(listed))
        self.shown_tiles = len(listed)
        self.empty.setText(t("list.empty") if not procedures else "")
        self.empty.setVisible(not procedures)
        extra = len(procedures) - MAX_SHOWN
        self.more.setText(t("list.more", n=extra) if extra > 0 else "")
        self.more.setVisible(extra > 0)
        self.count.setText(t("list.count", n=len(procedures)))
        self.list_scroll.verticalScrollBar().setValue(0)

    def _tile(self, index: int) -> TileButton:
        """The tile at `index` of the list, made the first time the list is that long (then kept)."""
        while len(self.tiles) <= index:
            position = len(self.tiles)
            tile = TileButton("")
            tile.clicked.connect(lambda _c=False, i=position: self.ctx.send(SelectProcedure(self.codes[i])))
            self.list_layout.insertWidget(position, tile)
            self.tiles.append(tile)
            self.codes.append("")
        return self.tiles[index]

    def _hide_tiles(self, start: int) -> None:
        for index in range(start, max(self.shown_tiles, start)):
            tile = self.tiles[index]
            tile.setVisible(False)
            _name_tile(tile, "")  # a hidden tile is never found by a procedure's name
            self.codes[index] = ""

    def clear(self) -> None:
        # The full list in the kiosk's language stays (it tells nothing of the resident); a list narrowed
        # by what the resident searched for or chose does not.
        if self._shown is None or self._shown[:2] != ("", "all"):
            self._hide_tiles(0)
            self.shown_tiles = 0
            self._shown = None
        super().clear()


def _name_tile(tile: TileButton, name: str) -> None:
    tile.setObjectName(name)
    tile.heading.setObjectName(f"{name}.heading" if name else "")
    tile.detail.setObjectName(f"{name}.detail" if name else "")
