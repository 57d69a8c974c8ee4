"""Read-aloud: the top bar's "Nghe hướng dẫn" reads the step through a speech engine found on PATH."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import wave
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLineEdit, QPushButton
from pytestqt.qtbot import QtBot

from kiosk.answers.sample import sample_answers
from kiosk.catalog import load_catalog
from kiosk.files.paths import procedures_dir
from kiosk.journey.machine import (
    ChooseMode,
    GiveConsent,
    Mode,
    Reset,
    Screen,
    SelectProcedure,
    SetLanguage,
    StartApplication,
    Touch,
)
from kiosk.settings.config import KioskSettings, Settings
from tests.qt_fixtures import WindowFactory
from tests.qt_helpers import to_question
from ui.accessibility.speech import find_speech_command
from ui.screens.form import StepScreen
from ui.shell.window import KioskWindow

BIRTH = "1.001193.000.00.00.H26"
CATALOG_BIRTH = load_catalog(procedures_dir()).get(BIRTH)


def fake_engine(directory: Path, name: str, log: Path) -> None:
    """An executable that records its arguments, one per line, then a separator."""
    script = directory / name
    script.write_text(f'#!/bin/sh\nfor arg in "$@"; do printf "%s\\n" "$arg"; done >> "{log}"\necho "---" >> "{log}"\n')
    script.chmod(script.stat().st_mode | stat.S_IXUSR)


def speaking(engine: str) -> Settings:
    """Settings whose read-aloud uses `engine` (the `kiosk.speech_engine` setting)."""
    return Settings(kiosk=KioskSettings(speech_engine=engine))


@pytest.fixture
def engine_log(tmp_path: Path) -> Path:
    """Where the recording spd-say (tmp_path/bin/spd-say) writes what it was asked to say."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    log = tmp_path / "spoken.txt"
    fake_engine(bin_dir, "spd-say", log)
    return log


@pytest.fixture
def window(engine_log: Path, make_window: WindowFactory) -> KioskWindow:
    return make_window(speaking(str(engine_log.parent / "bin" / "spd-say")), active=True)


def read_button(window: KioskWindow) -> QPushButton:
    found = window.findChild(QPushButton, "a11y.read_aloud")
    assert found is not None
    return found


def to_identity_step(window: KioskWindow) -> StepScreen:
    for event in (Touch(), ChooseMode(Mode.DO), SelectProcedure(BIRTH), StartApplication(), GiveConsent()):
        window.send(event)
    view = window.screens[Screen.STEP]
    assert isinstance(view, StepScreen)
    return view


def spoken(qtbot: QtBot, log: Path, count: int = 1) -> list[list[str]]:
    """The argument lists the fake engine received, once `count` runs have finished."""
    qtbot.waitUntil(lambda: log.exists() and log.read_text().count("---\n") >= count, timeout=5000)
    runs = log.read_text().split("---\n")[:-1]
    return [run.splitlines() for run in runs]


@pytest.mark.parametrize("engine", ["none", "/nonexistent/espeak-ng", "/bin/sh"])
def test_without_a_speech_engine_the_button_is_hidden(make_window: WindowFactory, engine: str) -> None:
    win = make_window(speaking(engine), active=True)
    to_identity_step(win)
    assert not read_button(win).isVisible()
    assert not win.input.read_aloud.available
    assert "Nghe hướng dẫn" not in [b.text().replace("\n", " ") for b in win.findChildren(QPushButton)
                                     if b.isVisible()]


def test_the_button_reads_the_steps_title_question_and_help(
    qtbot: QtBot, window: KioskWindow, engine_log: Path
) -> None:
    view = to_identity_step(window)
    to_question(window, CATALOG_BIRTH, "applicant", "applicant_phone", sample_answers(CATALOG_BIRTH))  # its own page
    button = read_button(window)
    assert button.isVisible()
    assert button.accessibleName() == "Nghe hướng dẫn"
    phone = window.findChild(QLineEdit, "field.applicant_phone")
    assert phone is not None
    phone.setFocus()
    phone.insert("0987654321")  # an answer: never read aloud
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    [args] = spoken(qtbot, engine_log)
    assert args[:3] == ["-l", "vi", "--"]
    text = "\n".join(args[3:])
    step = window.journey.current_step()
    assert step is not None
    assert step.title.get("vi") in text
    if view.help.isVisible():  # the step's help, on the step's first page
        assert step.help is not None and step.help.get("vi") in text
    question = view.editors["applicant_phone"].title.text()
    assert question in text  # the field in focus
    assert "0987654321" not in text
    assert phone.hasFocus()  # touching the button leaves the field in focus


def test_english_is_read_with_an_english_voice_and_reset_stops_speech(
    qtbot: QtBot, window: KioskWindow, engine_log: Path
) -> None:
    window.send(Touch())
    window.send(SetLanguage("en"))
    qtbot.mouseClick(read_button(window), Qt.MouseButton.LeftButton)
    [args] = spoken(qtbot, engine_log)
    assert args[:2] == ["-l", "en"]
    assert "What would you like to do?" in args
    window.send(Reset("end-button"))
    runs = spoken(qtbot, engine_log, 2)
    assert runs[1] == ["-C"]  # speech-dispatcher told to stop
    assert not read_button(window).isVisible()  # the attract screen has nothing to read


def test_auto_takes_espeak_ng_when_speech_dispatcher_is_missing(
    qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, make_window: WindowFactory
) -> None:
    bin_dir = tmp_path / "espeak"
    bin_dir.mkdir()
    log = tmp_path / "espeak.txt"
    fake_engine(bin_dir, "espeak-ng", log)
    monkeypatch.setenv("PATH", str(bin_dir))  # what "auto" looks through
    win = make_window(speaking("auto"), active=True)
    win.send(Touch())
    qtbot.mouseClick(read_button(win), Qt.MouseButton.LeftButton)
    [args] = spoken(qtbot, log)
    assert args[:3] == ["-v", "vi", "--"]
    assert "Ông/Bà cần làm gì?" in args


def test_the_real_espeak_ng_speaks_what_the_kiosk_asks_in_vietnamese(tmp_path: Path) -> None:
    """The arguments the kiosk gives espeak-ng make the real engine speak a Vietnamese text with its
    Vietnamese voice (written to a WAV file instead of the loudspeaker)."""
    command = find_speech_command(shutil.which("espeak-ng") or "espeak-ng")
    if command is None:
        if os.environ.get("CI"):
            pytest.fail("CI installs espeak-ng (.ci/run); it is missing")
        pytest.skip("espeak-ng is not installed here")
    wav = tmp_path / "spoken.wav"
    short, long = ("Xin chào", "Xin mời Ông/Bà chọn thủ tục cần làm, rồi chạm vào nút Tiếp tục.")
    durations = []
    for text in (short, long):
        done = subprocess.run([command.program, "-w", str(wav), *command.say(text, "vi")], capture_output=True,
                              timeout=60, check=False)
        assert done.returncode == 0, done.stderr
        with wave.open(str(wav)) as audio:
            durations.append(audio.getnframes() / audio.getframerate())
    assert 0.3 < durations[0] < durations[1], durations  # speech, longer for the longer text
