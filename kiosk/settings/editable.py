"""The settings the staff console edits, described from the settings schema.

The settings the console may change are those the staff override file may hold (`OVERRIDABLE` in
`kiosk.settings.layers`); `TECHNICIAN_SECTIONS` says which only technicians see. Everything else about a setting
comes from its field in `kiosk.settings.config`: an integer with bounds is a number between them, a `Literal` is
a choice among its values, a string is a text. The console builds its settings page from `editable_settings()`,
so the page offers exactly what validation accepts, and a setting added to `OVERRIDABLE` gets its editor without
code in the page (and its caption from the text `console.<section>.<name>`).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Literal, get_args, get_origin

from pydantic import BaseModel

from kiosk.settings.config import Settings
from kiosk.settings.layers import OVERRIDABLE


class EditorKind(StrEnum):
    NUMBER = "number"  # an integer between the schema's bounds
    CHOICE = "choice"  # one of the schema's `Literal` values
    TEXT = "text"  # free text (the page strips the ends)


@dataclass(frozen=True)
class EditableSetting:
    """One setting on the console's settings page."""

    section: str  # the section of `Settings`: idle, kiosk, printer …
    name: str  # the field in that section
    technician_only: bool  # ward staff do not see it
    kind: EditorKind
    low: int = 0  # NUMBER: the schema's bounds and the step of the editor's arrows
    high: int = 0
    step: int = 1
    choices: tuple[Any, ...] = ()  # CHOICE: the schema's values, in its order
    max_length: int | None = None  # TEXT: the schema's limit, if it sets one

    @property
    def key(self) -> str:
        """`section.name`, as the console's widgets and texts name the setting."""
        return f"{self.section}.{self.name}"

    def current(self, settings: Settings) -> Any:
        return getattr(getattr(settings, self.section), self.name)


# Hidden from ward staff: where receipts go and which scanner reads papers (a wrong value stops printing or
# scanning for everyone).
TECHNICIAN_SECTIONS = frozenset({"printer", "scanning"})
# The step of a number's arrows, by section or by setting, where steps of 1 would take too many taps.
STEPS: dict[str, int] = {"idle": 5, "scanning.resolution": 20}


def field_bounds(model: type[BaseModel], name: str) -> tuple[int, int]:
    """The least and greatest value the schema allows for the integer setting `name` of `model`."""
    low, high = None, None
    for rule in model.model_fields[name].metadata:
        low = getattr(rule, "ge", low)
        high = getattr(rule, "le", high)
    if low is None or high is None:
        raise ValueError(f"{model.__name__}.{name} has no bounds in the schema")
    return int(low), int(high)


def describe(section: str, name: str, technician_only: bool = False, step: int = 1) -> EditableSetting:
    """The editor the schema calls for the setting `section.name`; ValueError for a setting no console editor
    can offer safely (an integer without bounds, a type that is neither int, str nor a Literal)."""
    model = Settings.model_fields[section].annotation
    if not (isinstance(model, type) and issubclass(model, BaseModel)) or name not in model.model_fields:
        raise ValueError(f"no setting {section}.{name} in the schema")
    annotation = model.model_fields[name].annotation
    if get_origin(annotation) is Literal:
        return EditableSetting(section, name, technician_only, EditorKind.CHOICE, choices=get_args(annotation))
    if annotation is int:
        low, high = field_bounds(model, name)
        return EditableSetting(section, name, technician_only, EditorKind.NUMBER, low=low, high=high, step=step)
    if annotation is str:
        limits = [rule.max_length for rule in model.model_fields[name].metadata if hasattr(rule, "max_length")]
        return EditableSetting(section, name, technician_only, EditorKind.TEXT, max_length=min(limits, default=None))
    raise ValueError(f"{section}.{name} is a {annotation}: the console has no editor for it")


def editable_settings() -> tuple[EditableSetting, ...]:
    """The settings the console shows, in the order of `OVERRIDABLE` (the settings the override file may hold)."""
    return tuple(describe(section, name, section in TECHNICIAN_SECTIONS,
                          STEPS.get(f"{section}.{name}", STEPS.get(section, 1)))
                 for section, names in OVERRIDABLE.items() for name in names)


def changed_values(settings: Settings, values: dict[str, Any], technician: bool) -> dict[str, dict[str, Any]]:
    """The console's `values` (`{"idle.form_seconds": 120, …}`) that differ from `settings`, as sections for
    `save_overrides`; a technician's settings are left out for ward staff. Only what differs is written, so a
    later change by the technician in the machine file still shows."""
    changes: dict[str, dict[str, Any]] = {}
    for setting in editable_settings():
        if setting.key not in values or (setting.technician_only and not technician):
            continue
        if values[setting.key] != setting.current(settings):
            changes.setdefault(setting.section, {})[setting.name] = values[setting.key]
    return changes
