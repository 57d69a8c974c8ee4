"""Logging for the kiosk: named loggers, a rotating file in the data directory, and a last line of
defence that blanks anything shaped like an ID or phone number."""

from __future__ import annotations

import logging
import logging.handlers
import re
from pathlib import Path

from kiosk import paths

_DIGIT_RUN = re.compile(r"(?<![\d-])\+?\d[\d .]{7,}\d(?![\d-])")
FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class RedactingFilter(logging.Filter):
    """Blanks long digit runs (ID and phone numbers) that slipped into a message by mistake."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = _DIGIT_RUN.sub("[redacted]", message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
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
