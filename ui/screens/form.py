"""The form steps (one topic per screen, with progress) and the review of all answers.

Both screens keep their widgets between visits and only change what they show: building a form's
editors or the review's rows costs far more than filling them (Python construction, style polish and
dozens of Qt events per widget), and every widget destroyed leaves a little memory behind in PySide6.
What a resident typed is emptied from the kept widgets when the session ends (`clear`).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QPushButton, QVBoxLayout, QWidget

from kiosk.answers.validation import visible_fields
from kiosk.catalog.models import FormField, Step
from kiosk.i18n import tr
from kiosk.journey.dossier import display_value
from kiosk.journey.machine import ConfirmSubmit, EditStep, GoBack, Screen, SubmitStep
from kiosk.payment.fees import assess, breakdown_text
from ui.common.layouts import MIN_SCROLL_PX, TileButton, breakable, takes_the_rest
from ui.common.widgets import FieldEditor, button, label, set_button_text
from ui.screens.base import ScreenContext, ScreenView, scroll_area

MAX_PAGES = 16  # step pages kept (~0.65 MB each), least recently shown dropped first (see StepScreen)


def _repolish(widget: QWidget) -> None:
    widget.style().unpolish(widget)
    widget.style().polish(widget)


def _set_value(editor: FieldEditor, value: str) -> None:
    """Show `value` without announcing a change (the caller updates what depends on it once)."""
    if editor.value() == value:
        return  # keeps the cursor and what the resident is composing
    editor.blockSignals(True)
    try:
        editor.set_value(value)
    finally:
        editor.blockSignals(False)


def _set_error(editor: FieldEditor, message: str | None, description: str) -> None:
    """Show or hide the field's message, restyling the field only when its state really changes; without
    a message the field is described as it was built (`description`), not by an old message."""
    shown = editor.error.text() if editor.input.property("invalid") == "true" else None
    if (message or None) != shown:
        editor.set_error(message)
        if not message:
            editor.input.setAccessibleDescription(description)


def _fields_key(step: Step) -> str:
    return "\n".join(spec.model_dump_json() for spec in step.fields)


class StepPage(QWidget):
    """The editors of one step in one language, built once and refilled on every visit."""

    def __init__(self, fields: list[FormField], lang: str, on_change: Callable[[], None],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setVisible(False)  # built hidden, its editors join it without being shown one by one
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(8)
        self.editors: dict[str, FieldEditor] = {}
        previous: QWidget | None = None
        for spec in fields:
            editor = FieldEditor(spec, lang)
            editor.changed.connect(on_change)
            self.editors[spec.id] = editor
            layout.addWidget(editor)
            target = editor.focus_target()
            if previous is not None:
                QWidget.setTabOrder(previous, target)
            previous = target
        self.used = False  # shown since the last reset: its editors may hold a resident's answers
        self._names = [(widget, widget.objectName()) for widget in self.findChildren(QWidget) if widget.objectName()]
        self.descriptions = {field_id: e.input.accessibleDescription() for field_id, e in self.editors.items()}
        self.shown = True  # named; `set_shown(False)` unnames it

    def set_shown(self, shown: bool) -> None:
        """Show or hide the page; a hidden page's widgets lose their names, so that a search by name
        (`field.<id>`, `error.<id>`) finds only the shown step's, never a kept page's."""
        if shown == self.shown:
            return
        self.shown = shown
        if shown:
            for widget, name in self._names:
                widget.setObjectName(name)
        self.setVisible(shown)
        if not shown:
            for widget, _name in self._names:
                widget.setObjectName("")

    def empty(self) -> None:
        """Forget every answer and message shown here."""
        for field_id, editor in self.editors.items():
            _set_value(editor, "")
            _set_error(editor, None, self.descriptions[field_id])
        self.used = False


class StepScreen(ScreenView):
    """One step of the form. Each step's editors are built once per language and kept (`MAX_PAGES` of
    them, ~0.6 MB each: the demo catalog's 33 distinct steps in two languages are 66 pages); a step shown
    again is only refilled, which makes the change to it several times faster than building it."""

    kind = Screen.STEP

    def __init__(self, ctx: ScreenContext) -> None:
        super().__init__(ctx)
        self.progress = label("", "step.progress", "muted")
        self.title = label("", "step.title", "title")
        self.banner = label("", "step.banner", "banner")
        self.banner.setVisible(False)
        self.help = label("", "step.help", "muted")
        self.scan_hint = label("", "step.scan_hint")
        self.scan_status = label("", "step.scan_status")
        self.form = QWidget()
        self.form_layout = QVBoxLayout(self.form)
        self.form_layout.setContentsMargins(0, 0, 12, 0)
        self.form_layout.setSpacing(8)
        for widget in (self.help, self.scan_hint, self.scan_status):
            self.form_layout.addWidget(widget)
        self.fields_layout = QVBoxLayout()
        self.fields_layout.setSpacing(0)
        self.form_layout.addLayout(self.fields_layout)
        self.form_layout.addStretch(1)
        self.scroll_box = takes_the_rest(scroll_area(self.form, "step.scroll"))
        row = QHBoxLayout()
        self.back = button("", "step.back")
        self.next = button("", "step.next", "primary")
        self.back.clicked.connect(lambda: ctx.send(GoBack()))
        self.next.clicked.connect(self._submit)
        row.addWidget(self.back)
        row.addStretch(1)
        row.addWidget(self.next)
        for widget in (self.progress, self.title, self.banner):
            self.outer.addWidget(widget)
        self.outer.addWidget(self.scroll_box, 1)
        self.outer.addLayout(row)
        self.editors: dict[str, FieldEditor] = {}  # the shown step's
        self.pages: OrderedDict[tuple[str, str], StepPage] = OrderedDict()  # least recently shown first
        self.page: StepPage | None = None
        self._fields_keys: dict[int, tuple[Step, str]] = {}
        self._step_key: tuple[str, str, str] | None = None
        self.keyboard_open = False

    def capture(self) -> dict[str, str]:
        return {field_id: editor.value() for field_id, editor in self.editors.items()}

    def make_room_for_keyboard(self, keyboard_open: bool) -> None:
        # With the keyboard up, a 768-pixel screen keeps ~340 pixels for the step: the step's help and scan
        # hint give way to the fields and the Back/Next row (they come back when the keyboard goes).
        self.keyboard_open = keyboard_open
        self.outer.setContentsMargins(48, 8 if keyboard_open else 24, 48, 8 if keyboard_open else 24)
        self.outer.setSpacing(8 if keyboard_open else 16)
        self.scroll_box.setMinimumHeight(MIN_SCROLL_PX - 60 if keyboard_open else MIN_SCROLL_PX)  # one field
        self._show_header()

    def _show_header(self) -> None:
        step = self.ctx.journey.current_step() if self.ctx.journey.screen is Screen.STEP else None
        roomy = not self.keyboard_open
        self.help.setVisible(roomy and step is not None and step.help is not None)
        self.scan_hint.setVisible(roomy and step is not None and step.identity)
        scan = self.ctx.journey.session.scan_result
        self.scan_status.setVisible(step is not None and step.identity and scan is not None)

    def _submit(self) -> None:
        self.ctx.send(SubmitStep(self.capture()))

    def _answers_now(self) -> dict[str, str]:
        answers = dict(self.ctx.journey.session.answers)
        answers.update(self.capture())
        return answers

    def _update_visibility(self) -> None:
        step = self.ctx.journey.current_step()
        if step is None:
            return
        shown = {f.id for f in visible_fields(step, self._answers_now())}
        for field_id, editor in self.editors.items():
            editor.setVisible(field_id in shown)

    def enter(self) -> None:
        journey = self.ctx.journey
        step = journey.current_step()
        proc = journey.procedure
        if step is None or proc is None:
            return
        session = journey.session
        t, lang = self.ctx.t, self.ctx.lang
        steps = journey.steps()
        position = t("nav.step", n=steps.index(step) + 1, total=len(steps))
        self.progress.setText(f"{position} · {breakable(proc.name.get(lang))}")
        self.title.setText(breakable(step.title.get(lang)))
        self.help.setText(breakable(step.help.get(lang)) if step.help else "")
        self.scan_hint.setText(t("form.scan_hint"))
        scan = session.scan_result
        self.scan_status.setText(t(f"form.scan_{scan}") if scan in ("ok", "bad", "no_address") else "")
        role = "subtitle" if scan in ("ok", None) else "error"
        if self.scan_status.property("role") != role:
            self.scan_status.setProperty("role", role)
            _repolish(self.scan_status)
        self._show_header()
        set_button_text(self.back, t("nav.back"))
        set_button_text(self.next, t("nav.next"))
        key = (proc.code, step.id, lang)
        if key != self._step_key:
            self._show_page(step, lang)
            self._step_key = key
            self.scroll_box.verticalScrollBar().setValue(0)
        descriptions = self.page.descriptions if self.page is not None else {}
        for field_id, editor in self.editors.items():
            _set_value(editor, session.answers.get(field_id, ""))
            issue = session.errors.get(field_id)
            _set_error(editor, tr(issue.key, lang, **issue.params) if issue else None, descriptions.get(field_id, ""))
        self._update_visibility()
        self.banner.setText(t("form.fix_errors"))
        self.banner.setVisible(bool(session.errors))
        first_error = next((self.editors[f] for f in self.editors if f in session.errors), None)
        chosen = self.editors.get(session.focus_field or "")
        target = first_error or chosen or next(iter(self.editors.values()), None)
        if target is not None:
            target.focus_target().setFocus(Qt.FocusReason.OtherFocusReason)
            if first_error is not None or chosen is not None:
                self.scroll_box.ensureWidgetVisible(target)

    def _page_key(self, step: Step, lang: str) -> tuple[str, str]:
        # Steps with the same fields share a page (most procedures open with the same applicant step).
        known = self._fields_keys.get(id(step))
        if known is None or known[0] is not step:
            known = (step, _fields_key(step))
            self._fields_keys[id(step)] = known
        return known[1], lang

    def _page_for(self, step: Step, lang: str) -> StepPage:
        """The step's page, built (hidden) when it is not kept; it becomes the most recently used."""
        key = self._page_key(step, lang)
        page = self.pages.get(key)
        if page is None:
            page = StepPage(step.fields, lang, self._update_visibility, self.form)
            page.set_shown(False)
            self.fields_layout.addWidget(page)
            self.pages[key] = page
            self._evict()
        self.pages.move_to_end(key)
        return page

    def _show_page(self, step: Step, lang: str) -> None:
        page = self._page_for(step, lang)
        if self.page is not None and self.page is not page:
            self.page.set_shown(False)
        self.page = page
        page.used = True
        self.editors = page.editors
        page.set_shown(True)

    def _evict(self) -> None:
        while len(self.pages) > MAX_PAGES:
            key, page = next(iter(self.pages.items()))
            if page is self.page:
                break
            del self.pages[key]
            self.fields_layout.removeWidget(page)
            # Unparented and dropped, the page is deleted at once, answers and all (deleteLater() would
            # leave a little memory behind per widget in PySide6).
            page.setParent(None)

    def clear(self) -> None:
        for page in self.pages.values():
            if page.used:
                page.empty()
        # The last page stays shown (in the hidden screen), emptied: the next form often starts with it.
        self.editors = {}
        self._step_key = None
        self.scan_status.clear()
        # Not ScreenView.clear: it would visit every field of every kept page, and only the pages shown
        # since the last reset can hold answers (emptied above; the window's reset then drops every
        # field's undo history). The scroll position is all that is left.
        self.scroll_box.verticalScrollBar().setValue(0)


class ReviewSection(QWidget):
    """One step on the review: its title, an Edit button, and a row per answer (rows kept for reuse)."""

    def __init__(self, send_edit: Callable[[str, str | None], None]) -> None:
        super().__init__()
        self._send_edit = send_edit
        self.step_id = ""
        self.rows: list[TileButton] = []
        self.field_ids: list[str] = []
        self.shown = 0  # rows not hidden
        self.filled = 0  # rows showing answers (at most `shown`)
        self.box = QVBoxLayout(self)
        self.box.setContentsMargins(0, 0, 0, 0)
        self.box.setSpacing(8)
        header = QHBoxLayout()
        self.title = label("", "", "subtitle")
        self.edit = button("", "")
        self.edit.clicked.connect(lambda: self._send_edit(self.step_id, None))
        header.addWidget(self.title, 1)
        header.addWidget(self.edit, 0, Qt.AlignmentFlag.AlignTop)
        self.box.addLayout(header)

    def _row(self, index: int) -> TileButton:
        while len(self.rows) <= index:
            row = TileButton("", "answer", "muted", "")
            position = len(self.rows)
            row.clicked.connect(lambda _c=False, i=position: self._send_edit(self.step_id, self.field_ids[i]))
            self.rows.append(row)
            self.field_ids.append("")
            self.box.addWidget(row)
        return self.rows[index]

    def show_step(self, step_id: str, title: str, edit_text: str, edit_description: str,
                  answers: list[tuple[str, str, str, str]]) -> None:
        """`answers`: (field id, label, shown value, description) for every visible field."""
        self.step_id = step_id
        self.title.setObjectName(f"review.step.{step_id}")
        self.title.setText(breakable(title))
        self.edit.setObjectName(f"review.edit.{step_id}")
        set_button_text(self.edit, edit_text, edit_description)
        for index, (field_id, field_label, shown, description) in enumerate(answers):
            row = self._row(index)
            self.field_ids[index] = field_id
            _name_row(row, f"review.answer.{field_id}")
            row.set_texts(field_label, shown, description)
            row.setVisible(True)  # at once, not when the event loop next runs
        for index in range(len(answers), self.shown):
            self.rows[index].setVisible(False)
        self._empty_rows(len(answers))
        self.shown = self.filled = len(answers)

    def _empty_rows(self, start: int) -> None:
        for index in range(start, self.filled):
            row = self.rows[index]
            row.set_texts("")
            _name_row(row, "")  # a row without an answer is never found by a field's name
            self.field_ids[index] = ""

    def empty(self) -> None:
        """Forget the answers; the rows stay (shown, in a hidden screen) for the next resident's review."""
        self._empty_rows(0)
        self.filled = 0
        self.title.setObjectName("")
        self.edit.setObjectName("")
        self.step_id = ""


def _name_row(row: TileButton, name: str) -> None:
    if row.objectName() != name:
        row.setObjectName(name)
        row.heading.setObjectName(f"{name}.heading" if name else "")
        row.detail.setObjectName(f"{name}.detail" if name else "")


class ReviewScreen(ScreenView):
    """Every answer, grouped by step; touching an answer opens its step, and Next comes back here."""

    kind = Screen.REVIEW

    def __init__(self, ctx: ScreenContext) -> None:
        super().__init__(ctx)
        self.title = label("", "review.title", "title")
        self.hint = label("", "review.hint", "muted")
        self.banner = label("", "review.banner", "banner")
        self.banner.setVisible(False)
        self.content = QWidget()
        self.content_layout = QVBoxLayout(self.content)
        self.content_layout.setContentsMargins(0, 0, 12, 0)
        self.content_layout.setSpacing(8)
        # The fee for these answers, below the steps (the steps' sections are inserted above it).
        self.fee_heading = label("", "review.fee.heading", "subtitle")
        self.fee = label("", "review.fee")
        self.content_layout.addWidget(self.fee_heading)
        self.content_layout.addWidget(self.fee)
        self.content_layout.addStretch(1)
        self.sections: list[ReviewSection] = []
        self.shown_sections = 0
        row = QHBoxLayout()
        self.back = button("", "review.back")
        self.submit: QPushButton = button("", "review.submit", "primary")
        self.back.clicked.connect(lambda: ctx.send(GoBack()))
        self.submit.clicked.connect(lambda: ctx.send(ConfirmSubmit()))
        row.addWidget(self.back)
        row.addStretch(1)
        row.addWidget(self.submit)
        for widget in (self.title, self.hint, self.banner):
            self.outer.addWidget(widget)
        self.outer.addWidget(takes_the_rest(scroll_area(self.content, "review.scroll")), 1)
        self.outer.addLayout(row)

    def _edit(self, step_id: str, field_id: str | None) -> None:
        self.ctx.send(EditStep(step_id, field_id))

    def _section(self, index: int) -> ReviewSection:
        while len(self.sections) <= index:
            section = ReviewSection(self._edit)
            self.content_layout.insertWidget(len(self.sections), section)
            self.sections.append(section)
        return self.sections[index]

    def enter(self) -> None:
        journey = self.ctx.journey
        proc = journey.procedure
        if proc is None:
            return
        t, lang = self.ctx.t, self.ctx.lang
        session = journey.session
        self.title.setText(t("review.title"))
        self.hint.setText(t("review.hint"))
        self.banner.setText(t(session.banner) if session.banner else "")
        self.banner.setVisible(bool(session.banner))
        set_button_text(self.back, t("nav.back"))
        set_button_text(self.submit, t("review.submit"))
        steps = journey.steps()
        for index, step in enumerate(steps):
            answers = []
            for spec in visible_fields(step, session.answers):
                value = session.answers.get(spec.id, "")
                shown = display_value(proc, spec.id, value, lang) if value else t("review.empty")
                field_label = spec.label.get(lang)
                answers.append((spec.id, field_label, shown, t("review.change", label=field_label)))
            step_title = step.title.get(lang)
            section = self._section(index)
            section.show_step(step.id, step_title, t("review.edit"), t("review.change", label=step_title), answers)
            section.setVisible(True)  # at once, not when the event loop next runs
        for section in self.sections[len(steps):self.shown_sections]:
            section.setVisible(False)
            section.empty()
        self.shown_sections = len(steps)
        self.fee_heading.setText(t("review.fee"))
        self.fee.setText(breakable(breakdown_text(assess(proc, session.answers, journey.clock.now().date()), lang)))

    def clear(self) -> None:
        self.fee.clear()
        for section in self.sections:
            section.empty()  # shown sections stay shown (the screen is hidden): the next review only refills
        self.banner.clear()
        super().clear()
