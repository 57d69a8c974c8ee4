"""The attract screen: the site, its opening hours, what the kiosk offers, the portal's QR, and an
optional slideshow (PNG files in `assets/slides/`); a touch anywhere starts a session."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from PySide6.QtCore import Qt
from PySide6.QtGui import QHideEvent, QMouseEvent, QPixmap, QShowEvent
from PySide6.QtWidgets import QHBoxLayout, QLabel, QVBoxLayout, QWidget

from kiosk.files import paths
from kiosk.i18n import has_text, tr
from kiosk.journey.screens import Screen
from kiosk.settings.boot import BootInfo
from ui.common.timers import named_timer
from ui.common.widgets import QrWidget, button, label, set_button_text
from ui.screens.base import ScreenView

if TYPE_CHECKING:
    from kiosk.journey.events import Event

log = logging.getLogger(__name__)

SLIDE_MS = 8000
SLIDE_HEIGHT = 170
QR_SIZE = 170
OFFERS = ("home.do", "home.lookup", "home.learn")


def slide_files(directory: Path | None = None) -> list[Path]:
    folder = directory or paths.assets_dir() / "slides"
    return sorted(folder.glob("*.png")) if folder.is_dir() else []


class AttractContext(Protocol):
    """What the attract screen needs: a `ScreenContext` once the kiosk is running, a `BootContext` before."""

    @property
    def send(self) -> Callable[[Event], None]: ...

    def t(self, key: str, **params: object) -> str: ...

    def attract_info(self) -> BootInfo: ...


class BootContext:
    """The attract screen's context while the rest of the kiosk loads (after the first paint): texts in the
    default language from the raw settings; a touch is kept and handed on once the journey exists."""

    def __init__(self, info: BootInfo) -> None:
        self.info = info
        self.pending: list[Event] = []
        self.send: Callable[[Event], None] = self.pending.append

    def t(self, key: str, **params: object) -> str:
        return tr(key, self.info.language, **params)

    def attract_info(self) -> BootInfo:
        return self.info


class AttractScreen(ScreenView):
    kind = Screen.ATTRACT

    def __init__(self, ctx: AttractContext) -> None:
        QWidget.__init__(self)  # not ScreenView's: this screen shows before the journey exists
        self.actx = ctx
        self._frame()
        self.outer.setSpacing(12)
        self.site_name = label("", "attract.site", "subtitle")
        self.site_name.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.title = label("", "attract.title", "title")
        self.title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.offer = label("", "attract.offer")
        self.offer.setAlignment(Qt.AlignmentFlag.AlignCenter)

        # What the kiosk offers | the slideshow | the portal's QR, side by side to fit a 1366×768 screen.
        middle = QHBoxLayout()
        middle.setSpacing(32)
        offers = QVBoxLayout()
        self.offers = [label("", f"attract.offer.{key.split('.')[1]}") for key in OFFERS]
        for widget in self.offers:
            offers.addWidget(widget)
        offers.addStretch(1)
        middle.addLayout(offers, 3)
        self.slides: list[tuple[QPixmap, str]] = []
        for path in slide_files():
            pixmap = QPixmap(str(path))
            if pixmap.isNull():
                log.warning("slide %s cannot be read; skipped", path.name)
                continue
            self.slides.append((pixmap.scaledToHeight(SLIDE_HEIGHT, Qt.TransformationMode.SmoothTransformation),
                                f"attract.slide.{path.stem}"))
        self.slide_index = 0
        self.slide = QLabel()
        self.slide.setObjectName("attract.slide")
        self.slide.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.slide_caption = label("", "attract.slide_caption", "muted")
        self.slide_caption.setAlignment(Qt.AlignmentFlag.AlignCenter)
        show = QVBoxLayout()
        show.addWidget(self.slide)
        show.addWidget(self.slide_caption)
        show.addStretch(1)
        middle.addLayout(show, 2)
        self.slide_timer = named_timer(self, "attract-slideshow", SLIDE_MS)
        self.slide_timer.timeout.connect(self.next_slide)
        portal = QVBoxLayout()
        self.qr = QrWidget("attract.portal_qr")
        self.qr.setFixedSize(QR_SIZE, QR_SIZE)
        self.qr.setMinimumSize(QR_SIZE, QR_SIZE)
        self.qr_caption = label("", "attract.qr_caption", "muted")
        self.qr_caption.setAlignment(Qt.AlignmentFlag.AlignCenter)
        portal.addWidget(self.qr, 0, Qt.AlignmentFlag.AlignHCenter)
        portal.addWidget(self.qr_caption)
        portal.addStretch(1)
        middle.addLayout(portal, 2)

        self.start = button("", "attract.start", "primary")
        self.start.setMinimumHeight(100)
        self.start.clicked.connect(self.touched)
        self.hours = label("", "attract.hours", "subtitle")
        self.hours.setAlignment(Qt.AlignmentFlag.AlignCenter)

        for widget in (self.site_name, self.title, self.offer):
            self.outer.addWidget(widget)
        self.outer.addLayout(middle, 1)
        self.outer.addWidget(self.start)
        self.outer.addWidget(self.hours)
        # Only once they have a parent: shown before, a label is a window of its own and flashes on the screen.
        self.slide.setVisible(bool(self.slides))
        self.slide_caption.setVisible(bool(self.slides))

    def use_context(self, ctx: AttractContext) -> None:
        """Switch to the running kiosk's context (after start-up) and show its validated settings."""
        self.actx = ctx
        self.enter()

    def enter(self) -> None:
        t = self.actx.t
        info = self.actx.attract_info()
        self.site_name.setText(info.site_name)
        self.title.setText(t("attract.title"))
        self.offer.setText(t("attract.offer"))
        for widget, key in zip(self.offers, OFFERS, strict=True):
            widget.setText(f"• {t(key)}: {t(key + '.help')}")
        set_button_text(self.start, t("attract.touch"))
        self.hours.setText(t("attract.hours", hours=info.opening_hours) if info.opening_hours else "")
        url = info.lookup_url.split("?")[0]
        if self.qr.text != url:
            self.qr.set_text(url)
        self.qr_caption.setText(t("attract.portal_qr"))
        self._show_slide()

    # --- the slideshow runs only while this screen is on view ---

    def next_slide(self) -> None:
        if self.slides:
            self.slide_index = (self.slide_index + 1) % len(self.slides)
            self._show_slide()

    def _show_slide(self) -> None:
        if not self.slides:
            return
        pixmap, key = self.slides[self.slide_index % len(self.slides)]
        self.slide.setPixmap(pixmap)
        caption = self.actx.t(key) if has_text(key) else ""
        self.slide_caption.setText(caption)
        self.slide.setAccessibleName(caption)

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 (Qt override)
        if len(self.slides) > 1:
            self.slide_timer.start()
        super().showEvent(event)

    def hideEvent(self, event: QHideEvent) -> None:  # noqa: N802 (Qt override)
        self.slide_timer.stop()
        super().hideEvent(event)

    def touched(self) -> None:
        from kiosk.journey.events import Touch  # the events load after the first paint

        self.actx.send(Touch())

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 (Qt override)
        # Anywhere on the attract screen starts a session.
        self.touched()
        event.accept()
