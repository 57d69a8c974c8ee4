"""One path for every change of the settings while the kiosk runs.

The staff console (written to the override file) and the portal's `apply_settings` command change settings
only through `changed_settings` (kiosk/settings/config.py): the same pydantic schema, the same bounds, whoever
asks. The new settings then reach every part that holds one of them: the idle clock, the journey's default
language and, when the printer changed, a new print service; `changed` tells anyone else."""

from __future__ import annotations

import logging
from typing import Any

from PySide6.QtCore import QObject, Signal

from kiosk.journey.idle import IdlePolicy
from kiosk.runtime import Runtime
from kiosk.settings.config import ConfigError, Settings, changed_settings, remote_changes, save_overrides
from ui.controllers.idle import IdleController
from ui.controllers.printing import PrintController

log = logging.getLogger(__name__)

class SettingsController(QObject):
    changed = Signal(object)  # the new Settings, once every part uses them

    def __init__(self, parent: QObject, runtime: Runtime, idle: IdleController, printing: PrintController) -> None:
        super().__init__(parent)
        self.runtime, self.idle, self.printing = runtime, idle, printing

    def apply(self, settings: Settings) -> None:
        """Use validated settings: idle times and the default language now, a new printer too."""
        old = self.runtime.settings
        self.runtime.settings = settings
        policy = IdlePolicy.from_settings(settings.idle)
        self.runtime.idle_policy = policy
        self.idle.use_policy(policy)
        self.runtime.journey.default_lang = settings.kiosk.default_language
        self.runtime.journey.scanning = settings.scanning.enabled
        if settings.printer != old.printer:
            self.printing.use_settings()
        self.changed.emit(settings)

    def save(self, changes: dict[str, dict[str, Any]]) -> Settings:
        """Staff changed settings: validated, written to the override file, applied. Raises ConfigError, OSError."""
        updated = save_overrides(self.runtime.settings, changes)
        self.apply(updated)
        return updated

    def change_remotely(self, changes: dict[str, Any]) -> bool:
        """The portal's `apply_settings` command ({"idle.form_seconds": 120, ...}); False when refused."""
        sections, refused = remote_changes(changes)  # anything else in a command is logged and ignored
        for key in refused:
            log.warning("remote setting refused: %s", key)
        if not sections:
            return False
        try:
            updated = changed_settings(self.runtime.settings, sections, "portal command")
        except ConfigError as exc:
            log.warning("remote settings refused: %s", exc)
            return False
        self.apply(updated)
        return True
