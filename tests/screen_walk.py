"""Walking the kiosk window through every screen state, and what a resident would see wrong there.

Shared by the layout, language and bad-input tests: `walk()` drives the real window through the
journey's one transition function (the same path the buttons take) and yields at each state;
`layout_problems()` lists clipped or overlapping texts and targets too small to touch.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from PySide6.QtCore import QCoreApplication, QEvent, QPoint, QRect
from PySide6.QtGui import QFontInfo
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractScrollArea,
    QApplication,
    QComboBox,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QScrollArea,
    QWidget,
)
from pytestqt.qtbot import QtBot

from kiosk.answers.sample import SAMPLE_ID_CARD, sample_answers
from kiosk.files.paths import procedures_dir
from kiosk.journey.machine import (
    ChooseMode,
    ConfirmSubmit,
    Finish,
    GiveConsent,
    GoBack,
    Mode,
    OpenFeedback,
    OpenLookup,
    Rate,
    Reset,
    ScanIdCard,
    Screen,
    SearchProcedures,
    SelectProcedure,
    StartApplication,
    SubmitStep,
    Touch,
)
from kiosk.runtime import Runtime
from ui.shell.window import KioskWindow

SIZES = [(1920, 1080), (1366, 768), (1280, 1024), (1080, 1920)]
MIN_TARGET = 56
MIN_TEXT_PX = 20
LONG_CODE = "1.999999.000.00.00.H26"
MARRIAGE_FILE = "1.000894-dang-ky-ket-hon.json"
_SCROLL_BAR_PARTS = ("qt_scrollarea_vcontainer", "qt_scrollarea_hcontainer")

_LONG_VI = ("Đăng ký kết hôn, ghi vào sổ hộ tịch việc kết hôn, ly hôn, hủy việc kết hôn trái pháp luật của công dân "
            "Việt Nam đã được giải quyết tại cơ quan có thẩm quyền của nước ngoài và cấp bản sao trích lục")
_LONG_EN = ("Registering a marriage, and recording in the civil-status book a marriage, divorce or annulment of a "
            "Vietnamese citizen already decided by a competent foreign authority, with a copy of the extract")


def _lengthen(data: dict[str, Any]) -> dict[str, Any]:
    """The marriage procedure with every text made long, as a stress case for layouts."""
    data = json.loads(json.dumps(data))
    data["code"] = LONG_CODE
    data["name"] = {"vi": _LONG_VI, "en": _LONG_EN}
    data["popular"] = True
    for step in data["steps"]:
        step["title"] = {"vi": step["title"]["vi"] + " — " + _LONG_VI[:90],
                         "en": step["title"]["en"] + " — " + _LONG_EN[:90]}
        for spec in step["fields"]:
            spec["label"] = {"vi": spec["label"]["vi"] + " (" + _LONG_VI[:80] + ")",
                             "en": spec["label"]["en"] + " (" + _LONG_EN[:80] + ")"}
            for option in spec.get("options", []):
                option["label"] = {"vi": option["label"]["vi"] + " — " + _LONG_VI[:70],
                                   "en": option["label"]["en"] + " — " + _LONG_EN[:70]}
    return data


def catalog_with(tmp: Path, *extra: dict[str, Any]) -> Path:
    """A copy of the bundled catalog in `tmp`, plus `extra` definitions."""
    folder = tmp / "procedures"
    shutil.copytree(procedures_dir(), folder)
    for index, data in enumerate(extra):
        (folder / f"9.extra-{index}.json").write_text(json.dumps(data, ensure_ascii=False), "utf-8")
    return folder


def long_named_catalog(tmp: Path) -> Path:
    data = json.loads((procedures_dir() / MARRIAGE_FILE).read_text("utf-8"))
    return catalog_with(tmp, _lengthen(data))


def dispose(win: KioskWindow, runtime: Runtime) -> None:
    """Close the window and delete it now. `deleteLater` alone never runs outside an event loop, and a
    window left alive keeps its application-wide event filters: every later test would get slower."""
    win.shutdown()
    runtime.close()
    win.close()
    win.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    settle()


def without_keyboard(win: KioskWindow) -> None:
    """Take the focus out of any field, so the on-screen keyboard (tested on its own) steps aside."""
    focus = QApplication.focusWidget()
    if focus is not None:
        focus.clearFocus()
    settle()
    keyboard = win.findChild(QWidget, "osk")
    if keyboard is not None and keyboard.isVisible():
        keyboard.hide()
        settle()


def settle() -> None:
    app = QApplication.instance()
    assert app is not None
    for _ in range(3):
        app.processEvents()


def send(win: KioskWindow, event: object) -> None:
    win.send(event)  # type: ignore[arg-type]
    settle()


def walk_menus(win: KioskWindow) -> Iterator[str]:
    """The screens outside a procedure: attract, home, the list (searching, nothing found, popular),
    an overview in learn-only mode, lookup and feedback."""
    catalog = win.runtime.catalog
    send(win, Reset("walk"))
    yield "attract"
    send(win, Touch())
    yield "home"
    send(win, ChooseMode(Mode.DO))
    yield "procedures"
    send(win, SearchProcedures("ket hon"))
    yield "procedures: search"
    send(win, SearchProcedures("zzzz khong co"))
    yield "procedures: nothing found"
    send(win, SearchProcedures("", "popular"))
    yield "procedures: popular"
    send(win, GoBack())
    send(win, ChooseMode(Mode.LEARN))
    send(win, SelectProcedure(catalog.procedures[0].code))
    yield "overview: learn only"
    send(win, GoBack())
    send(win, GoBack())
    send(win, OpenLookup())
    yield "lookup"
    send(win, GoBack())
    send(win, OpenFeedback())
    yield "feedback"


def walk_procedure(
    win: KioskWindow, qtbot: QtBot, code: str, submit: bool = False, scans: bool = False
) -> Iterator[str]:
    """One procedure from its overview to the review: every step, then every step again with every
    field's message shown; with `scans`, an unreadable and a readable ID card on the identity step;
    with `submit`, on to the receipt and the rating."""
    journey = win.journey
    proc = win.runtime.catalog.get(code)
    answers = sample_answers(proc, win.runtime.clock.now().date())
    send(win, Reset("walk"))
    send(win, Touch())
    send(win, ChooseMode(Mode.DO))
    send(win, SelectProcedure(code))
    yield f"{code}: overview"
    send(win, StartApplication())
    yield f"{code}: consent"
    send(win, GiveConsent())
    seen: set[str] = set()
    while journey.screen is Screen.STEP:
        step = journey.current_step()
        assert step is not None and step.id not in seen, f"{code}: the form did not move on"
        seen.add(step.id)
        yield f"{code}: step {step.id}"
        if step.identity and scans:
            send(win, ScanIdCard("not|a|card"))
            yield f"{code}: step {step.id}, unreadable card"
            send(win, ScanIdCard(SAMPLE_ID_CARD))
            yield f"{code}: step {step.id}, card read"
        send(win, SubmitStep({f.id: "" for f in step.fields}))
        yield f"{code}: step {step.id}, every message shown"
        if journey.session.errors:  # refused (a step of optional questions is not)
            send(win, SubmitStep({f.id: answers.get(f.id, "") for f in step.fields}))
            assert not journey.session.errors, (code, step.id, journey.session.errors)
    assert journey.screen is Screen.REVIEW, code
    yield f"{code}: review"
    if submit:
        send(win, ConfirmSubmit())
        yield f"{code}: submitting"
        qtbot.waitUntil(lambda: journey.screen is Screen.RECEIPT, timeout=5000)
        settle()
        yield f"{code}: receipt"
        send(win, Finish())
        yield f"{code}: rating"
        send(win, Rate(None))


def walk(win: KioskWindow, qtbot: QtBot, codes: Iterable[str] | None = None) -> Iterator[str]:
    """Every menu screen, then every procedure of `codes` (all by default); the first is submitted."""
    yield from walk_menus(win)
    for index, code in enumerate(codes if codes is not None else [p.code for p in win.runtime.catalog.procedures]):
        yield from walk_procedure(win, qtbot, code, submit=index == 0, scans=index == 0)


# --- what a resident would see wrong ---------------------------------------------------------------


def shown_widgets(win: KioskWindow) -> list[QWidget]:
    """Widgets a resident can see now (the current screen, the top bar, the overlay if up)."""
    return [w for w in win.findChildren(QWidget) if w.isVisibleTo(win) and not w.isWindow()]


def _rect_in(widget: QWidget, ancestor: QWidget) -> QRect:
    return QRect(widget.mapTo(ancestor, QPoint(0, 0)), widget.size())


def _scroll_parent(widget: QWidget) -> QScrollArea | None:
    """The scroll area whose content holds `widget`, if any."""
    parent = widget.parentWidget()
    while parent is not None:
        content = parent.widget() if isinstance(parent, QScrollArea) else None
        if isinstance(parent, QScrollArea) and content is not None and content.isAncestorOf(widget):
            return parent
        parent = parent.parentWidget()
    return None


def _has_text(widget: QWidget) -> bool:
    return isinstance(widget, QLabel | QAbstractButton) and bool(widget.text())


def _describe(widget: QWidget) -> str:
    text = ""
    if isinstance(widget, QLabel | QAbstractButton):
        text = widget.text().replace("\n", " ")[:50]
    return f"{type(widget).__name__} {widget.objectName() or '?'} «{text}»"


def _is_internal(widget: QWidget) -> bool:
    """Parts Qt builds inside its own widgets (scroll bars, viewports, a combo box's frame), and overlays."""
    if widget.objectName().startswith("qt_") or widget.property("role") == "overlay":
        return True
    parent = widget.parentWidget()
    while parent is not None:
        if isinstance(parent, QComboBox) or parent.objectName() in _SCROLL_BAR_PARTS:
            return True
        parent = parent.parentWidget()
    return False


def layout_problems(win: KioskWindow) -> list[str]:  # noqa: C901 (one check per layout problem, listed together)
    """Clipped or overlapping texts, targets under 56 px, text under 20 px, widgets off the window."""
    problems: list[str] = []
    window_rect = win.rect()
    widgets = [w for w in shown_widgets(win) if not _is_internal(w)]
    for widget in widgets:
        what = _describe(widget)
        area = _scroll_parent(widget)
        rect = _rect_in(widget, win)
        if area is None:
            if not window_rect.contains(rect):
                problems.append(f"{what} at {rect.getRect()} is outside the window {window_rect.getRect()}")
        elif _has_text(widget) or isinstance(widget, QAbstractButton | QLineEdit | QComboBox | QPlainTextEdit):
            viewport = _rect_in(area.viewport(), win)
            if rect.left() < viewport.left() or rect.right() > viewport.right():
                problems.append(f"{what} runs past the side of its scroll area")
        if isinstance(widget, QLabel) and widget.text():
            if QFontInfo(widget.font()).pixelSize() < MIN_TEXT_PX:
                problems.append(f"{what}: text of {QFontInfo(widget.font()).pixelSize()} px")
            if widget.wordWrap():
                needed = widget.heightForWidth(widget.width())
                if needed > widget.height():
                    problems.append(f"{what}: needs {needed} px of height, has {widget.height()}")
            else:
                metrics = widget.fontMetrics()
                room = widget.contentsRect().width()
                if any(metrics.horizontalAdvance(line) > room for line in widget.text().split("\n")):
                    problems.append(f"{what}: text wider than the label ({room} px)")
        if isinstance(widget, QAbstractButton) and widget.text():
            if QFontInfo(widget.font()).pixelSize() < MIN_TEXT_PX:
                problems.append(f"{what}: text of {QFontInfo(widget.font()).pixelSize()} px")
            metrics = widget.fontMetrics()
            room = widget.contentsRect().width()
            if any(metrics.horizontalAdvance(line) > room for line in widget.text().split("\n")):
                problems.append(f"{what}: text wider than the button ({room} px)")
            if widget.sizeHint().width() > widget.width() or widget.minimumSizeHint().height() > widget.height():
                problems.append(f"{what}: squeezed below its size hint {widget.sizeHint().toTuple()}")
        target = isinstance(widget, QAbstractButton | QLineEdit | QComboBox | QPlainTextEdit)
        if target and (widget.height() < MIN_TARGET or widget.width() < MIN_TARGET):
            problems.append(f"{what}: touch target {widget.width()}×{widget.height()} px")
    screens = win.findChild(QScrollArea, "kiosk.screens")
    if screens is not None and screens.verticalScrollBar().maximum() > 0:
        problems.append(f"the screen is {screens.verticalScrollBar().maximum()} px taller than the window")
    shown = set(widgets)
    for parent in [win, *widgets]:
        if isinstance(parent, QAbstractScrollArea | QComboBox):
            continue
        children = [c for c in parent.children() if isinstance(c, QWidget) and c in shown]
        for i, first in enumerate(children):
            for second in children[i + 1:]:
                if first.geometry().intersects(second.geometry()):
                    problems.append(f"{_describe(first)} overlaps {_describe(second)}")
    return problems
