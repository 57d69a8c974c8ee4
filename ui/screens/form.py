"""The form steps (one topic per screen, with progress) and the review of all answers."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QVBoxLayout, QWidget

from kiosk.catalog.models import FormField
from kiosk.dossier import display_value
from kiosk.i18n import tr
from kiosk.journey import ConfirmSubmit, EditStep, GoBack, Screen, SubmitStep
from kiosk.validation import visible_fields
from ui.layouts import TileButton, breakable, takes_the_rest
from ui.screens.base import ScreenContext, ScreenView, scroll_area
from ui.widgets import FieldEditor, button, clear_layout, label, set_button_text


def _repolish(widget: QWidget) -> None:
    widget.style().unpolish(widget)
    widget.style().polish(widget)


class StepScreen(ScreenView):
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
        self.fields_layout.setSpacing(8)
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
        self.editors: dict[str, FieldEditor] = {}
        self._step_key: tuple[str, str, str] | None = None

    def capture(self) -> dict[str, str]:
        return {field_id: editor.value() for field_id, editor in self.editors.items()}

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
        self.help.setVisible(step.help is not None)
        self.scan_hint.setText(t("form.scan_hint"))
        self.scan_hint.setVisible(step.identity)
        scan = session.scan_result
        self.scan_status.setText(t("form.scan_ok") if scan == "ok" else t("form.scan_bad") if scan == "bad" else "")
        self.scan_status.setProperty("role", "error" if scan == "bad" else "subtitle")
        _repolish(self.scan_status)
        self.scan_status.setVisible(step.identity and scan is not None)
        set_button_text(self.back, t("nav.back"))
        set_button_text(self.next, t("nav.next"))
        key = (proc.code, step.id, lang)
        if key != self._step_key:
            self._build(step.fields)
            self._step_key = key
            self.scroll_box.verticalScrollBar().setValue(0)
        for field_id, editor in self.editors.items():
            editor.set_value(session.answers.get(field_id, ""))
            issue = session.errors.get(field_id)
            editor.set_error(tr(issue.key, lang, **issue.params) if issue else None)
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

    def _build(self, fields: list[FormField]) -> None:
        clear_layout(self.fields_layout)
        self.editors = {}
        lang = self.ctx.lang
        previous: QWidget | None = None
        for spec in fields:
            editor = FieldEditor(spec, lang)
            editor.changed.connect(self._update_visibility)
            self.editors[spec.id] = editor
            self.fields_layout.addWidget(editor)
            target = editor.focus_target()
            if previous is not None:
                QWidget.setTabOrder(previous, target)
            previous = target

    def clear(self) -> None:
        clear_layout(self.fields_layout)
        self.editors = {}
        self._step_key = None
        self.scan_status.clear()
        super().clear()


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
        row = QHBoxLayout()
        self.back = button("", "review.back")
        self.submit = button("", "review.submit", "primary")
        self.back.clicked.connect(lambda: ctx.send(GoBack()))
        self.submit.clicked.connect(lambda: ctx.send(ConfirmSubmit()))
        row.addWidget(self.back)
        row.addStretch(1)
        row.addWidget(self.submit)
        for widget in (self.title, self.hint, self.banner):
            self.outer.addWidget(widget)
        self.outer.addWidget(takes_the_rest(scroll_area(self.content, "review.scroll")), 1)
        self.outer.addLayout(row)

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
        clear_layout(self.content_layout)
        for step in journey.steps():
            header = QHBoxLayout()
            step_title = step.title.get(lang)
            header.addWidget(label(breakable(step_title), f"review.step.{step.id}", "subtitle"), 1)
            edit = button(t("review.edit"), f"review.edit.{step.id}", "", t("review.change", label=step_title))
            edit.clicked.connect(lambda _c=False, sid=step.id: self.ctx.send(EditStep(sid)))
            header.addWidget(edit, 0, Qt.AlignmentFlag.AlignTop)
            self.content_layout.addLayout(header)
            for spec in visible_fields(step, session.answers):
                value = session.answers.get(spec.id, "")
                shown = display_value(proc, spec.id, value, lang) if value else t("review.empty")
                answer = TileButton(f"review.answer.{spec.id}", "answer", "muted", "")
                field_label = spec.label.get(lang)
                answer.set_texts(field_label, shown, t("review.change", label=field_label))
                answer.clicked.connect(
                    lambda _c=False, sid=step.id, fid=spec.id: self.ctx.send(EditStep(sid, fid))
                )
                self.content_layout.addWidget(answer)
        self.content_layout.addStretch(1)
        for widget in self.content.findChildren(QWidget, options=Qt.FindChildOption.FindDirectChildrenOnly):
            widget.show()  # at once, not when the event loop next runs

    def clear(self) -> None:
        clear_layout(self.content_layout)
        self.banner.clear()
        super().clear()
