"""Consent to the processing of personal data (Decree 13/2023/NĐ-CP) before any personal field.

The time of consent and the version of this text go into the dossier (see kiosk.journey.dossier).
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout

from kiosk.journey.machine import DeclineConsent, GiveConsent, Screen
from ui.common.layouts import takes_the_rest
from ui.common.widgets import button, label, set_button_text
from ui.screens.base import ScreenContext, ScreenView, scroll_area


class ConsentScreen(ScreenView):
    kind = Screen.CONSENT

    def __init__(self, ctx: ScreenContext) -> None:
        super().__init__(ctx)
        self.title = label("", "consent.title", "title")
        self.body = label("", "consent.body")
        self.body.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        row = QHBoxLayout()
        self.decline = button("", "consent.decline")
        self.agree = button("", "consent.agree", "primary")
        self.decline.clicked.connect(lambda: ctx.send(DeclineConsent()))
        self.agree.clicked.connect(lambda: ctx.send(GiveConsent()))
        row.addWidget(self.decline)
        row.addStretch(1)
        row.addWidget(self.agree)
        self.outer.addWidget(self.title)
        self.outer.addWidget(takes_the_rest(scroll_area(self.body, "consent.scroll")), 1)
        self.outer.addLayout(row)

    def enter(self) -> None:
        t = self.ctx.t
        self.title.setText(t("consent.title"))
        self.body.setText(t("consent.body"))
        set_button_text(self.agree, t("consent.agree"))
        set_button_text(self.decline, t("consent.decline"))
