"""A procedure's overview: what it is, who may apply, papers to bring as a checklist, fee, time, level.

In "learn" mode the resident only reads: the start button is replaced by a "do it now" switch.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from kiosk.catalog.models import Paper, Procedure, TimeUnit
from kiosk.journey.machine import Mode, Screen, StartApplication
from kiosk.payment.fees import heading, schedule_text
from ui.common.layouts import OptionRow, breakable, takes_the_rest
from ui.common.widgets import button, label, set_button_text
from ui.screens.base import ScreenContext, ScreenView, scroll_area

SECTIONS = ("what", "who", "papers", "fee", "time", "authority", "delivery")


def paper_text(ctx: ScreenContext, paper: Paper) -> str:
    """One paper to bring, as a line of the checklist."""
    lang = ctx.lang
    text = f"{paper.name.get(lang)} — {ctx.t('paper.' + paper.form.value)}"
    if paper.sets > 1:
        text += f", {ctx.t('paper.sets', n=paper.sets)}"
    if not paper.required:
        text += f" {ctx.t('paper.optional')}"
    if paper.note:
        text += f"\n{paper.note.get(lang)}"
    return text


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
    checklist_requested = Signal()  # "In danh sách giấy tờ": the window prints the papers checklist

    def __init__(self, ctx: ScreenContext) -> None:
        super().__init__(ctx)
        self.title = label("", "overview.title", "title")
        self.level = label("", "overview.level", "muted")
        self.learn_note = label("", "overview.learn_note", "subtitle")
        content = QWidget()
        self.body = QVBoxLayout(content)
        self.body.setContentsMargins(0, 0, 0, 0)
        self.body.setSpacing(10)
        self.headings: dict[str, QLabel] = {}
        self.texts: dict[str, QLabel] = {}
        self.papers_box = QVBoxLayout()
        self.papers_box.setSpacing(4)
        self.paper_checks: list[QCheckBox] = []  # the shown procedure's
        self.paper_rows: list[OptionRow] = []  # kept and refilled; rows past the shown papers are hidden
        self.paper_boxes: list[QCheckBox] = []  # each row's check box
        for key in SECTIONS:
            heading = label("", f"overview.{key}.heading", "subtitle")
            text = label("", f"overview.{key}")
            text.setTextInteractionFlags(Qt.TextInteractionFlag.NoTextInteraction)
            self.headings[key], self.texts[key] = heading, text
            self.body.addWidget(heading)
            self.body.addWidget(text)
            if key == "papers":
                text.setProperty("role", "muted")
                self.body.addLayout(self.papers_box)
        self.body.addStretch(1)
        self.body_scroll = takes_the_rest(scroll_area(content, "overview.scroll"))
        # The action row: other parts of the kiosk may add buttons here (the printed checklist).
        self.button_row = QHBoxLayout()
        self.start = button("", "overview.start", "primary")
        self.start.clicked.connect(lambda: ctx.send(StartApplication()))
        self.do_now = button("", "overview.do_now", "primary")
        self.do_now.clicked.connect(lambda: ctx.send(StartApplication()))
        self.button_row.addStretch(1)
        self.button_row.addWidget(self.do_now)
        self.button_row.addWidget(self.start)
        # The printed checklist of papers, only where a printer is configured.
        self.print_checklist = button("", "overview.print_checklist")
        self.print_checklist.setVisible(ctx.runtime.settings.printer.kind != "none")
        self.print_checklist.clicked.connect(self._request_checklist)
        self.print_status = label("", "overview.print_status", "muted")
        self.print_status.hide()
        self.button_row.insertWidget(0, self.print_checklist)
        for widget in (self.title, self.level, self.learn_note):
            self.outer.addWidget(widget)
        self.outer.addWidget(self.body_scroll, 1)
        self.outer.addWidget(self.print_status)
        self.outer.addLayout(self.button_row)
        self._shown: tuple[str, str] | None = None

    def enter(self) -> None:
        proc = self.ctx.journey.procedure
        if proc is None:
            return
        t, lang = self.ctx.t, self.ctx.lang
        learning = self.ctx.journey.session.mode is Mode.LEARN
        self.title.setText(breakable(proc.name.get(lang)))
        self.level.setText(f"{t('category.' + proc.category.value)} · {proc.code} · "
                           f"{t('overview.level', level=t('overview.level.' + proc.level))}")
        self.learn_note.setText(t("overview.learn_note"))
        self.learn_note.setVisible(learning)
        values = {
            "what": proc.summary.get(lang),
            "who": proc.applicants.get(lang),
            "papers": t("overview.papers_hint"),
            "fee": schedule_text(proc, lang),
            "time": time_text(self.ctx, proc),
            "authority": proc.authority.get(lang),
            "delivery": "\n".join(t(f"delivery.{d.value}", place=self.ctx.runtime.settings.site.service_point)
                                  for d in proc.delivery),
        }
        for key in SECTIONS:
            self.headings[key].setText(heading(proc, lang) if key == "fee" else t(f"overview.{key}"))
            self.texts[key].setText(breakable(values[key]))
        if self._shown != (proc.code, lang):
            self._show_papers(proc)
        set_button_text(self.start, t("overview.start"))
        set_button_text(self.print_checklist, t("overview.print_checklist"))
        set_button_text(self.do_now, t("overview.do_now"))
        self.start.setVisible(not learning)
        self.do_now.setVisible(learning)

    def _show_papers(self, proc: Procedure) -> None:
        """The papers as a checklist the resident can tick (kept while only the language changes).

        The rows are kept and refilled: a longer list adds rows, a shorter one hides the rest."""
        same_procedure = self._shown is not None and self._shown[0] == proc.code
        for index, paper in enumerate(proc.papers):
            row = self._paper_row(index)
            check = self.paper_boxes[index]
            text = paper_text(self.ctx, paper)
            check.setObjectName(f"overview.paper.{index}")
            check.setAccessibleName(text)
            check.setAccessibleDescription(text)
            if not same_procedure:
                check.setChecked(False)
            row.text.setText(breakable(text))
            row.setVisible(True)  # at once, not when the event loop next runs
        self._hide_papers(len(proc.papers))
        self.paper_checks = self.paper_boxes[:len(proc.papers)]
        self._shown = (proc.code, self.ctx.lang)
        self.body_scroll.verticalScrollBar().setValue(0)

    def _paper_row(self, index: int) -> OptionRow:
        while len(self.paper_rows) <= index:
            position = len(self.paper_rows)
            check = QCheckBox()
            row = OptionRow(check, "", f"overview.paper.{position}.row")
            self.papers_box.addWidget(row)
            self.paper_rows.append(row)
            self.paper_boxes.append(check)
        return self.paper_rows[index]

    def _hide_papers(self, start: int) -> None:
        """Hide (and unname, so no search by name finds them) the rows from `start` on."""
        for row, check in zip(self.paper_rows[start:], self.paper_boxes[start:], strict=True):
            if row.isHidden() and not check.objectName():
                continue
            row.setVisible(False)
            check.setChecked(False)
            check.setObjectName("")

    def _request_checklist(self) -> None:
        self.checklist_requested.emit()

    def show_checklist_status(self, status: str) -> None:
        """What the printer did with the checklist: "printing", "printed", "failed" or "" (nothing)."""
        self.print_status.setText(self.ctx.t(f"overview.checklist_{status}") if status else "")
        self.print_status.setVisible(bool(status))
        self.print_checklist.setEnabled(status != "printing")

    def clear(self) -> None:
        self.show_checklist_status("")
        for check in self.paper_checks:
            check.setChecked(False)  # the rows stay, with the last procedure's papers: nothing of the resident
        self.paper_checks = []
        self._shown = None
        super().clear()
