"""A procedure's overview: what it is, who may apply, papers, fee, time."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QVBoxLayout, QWidget

from kiosk.catalog.models import Procedure, TimeUnit
from kiosk.i18n import format_vnd
from kiosk.journey import (
    Mode,
    Screen,
    StartApplication,
)
from ui.screens.base import ScreenContext, ScreenView, scroll_area
from ui.widgets import button, label, set_button_text


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
