"""Storing the dossier, the receipt with its QR, and the satisfaction rating."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import QHBoxLayout, QLabel, QLineEdit, QPushButton

from kiosk.journey import Finish, Rate, Screen
from kiosk.receipt import Slip
from ui.screens.base import ScreenContext, ScreenView, scroll_area
from ui.widgets import QrWidget, button, label, set_button_text


class SubmittingScreen(ScreenView):
    kind = Screen.SUBMITTING

    def __init__(self, ctx: ScreenContext) -> None:
        super().__init__(ctx)
        self.message = label("", "submitting.message", "title")
        self.message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.outer.addStretch(1)
        self.outer.addWidget(self.message)
        self.outer.addStretch(1)

    def enter(self) -> None:
        self.message.setText(self.ctx.t("review.submitting"))


class ReceiptScreen(ScreenView):
    kind = Screen.RECEIPT

    def __init__(self, ctx: ScreenContext) -> None:
        super().__init__(ctx)
        self.title = label("", "receipt.title", "title")
        self.reference = label("", "receipt.reference", "subtitle")
        self.reference.setTextInteractionFlags(Qt.TextInteractionFlag.NoTextInteraction)
        self.keep = label("", "receipt.keep")
        self.status = label("", "receipt.status", "subtitle")
        row = QHBoxLayout()
        self.qr = QrWidget("receipt.qr")
        self.qr.setFixedSize(300, 300)
        self.pay_qr = QrWidget("receipt.vietqr")
        self.pay_qr.setFixedSize(300, 300)
        self.pay_caption = label("", "receipt.pay", "muted")
        self.preview = QLabel()
        self.preview.setObjectName("receipt.preview")
        self.preview.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.preview_area = scroll_area(self.preview, "receipt.preview_scroll")
        self.preview_area.setWidgetResizable(False)
        row.addWidget(self.qr)
        row.addWidget(self.pay_qr)
        row.addWidget(self.preview_area, 1)
        buttons = QHBoxLayout()
        self.print_button = button("", "receipt.print")
        self.print_button.setVisible(ctx.runtime.settings.printer.kind != "none")
        self.finish = button("", "receipt.finish", "primary")
        self.finish.clicked.connect(lambda: ctx.send(Finish()))
        buttons.addWidget(self.print_button)
        buttons.addStretch(1)
        buttons.addWidget(self.finish)
        for widget in (self.title, self.reference, self.keep, self.status):
            self.outer.addWidget(widget)
        self.outer.addLayout(row, 1)
        self.outer.addWidget(self.pay_caption)
        self.outer.addLayout(buttons)
        self.slip: Slip | None = None

    def show_slip(self, slip: Slip, preview: QPixmap | None) -> None:
        self.slip = slip
        t = self.ctx.t
        self.title.setText(t("receipt.title"))
        self.reference.setText(t("receipt.reference", reference=slip.reference))
        self.keep.setText(t("receipt.keep"))
        self.qr.set_text(slip.lookup_url)
        self.pay_qr.setVisible(slip.vietqr_payload is not None)
        self.pay_caption.setVisible(slip.vietqr_payload is not None)
        if slip.vietqr_payload is not None:
            self.pay_qr.set_text(slip.vietqr_payload)
            self.pay_caption.setText(t("receipt.pay", amount=slip.fee_text))
        if preview is not None:
            self.preview.setPixmap(preview)
            self.preview.resize(preview.size())
        set_button_text(self.finish, t("receipt.finish"))
        set_button_text(self.print_button, t("receipt.print"))

    def set_status(self, text: str) -> None:
        self.status.setText(text)

    def enter(self) -> None:
        if self.slip is not None:
            self.show_slip(self.slip, None)

    def clear(self) -> None:
        self.slip = None
        self.qr.set_text("")
        self.pay_qr.set_text("")
        self.preview.clear()
        for widget in (self.reference, self.status, self.pay_caption):
            widget.clear()
        super().clear()


class RatingScreen(ScreenView):
    kind = Screen.RATING

    def __init__(self, ctx: ScreenContext) -> None:
        super().__init__(ctx)
        self.title = label("", "rating.title", "title")
        self.outer.addWidget(self.title)
        row = QHBoxLayout()
        self.stars: list[QPushButton] = []
        for n in range(1, 6):
            star = button("★" * n, f"rating.{n}")
            star.setMinimumHeight(96)
            star.clicked.connect(lambda _c=False, k=n: self._rate(k))
            self.stars.append(star)
            row.addWidget(star)
        self.outer.addLayout(row)
        self.comment = QLineEdit()
        self.comment.setObjectName("rating.comment")
        self.comment.setMaxLength(500)
        self.comment.setContextMenuPolicy(Qt.ContextMenuPolicy.NoContextMenu)
        self.outer.addWidget(self.comment)
        self.skip = button("", "rating.skip")
        self.skip.clicked.connect(lambda: self._rate(None))
        self.outer.addStretch(1)
        self.outer.addWidget(self.skip)

    def _rate(self, stars: int | None) -> None:
        self.ctx.send(Rate(stars, self.comment.text()))

    def enter(self) -> None:
        t = self.ctx.t
        self.title.setText(t("rating.title"))
        self.comment.setPlaceholderText(t("rating.comment"))
        self.comment.setAccessibleName(t("rating.comment"))
        self.comment.setAccessibleDescription(t("rating.comment"))
        for n, star in enumerate(self.stars, start=1):
            set_button_text(star, "★" * n, t("rating.stars", n=n))
        set_button_text(self.skip, t("rating.skip"))
