"""The staff console, driven like staff use it: open it, press its buttons, see what each one did."""

from __future__ import annotations

import csv
import json
import shutil
import tomllib
from pathlib import Path

import pytest
from pydantic import ValidationError
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QComboBox, QLineEdit, QListWidget, QPushButton, QSpinBox, QWidget
from pytestqt.qtbot import QtBot

from kiosk import __version__
from kiosk.answers.sample import sample_answers
from kiosk.catalog import load_catalog
from kiosk.files import paths
from kiosk.i18n import MISSING_MARK
from kiosk.journey.machine import (
    ChooseMode,
    ConfirmSubmit,
    GiveConsent,
    Mode,
    Screen,
    SelectProcedure,
    StartApplication,
    SubmitStep,
    Touch,
)
from kiosk.sandbox.server import SandboxServer
from kiosk.security import keyfile
from kiosk.security.secrets import PORTAL_SECRET, set_secret
from kiosk.security.staff_auth import StaffAuth
from kiosk.settings.config import (
    OVERRIDABLE,
    CatalogSettings,
    IdleSettings,
    PortalSettings,
    PrinterSettings,
    Settings,
    load_settings,
)
from kiosk.settings.editable import editable_settings
from kiosk.workdays.clock import ManualClock
from tests.portal_fixtures import TEST_CLIENT_SECRET, make_submission, sandbox, sandbox_factory  # noqa: F401
from tests.qt_fixtures import WindowFactory
from tests.qt_helpers import visible_texts
from ui.console.staff import StaffConsole
from ui.shell.window import KioskWindow

COPY = "2.000815.000.00.00.H26"
BIRTH = "1.001193.000.00.00.H26"



def console_of(win: KioskWindow) -> StaffConsole:
    assert win.consoles.console is not None and win.consoles.console.isVisible()
    return win.consoles.console


def find(win: KioskWindow, kind: type[QWidget], name: str) -> QWidget:
    widget = win.findChild(kind, name)
    assert widget is not None, name
    return widget


def press(qtbot: QtBot, win: KioskWindow, name: str) -> None:
    widget = find(win, QPushButton, name)
    assert widget.isVisible(), f"{name} is hidden"
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)


def text_of(win: KioskWindow, name: str) -> str:
    widget = find(win, QWidget, name)
    return widget.text()  # type: ignore[attr-defined,no-any-return]


def message(win: KioskWindow) -> str:
    return text_of(win, "console.message")


def advance(win: KioskWindow, seconds: float) -> None:
    clock = win.runtime.clock
    assert isinstance(clock, ManualClock)
    clock.advance(seconds)


def resident_starts(win: KioskWindow, code: str = COPY) -> None:
    for event in (Touch(), ChooseMode(Mode.DO), SelectProcedure(code), StartApplication(), GiveConsent()):
        win.send(event)
    assert win.journey.screen is Screen.STEP


def resident_submits(qtbot: QtBot, win: KioskWindow, code: str = COPY) -> None:
    resident_starts(win, code)
    proc = win.journey.procedure
    assert proc is not None
    answers = sample_answers(proc, win.runtime.clock.now().date())
    while win.journey.screen is Screen.STEP:
        advance(win, 20)
        win.send(SubmitStep(answers))
    win.send(ConfirmSubmit())
    qtbot.waitUntil(lambda: win.journey.screen is Screen.RECEIPT, timeout=5000)


# --- opening, state at a glance, closing ------------------------------------------------------------


def test_console_shows_the_state_at_a_glance(qtbot: QtBot, window: KioskWindow) -> None:
    outbox = window.runtime.outbox
    stored = outbox.enqueue(COPY, {"applicant": {"full_name": "Người Thử"}}, "DEMO", "K01")
    claimed = outbox.claim_next(now=1e12)
    assert claimed is not None
    outbox.mark_rejected(stored.uuid, "Thiếu bản chính giấy tờ cần chứng thực")
    outbox.enqueue(COPY, {"applicant": {"full_name": "Người Thử Hai"}}, "DEMO", "K01")

    window.open_console("staff")
    console = console_of(window)
    assert console.geometry() == window.rect()  # it covers the journey
    qtbot.waitUntil(lambda: "bị từ chối: 1" in text_of(window, "console.status.outbox"), timeout=5000)
    assert "Hồ sơ chờ gửi: 1" in text_of(window, "console.status.outbox")
    assert "chưa cấu hình" in text_of(window, "console.status.portal")
    assert "chưa có" in text_of(window, "console.status.sync")
    assert "không dùng máy in" in text_of(window, "console.status.printer")
    assert "GB" in text_of(window, "console.status.disk")
    assert __version__ in text_of(window, "console.status.version")
    assert "bundled" in text_of(window, "console.status.version")
    rejected = find(window, QListWidget, "console.status.rejected")
    assert isinstance(rejected, QListWidget)
    lines = [rejected.item(i).text() for i in range(rejected.count())]
    reason = "Thiếu bản chính giấy tờ cần chứng thực"
    assert lines == [f"{stored.local_ref} · {COPY} · {stored.created_at:%Y-%m-%d} — {reason}"]
    assert not any("Người Thử" in text for text in visible_texts(console))  # no personal data on the console


def test_console_speaks_english_through_its_toggle(qtbot: QtBot, window: KioskWindow) -> None:
    window.open_console("staff")
    assert text_of(window, "console.title") == "Bảng điều khiển dành cho cán bộ"
    press(qtbot, window, "console.language")
    assert text_of(window, "console.title") == "Staff console"
    qtbot.waitUntil(lambda: text_of(window, "console.status.portal").startswith("Portal:"), timeout=5000)
    texts = visible_texts(console_of(window))
    assert not any("⟦" in text for text in texts), texts


def test_close_and_idle_timeout_hand_the_screen_back(qtbot: QtBot, window: KioskWindow) -> None:
    window.open_console("staff")
    press(qtbot, window, "console.close")
    assert not window.consoles.console or not window.consoles.console.isVisible()

    window.open_console("staff")
    console = console_of(window)
    advance(window, 100)
    console.poll_idle()
    assert console.isVisible()
    qtbot.mouseClick(find(window, QPushButton, "console.refresh"), Qt.MouseButton.LeftButton)  # staff is here
    advance(window, 100)
    console.poll_idle()
    assert console.isVisible()
    advance(window, 121)
    console.poll_idle()
    assert not console.isVisible()


def test_the_resident_idle_clock_waits_while_the_console_is_open(qtbot: QtBot, window: KioskWindow) -> None:
    window.send(Touch())
    window.open_console("staff")
    assert not window.idle.timer.isActive()
    press(qtbot, window, "console.close")
    assert window.idle.timer.isActive()
    assert window.journey.screen is Screen.HOME


# --- actions --------------------------------------------------------------------------------------


def test_end_session_brings_back_the_attract_screen(qtbot: QtBot, window: KioskWindow) -> None:
    resident_starts(window)
    window.open_console("staff")
    console_of(window).show_page("actions")
    press(qtbot, window, "console.end_session")
    assert window.journey.screen is Screen.ATTRACT
    assert window.journey.session.answers == {}
    assert "màn hình chờ" in message(window)


def test_exit_is_for_technicians_only(qtbot: QtBot, window: KioskWindow) -> None:
    window.open_console("staff")
    console_of(window).show_page("actions")
    assert not find(window, QPushButton, "console.exit").isVisible()
    press(qtbot, window, "console.close")

    window.open_console("technician")
    console_of(window).show_page("actions")
    assert "Kỹ thuật viên" in text_of(window, "console.role")
    press(qtbot, window, "console.exit")
    assert not window.isVisible()  # the window closed: the kiosk program ends


def test_change_pin(qtbot: QtBot, window: KioskWindow) -> None:
    auth = StaffAuth(window.runtime.clock)
    auth.set_pin("staff", "135792")
    auth.set_pin("technician", "9753186")
    window.open_console("staff")
    console = console_of(window)
    console.show_page("actions")
    roles = find(window, QComboBox, "console.pin.role")
    assert isinstance(roles, QComboBox)
    assert [roles.itemData(i) for i in range(roles.count())] == ["staff"]  # staff cannot change the technician's

    new, again = find(window, QLineEdit, "console.pin.new"), find(window, QLineEdit, "console.pin.repeat")
    assert isinstance(new, QLineEdit) and isinstance(again, QLineEdit)
    assert new.echoMode() is QLineEdit.EchoMode.Password
    new.setText("246813")
    again.setText("248613")
    press(qtbot, window, "console.pin.save")
    assert "không giống nhau" in message(window)
    assert auth.verify("135792") == "staff"

    new.setText("9753186")
    again.setText("9753186")
    press(qtbot, window, "console.pin.save")
    assert "trùng" in message(window)

    new.setText("246813")
    again.setText("246813")
    press(qtbot, window, "console.pin.save")
    assert message(window) == "Đã đổi mã PIN."
    assert new.text() == "" and again.text() == ""
    assert auth.verify("246813") == "staff"
    assert auth.verify("135792") is None


def test_reload_catalog_uses_a_good_one_and_keeps_the_old_one_when_bad(
        qtbot: QtBot, make_window: WindowFactory, tmp_path: Path) -> None:
    source = paths.procedures_dir()
    catalog_dir = tmp_path / "procedures"
    catalog_dir.mkdir()
    files = sorted(source.glob("*.json"))
    for path in files[:2]:
        shutil.copy(path, catalog_dir)
    window = make_window(Settings(catalog=CatalogSettings(path=str(catalog_dir))))
    assert len(window.runtime.catalog) == 2
    resident_starts(window, window.runtime.catalog.procedures[0].code)

    shutil.copy(files[2], catalog_dir)
    added = load_catalog(catalog_dir).procedures
    window.open_console("staff")
    console_of(window).show_page("actions")
    press(qtbot, window, "console.reload_catalog")
    try:
        qtbot.waitUntil(lambda: "Đã tải danh mục mới: 3 thủ tục" in message(window), timeout=5000)
    except Exception:
        raise AssertionError(f"message: {message(window)!r} busy={window.runner.busy()}") from None
    assert len(window.runtime.catalog) == 3 and len(window.journey.catalog) == 3
    assert window.journey.screen is Screen.ATTRACT  # the session in progress ended first
    press(qtbot, window, "console.close")
    window.send(Touch())
    window.send(ChooseMode(Mode.DO))
    assert all(window.findChild(QPushButton, f"procedure.{p.code}") is not None for p in added)

    broken = json.loads(files[0].read_text("utf-8"))
    broken["steps"][0]["fields"][0]["kind"] = "colour"
    (catalog_dir / files[0].name).write_text(json.dumps(broken, ensure_ascii=False), "utf-8")
    window.open_console("staff")
    console_of(window).show_page("actions")
    press(qtbot, window, "console.reload_catalog")
    qtbot.waitUntil(lambda: "vẫn dùng danh mục cũ" in message(window), timeout=5000)
    assert files[0].name in message(window)
    assert len(window.runtime.catalog) == 3


def test_sync_now_sends_waiting_dossiers_and_yesterdays_statistics(
        qtbot: QtBot, make_window: WindowFactory, sandbox: SandboxServer) -> None:  # noqa: F811
    set_secret(PORTAL_SECRET, TEST_CLIENT_SECRET)
    window = make_window(Settings(portal=PortalSettings(base_url=sandbox.url)))
    payload = make_submission(1).model_dump(mode="json")
    stored = window.runtime.outbox.enqueue(COPY, payload, "DEMO", "K01")
    claimed = window.runtime.outbox.claim_next(now=1e12)
    assert claimed is not None
    window.runtime.outbox.release(stored.uuid, retry_at=4e9, error="earlier failure")  # not due for years
    window.send(Touch())
    advance(window, 30)
    window.open_console("staff")  # ends nothing: the session goes on underneath
    press(qtbot, window, "console.close")
    window.send(ChooseMode(Mode.DO))
    from kiosk.journey.machine import Reset

    window.send(Reset("end-button"))
    advance(window, 24 * 3600)  # the next day: yesterday's figures are due

    window.open_console("staff")
    console_of(window).show_page("actions")
    press(qtbot, window, "console.sync")
    qtbot.waitUntil(lambda: "Đã gửi lên Cổng dịch vụ công: 1 hồ sơ" in message(window), timeout=10000)
    record = window.runtime.outbox.get(stored.uuid)
    assert record is not None and record.status == "accepted"
    statistics = sandbox.store.list_statistics()
    assert [s["date"] for s in statistics] == ["2026-11-26"]
    assert statistics[0]["sessions"] == 1
    console_of(window).show_page("status")
    qtbot.waitUntil(lambda: "đã kết nối" in text_of(window, "console.status.portal"), timeout=5000)


def test_sync_now_goes_through_the_running_sync_service(
        qtbot: QtBot, make_window: WindowFactory, sandbox: SandboxServer) -> None:  # noqa: F811
    set_secret(PORTAL_SECRET, TEST_CLIENT_SECRET)
    window = make_window(Settings(portal=PortalSettings(base_url=sandbox.url)))
    service = window.portal_service
    service.start()  # as after the first paint of a running kiosk
    qtbot.waitUntil(lambda: service.last_report is not None, timeout=10000)
    outbox = window.runtime.outbox
    stored = outbox.enqueue(COPY, make_submission(2).model_dump(mode="json"), "DEMO", "K01")
    assert outbox.claim_next(now=1e12) is not None
    outbox.release(stored.uuid, retry_at=4e9, error="earlier failure")

    window.open_console("staff")
    console_of(window).show_page("actions")
    press(qtbot, window, "console.sync")
    qtbot.waitUntil(lambda: "Đã gửi lên Cổng dịch vụ công: 1 hồ sơ" in message(window), timeout=10000)
    record = outbox.get(stored.uuid)
    assert record is not None and record.status == "accepted"
    console_of(window).show_page("status")
    qtbot.waitUntil(lambda: "đã kết nối" in text_of(window, "console.status.portal"), timeout=5000)
    assert "chưa có" not in text_of(window, "console.status.sync")


def test_sync_now_says_when_the_portal_refuses(
        qtbot: QtBot, make_window: WindowFactory, sandbox: SandboxServer) -> None:  # noqa: F811
    set_secret(PORTAL_SECRET, "wrong-secret")
    window = make_window(Settings(portal=PortalSettings(base_url=sandbox.url)))
    window.open_console("staff")
    console_of(window).show_page("actions")
    press(qtbot, window, "console.sync")
    qtbot.waitUntil(lambda: "Chưa gửi được" in message(window), timeout=10000)
    console_of(window).show_page("status")
    qtbot.waitUntil(lambda: "mất kết nối" in text_of(window, "console.status.portal"), timeout=5000)


def test_test_print_and_reprint_reach_the_printer(qtbot: QtBot, make_window: WindowFactory, tmp_path: Path) -> None:
    printer = tmp_path / "printer.bin"
    window = make_window(Settings(printer=PrinterSettings(kind="file", address=str(printer))))
    resident_submits(qtbot, window)
    qtbot.waitUntil(lambda: printer.exists() and printer.stat().st_size > 0, timeout=10000)
    after_slip = printer.stat().st_size
    reference = window.journey.session.stored.local_ref  # type: ignore[union-attr]

    window.open_console("staff")
    console_of(window).show_page("actions")
    slips = find(window, QListWidget, "console.slips")
    assert isinstance(slips, QListWidget)
    qtbot.waitUntil(lambda: slips.count() == 1, timeout=5000)
    assert slips.item(0).text().startswith(reference)
    press(qtbot, window, "console.reprint")
    qtbot.waitUntil(lambda: message(window) == "Đã in xong.", timeout=10000)
    after_reprint = printer.stat().st_size
    assert after_reprint > after_slip
    press(qtbot, window, "console.test_print")
    qtbot.waitUntil(lambda: printer.stat().st_size > after_reprint, timeout=10000)
    assert b"\x1dv0" in printer.read_bytes()  # ESC/POS raster


def test_print_buttons_are_hidden_without_a_printer(window: KioskWindow) -> None:
    window.open_console("technician")
    console_of(window).show_page("actions")
    assert not find(window, QPushButton, "console.reprint").isVisible()
    assert not find(window, QPushButton, "console.test_print").isVisible()
    assert find(window, QPushButton, "console.exit").isVisible()


# --- settings -------------------------------------------------------------------------------------


def choose(box: QComboBox, value: object) -> None:
    """Pick the entry of `box` that stands for the setting's `value` (its text is in the console's language)."""
    index = box.findData(value)
    assert index >= 0, f"{box.objectName()} does not offer {value!r}"
    box.setCurrentIndex(index)


def test_the_idle_times_offered_are_those_the_schema_accepts(window: KioskWindow) -> None:
    window.open_console("staff")
    console_of(window).show_page("settings")
    offered = {}
    for key in ("form", "menu", "receipt", "warning", "console"):
        box = find(window, QSpinBox, f"console.idle.{key}_seconds")
        assert isinstance(box, QSpinBox)
        offered[key] = (box.minimum(), box.maximum())
    assert offered == {"form": (10, 3600), "menu": (10, 3600), "receipt": (10, 3600), "warning": (3, 120),
                       "console": (30, 3600)}
    for key, (low, high) in offered.items():  # the least and the most offered validate; one beyond does not
        IdleSettings(**{f"{key}_seconds": low})
        IdleSettings(**{f"{key}_seconds": high})
        with pytest.raises(ValidationError):
            IdleSettings(**{f"{key}_seconds": low - 1})


def test_idle_times_and_language_are_saved_and_applied(
        qtbot: QtBot, window: KioskWindow, isolated_dirs: Path) -> None:
    window.open_console("staff")
    console_of(window).show_page("settings")
    form = find(window, QSpinBox, "console.idle.form_seconds")
    menu = find(window, QSpinBox, "console.idle.menu_seconds")
    language = find(window, QComboBox, "console.kiosk.default_language")
    assert isinstance(form, QSpinBox) and isinstance(menu, QSpinBox) and isinstance(language, QComboBox)
    assert (form.value(), menu.value()) == (90, 45)
    form.setValue(150)
    menu.setValue(60)
    language.setCurrentIndex(1)
    press(qtbot, window, "console.settings.save")
    assert message(window) == "Đã lưu và áp dụng cài đặt."

    override = isolated_dirs / "settings-override.toml"
    assert tomllib.loads(override.read_text("utf-8")) == {
        "idle": {"form_seconds": 150, "menu_seconds": 60}, "kiosk": {"default_language": "en"}}
    assert load_settings(environ={}).idle.form_seconds == 150  # what the next start-up reads
    assert window.idle.tracker.policy.form_seconds == 150 and window.runtime.idle_policy.menu_seconds == 60

    press(qtbot, window, "console.close")
    window.send(Touch())
    assert window.journey.session.lang == "en"  # the next resident starts in English
    advance(window, 59)
    window.poll_idle()
    assert window.journey.screen is Screen.HOME
    advance(window, 2)
    window.poll_idle()
    assert window.journey.screen is Screen.ATTRACT  # the new menu idle time (60 s) applies


def test_the_printers_offered_are_those_the_schema_accepts(window: KioskWindow) -> None:
    window.open_console("technician")
    console_of(window).show_page("settings")
    kind = find(window, QComboBox, "console.printer.kind")
    width = find(window, QComboBox, "console.printer.paper_width_mm")
    assert isinstance(kind, QComboBox) and isinstance(width, QComboBox)
    kinds = [kind.itemData(i) for i in range(kind.count())]
    widths = [width.itemData(i) for i in range(width.count())]
    assert kinds == ["none", "network", "usb", "serial", "file", "system", "pdf"] and widths == [58, 80]
    assert kind.itemText(kinds.index("network")) == "Máy in mạng (LAN)"  # named in the console's language
    assert width.currentText() == "80"  # the kiosk's roll, as configured
    for offered in kinds:  # each one offered validates; a kind the form does not offer does not
        PrinterSettings(kind=offered)
    with pytest.raises(ValidationError):
        PrinterSettings(kind="bluetooth")
    with pytest.raises(ValidationError):
        PrinterSettings(paper_width_mm=72)


def test_every_setting_on_the_page_is_named_in_the_consoles_language(qtbot: QtBot, window: KioskWindow) -> None:
    window.open_console("technician")
    console = console_of(window)
    console.show_page("settings")
    page = console.pages["settings"]
    editors = [w for w in page.findChildren(QWidget) if w.objectName() in {f"console.{s.key}" for s in
                                                                           editable_settings()}]
    assert len(editors) == len(editable_settings())  # one editor a setting, each shown to a technician
    for lang, words in (("vi", "Khổ giấy (mm)"), ("en", "Paper width (mm)")):
        if lang == "en":
            press(qtbot, window, "console.language")
        texts = visible_texts(page)
        assert words in texts
        combos = [w for w in editors if isinstance(w, QComboBox)]
        texts += [box.itemText(i) for box in combos for i in range(box.count())]
        assert not [text for text in texts if MISSING_MARK in text], f"texts missing in {lang}"
    language = find(window, QComboBox, "console.kiosk.default_language")
    assert isinstance(language, QComboBox)
    assert [language.itemText(i) for i in range(language.count())] == ["Tiếng Việt", "English"]


def test_a_setting_added_to_the_console_list_gets_its_editor_and_is_saved(
        qtbot: QtBot, make_window: WindowFactory, isolated_dirs: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(OVERRIDABLE, "portal", ("sync_interval_seconds",))
    window = make_window()
    window.open_console("technician")
    console_of(window).show_page("settings")
    interval = find(window, QSpinBox, "console.portal.sync_interval_seconds")
    assert isinstance(interval, QSpinBox) and interval.isVisible()
    assert (interval.minimum(), interval.maximum(), interval.value()) == (1, 3600, 15)  # the schema's
    interval.setValue(40)
    press(qtbot, window, "console.settings.save")
    assert message(window) == "Đã lưu và áp dụng cài đặt."
    override = tomllib.loads((isolated_dirs / "settings-override.toml").read_text("utf-8"))
    assert override == {"portal": {"sync_interval_seconds": 40}}
    assert window.runtime.settings.portal.sync_interval_seconds == 40


def test_a_wrong_printer_address_is_not_saved(qtbot: QtBot, window: KioskWindow, isolated_dirs: Path) -> None:
    window.open_console("technician")
    console_of(window).show_page("settings")
    kind = find(window, QComboBox, "console.printer.kind")
    address = find(window, QLineEdit, "console.printer.address")
    assert isinstance(kind, QComboBox) and isinstance(address, QLineEdit)
    choose(kind, "network")
    address.setText("192.168.1.50:abc")
    press(qtbot, window, "console.settings.save")
    assert "chưa lưu" in message(window) and "host:port" in message(window)
    assert not (isolated_dirs / "settings-override.toml").exists()

    address.setText("192.168.1.50:9100")
    press(qtbot, window, "console.settings.save")
    assert message(window) == "Đã lưu và áp dụng cài đặt."
    assert window.runtime.settings.printer.kind == "network"
    assert window.printing.settings.printer.address == "192.168.1.50:9100"  # a new print service uses it


def test_staff_are_told_when_a_damaged_outbox_was_set_aside(qtbot: QtBot, window: KioskWindow) -> None:
    path = window.runtime.settings.outbox_path()
    damaged = path.with_name(f"{path.stem}-damaged-20261206T010203Z{path.suffix}")
    damaged.write_bytes(b"\x00" * 4096)  # what start-up leaves beside the outbox after setting one aside
    window.open_console("staff")
    qtbot.waitUntil(lambda: "đã được cất riêng (1 tệp)" in text_of(window, "console.status.outbox"), timeout=5000)
    assert "gọi kỹ thuật viên" in text_of(window, "console.status.outbox")
    assert str(damaged) not in text_of(window, "console.status.outbox")


def test_only_technicians_see_the_printer_settings(qtbot: QtBot, window: KioskWindow, isolated_dirs: Path) -> None:
    window.open_console("staff")
    console_of(window).show_page("settings")
    kind = find(window, QComboBox, "console.printer.kind")
    address = find(window, QLineEdit, "console.printer.address")
    assert isinstance(kind, QComboBox) and isinstance(address, QLineEdit)
    assert not kind.isVisible() and not address.isVisible()
    choose(kind, "file")  # even if the hidden fields were changed, a staff save leaves the printer alone
    address.setText(str(keyfile.path()))
    press(qtbot, window, "console.settings.save")
    assert window.runtime.settings.printer.kind == "none"
    assert not (isolated_dirs / "settings-override.toml").exists()
    press(qtbot, window, "console.close")
    window.open_console("technician")
    console_of(window).show_page("settings")
    assert kind.isVisible() and address.isVisible()


@pytest.mark.parametrize(("kind_name", "target", "reason"), [
    ("network", "8.8.8.8:9100", "not a printer on the local network"),
    ("network", "127.0.0.1:9100", "not a printer on the local network"),
    ("network", "192.168.1.50:22", "port from 9100"),
    ("network", "printer.example.com:9100", "IP address"),
    ("file", "SECRETS", "not the secrets file"),
    ("file", "/etc/kiosk/kiosk.toml", "writes only under"),
    ("file", "OUTBOX", "writes only under"),
    ("serial", "/etc/passwd", "serial port"),
])
def test_a_technician_cannot_point_the_printer_anywhere(qtbot: QtBot, window: KioskWindow, isolated_dirs: Path,
                                                        kind_name: str, target: str, reason: str) -> None:
    target = {"SECRETS": str(keyfile.path()), "OUTBOX": str(window.runtime.settings.outbox_path())}.get(target, target)
    window.open_console("technician")
    console_of(window).show_page("settings")
    kind = find(window, QComboBox, "console.printer.kind")
    address = find(window, QLineEdit, "console.printer.address")
    assert isinstance(kind, QComboBox) and isinstance(address, QLineEdit)
    choose(kind, kind_name)
    address.setText(target)
    press(qtbot, window, "console.settings.save")
    assert "chưa lưu" in message(window) and reason in message(window)
    assert not (isolated_dirs / "settings-override.toml").exists()
    assert window.runtime.settings.printer.kind == "none"


def test_a_technician_may_print_to_a_file_in_the_data_dir(qtbot: QtBot, window: KioskWindow,
                                                         isolated_dirs: Path) -> None:
    window.open_console("technician")
    console_of(window).show_page("settings")
    kind = find(window, QComboBox, "console.printer.kind")
    address = find(window, QLineEdit, "console.printer.address")
    assert isinstance(kind, QComboBox) and isinstance(address, QLineEdit)
    choose(kind, "file")
    address.setText(str(isolated_dirs / "printer" / "dry-run.bin"))
    press(qtbot, window, "console.settings.save")
    assert message(window) == "Đã lưu và áp dụng cài đặt."
    assert window.runtime.settings.printer.address == str(isolated_dirs / "printer" / "dry-run.bin")


# --- statistics -----------------------------------------------------------------------------------


def test_statistics_charts_and_csv_export(qtbot: QtBot, window: KioskWindow, tmp_path: Path) -> None:
    resident_starts(window, COPY)
    advance(window, 40)
    window.open_console("staff")
    console_of(window).show_page("actions")
    press(qtbot, window, "console.end_session")  # abandoned on its first step
    window.send(Touch())
    advance(window, 10)
    window.send(ChooseMode(Mode.LEARN))
    press(qtbot, window, "console.close")
    from kiosk.journey.machine import Reset

    window.send(Reset("end-button"))

    window.open_console("staff")
    console = console_of(window)
    console.show_page("stats")
    qtbot.waitUntil(lambda: "2 lượt sử dụng" in text_of(window, "console.stats.summary"), timeout=5000)
    assert "0 hồ sơ đã nộp, 1 hồ sơ bỏ dở" in text_of(window, "console.stats.summary")
    assert "26/11: Lượt sử dụng 2" in console.chart_sessions.accessibleDescription()
    assert "Bỏ dở 1" in console.chart_procedures.accessibleDescription()

    target = tmp_path / "usb" / "thong-ke.csv"
    path = find(window, QLineEdit, "console.csv.path")
    assert isinstance(path, QLineEdit)
    assert path.text().endswith(".csv")
    path.setText(str(target))
    press(qtbot, window, "console.csv.export")
    qtbot.waitUntil(lambda: "Đã ghi 2 dòng" in message(window), timeout=5000)
    with target.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert [(r["date"], r["procedure_code"], r["sessions"], r["started"], r["abandoned"]) for r in rows] == [
        ("2026-11-26", "*", "2", "1", "1"), ("2026-11-26", COPY, "", "1", "1")]
    step = window.runtime.catalog.get(COPY).steps[0].id
    assert rows[1]["abandoned_at_step"] == f"{step}:1"


# --- end to end: the gesture, the PIN, the console --------------------------------------------------


def test_five_corner_taps_and_the_pin_open_the_console(qtbot: QtBot, window: KioskWindow) -> None:
    StaffAuth(window.runtime.clock).set_pin("staff", "482916")
    QTest.qWaitForWindowExposed(window)
    handle = window.windowHandle()
    assert handle is not None
    for _ in range(5):
        QTest.mouseClick(handle, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                         QPoint(window.width() - 30, 30))
        advance(window, 0.3)
    assert window.staff_entry.pad.isVisible()
    for digit in "482916":
        press(qtbot, window, f"pin.{digit}")
    press(qtbot, window, "pin.ok")
    console = console_of(window)
    assert console.role == "staff"
    assert not window.staff_entry.pad.isVisible()
    assert "Bảng điều khiển dành cho cán bộ" in visible_texts(console)
