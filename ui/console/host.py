"""What the staff console needs of the kiosk window, as a protocol: the console never imports the window."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from PySide6.QtCore import QRect

    from kiosk.catalog import Catalog
    from kiosk.journey.events import Event
    from kiosk.journey.machine import Journey
    from kiosk.ops.stats import StatsStore
    from kiosk.runtime import Runtime
    from kiosk.settings.config import Settings
    from ui.common.workers import TaskRunner
    from ui.printing.service import PrintService


class ConsoleHost(Protocol):
    runtime: Runtime
    journey: Journey
    runner: TaskRunner
    exit_status: int | None

    @property
    def printing(self) -> PrintService: ...

    @property
    def stats_store(self) -> StatsStore | None: ...

    @property
    def portal_service(self) -> Any: ...  # ui.portal.service.PortalService (a sibling the console may not import)

    def send(self, event: Event) -> None: ...

    def replace_catalog(self, catalog: Catalog) -> None: ...

    def save_settings(self, changes: dict[str, dict[str, Any]]) -> Settings: ...

    def allow_exit(self) -> None: ...

    def close(self) -> bool: ...

    def rect(self) -> QRect: ...
