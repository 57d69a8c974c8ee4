"""Consent to the processing of personal data before any personal field."""

from __future__ import annotations

from PySide6.QtWidgets import QHBoxLayout

from kiosk.journey import (
    DeclineConsent,
    GiveConsent,
    Screen,
)
from ui.screens.base import ScreenContext, ScreenView
from ui.widgets import button, label, set_button_text


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
