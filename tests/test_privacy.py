"""Privacy: after a resident's session ends, nothing they entered is left anywhere the next one could find it.

One session fills every personal field of every step of a procedure with a marker, scans an ID card,
submits the dossier, copies text, rates with a comment; a second one types into the lookup and feedback
screens and leaves text half-composed. After the resets the markers are nowhere: not in any widget's
text or properties, not in undo histories, not in objects the kiosk holds in memory, not on the clipboard,
not in the log, and not in plaintext in any file of the data directory.
"""

from __future__ import annotations

import gc
import logging
import types
from datetime import UTC, datetime, timedelta
from pathlib import Path

from PySide6.QtCore import QEvent
from PySide6.QtGui import QGuiApplication, QInputMethodEvent
from PySide6.QtWidgets import QApplication, QComboBox, QLineEdit, QPlainTextEdit, QTextEdit
from pytestqt.qtbot import QtBot

from kiosk.answers.sample import sample_answers, sample_value
from kiosk.answers.validation import validate_step, visible_steps
from kiosk.catalog.models import FieldKind
from kiosk.files import paths
from kiosk.journey.machine import ScanIdCard, Screen
from kiosk.printing import qr
from tests.qt_helpers import click
from ui.screens.form import StepScreen
from ui.shell.window import KioskWindow

BIRTH = "1.001193.000.00.00.H26"
TEXT_MARK = "Qzvmark"  # letters only, so it passes as part of a name
ID_MARKS = {"applicant_id": "001060975310", "mother_id": "001185975311", "father_id": "001085975312"}
PHONE_MARK = "0961357924"
MARKERS = (TEXT_MARK, "975310", "975311", "975312", "1357924")


def marked_answers(win: KioskWindow) -> dict[str, str]:
    """Valid answers for every field of the birth registration, with a marker in every personal one."""
    proc = win.runtime.catalog.get(BIRTH)
    today = win.runtime.clock.now().date()
    answers = sample_answers(proc, today)
    answers.update(born_in_clinic="khong", father_known="co")  # shows the witness and the father too
    for spec in proc.fields():
        answers.setdefault(spec.id, sample_value(spec, today))
    suffix = iter("abcdefghijklmnop")
    for spec in proc.fields():
        if spec.id in ID_MARKS:
            answers[spec.id] = ID_MARKS[spec.id]
        elif spec.kind is FieldKind.PHONE:
            answers[spec.id] = PHONE_MARK
        elif spec.kind is FieldKind.PERSON_NAME:
            answers[spec.id] = f"Nguyễn {TEXT_MARK}{next(suffix)}"
        elif spec.kind in (FieldKind.ADDRESS, FieldKind.TEXT, FieldKind.LONG_TEXT):
            answers[spec.id] = f"Số 7 ngõ {TEXT_MARK}{next(suffix)}, Hà Nội"
        elif spec.kind is FieldKind.EMAIL:
            answers[spec.id] = f"{TEXT_MARK.lower()}@example.vn"
    for step in visible_steps(proc, answers):
        assert not validate_step(step, answers, today), step.id
    personal = [f.id for f in proc.fields() if f.personal]
    assert personal and all(any(m in answers[f] for m in MARKERS) for f in personal if f in answers)
    return answers


def current(win: KioskWindow) -> Screen:
    return win.journey.screen


def type_into(edit: QLineEdit | QPlainTextEdit, text: str) -> None:
    """Typing as the on-screen keyboard does: over whatever is there, leaving an undo history."""
    edit.setFocus()
    edit.selectAll()
    if isinstance(edit, QLineEdit):
        edit.insert(text)
    else:
        edit.insertPlainText(text)


def first_session(qtbot: QtBot, win: KioskWindow) -> None:
    answers = marked_answers(win)
    for name in ("attract.start", "home.do", f"procedure.{BIRTH}", "overview.start", "consent.agree"):
        click(qtbot, win, name)
    card = f"{ID_MARKS['applicant_id']}|123456789|Nguyễn {TEXT_MARK}scan|05091960|Nam|Số 7 {TEXT_MARK}scan|10032021"
    win.send(ScanIdCard(card))
    while win.journey.screen is Screen.STEP:
        view = win.screens[Screen.STEP]
        assert isinstance(view, StepScreen)
        for field_id, editor in view.editors.items():
            value = answers.get(field_id, "")
            if isinstance(editor.input, QLineEdit | QPlainTextEdit):
                type_into(editor.input, value)
            else:
                editor.set_value(value)
        click(qtbot, win, "step.next")
    assert current(win) is Screen.REVIEW, win.journey.session.errors
    click(qtbot, win, "review.submit")
    qtbot.waitUntil(lambda: win.journey.screen is Screen.RECEIPT, timeout=5000)
    QGuiApplication.clipboard().setText(f"Nguyễn {TEXT_MARK}copy")
    click(qtbot, win, "receipt.finish")
    comment = win.findChild(QLineEdit, "rating.comment")
    assert comment is not None
    type_into(comment, f"Cán bộ {TEXT_MARK}rate giúp tôi")
    click(qtbot, win, "rating.4")
    assert current(win) is Screen.ATTRACT
    qtbot.waitUntil(lambda: not win.runner.busy(), timeout=5000)


def second_session(qtbot: QtBot, win: KioskWindow) -> None:
    click(qtbot, win, "attract.start")
    click(qtbot, win, "home.lookup")
    code = win.findChild(QLineEdit, "lookup.code")
    phone = win.findChild(QLineEdit, "lookup.phone")
    assert code is not None and phone is not None
    type_into(code, f"DEMO-{TEXT_MARK}look")
    type_into(phone, "7924")
    # Half-composed text (an input method's pre-edit) that was never committed.
    code.setFocus()
    QApplication.sendEvent(code, QInputMethodEvent(f"{TEXT_MARK}pre", []))
    click(qtbot, win, "nav.end")
    click(qtbot, win, "attract.start")
    click(qtbot, win, "home.feedback")
    text = win.findChild(QPlainTextEdit, "feedback.text")
    assert text is not None
    type_into(text, f"Góp ý của {TEXT_MARK}feed")
    click(qtbot, win, "nav.end")
    assert current(win) is Screen.ATTRACT


def hits(value: object) -> bool:
    if isinstance(value, bytes | bytearray):
        return any(m.encode() in value for m in MARKERS)
    if isinstance(value, str):
        return any(m in value for m in MARKERS)
    if isinstance(value, list | tuple):
        return any(hits(v) for v in value)
    return False


def widget_findings() -> list[str]:
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)  # what the event loop does next
    QApplication.processEvents()
    found = []
    for widget in QApplication.allWidgets():
        meta = widget.metaObject()
        textual = ("QString", "QStringList", "QVariant")
        names = [str(meta.property(i).name()) for i in range(meta.propertyCount())
                 if str(meta.property(i).typeName()) in textual]
        names += [bytes(n.data()).decode() for n in widget.dynamicPropertyNames()]
        for name in names:
            try:
                value = widget.property(name)
            except RuntimeError:  # Qt-internal values PySide cannot convert: not text
                continue
            if hits(value):
                found.append(f"{type(widget).__name__} {widget.objectName()!r} property {name}")
        if isinstance(widget, QComboBox):
            items = [widget.itemText(i) for i in range(widget.count())]
            if hits(items):
                found.append(f"combo {widget.objectName()!r} items")
        if isinstance(widget, QLineEdit) and (widget.isUndoAvailable() or widget.isRedoAvailable()):
            found.append(f"line edit {widget.objectName()!r} keeps an undo history")
        if isinstance(widget, QPlainTextEdit | QTextEdit):
            doc = widget.document()
            if doc.isUndoAvailable() or doc.isRedoAvailable():
                found.append(f"text edit {widget.objectName()!r} keeps an undo history")
    return found


def preedit_findings(win: KioskWindow) -> list[str]:
    """A field whose picture changes when told to drop its pre-edit text still had some."""
    found = []
    for edit in win.findChildren(QLineEdit):
        before = edit.grab().toImage()
        QApplication.sendEvent(edit, QInputMethodEvent())
        if edit.grab().toImage() != before:
            found.append(f"line edit {edit.objectName()!r} still showed pre-edit text")
    return found


_SKIP = (types.ModuleType, type, types.CodeType, types.FrameType, types.BuiltinFunctionType)


def memory_findings() -> list[str]:
    """Strings reachable from the kiosk's own objects (kiosk.* and ui.* classes) that hold a marker."""
    gc.collect()
    roots = [o for o in gc.get_objects()
             if not isinstance(o, type) and type(o).__module__.split(".")[0] in ("kiosk", "ui")]
    seen: set[int] = set()
    stack: list[tuple[object, str]] = [(o, type(o).__qualname__) for o in roots]
    found = []
    while stack:
        obj, path = stack.pop()
        if id(obj) in seen:
            continue
        seen.add(id(obj))
        if isinstance(obj, str | bytes | bytearray):
            if hits(obj):
                found.append(path)
            continue
        if isinstance(obj, _SKIP):
            continue
        if isinstance(obj, types.FunctionType):  # what a closure or a default argument holds, not its globals
            children = [c.cell_contents for c in obj.__closure__ or () if c.cell_contents is not None]
            children += list(obj.__defaults__ or ())
        else:
            children = gc.get_referents(obj)
        stack.extend((child, f"{path} > {type(child).__qualname__}") for child in children)
    return found


def disk_findings(*roots: Path) -> list[str]:
    found = []
    for root in roots:
        for path in root.rglob("*"):
            if path.is_file() and hits(path.read_bytes()):
                found.append(str(path))
    return found


def test_a_whole_session_leaves_no_trace(qtbot: QtBot, window: KioskWindow, kiosk_log: Path,
                                         tmp_path: Path) -> None:
    first_session(qtbot, window)
    assert qr.qr_modules.cache_info().currsize == 0  # the slip's reference and fee QR codes
    stored = window.runtime.outbox.records()
    assert len(stored) == 1  # the dossier was really submitted (and is readable with the key)
    payload = window.runtime.outbox.payload(stored[0].uuid)
    assert payload is not None and TEXT_MARK in str(payload)
    second_session(qtbot, window)
    assert current(window) is Screen.ATTRACT

    assert widget_findings() == []
    assert preedit_findings(window) == []
    assert memory_findings() == []
    assert not hits(repr(window.journey.session)) and not hits(str(vars(window.journey.session)))
    assert not hits(QGuiApplication.clipboard().text())
    assert QApplication.focusWidget() is None or not isinstance(QApplication.focusWidget(), QLineEdit)
    for handler in logging.getLogger().handlers:
        handler.flush()
    assert kiosk_log.stat().st_size > 0
    assert not hits(kiosk_log.read_bytes())
    window.runtime.outbox.close()  # flushes the WAL into the database file
    assert disk_findings(paths.data_dir(), tmp_path / "keyring") == []


def test_confirmed_dossiers_lose_their_personal_data_after_the_retention_time(
    qtbot: QtBot, window: KioskWindow
) -> None:
    outbox = window.runtime.outbox
    old = outbox.enqueue(BIRTH, {"applicant": {"name": f"Nguyễn {TEXT_MARK}old"}}, "DEMO", "K01")
    recent = outbox.enqueue(BIRTH, {"applicant": {"name": f"Nguyễn {TEXT_MARK}new"}}, "DEMO", "K01")
    queued = outbox.enqueue(BIRTH, {"applicant": {"name": f"Nguyễn {TEXT_MARK}queued"}}, "DEMO", "K01")
    days = window.runtime.settings.outbox.retention_days
    now = datetime.now(UTC)
    outbox.mark_accepted(old.uuid, "H26.1-0001", (now - timedelta(days=days + 1)).isoformat())
    outbox.mark_accepted(recent.uuid, "H26.1-0002", (now - timedelta(days=1)).isoformat())
    window.schedule_purge()
    assert window.purge_timer.isActive()
    assert window.purge_timer.interval() == 24 * 3600 * 1000
    qtbot.waitUntil(lambda: outbox.payload(old.uuid) is None, timeout=5000)
    qtbot.waitUntil(lambda: not window.runner.busy(), timeout=5000)
    assert outbox.payload(recent.uuid) is not None  # confirmed, but not long enough ago
    assert outbox.payload(queued.uuid) is not None  # never purged before the portal has it
    record = outbox.get(old.uuid)
    assert record is not None and record.official_code == "H26.1-0001"  # the reference stays for lookups
    window.shutdown()
    assert not window.purge_timer.isActive()


def test_personal_data_is_encrypted_at_rest(window: KioskWindow) -> None:
    outbox = window.runtime.outbox
    outbox.enqueue(BIRTH, {"applicant": {"name": f"Nguyễn {TEXT_MARK}rest", "phone": PHONE_MARK}}, "DEMO", "K01")
    outbox.close()
    assert disk_findings(paths.data_dir()) == []


def test_a_logged_exception_keeps_its_message_out_of_the_log(kiosk_log: Path) -> None:
    log = logging.getLogger("kiosk.test")
    try:
        raise ValueError(f"no such name: Nguyễn {TEXT_MARK}exc")
    except ValueError:
        log.exception("lookup failed")  # a careless handler anywhere in the code
    for handler in logging.getLogger().handlers:
        handler.flush()
    logged = kiosk_log.read_text("utf-8")
    assert "lookup failed" in logged and "builtins.ValueError" in logged
    assert "test_privacy.py" in logged  # the frames are there to find the bug
    assert not hits(logged)
