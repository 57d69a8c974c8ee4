"""Background work: slow calls run in a thread pool, results come back to the GUI thread by signal."""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from PySide6.QtCore import QObject, Signal, Slot

log = logging.getLogger(__name__)

Done = Callable[[Any], None]
Failed = Callable[[BaseException], None]


class TaskRunner(QObject):
    """Runs callables off the GUI thread; `on_done`/`on_error` are called on the GUI thread."""

    _finished = Signal(object, object, object)  # callback, result, error

    def __init__(self, parent: QObject | None = None, workers: int = 2) -> None:
        super().__init__(parent)
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="kiosk-worker")
        self._finished.connect(self._deliver)
        self._pending: set[Future[Any]] = set()

    def submit(self, fn: Callable[[], Any], on_done: Done | None = None, on_error: Failed | None = None) -> None:
        future = self._pool.submit(fn)
        self._pending.add(future)

        def finished(fut: Future[Any]) -> None:
            self._pending.discard(fut)
            error = fut.exception()
            # Emitting from the worker thread queues the call onto the GUI thread.
            self._finished.emit((on_done, on_error), None if error else fut.result(), error)

        future.add_done_callback(finished)

    @Slot(object, object, object)
    def _deliver(self, callbacks: tuple[Done | None, Failed | None], result: Any, error: BaseException | None) -> None:
        on_done, on_error = callbacks
        if error is not None:
            if on_error is not None:
                on_error(error)
            else:
                log.error("background task failed: %s", type(error).__name__)
        elif on_done is not None:
            on_done(result)

    def busy(self) -> bool:
        return bool(self._pending)

    def shutdown(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)
