"""The kiosk's PySide6 Widgets layer: screens, widgets, theme, the staff console."""

from ui.shell import qt_import_hook

qt_import_hook.install()  # first thing: every module imported after PySide6 would have its source read
