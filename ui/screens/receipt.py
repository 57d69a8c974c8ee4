"""Storing the dossier, the receipt with its QR, and the satisfaction rating."""

from __future__ import annotations

from typing import Literal

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QBoxLayout, QHBoxLayout, QLabel, QLineEdit, QPushButton, QVBoxLayout, QWidget

from kiosk.journey.machine import Finish, Rate, Screen
from kiosk.payment.fees import assess
from kiosk.printing.receipt import Slip
from ui.common.widgets import QrWidget, button, label, set_button_text
from ui.printing.slip_render import make_receipt
from ui.screens.base import ScreenContext, ScreenView, scroll_area

PrintStatus = Literal["printing", "printed", "failed"]
NARROW_PX = 1300  # below this width the next steps go under the QR codes
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
    """The receipt as "what happens next", in large text: the dossier code, where to go, what to bring, what
    to pay and how, the expected date; the lookup QR and the VietQR code when there is a fee; and what the
    printer did. When printing fails, or the kiosk has no printer, the resident is told to photograph the QR."""

    kind = Screen.RECEIPT
    print_requested = Signal()
    STEPS = 4  # where to go, papers, fee, expected date (kiosk.printing.receipt.build_slip's next_steps)

    def __init__(self, ctx: ScreenContext) -> None:
        super().__init__(ctx)
        self.title = label("", "receipt.title", "title")
        self.reference = label("", "receipt.reference", "title")
        self.reference.setTextInteractionFlags(Qt.TextInteractionFlag.NoTextInteraction)
        self.keep = label("", "receipt.keep", "next")
        self.status = label("", "receipt.status", "subtitle")
        self.status.hide()
        self.problem = label("", "receipt.print_problem", "banner")
        self.problem.hide()
        # QR codes beside the next steps on a wide screen, above them on a narrow (portrait) one.
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
        qr_row.addLayout(lookup_column)
        qr_row.addLayout(pay_column)
        # The next steps, in the order the resident does them; a long list of papers scrolls.
        steps = QWidget()
        steps_layout = QVBoxLayout(steps)
        steps_layout.setContentsMargins(0, 0, 0, 0)
        self.next_title = label("", "receipt.next", "subtitle")
        steps_layout.addWidget(self.next_title)
        self.steps: list[tuple[QLabel, QLabel]] = []
        for index in range(self.STEPS):
            heading = label("", f"receipt.next.{index}.heading", "next-heading")
            body = label("", f"receipt.next.{index}", "next")
            steps_layout.addWidget(heading)
            steps_layout.addWidget(body)
            self.steps.append((heading, body))
        steps_layout.addStretch(1)
        self.steps_area = scroll_area(steps, "receipt.next_scroll")
        row.addLayout(qr_row)
        row.addWidget(self.steps_area, 1)
        buttons = QHBoxLayout()
        self.print_button = button("", "receipt.print")
        self.print_button.setVisible(ctx.runtime.settings.printer.kind != "none")
        self.print_button.clicked.connect(self._request_print)
        self.finish = button("", "receipt.finish", "primary")
        self.finish.clicked.connect(lambda: ctx.send(Finish()))
        buttons.addWidget(self.print_button)
        buttons.addStretch(1)
        buttons.addWidget(self.finish)
        for widget in (self.title, self.reference, self.status, self.problem, self.keep):
            self.outer.addWidget(widget)
        self.outer.addLayout(row, 1)
        self.outer.addLayout(buttons)
        self.slip: Slip | None = None
        self.print_status: PrintStatus | None = None

    def show_slip(self, slip: Slip) -> None:
        self.slip = slip
        t = self.ctx.t
        self.title.setText(t("receipt.title"))
        self.reference.setText(t("receipt.reference", reference=slip.reference))
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
        self.next_title.setText(t("receipt.next"))
        for index, (heading, body) in enumerate(self.steps):
            step = slip.next_steps[index] if index < len(slip.next_steps) else None
            heading.setText(step.label if step else "")
            body.setText(step.value if step else "")
            heading.setVisible(step is not None)
            body.setVisible(step is not None)
        set_button_text(self.finish, t("receipt.finish"))
        set_button_text(self.print_button, t("receipt.print"))
        self.show_print_status(self.print_status)

    def _request_print(self) -> None:
        self.print_requested.emit()

    def show_print_status(self, status: PrintStatus | None) -> None:
        """What the printer did with the slip; None = nothing yet, or no printer at all."""
        self.print_status = status
        t = self.ctx.t
        failed = status == "failed"
        self.status.setText(t(f"receipt.{status}") if status in ("printing", "printed") else "")
        self.status.setVisible(not failed and status is not None)
        self.problem.setText(t("receipt.print_failed") if failed else "")
        self.problem.setVisible(failed)
        # "Keep this slip" only once there is a slip; without a printer, write the code down or photograph it.
        no_printer = status is None and self.ctx.runtime.settings.printer.kind == "none"
        self.keep.setText(t("receipt.no_printer") if no_printer else t("receipt.keep"))
        self.keep.setVisible(status == "printed" or no_printer)
        self.print_button.setEnabled(status != "printing")

    def set_status(self, text: str) -> None:
        self.status.setText(text)
        self.status.show()

    def fit_width(self, width: int) -> None:
        direction = _receipt_direction(width)
        if self.content_row.direction() != direction:
            self.content_row.setDirection(direction)

    def enter(self) -> None:
        """Show the slip again, in the language chosen now (the printed one stays in its own)."""
        journey = self.ctx.journey
        slip, stored, proc = self.slip, journey.session.stored, journey.procedure
        if slip is None:
            return
        if slip.lang != self.ctx.lang and stored is not None and proc is not None:
            slip = make_receipt(proc, journey.session.answers, slip.reference, stored.created_at,
                                assess(proc, journey.session.answers, stored.created_at.date()),
                                self.ctx.runtime.settings, self.ctx.lang)
        self.show_slip(slip)

    def clear(self) -> None:
        self.slip = None
        self.print_status = None
        self.qr.set_text("")
        self.pay_qr.set_text("")
        for widget in (self.reference, self.status, self.pay_caption, self.problem,
                       *(w for pair in self.steps for w in pair)):
            widget.clear()
        self.problem.hide()
        self.keep.hide()
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
