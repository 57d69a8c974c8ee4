"""The procedure list: search (ranked, without caring for accents or case), popular, by field."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLineEdit, QPushButton, QVBoxLayout, QWidget

from kiosk.catalog.models import Category, Procedure
from kiosk.journey import Mode, Screen, SearchProcedures, SelectProcedure
from ui.layouts import FlowBox, TileButton, takes_the_rest
from ui.screens.base import ScreenContext, ScreenView, scroll_area
from ui.widgets import button, clear_layout, label, set_button_text

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
        self.list_scroll = takes_the_rest(scroll_area(self.list_box, "procedures.scroll"))
        for widget in (self.title, self.search, self.chip_box, self.count):
            self.outer.addWidget(widget)
        self.outer.addWidget(self.list_scroll, 1)
        self._shown: tuple[str, str, str, str] | None = None

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
        key = (session.query, session.category, session.lang, session.mode.value)
        if key == self._shown:
            return
        self._shown = key
        clear_layout(self.list_layout)
        t, lang = self.ctx.t, self.ctx.lang
        procedures = self.visible_procedures()
        for proc in procedures[:MAX_SHOWN]:
            item = TileButton(f"procedure.{proc.code}")
            item.set_texts(proc.name.get(lang), preview(proc.summary.get(lang)), proc.summary.get(lang))
            item.clicked.connect(lambda _c=False, code=proc.code: self.ctx.send(SelectProcedure(code)))
            self.list_layout.addWidget(item)
        if not procedures:
            self.list_layout.addWidget(label(t("list.empty"), "procedures.empty", "subtitle"))
        if len(procedures) > MAX_SHOWN:
            self.list_layout.addWidget(label(t("list.more", n=len(procedures) - MAX_SHOWN), "procedures.more", "muted"))
        for index in range(self.list_layout.count()):
            item_at = self.list_layout.itemAt(index)
            widget = item_at.widget() if item_at is not None else None
            if widget is not None:
                widget.show()  # at once, not when the event loop next runs: a quick touch finds it
        self.count.setText(t("list.count", n=len(procedures)))
        self.list_layout.addStretch(1)
        self.list_scroll.verticalScrollBar().setValue(0)

    def clear(self) -> None:
        clear_layout(self.list_layout)
        self._shown = None
        super().clear()
