"""Writing small files so that a reader, or the kiosk after a power cut, sees the old file or the new one."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def write_text_atomically(path: Path, text: str, mode: int | None = None, dir_mode: int = 0o777) -> None:
    """Write `text` to a temporary file beside `path`, fsync it, then rename it over `path`.

    `mode` sets the file's permissions (else mkstemp's 0600); `dir_mode` those of a folder it creates."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=dir_mode)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}-")
    try:
        if mode is not None:
            os.fchmod(fd, mode)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
