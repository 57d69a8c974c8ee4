"""Following a dossier, and sending feedback."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from datetime import datetime

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLineEdit, QPlainTextEdit

from kiosk.journey.machine import GoBack, Screen
from kiosk.outbox.lookup import LookupResult, lookup_local, reference_from_scan
from kiosk.workdays.clock import VN_TZ
from ui.common.layouts import breakable, takes_the_rest
from ui.common.widgets import button, label, set_button_text
from ui.screens.base import ScreenContext, ScreenView, scroll_area


def _line(name: str, max_length: int) -> QLineEdit:
    edit = QLineEdit()
    edit.setObjectName(name)
    edit.setMaxLength(max_length)
    edit.setContextMenuPolicy(Qt.ContextMenuPolicy.NoContextMenu)
    return edit


def local_time(stamp: str) -> str:
    """An ISO time from the outbox or the portal as residents write it: 09:30 26/11/2026, Vietnam's time."""
    try:
        when = datetime.fromisoformat(stamp)
    except ValueError:
        return stamp
    if when.tzinfo is not None:
        when = when.astimezone(VN_TZ)
    return when.strftime("%H:%M %d/%m/%Y")


class LookupScreen(ScreenView):
    kind = Screen.LOOKUP

    def __init__(self, ctx: ScreenContext) -> None:
        super().__init__(ctx)
        self.title = label("", "lookup.title", "title")
        self.code_label = label("", "lookup.code_label")
        self.code = _line("lookup.code", 64)
        # Dossier codes are typed literally: no Telex marks from the on-screen keyboard.
        self.code.setInputMethodHints(Qt.InputMethodHint.ImhLatinOnly | Qt.InputMethodHint.ImhNoPredictiveText)
        self.phone_label = label("", "lookup.phone_label")
        self.phone = _line("lookup.phone", 4)
        self.phone.setInputMethodHints(Qt.InputMethodHint.ImhDigitsOnly)
        self.result = label("", "lookup.result", "subtitle")
        self.result.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        row = QHBoxLayout()
        self.back = button("", "lookup.back")
        self.search = button("", "lookup.search", "primary")
        self.back.clicked.connect(lambda: ctx.send(GoBack()))
        self.search.clicked.connect(self.run_lookup)
        self._answer: Callable[[], None] | None = None  # shows the last answer again (in the language chosen now)
        row.addWidget(self.back)
        row.addStretch(1)
        row.addWidget(self.search)
        for widget in (self.title, self.code_label, self.code, self.phone_label, self.phone):
            self.outer.addWidget(widget)
        # A dossier's timeline can be long: it scrolls instead of pushing the buttons off the screen.
        self.outer.addWidget(takes_the_rest(scroll_area(self.result, "lookup.scroll")), 1)
        self.outer.addLayout(row)

    def enter(self) -> None:
        t = self.ctx.t
        self.title.setText(t("lookup.title"))
        for widget, key in ((self.code_label, "lookup.code"), (self.phone_label, "lookup.phone")):
            widget.setText(t(key))
        self.code.setAccessibleName(t("lookup.code"))
        self.code.setAccessibleDescription(t("lookup.code"))
        self.phone.setAccessibleName(t("lookup.phone"))
        self.phone.setAccessibleDescription(t("lookup.phone"))
        set_button_text(self.back, t("nav.back"))
        set_button_text(self.search, t("lookup.search"))
        if self._answer is not None:  # the language changed: the answer is said again in it
            self._answer()

    def set_scanned(self, text: str) -> None:
        self.code.setText(reference_from_scan(text))
        self.phone.setFocus()

    def run_lookup(self) -> None:
        self._answer = None
        t = self.ctx.t
        reference = reference_from_scan(self.code.text())
        digits = self.phone.text().strip()
        if not reference:
            self.result.setText(t("v.required"))
            return
        if len(digits) != 4 or not digits.isdigit():
            self.result.setText(t("lookup.bad_phone"))
            return
        self.result.setText(t("lookup.searching"))
        outbox = self.ctx.runtime.outbox
        portal = self.ctx.runtime.portal
        if portal is not None:  # the portal's timeline; the outbox answers when the portal is away
            self.ctx.runner.submit(lambda: portal.lookup(reference, digits), self._show, self._failed)
        else:
            self.ctx.runner.submit(lambda: lookup_local(outbox, reference, digits), self._show, self._failed)

    def _show(self, result: LookupResult | None) -> None:
        self._answer = lambda: self._show(result)
        t = self.ctx.t
        if result is None:
            self.result.setText(t("lookup.not_found"))
            return
        proc_name = result.procedure_code
        with contextlib.suppress(KeyError):
            proc_name = self.ctx.runtime.catalog.get(result.procedure_code).name.get(self.ctx.lang)
        place = self.ctx.runtime.settings.site.service_point  # the site's own name for its service point
        lines = [breakable(result.reference), proc_name, t(f"status.{result.status}", place=place)]
        lines += [f"• {local_time(entry.at)} — {t('status.' + entry.status, place=place)}"
                  for entry in result.timeline]
        self.result.setText("\n".join(lines))

    def _failed(self, error: BaseException) -> None:
        self._answer = lambda: self._failed(error)
        self.result.setText(self.ctx.t("lookup.offline"))

    def clear(self) -> None:
        self._answer = None
        self.result.clear()
        super().clear()


class FeedbackScreen(ScreenView):
    kind = Screen.FEEDBACK

    def __init__(self, ctx: ScreenContext) -> None:
        super().__init__(ctx)
        self.title = label("", "feedback.title", "title")
        self.prompt = label("", "feedback.prompt")
        self.text = QPlainTextEdit()
        self.text.setObjectName("feedback.text")
        self.text.setTabChangesFocus(True)
        self.text.setContextMenuPolicy(Qt.ContextMenuPolicy.NoContextMenu)
        self.status = label("", "feedback.status", "subtitle")
        self.text.setMinimumHeight(140)
        row = QHBoxLayout()
        self.back = button("", "feedback.back")
        self.send = button("", "feedback.send", "primary")
        self.back.clicked.connect(lambda: ctx.send(GoBack()))
        self.send.clicked.connect(self._send)
        row.addWidget(self.back)
        row.addStretch(1)
        row.addWidget(self.send)
        for widget in (self.title, self.prompt, self.text, self.status):
            self.outer.addWidget(widget)
        self.outer.addStretch(1)
        self.outer.addLayout(row)

    def enter(self) -> None:
        t = self.ctx.t
        self.title.setText(t("feedback.title"))
        self.prompt.setText(t("feedback.prompt"))
        self.text.setAccessibleName(t("feedback.prompt"))
        self.text.setAccessibleDescription(t("feedback.prompt"))
        set_button_text(self.back, t("nav.back"))
        set_button_text(self.send, t("feedback.send"))

    def _send(self) -> None:
        comment = self.text.toPlainText().strip()[:2000]
        if not comment:
            self.status.setText(self.ctx.t("feedback.empty"))
            return
        settings = self.ctx.runtime.settings
        payload = {"kiosk_id": settings.kiosk.id, "site_id": settings.site.id, "kind": "comment", "comment": comment}
        outbox = self.ctx.runtime.outbox
        self.ctx.runner.submit(lambda: outbox.enqueue_feedback("comment", payload), self._sent, self._failed)

    def _sent(self, _item: object) -> None:
        self.text.clear()
        self.status.setText(self.ctx.t("feedback.thanks"))

    def _failed(self, _error: BaseException) -> None:
        self.status.setText(self.ctx.t("review.store_failed"))

    def clear(self) -> None:
        self.status.clear()
        super().clear()
