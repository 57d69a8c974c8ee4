"""The scan screen with the real scanimage and SANE's test backend: scan, add a page, submit; a reset during or
after scanning leaves no image in memory, on screen, in temporary files or unsealed on disk."""

from __future__ import annotations

import gc
from pathlib import Path

import pytest
from PIL import Image
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QLabel, QLineEdit, QListWidget, QSpinBox
from pytestqt.qtbot import QtBot

from kiosk.answers.sample import sample_answers
from kiosk.files import paths
from kiosk.journey.machine import Screen, SubmitStep
from kiosk.scanning.device import TEST_PAGE_OPTIONS, sane_test_config
from kiosk.settings.config import Settings
from tests.qt_fixtures import WindowFactory
from tests.qt_helpers import click, visible_texts
from tests.sane_helpers import scanimage
from ui.accessibility.speech import spoken_text
from ui.shell.window import KioskWindow

BIRTH = "1.001193.000.00.00.H26"


@pytest.fixture
def window(tmp_path: Path, make_window: WindowFactory) -> KioskWindow:
    program = scanimage()
    sane_test_config(tmp_path / "sane")
    settings = Settings.model_validate({"scanning": {
        "device": "test:0", "program": program, "sane_config_dir": str(tmp_path / "sane"),
        "options": [*TEST_PAGE_OPTIONS, "--read-delay=yes", "--read-delay-duration", "20000"]},
        "printer": {"kind": "file", "address": str(tmp_path / "printer.bin")}})
    return make_window(settings)


def to_scan_screen(qtbot: QtBot, win: KioskWindow) -> None:
    for name in ("attract.start", "home.do", f"procedure.{BIRTH}", "overview.start", "consent.agree"):
        click(qtbot, win, name)
    proc = win.journey.procedure
    assert proc is not None
    answers = sample_answers(proc, win.journey.clock.now().date())
    while win.journey.screen is Screen.STEP:  # one question a page, as the resident answers them
        shown = win.journey.current_page()
        assert shown is not None
        win.send(SubmitStep({f.id: answers.get(f.id, win.journey.session.answers.get(f.id, ""))
                             for f in shown.fields}))
    assert win.journey.screen is Screen.SCAN


def preview(win: KioskWindow) -> QLabel:
    found = win.findChild(QLabel, "scan.preview_image")
    assert found is not None
    return found


def scan(qtbot: QtBot, win: KioskWindow, name: str, pages: int) -> None:
    click(qtbot, win, name)
    def done() -> bool:
        paper = win.journey.session.scans.get("giay_chung_sinh")
        return not win.runner.busy() and paper is not None and len(paper.pages) == pages

    qtbot.waitUntil(done, timeout=60000)


def images_alive() -> list[Image.Image]:
    gc.collect()
    return [o for o in gc.get_objects() if isinstance(o, Image.Image) and min(o.size) > 1]


def unsealed_on_disk(*roots: Path) -> list[str]:
    found = []
    for root in roots:
        for path in root.rglob("*"):
            if path.is_file() and any(mark in path.read_bytes() for mark in (b"%PDF", b"\nP5\n", b"P5\n#")):
                found.append(str(path))
    return found


def test_a_resident_scans_two_pages_and_the_dossier_is_stored_with_them(qtbot: QtBot, window: KioskWindow) -> None:
    to_scan_screen(qtbot, window)
    texts = " ".join(visible_texts(window))
    assert "Quét giấy tờ: Giấy chứng sinh" in texts and "Tôi sẽ mang giấy tờ đến" in texts
    assert "bạn" not in texts.lower().split()
    spoken = spoken_text(window.screens[Screen.SCAN], Screen.SCAN)  # what "Nghe hướng dẫn" reads aloud
    assert "úp mặt xuống mặt kính" in spoken and "Chưa quét trang nào" in spoken
    scan(qtbot, window, "scan.scan", 1)
    pixmap = preview(window).pixmap()
    assert not pixmap.isNull() and pixmap.height() > 200
    assert "Đã quét 1 trang" in " ".join(visible_texts(window))
    scan(qtbot, window, "scan.add_page", 2)
    click(qtbot, window, "scan.next")
    assert window.journey.screen is Screen.REVIEW
    assert preview(window).pixmap().isNull()  # nothing of the page left on the scan screen once it is left
    click(qtbot, window, "review.submit")
    qtbot.waitUntil(lambda: window.journey.screen is Screen.RECEIPT, timeout=10000)
    [record] = window.runtime.outbox.records()
    assert window.runtime.outbox.page_counts() == {record.uuid: 2}
    pdf = window.runtime.outbox.attachment(record.uuid, "giay_chung_sinh")
    assert pdf is not None and pdf.startswith(b"%PDF")
    # The receipt says which paper went scanned, and no longer asks to bring it.
    slip = window.print_control.slip
    assert slip is not None
    steps = {line.label: line.value for line in slip.next_steps}
    assert steps["Giấy tờ đã quét"].startswith("Giấy tờ đã quét gửi kèm hồ sơ: Giấy chứng sinh")
    assert not [p for p in slip.papers if "Giấy chứng sinh" in p]
    assert [p for p in slip.papers if "Thẻ Căn cước" in p]
    # Staff see how many pages the dossier carries, never the pages.
    window.reset("staff")
    window.open_console("staff")
    slips = window.findChild(QListWidget, "console.slips")
    assert slips is not None
    qtbot.waitUntil(lambda: slips.count() == 1 and "Trang quét: 2" in slips.item(0).text(), timeout=10000)
    assert record.local_ref in slips.item(0).text()
    assert not [label for label in window.findChildren(QLabel) if label.isVisible() and not label.pixmap().isNull()
                and label.objectName().startswith("scan.")]
    close_console(window)


def close_console(win: KioskWindow) -> None:
    console = win.consoles.console
    assert console is not None
    console.close_console()


def test_a_failed_scan_says_why_and_keeps_the_pages(qtbot: QtBot, window: KioskWindow) -> None:
    to_scan_screen(qtbot, window)
    scan(qtbot, window, "scan.scan", 1)
    scanning = window.runtime.settings.scanning
    jammed = scanning.model_copy(update={"options": [*scanning.options, "--read-return-value",
                                                     "SANE_STATUS_JAMMED"]})
    window.runtime.settings = window.runtime.settings.model_copy(update={"scanning": jammed})
    click(qtbot, window, "scan.add_page")
    qtbot.waitUntil(lambda: window.journey.session.scan_error is not None, timeout=60000)
    assert "Giấy bị kẹt trong máy quét" in " ".join(visible_texts(window))
    assert len(window.journey.session.scans["giay_chung_sinh"].pages) == 1


def test_the_page_scanned_shows_again_when_the_resident_comes_back_to_it(qtbot: QtBot, window: KioskWindow) -> None:
    to_scan_screen(qtbot, window)
    scan(qtbot, window, "scan.scan", 1)
    click(qtbot, window, "scan.next")
    assert window.journey.screen is Screen.REVIEW and preview(window).pixmap().isNull()
    click(qtbot, window, "review.back")
    assert window.journey.screen is Screen.SCAN
    qtbot.waitUntil(lambda: not preview(window).pixmap().isNull(), timeout=10000)
    assert "Đã quét 1 trang" in " ".join(visible_texts(window))


def test_a_reset_after_scanning_leaves_no_image_anywhere(qtbot: QtBot, window: KioskWindow, tmp_path: Path) -> None:
    to_scan_screen(qtbot, window)
    scan(qtbot, window, "scan.scan", 1)
    assert images_alive()
    window.reset("idle")
    assert window.journey.screen is Screen.ATTRACT
    assert preview(window).pixmap().isNull()
    assert window.journey.session.scans == {}
    assert images_alive() == []
    assert unsealed_on_disk(paths.data_dir()) == []


def test_a_reset_during_a_scan_stops_it_and_keeps_nothing(qtbot: QtBot, window: KioskWindow) -> None:
    to_scan_screen(qtbot, window)
    click(qtbot, window, "scan.scan")
    assert window.runner.busy()
    window.reset("idle")
    qtbot.waitUntil(lambda: not window.runner.busy(), timeout=60000)
    QTest.qWait(50)  # the worker's answer is delivered, and thrown away
    assert window.journey.screen is Screen.ATTRACT and window.journey.session.scans == {}
    assert preview(window).pixmap().isNull()
    assert images_alive() == []
    assert unsealed_on_disk(paths.data_dir()) == []


def test_the_technician_sets_the_scanner_and_staff_cannot(qtbot: QtBot, make_window: WindowFactory) -> None:
    """Device and resolution in the technician's settings: saved, and the next resident gets the scan screen."""
    win = make_window()
    win.open_console("staff")
    device = win.findChild(QLineEdit, "console.scanning.device")
    assert device is not None and not device.isVisibleTo(win)
    close_console(win)
    win.open_console("technician")
    assert win.consoles.console is not None
    win.consoles.console.show_page("settings")
    resolution = win.findChild(QSpinBox, "console.scanning.resolution")
    assert device.isVisible() and resolution is not None and resolution.isVisible()
    assert device.maxLength() == 200  # what the schema accepts for a SANE device name
    device.setText("test:0")
    assert (resolution.minimum(), resolution.maximum()) == (200, 300)  # the schema's bounds
    resolution.setValue(300)
    click(qtbot, win, "console.settings.save")
    assert (win.runtime.settings.scanning.device, win.runtime.settings.scanning.resolution) == ("test:0", 300)
    assert win.journey.scanning
    close_console(win)
