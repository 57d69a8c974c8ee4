"""The scan screen: one paper at a time, a picture of what to do, a large preview, rescan / add a page / skip.

The scan itself (scanimage, processing, the PDF, the preview's reduced picture) runs on a worker thread; its
progress comes back by a queued signal. A result that arrives after a reset is thrown away, and a reset stops a
scan still running and forgets the previews.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QPixmap
from PySide6.QtSvgWidgets import QSvgWidget
from PySide6.QtWidgets import QHBoxLayout, QLabel, QVBoxLayout

from kiosk.files.paths import assets_dir
from kiosk.journey.events import GoBack, NextPaper, PaperScanned, ScanFailed, SkipPaper
from kiosk.journey.screens import Screen
from kiosk.operations import Operation
from ui.common.widgets import button, label, set_button_text
from ui.screens.base import ScreenContext, ScreenView

if TYPE_CHECKING:
    from kiosk.scanning.images import Page
    from kiosk.scanning.papers import ScannedPaper

PICTURE = "scan/place-paper.svg"


class _Progress(QObject):
    """Carries a worker's progress (0..1) to the GUI thread."""

    moved = Signal(float)


class ScanScreen(ScreenView):
    kind = Screen.SCAN

    def __init__(self, ctx: ScreenContext) -> None:
        super().__init__(ctx)
        self.title = label("", "scan.title", "title")
        self.step = label("", "scan.progress")
        self.picture = QSvgWidget(str(assets_dir() / PICTURE))
        self.picture.setObjectName("scan.picture")
        self.picture.setFixedSize(288, 180)
        self.help = label("", "scan.help")
        self.note = label("", "scan.unverified_note")
        self.status = label("", "scan.scan_status")
        self.preview = QLabel()
        self.preview.setObjectName("scan.preview_image")
        self.preview.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.preview.setMinimumSize(300, 340)
        self.preview.setStyleSheet("border: 2px solid #90a4ae; background: #eceff1;")

        left = QVBoxLayout()
        left.addWidget(self.picture, 0, Qt.AlignmentFlag.AlignHCenter)
        left.addWidget(self.help)
        left.addWidget(self.note)
        left.addWidget(self.status)
        left.addStretch(1)
        middle = QHBoxLayout()
        middle.addLayout(left, 1)
        middle.addWidget(self.preview, 1)

        self.back = button("", "scan.back")
        self.skip = button("", "scan.skip")
        self.scan = button("", "scan.scan", "primary")
        self.add_page = button("", "scan.add_page")
        self.next = button("", "scan.next", "primary")
        self.back.clicked.connect(lambda: ctx.send(GoBack()))
        self.skip.clicked.connect(lambda: ctx.send(SkipPaper()))
        self.scan.clicked.connect(lambda: self.start_scan(add=False))
        self.add_page.clicked.connect(lambda: self.start_scan(add=True))
        self.next.clicked.connect(lambda: ctx.send(NextPaper()))
        row = QHBoxLayout()
        for widget in (self.back, self.skip):
            row.addWidget(widget)
        row.addStretch(1)
        for widget in (self.scan, self.add_page, self.next):
            row.addWidget(widget)

        self.outer.addWidget(self.step)
        self.outer.addWidget(self.title)
        self.outer.addLayout(middle, 1)
        self.outer.addLayout(row)

        self._progress = _Progress(self)
        self._progress.moved.connect(self._show_progress)
        self._cancel: threading.Event | None = None
        self._generation = 0  # bumped by a reset: results of scans started before it are thrown away
        self._previews: dict[str, tuple[int, bytes]] = {}  # paper id → (pages, PNG of its last page)

    # --- showing the journey's state ---

    def enter(self) -> None:
        t, journey = self.ctx.t, self.ctx.journey
        papers = journey.scannable_papers()
        paper = journey.current_paper()
        if paper is None or paper.scan is None:
            return
        lang = self.ctx.lang
        self.step.setText(t("scan.progress", n=journey.session.paper_index + 1, total=len(papers)))
        self.title.setText(t("scan.title", paper=paper.name.get(lang)))
        self.help.setText(t("scan.help"))
        verified = paper.scan.source is not None and paper.scan.source.verified_on is not None
        self.note.setText("" if verified else t("scan.unverified"))
        self.note.setVisible(not verified)
        scanned = journey.session.scans.get(paper.scan.id)
        pages = len(scanned.pages) if scanned else 0
        if journey.session.scan_error:
            self.status.setText(t(journey.session.scan_error))
        elif pages:
            self.status.setText(t("scan.pages", count=pages))
        else:
            self.status.setText(t("scan.ready"))
        self._show_preview(scanned)
        set_button_text(self.back, t("scan.back"))
        set_button_text(self.skip, t("scan.skip"))
        set_button_text(self.scan, t("scan.rescan") if pages else t("scan.scan"))
        set_button_text(self.add_page, t("scan.add_page"))
        set_button_text(self.next, t("scan.next"))
        self._set_busy(False)
        self.add_page.setVisible(bool(pages))
        self.next.setEnabled(bool(pages))

    def _show_preview(self, scanned: ScannedPaper | None) -> None:
        """The paper's last page, reduced off the GUI thread (by the scan's worker, or here when missing)."""
        if scanned is None or not scanned.pages:
            self.preview.clear()
            self.preview.setAccessibleName(self.ctx.t("scan.ready"))
            return
        known = self._previews.get(scanned.paper_id)
        if known is not None and known[0] == len(scanned.pages):
            self._paint_preview(known[1])
            return
        from kiosk.scanning.images import preview_png

        page, paper_id, count, generation = scanned.pages[-1], scanned.paper_id, len(scanned.pages), self._generation

        def reduced(png: bytes) -> None:
            if generation == self._generation:
                self._previews[paper_id] = (count, png)
                current = self.ctx.journey.session.scans.get(paper_id)
                if self.ctx.journey.screen is Screen.SCAN and current is not None and len(current.pages) == count:
                    self._paint_preview(png)

        self.ctx.runner.run(Operation("scan preview", lambda: preview_png(page)), reduced)

    def _paint_preview(self, png: bytes) -> None:
        pixmap = QPixmap()
        pixmap.loadFromData(png, "PNG")
        size = self.preview.size()
        self.preview.setPixmap(pixmap.scaled(size.width() - 8, size.height() - 8,
                                             Qt.AspectRatioMode.KeepAspectRatio,
                                             Qt.TransformationMode.SmoothTransformation))
        self.preview.setAccessibleName(self.ctx.t("scan.preview"))

    def _set_busy(self, busy: bool) -> None:
        for widget in (self.back, self.skip, self.scan, self.add_page, self.next):
            widget.setEnabled(not busy)

    def _show_progress(self, fraction: float) -> None:
        if self._cancel is not None:
            self.status.setText(self.ctx.t("scan.scanning", percent=round(fraction * 100)))

    # --- scanning, off the GUI thread ---

    def start_scan(self, add: bool) -> None:
        from kiosk.scanning.device import ScanError, from_settings
        from kiosk.scanning.images import Colour, ImageError, preview_png, process, with_page
        from kiosk.scanning.papers import LimitExceeded

        journey = self.ctx.journey
        paper = journey.current_paper()
        if paper is None or paper.scan is None or self._cancel is not None:
            return
        settings = self.ctx.runtime.settings.scanning
        scanner, request = from_settings(settings.program, settings.sane_config_dir, settings.device,
                                         settings.resolution, settings.options)
        paper_id = paper.scan.id
        current = journey.session.scans.get(paper_id)
        kept = list(current.pages) if (add and current) else []
        others = dict(journey.session.scans)
        colour = Colour(settings.colour)
        cancel = self._cancel = threading.Event()
        generation = self._generation
        progress = self._progress.moved.emit
        self._set_busy(True)
        self.status.setText(self.ctx.t("scan.scanning", percent=0))

        def work() -> tuple[ScannedPaper, bytes] | str:
            try:
                raw = scanner.scan(request, progress, cancel)
                scanned = with_page(paper_id, process(raw, colour, settings.resolution), kept, others)
            except (ScanError, ImageError, LimitExceeded) as exc:
                return exc.message_key
            return scanned, preview_png(scanned.pages[-1])

        def failed(error: BaseException) -> None:
            if generation == self._generation:
                self._cancel = None
                self.ctx.send(ScanFailed("scan.error.failed"))

        self.ctx.runner.run(Operation("scan paper", work), lambda result: self._scanned(result, generation, kept),
                            failed)

    def _scanned(self, result: tuple[ScannedPaper, bytes] | str, generation: int, kept: list[Page]) -> None:
        """A page scanned with its preview (or the message key of why not), on the GUI thread."""
        if generation != self._generation:  # the session ended meanwhile: nobody may see this page
            if not isinstance(result, str):
                for page in result[0].pages:
                    if page not in kept:
                        page.image.close()
            return
        self._cancel = None
        if isinstance(result, str):
            self.ctx.send(ScanFailed(result))
        else:
            scanned, png = result
            self._previews[scanned.paper_id] = (len(scanned.pages), png)
            self.ctx.send(PaperScanned(scanned))
        if self.ctx.journey.screen is Screen.SCAN:
            self.enter()

    # --- forgetting ---

    def leave(self) -> None:
        self.preview.clear()

    def clear(self) -> None:
        super().clear()
        self._generation += 1
        self._previews.clear()
        if self._cancel is not None:
            self._cancel.set()
            self._cancel = None
        self.preview.clear()
        self.status.setText("")
        self.title.setText("")
