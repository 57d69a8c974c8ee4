"""Read-aloud: the "Nghe hướng dẫn" button speaks the current screen's title, question and help.

PySide6-Essentials has no QtTextToSpeech, so speech goes through a command-line engine run with
QProcess: speech-dispatcher's ``spd-say`` (Debian: speech-dispatcher with an espeak-ng Vietnamese
voice), or ``espeak-ng`` itself, as the `kiosk.speech_engine` setting chooses. Without an engine the
button stays hidden. Only texts of the
kiosk are read (titles, questions, help, messages), never a resident's answers.
"""

from __future__ import annotations

import logging
import shutil
from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QObject, QProcess, Qt
from PySide6.QtWidgets import QApplication, QLabel, QPushButton, QWidget

from kiosk.i18n import tr
from kiosk.journey.machine import Screen
from ui.common.theme import set_bar_text
from ui.common.widgets import FieldEditor, button

log = logging.getLogger(__name__)

MAX_SPOKEN_CHARS = 2000

# Labels worth reading on any screen, by the end of their objectName; answers (review values, the
# receipt's reference, lookup results) are left out on purpose.
_SPOKEN_SUFFIXES = (".progress", ".title", ".help", ".prompt", ".body", ".offer", ".scan_hint", ".scan_status",
                    ".banner", ".message", ".keep", ".question", ".countdown")


@dataclass(frozen=True)
class SpeechCommand:
    """A speech engine on PATH: how to make it say a text, and how to make it stop."""

    program: str
    kind: str  # "spd-say" or "espeak-ng"

    def say(self, text: str, lang: str) -> list[str]:
        voice = "vi" if lang == "vi" else "en"
        if self.kind == "spd-say":
            return ["-l", voice, "--", text]
        return ["-v", voice, "--", text]

    def cancel(self) -> list[str] | None:
        """Arguments of a second run that silences the engine, or None when killing the process does."""
        return ["-C"] if self.kind == "spd-say" else None


ENGINES = ("spd-say", "espeak-ng")


def find_speech_command(engine: str = "auto") -> SpeechCommand | None:
    """The engine the `kiosk.speech_engine` setting names: "auto" is the first of `ENGINES` on PATH, "none" is
    none, anything else the path (or name) of one of `ENGINES`. None when that engine is not there."""
    if engine == "none":
        return None
    candidates = ENGINES if engine == "auto" else (engine,)
    for candidate in candidates:
        kind = next((k for k in ENGINES if candidate.rsplit("/", 1)[-1] == k), None)
        program = shutil.which(candidate)
        if kind is not None and program:
            return SpeechCommand(program, kind)
    if engine != "auto":
        log.warning("read-aloud engine %r not found or not one of %s", engine, ", ".join(ENGINES))
    return None


def spoken_text(view: QWidget, screen: Screen) -> str:
    """What the button reads on `view`: its headings and help, and on a form step the question in focus."""
    parts: list[str] = []
    for widget in view.findChildren(QLabel):
        if isinstance(widget.parentWidget(), FieldEditor) or widget.objectName().startswith("review.value"):
            continue
        if widget.objectName().endswith(_SPOKEN_SUFFIXES) and widget.isVisibleTo(view) and widget.text().strip():
            parts.append(widget.text().strip())
    if screen is Screen.STEP:
        parts.extend(_question(view))
    text = "\n".join(dict.fromkeys(parts))  # each text once, in widget order
    return text[:MAX_SPOKEN_CHARS]


def _question(view: QWidget) -> list[str]:
    editors = [e for e in view.findChildren(FieldEditor) if e.isVisibleTo(view)]
    focus = QApplication.focusWidget()
    chosen = next((e for e in editors if focus is not None and e.isAncestorOf(focus)), None)
    if chosen is None and editors:
        chosen = editors[0]
    if chosen is None:
        return []
    return [w.text().strip() for w in (chosen.title, chosen.help, chosen.error)
            if w.isVisibleTo(view) and w.text().strip()]


class ReadAloud(QObject):
    """The top bar's read-aloud button and the speech process behind it."""

    def __init__(
        self,
        parent: QWidget,
        current: Callable[[], tuple[QWidget, Screen]],
        lang: Callable[[], str],
        command: SpeechCommand | None = None,
    ) -> None:
        """`command` is the engine to use (`find_speech_command`), None for no read-aloud."""
        super().__init__(parent)
        self._current = current
        self._lang = lang
        self.command = command
        self.button: QPushButton = button("", "a11y.read_aloud", "bar")
        self.button.setFocusPolicy(Qt.FocusPolicy.TabFocus)  # a touch leaves focus on the question
        self.button.clicked.connect(self.read)
        self._process: QProcess | None = None
        self._speaking = False
        self.retranslate()
        self.update_visibility(Screen.ATTRACT)
        log.info("read-aloud engine: %s", self.command.kind if self.command else "none (button hidden)")

    @property
    def available(self) -> bool:
        return self.command is not None

    def retranslate(self) -> None:
        lang = self._lang()
        set_bar_text(self.button, tr("a11y.read_aloud", lang), tr("a11y.read_aloud.help", lang))

    def update_visibility(self, screen: Screen) -> None:
        self.button.setVisible(self.available and screen is not Screen.ATTRACT)

    def read(self) -> None:
        if self.command is None:
            return
        view, screen = self._current()
        text = spoken_text(view, screen)
        if not text:
            return
        self.stop()
        process = QProcess(self)
        process.setObjectName("a11y.speech")
        process.setProgram(self.command.program)
        process.setArguments(self.command.say(text, self._lang()))
        process.errorOccurred.connect(self._failed)
        self._process = process
        self._speaking = True
        process.start()

    def _failed(self, error: QProcess.ProcessError) -> None:
        log.warning("speech engine failed: %s", error.name)

    def stop(self) -> None:
        """Silence what is being read (a new reading, another screen, the reset)."""
        self._end_process()
        if self._speaking and self.command is not None:
            cancel = self.command.cancel()
            if cancel is not None:  # spd-say hands the text over and exits; the daemon keeps speaking
                QProcess.startDetached(self.command.program, cancel)
        self._speaking = False

    def shutdown(self) -> None:
        self._end_process()

    def _end_process(self) -> None:
        process, self._process = self._process, None
        if process is None:
            return
        if process.state() is not QProcess.ProcessState.NotRunning:
            process.kill()
            process.waitForFinished(1000)
        process.deleteLater()
