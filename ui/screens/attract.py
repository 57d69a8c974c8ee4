"""The attract screen: what the kiosk offers, and a touch anywhere to start."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QHBoxLayout

from kiosk.journey import (
    Screen,
    Touch,
)
from ui.screens.base import ScreenContext, ScreenView
from ui.widgets import QrWidget, button, label, set_button_text


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
