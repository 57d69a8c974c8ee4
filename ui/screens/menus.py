"""Attract, home, procedure list, overview and consent screens."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QHBoxLayout, QLabel, QLineEdit, QPushButton, QVBoxLayout, QWidget

from kiosk.catalog.models import Category, Procedure, TimeUnit
from kiosk.i18n import format_vnd
from kiosk.journey import (
    ChooseMode,
    DeclineConsent,
    GiveConsent,
    Mode,
    OpenFeedback,
    OpenLookup,
    Screen,
    SelectProcedure,
    StartApplication,
    Touch,
)
from ui.screens.base import ScreenContext, ScreenView, scroll_area
from ui.widgets import QrWidget, button, clear_layout, label, set_button_text


class AttractScreen(ScreenView):
    kind = Screen.ATTRACT

    def __init__(self, ctx: ScreenContext) -> None:
        super().__init__(ctx)
        site = ctx.runtime.settings.site
        self.outer.addStretch(1)
        self.site_name = label(site.name, "attract.site", "subtitle")
        self.site_name.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.title = label("", "attract.title", "title")
        self.title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.offer = label("", "attract.offer")
        self.offer.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.start = button("", "attract.start", "primary")
        self.start.setMinimumHeight(120)
        self.start.clicked.connect(lambda: ctx.send(Touch()))
        self.hours = label("", "attract.hours", "muted")
        self.hours.setAlignment(Qt.AlignmentFlag.AlignCenter)
        row = QHBoxLayout()
        self.qr = QrWidget("attract.portal_qr")
        self.qr.setFixedSize(180, 180)
        self.qr_caption = label("", "attract.qr_caption", "muted")
        row.addStretch(1)
        row.addWidget(self.qr)
        row.addWidget(self.qr_caption, 1)
        row.addStretch(1)
        for widget in (self.site_name, self.title, self.offer):
            self.outer.addWidget(widget)
        self.outer.addSpacing(24)
        self.outer.addWidget(self.start)
        self.outer.addWidget(self.hours)
        self.outer.addStretch(1)
        self.outer.addLayout(row)

    def enter(self) -> None:
        t = self.ctx.t
        self.title.setText(t("attract.title"))
        self.offer.setText(t("attract.offer"))
        set_button_text(self.start, t("attract.touch"))
        self.hours.setText(t("attract.hours", hours=self.ctx.runtime.settings.site.opening_hours))
        url = self.ctx.runtime.settings.portal.lookup_url.split("?")[0]
        if self.qr.text != url:
            self.qr.set_text(url)
        self.qr_caption.setText(t("attract.portal_qr"))

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 (Qt override)
        # Anywhere on the attract screen starts a session.
        self.ctx.send(Touch())
        event.accept()


class HomeScreen(ScreenView):
    kind = Screen.HOME

    def __init__(self, ctx: ScreenContext) -> None:
        super().__init__(ctx)
        self.title = label("", "home.title", "title")
        self.outer.addWidget(self.title)
        self.tiles: dict[str, QPushButton] = {}
        actions = {
            "do": lambda: ctx.send(ChooseMode(Mode.DO)),
            "lookup": lambda: ctx.send(OpenLookup()),
            "learn": lambda: ctx.send(ChooseMode(Mode.LEARN)),
            "feedback": lambda: ctx.send(OpenFeedback()),
        }
        for key, action in actions.items():
            tile = button("", f"home.{key}", "tile")
            tile.clicked.connect(action)
            self.tiles[key] = tile
            self.outer.addWidget(tile)
        self.outer.addStretch(1)

    def enter(self) -> None:
        t = self.ctx.t
        self.title.setText(t("home.title"))
        for key, tile in self.tiles.items():
            set_button_text(tile, f"{t('home.' + key)}\n{t('home.' + key + '.help')}", t(f"home.{key}.help"))


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


def _paper_line(ctx: ScreenContext, proc: Procedure, index: int) -> str:
    paper = proc.papers[index]
    lang = ctx.lang
    text = f"☐ {paper.name.get(lang)} — {ctx.t('paper.' + paper.form.value)}"
    if paper.sets > 1:
        text += f", {ctx.t('paper.sets', n=paper.sets)}"
    if not paper.required:
        text += f" {ctx.t('paper.optional')}"
    if paper.note:
        text += f"\n    {paper.note.get(lang)}"
    return text


def fee_text(ctx: ScreenContext, proc: Procedure) -> str:
    lang = ctx.lang
    parts = []
    for item in proc.fees.items:
        text = ctx.t("money.vnd", amount=format_vnd(item.amount_vnd)) if item.amount_vnd else ctx.t("overview.free")
        if item.per:
            text += f" / {item.per.get(lang)}"
        if item.condition:
            text += f" ({item.condition.get(lang)})"
        parts.append(text)
    if not parts:
        parts.append(ctx.t("overview.free"))
    if proc.fees.free_cases:
        parts.append(ctx.t("overview.free_cases", cases="; ".join(c.get(lang) for c in proc.fees.free_cases)))
    if proc.fees.note:
        parts.append(proc.fees.note.get(lang))
    return "\n".join(parts)


def time_text(ctx: ScreenContext, proc: Procedure) -> str:
    pt = proc.processing_time
    if pt.unit is TimeUnit.SAME_DAY:
        text = ctx.t("time.same_day")
    elif pt.unit is TimeUnit.WORKING_HOURS:
        text = ctx.t("time.working_hours", n=pt.amount)
    else:
        text = ctx.t("time.working_days", n=pt.amount)
    if pt.cutoff:
        text += "\n" + ctx.t("time.cutoff", cutoff=pt.cutoff)
    if pt.note:
        text += "\n" + pt.note.get(ctx.lang)
    return text


class OverviewScreen(ScreenView):
    kind = Screen.OVERVIEW

    def __init__(self, ctx: ScreenContext) -> None:
        super().__init__(ctx)
        self.title = label("", "overview.title", "title")
        self.level = label("", "overview.level", "muted")
        content = QWidget()
        self.body = QVBoxLayout(content)
        self.body.setSpacing(10)
        self.summary = self._section("what")
        self.who = self._section("who")
        self.papers = self._section("papers")
        self.fee = self._section("fee")
        self.time = self._section("time")
        self.body.addStretch(1)
        buttons = QHBoxLayout()
        self.start = button("", "overview.start", "primary")
        self.start.clicked.connect(lambda: ctx.send(StartApplication()))
        buttons.addStretch(1)
        buttons.addWidget(self.start)
        self.outer.addWidget(self.title)
        self.outer.addWidget(self.level)
        self.outer.addWidget(scroll_area(content, "overview.scroll"), 1)
        self.outer.addLayout(buttons)

    def _section(self, key: str) -> tuple[QLabel, QLabel]:
        heading = label("", f"overview.{key}.heading", "subtitle")
        text = label("", f"overview.{key}")
        text.setTextInteractionFlags(Qt.TextInteractionFlag.NoTextInteraction)
        self.body.addWidget(heading)
        self.body.addWidget(text)
        return heading, text

    def enter(self) -> None:
        proc = self.ctx.journey.procedure
        if proc is None:
            return
        t, lang = self.ctx.t, self.ctx.lang
        self.title.setText(proc.name.get(lang))
        self.level.setText(f"{proc.code} · {t('overview.level', level=proc.level)}")
        values = {
            "what": proc.summary.get(lang),
            "who": proc.applicants.get(lang),
            "papers": "\n".join(_paper_line(self.ctx, proc, i) for i in range(len(proc.papers))),
            "fee": fee_text(self.ctx, proc),
            "time": time_text(self.ctx, proc),
        }
        for key, (heading, text) in zip(values, (self.summary, self.who, self.papers, self.fee, self.time),
                                        strict=True):
            heading.setText(t(f"overview.{key}"))
            text.setText(values[key])
        set_button_text(self.start, t("overview.start"))
        self.start.setVisible(self.ctx.journey.session.mode is Mode.DO)


class ConsentScreen(ScreenView):
    kind = Screen.CONSENT

    def __init__(self, ctx: ScreenContext) -> None:
        super().__init__(ctx)
        self.title = label("", "consent.title", "title")
        self.body = label("", "consent.body")
        row = QHBoxLayout()
        self.decline = button("", "consent.decline")
        self.agree = button("", "consent.agree", "primary")
        self.decline.clicked.connect(lambda: ctx.send(DeclineConsent()))
        self.agree.clicked.connect(lambda: ctx.send(GiveConsent()))
        row.addWidget(self.decline)
        row.addStretch(1)
        row.addWidget(self.agree)
        self.outer.addWidget(self.title)
        self.outer.addWidget(self.body)
        self.outer.addStretch(1)
        self.outer.addLayout(row)

    def enter(self) -> None:
        t = self.ctx.t
        self.title.setText(t("consent.title"))
        self.body.setText(t("consent.body"))
        set_button_text(self.agree, t("consent.agree"))
        set_button_text(self.decline, t("consent.decline"))
