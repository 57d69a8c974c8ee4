"""Storing the dossier, the receipt with its QR, and the satisfaction rating."""

from __future__ import annotations

from typing import Literal

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import QBoxLayout, QHBoxLayout, QLabel, QLineEdit, QPushButton, QSizePolicy, QVBoxLayout

from kiosk.journey import Finish, Rate, Screen
from kiosk.receipt import Slip
from ui.screens.base import ScreenContext, ScreenView, scroll_area
from ui.widgets import QrWidget, button, label, set_button_text

PrintStatus = Literal["printing", "printed", "failed"]
NARROW_PX = 1300  # below this width the slip preview goes under the QR codes
QR_SIZE = 240  # large enough for any phone at arm's length, small enough for a 768-pixel-high screen


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
    """The receipt: dossier code, the lookup QR, the VietQR code when there is a fee, the slip preview,
    and what the printer did. When printing fails the resident is told to photograph the QR here."""

    kind = Screen.RECEIPT
    print_requested = Signal()

    def __init__(self, ctx: ScreenContext) -> None:
        super().__init__(ctx)
        self.title = label("", "receipt.title", "title")
        self.reference = label("", "receipt.reference", "subtitle")
        self.reference.setTextInteractionFlags(Qt.TextInteractionFlag.NoTextInteraction)
        self.keep = label("", "receipt.keep")
        self.status = label("", "receipt.status", "subtitle")
        self.status.hide()
        self.problem = label("", "receipt.print_problem", "banner")
        self.problem.hide()
        # QR codes beside the slip preview on a wide screen, above it on a narrow (portrait) one.
        row = QBoxLayout(QBoxLayout.Direction.LeftToRight)
        self.content_row = row
        qr_row = QHBoxLayout()
        self.qr = QrWidget("receipt.qr")
        self.qr.setFixedSize(QR_SIZE, QR_SIZE)
        lookup_column = QVBoxLayout()
        self.lookup_caption = label("", "receipt.lookup", "muted")
        self.lookup_caption.setMaximumWidth(QR_SIZE)
        lookup_column.addWidget(self.qr)
        lookup_column.addWidget(self.lookup_caption)
        lookup_column.addStretch(1)
        pay_column = QVBoxLayout()
        self.pay_qr = QrWidget("receipt.vietqr")
        self.pay_qr.setFixedSize(QR_SIZE, QR_SIZE)
        self.pay_caption = label("", "receipt.pay", "muted")
        self.pay_caption.setMaximumWidth(QR_SIZE)
        pay_column.addWidget(self.pay_qr)
        pay_column.addWidget(self.pay_caption)
        pay_column.addStretch(1)
        self.preview = QLabel()
        self.preview.setObjectName("receipt.preview")
        self.preview.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.preview_area = scroll_area(self.preview, "receipt.preview_scroll")
        self.preview_area.setWidgetResizable(False)
        self.preview_area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        # The slip is long: the preview takes the height that is left and scrolls, never asks for more.
        self.preview_area.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Ignored)
        self.preview_area.setMinimumHeight(160)
        qr_row.addLayout(lookup_column)
        qr_row.addLayout(pay_column)
        qr_row.addStretch(1)
        row.addLayout(qr_row)
        row.addWidget(self.preview_area, 1)
        buttons = QHBoxLayout()
        self.print_button = button("", "receipt.print")
        self.print_button.setVisible(ctx.runtime.settings.printer.kind != "none")
        self.print_button.clicked.connect(self._request_print)
        self.finish = button("", "receipt.finish", "primary")
        self.finish.clicked.connect(lambda: ctx.send(Finish()))
        buttons.addWidget(self.print_button)
        buttons.addStretch(1)
        buttons.addWidget(self.finish)
        for widget in (self.title, self.reference, self.keep, self.status, self.problem):
            self.outer.addWidget(widget)
        self.outer.addLayout(row, 1)
        self.outer.addLayout(buttons)
        self.slip: Slip | None = None
        self.print_status: PrintStatus | None = None

    def show_slip(self, slip: Slip, preview: QPixmap | None) -> None:
        self.slip = slip
        t = self.ctx.t
        self.title.setText(t("receipt.title"))
        self.reference.setText(t("receipt.reference", reference=slip.reference))
        self.keep.setText(t("receipt.keep"))
        if self.qr.text != slip.lookup_url:  # encoding a QR takes milliseconds: not again on a language change
            self.qr.set_text(slip.lookup_url)
        self.lookup_caption.setText(t("slip.lookup"))
        paying = slip.vietqr_payload is not None
        self.pay_qr.setVisible(paying)
        self.pay_caption.setVisible(paying)
        if slip.vietqr_payload is not None:
            if self.pay_qr.text != slip.vietqr_payload:
                self.pay_qr.set_text(slip.vietqr_payload)
            self.pay_caption.setText(t("receipt.pay", amount=slip.fee_text))
        if preview is not None:
            self.preview.setPixmap(preview)
            self.preview.resize(preview.size())
            frame = 2 * self.preview_area.frameWidth()
            self.preview_area.setFixedWidth(preview.width() + self.preview_area.verticalScrollBar().sizeHint().width()
                                            + frame)
        set_button_text(self.finish, t("receipt.finish"))
        set_button_text(self.print_button, t("receipt.print"))
        self.show_print_status(self.print_status)

    def _request_print(self) -> None:
        self.print_requested.emit()

    def show_print_status(self, status: PrintStatus | None) -> None:
        """What the printer did with the slip; None = nothing to say (no printer)."""
        self.print_status = status
        t = self.ctx.t
        failed = status == "failed"
        self.status.setText(t(f"receipt.{status}") if status in ("printing", "printed") else "")
        self.status.setVisible(not failed and status is not None)
        self.problem.setText(t("receipt.print_failed") if failed else "")
        self.problem.setVisible(failed)
        self.keep.setVisible(not failed)  # the problem banner says what to do with the QR instead
        self.print_button.setEnabled(status != "printing")

    def set_status(self, text: str) -> None:
        self.status.setText(text)
        self.status.show()

    def fit_width(self, width: int) -> None:
        direction = _receipt_direction(width)
        if self.content_row.direction() != direction:
            self.content_row.setDirection(direction)

    def enter(self) -> None:
        if self.slip is not None:
            self.show_slip(self.slip, None)

    def clear(self) -> None:
        self.slip = None
        self.print_status = None
        self.qr.set_text("")
        self.pay_qr.set_text("")
        self.preview.clear()
        for widget in (self.reference, self.status, self.pay_caption, self.problem):
            widget.clear()
        self.problem.hide()
        self.keep.show()
        self.print_button.setEnabled(True)
        super().clear()


def _receipt_direction(width: int) -> QBoxLayout.Direction:
    return QBoxLayout.Direction.TopToBottom if width < NARROW_PX else QBoxLayout.Direction.LeftToRight



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
