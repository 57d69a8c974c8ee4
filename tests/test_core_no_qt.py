"""The core never imports Qt: importing every module of `kiosk` leaves PySide6 unloaded."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import REPO

SCRIPT = """
import importlib, pkgutil, sys
import kiosk
for info in pkgutil.walk_packages(kiosk.__path__, "kiosk."):
    if info.name.startswith("kiosk._bundled") or info.name.endswith("__main__"):
        continue
    importlib.import_module(info.name)
qt = sorted(m for m in sys.modules if m.startswith(("PySide6", "shiboken6", "ui")))
print("QT:" + ",".join(qt))
print("COUNT:" + str(sum(1 for m in sys.modules if m.startswith("kiosk."))))
"""


def test_importing_every_core_module_loads_no_qt() -> None:
    result = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, cwd=REPO, timeout=120,
                            check=False)
    assert result.returncode == 0, result.stderr
    lines = dict(line.split(":", 1) for line in result.stdout.splitlines() if ":" in line)
    assert lines["QT"] == "", f"the core imported Qt modules: {lines['QT']}"
    assert int(lines["COUNT"]) >= 15  # the walk really imported the core


def test_no_core_source_mentions_pyside() -> None:
    offenders = [p.name for p in (REPO / "kiosk").rglob("*.py") if "PySide6" in p.read_text("utf-8")
                 and "never imports" not in p.read_text("utf-8")]
    assert offenders == []
