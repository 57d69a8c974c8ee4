"""Logging for the kiosk: named loggers, a rotating file in the data directory, and a last line of
defence that blanks anything shaped like an ID or phone number and keeps exception messages out."""

from __future__ import annotations

import logging
import logging.handlers
import re
import traceback
from pathlib import Path
from types import TracebackType

from kiosk.files import paths

_DIGIT_RUN = re.compile(r"(?<![\d-])\+?\d[\d .]{7,}\d(?![\d-])")
FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


_MAX_CHAIN = 5


def describe_exception(exc_type: type[BaseException], exc: BaseException | None,
                       tb: TracebackType | None) -> str:
    """Type names and stack frames (file:line in function) of an exception and its causes.

    Never the message, the locals or the source lines: messages routinely quote the value that was
    wrong (a name, an ID number), and the type with file:line is enough to find the bug.
    """
    lines = [f"{exc_type.__module__}.{exc_type.__qualname__}"]
    lines += _frames(tb)
    seen = {id(exc)}
    current = exc
    for _ in range(_MAX_CHAIN):
        if current is None:
            break
        cause = current.__cause__ or (None if current.__suppress_context__ else current.__context__)
        if cause is None or id(cause) in seen:
            break
        seen.add(id(cause))
        kind = type(cause)
        lines.append(f"caused by {kind.__module__}.{kind.__qualname__}")
        lines += _frames(cause.__traceback__)
        current = cause
    return "\n".join(lines)


def _frames(tb: TracebackType | None) -> list[str]:
    return [f"  {frame.filename}:{frame.lineno} in {frame.name}" for frame in traceback.extract_tb(tb, limit=-40)]


class RedactingFilter(logging.Filter):
    """Blanks long digit runs (ID and phone numbers) that slipped into a message by mistake, and turns an
    attached traceback (`log.exception`) into types and frames only, without the exception's message."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = _DIGIT_RUN.sub("[redacted]", message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        if record.exc_info and record.exc_info[0] is not None:
            exc_type, exc, tb = record.exc_info
            record.exc_text = describe_exception(exc_type, exc, tb)
            record.exc_info = None
        elif record.exc_text:
            record.exc_text = _DIGIT_RUN.sub("[redacted]", record.exc_text)
        return True


def log_file() -> Path:
    directory = paths.data_dir() / "logs"
    directory.mkdir(parents=True, exist_ok=True)
    return directory / "kiosk.log"


def setup_logging(level: int = logging.INFO, to_file: bool = True) -> None:
    root = logging.getLogger()
    root.setLevel(level)
    for handler in list(root.handlers):
        if getattr(handler, "_kiosk", False):
            root.removeHandler(handler)
    handlers: list[logging.Handler] = [logging.StreamHandler()]
    if to_file:
        handlers.append(logging.handlers.RotatingFileHandler(log_file(), maxBytes=2_000_000, backupCount=5,
                                                             encoding="utf-8"))
    for handler in handlers:
        handler.setFormatter(logging.Formatter(FORMAT))
        handler.addFilter(RedactingFilter())
        handler._kiosk = True  # type: ignore[attr-defined]
        root.addHandler(handler)
