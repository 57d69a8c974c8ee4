"""Stop PySide6 from reading the source of every module imported after it.

On each import PySide6's `__feature__` hook (`shibokensupport.feature.feature_imported`) asks whether the new
module uses PySide6 by reading its whole source with `inspect.getsource`, and `linecache` keeps every file it
read: about 9 MB of text once the kiosk has started, read on the GUI thread during start-up. The answer only
matters to modules that switch on a `from __feature__ import ...` (snake_case, true_property); the kiosk uses
none. The check is replaced by one that looks at what the module imported instead of its text. If a PySide6
release no longer has that function, nothing is changed (and the memory figures in docs/PERFORMANCE.md rise).
"""

from __future__ import annotations

import sys
from types import ModuleType

import PySide6  # noqa: F401  (loads shiboken's signature support, and with it the hook)


def _uses_pyside(module: ModuleType) -> bool:
    """Whether `module` imported a PySide6 module or class (what PySide6 looks for in the source)."""
    for value in list(vars(module).values()):
        if isinstance(value, ModuleType):
            name = value.__name__
        elif isinstance(value, type):
            name = value.__module__
        else:
            continue
        if name.startswith(("PySide6", "shiboken6")):
            return True
    return False


def install() -> bool:
    """Replace the source scan; True when PySide6 had it."""
    feature = sys.modules.get("shibokensupport.feature")
    if feature is None or not callable(getattr(feature, "_mod_uses_pyside", None)):
        return False
    setattr(feature, "_mod_uses_pyside", _uses_pyside)  # noqa: B010 (a private name mypy cannot see)
    return True
