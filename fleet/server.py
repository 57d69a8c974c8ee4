"""The fleet service in a background thread (tests, `kiosk demo`); `kiosk-fleet serve` runs it in the foreground."""

from __future__ import annotations

import socket
import threading
from types import TracebackType

import uvicorn

from fleet.app import create_app
from fleet.store import FleetStore
from kiosk.sandbox.server import loopback_address, serve_in_thread


class FleetServer:
    """The service on 127.0.0.1 in a thread. `url` is valid once `start()` returned."""

    def __init__(self, store: FleetStore, host: str = "127.0.0.1", port: int = 0) -> None:
        self.store = store
        self.host = loopback_address(host)
        self.port = port
        self.app = create_app(store)
        self._socket: socket.socket | None = None
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> FleetServer:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self.host, self.port))
        sock.listen(512)
        self.port = sock.getsockname()[1]
        self._socket = sock
        config = uvicorn.Config(self.app, lifespan="off", log_config=None, log_level="warning", access_log=False,
                                timeout_graceful_shutdown=2)
        self._server = uvicorn.Server(config)
        try:
            self._thread = serve_in_thread(self._server, sock, f"fleet-service:{self.port}")
        except RuntimeError:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None
        if self._socket is not None:
            self._socket.close()
            self._socket = None

    def __enter__(self) -> FleetServer:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()
