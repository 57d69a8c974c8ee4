"""Running the sandbox portal: in a background thread (tests, demos) or in the foreground (CLI).

The sandbox only ever listens on a loopback address: it holds fake but personal-looking data and has
unauthenticated control routes.
"""

from __future__ import annotations

import argparse
import ipaddress
import logging
import socket
import sys
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from types import TracebackType

import uvicorn

from kiosk.files.paths import procedures_dir
from kiosk.sandbox import ADMIN_HEADER, add_admin_token_option, admin_token_from
from kiosk.sandbox.app import SandboxSettings, SandboxState, create_app
from kiosk.sandbox.faults import FaultDice, FaultLayer, FaultPlan
from kiosk.sandbox.store import SandboxStore

log = logging.getLogger(__name__)

_START_TIMEOUT_S = 10.0


def loopback_address(host: str) -> str:
    """The address to bind for `host`; raises ValueError for anything but loopback."""
    if host == "localhost":
        return "127.0.0.1"
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        raise ValueError(f"the sandbox binds loopback addresses only, not {host!r}") from None
    if not address.is_loopback:
        raise ValueError(f"the sandbox binds loopback addresses only, not {host!r}")
    return str(address)


class SandboxServer:
    """The sandbox portal served by uvicorn in a background thread. Use as a context manager.

    `url` is valid once `start()` returned (the socket is bound before the thread starts).
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        faults: str | FaultPlan | None = None,
        db_path: Path | str | None = None,
        procedures: Path | str | None = None,
        *,
        client_id: str | None = None,
        client_secret: str | None = None,
        admin_token: str | None = None,
        lookups_per_minute: int | None = None,
        auto_advance_s: float | None = None,
        clock: Callable[[], float] = time.time,
        ssl_certfile: str | None = None,
        ssl_keyfile: str | None = None,
    ) -> None:
        self.host = loopback_address(host)
        self.port = port
        self.plan = faults if isinstance(faults, FaultPlan) else FaultPlan.parse(faults)
        self.dice = FaultDice(self.plan)
        self.store = SandboxStore(db_path)
        settings = SandboxSettings(
            procedures=Path(procedures) if procedures is not None else procedures_dir(),
            auto_advance_s=auto_advance_s,
            clock=clock,
        )
        if client_id is not None:
            settings.client_id = client_id
        if client_secret is not None:
            settings.client_secret = client_secret
        if admin_token:
            settings.admin_token = admin_token
        if lookups_per_minute is not None:
            settings.lookups_per_minute = lookups_per_minute
        if self.plan.token_ttl is not None:
            settings.token_ttl_s = self.plan.token_ttl
        self.app = create_app(settings, self.store)
        self.state: SandboxState = self.app.state.sandbox
        self.state.fault_counts = lambda: {f.value: n for f, n in self.dice.counts.items()}
        self._stopping = threading.Event()
        self._ssl = (ssl_certfile, ssl_keyfile)
        self._socket: socket.socket | None = None
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def admin_token(self) -> str:
        """What the /sandbox/* controls expect in the X-Sandbox-Admin-Token header."""
        return self.state.settings.admin_token

    @property
    def url(self) -> str:
        if self._socket is None:
            raise RuntimeError("the sandbox is not started")
        scheme = "https" if self._ssl[0] else "http"
        return f"{scheme}://{self.host}:{self.port}"

    def _config(self) -> uvicorn.Config:
        certfile, keyfile = self._ssl
        return uvicorn.Config(
            FaultLayer(self.app, self.dice, self._stopping),
            interface="asgi3",
            http="h11",
            lifespan="off",
            log_config=None,  # leave the host process's logging alone
            log_level="warning",
            access_log=False,
            proxy_headers=False,
            timeout_graceful_shutdown=2,
            ssl_certfile=certfile,
            ssl_keyfile=keyfile,
        )

    def bind(self) -> socket.socket:
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        # proto must be IPPROTO_TCP, or asyncio leaves Nagle on and every answer waits ~40 ms for an ACK.
        sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((self.host, self.port))
            sock.listen(128)  # connections made before uvicorn is up wait in the backlog
        except OSError:
            sock.close()
            raise
        self.port = sock.getsockname()[1]
        self._socket = sock
        return sock

    def start(self) -> SandboxServer:
        sock = self.bind()
        self._server = uvicorn.Server(self._config())
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [sock]},
                                        name=f"sandbox-portal:{self.port}", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + _START_TIMEOUT_S
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("the sandbox portal did not start")
            time.sleep(0.005)
        log.info("sandbox portal listening on %s", self.url)
        return self

    def stop(self) -> None:
        self._stopping.set()
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None
        if self._socket is not None:
            self._socket.close()
        self.store.close()

    def __enter__(self) -> SandboxServer:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()

    def serve_forever(self) -> None:
        """Serve in this thread until interrupted (Ctrl+C, SIGTERM); binds if `bind()` was not called."""
        sock = self._socket or self.bind()
        self._server = uvicorn.Server(self._config())
        try:
            self._server.run(sockets=[sock])
        finally:
            self._stopping.set()
            sock.close()
            self.store.close()


DEMO_ADVANCE_S = 300.0


def run_sandbox(host: str = "127.0.0.1", port: int = 0, faults: str | None = None,
                db_path: Path | str | None = None, procedures: Path | str | None = None,
                auto_advance_s: float | None = DEMO_ADVANCE_S, admin_token: str | None = None) -> None:
    """Serve the sandbox portal in the foreground until interrupted.

    For demos, dossiers move one step along received → processing → done every `auto_advance_s` seconds
    (None: only through POST /sandbox/dossiers/{code}/advance).
    """
    server = SandboxServer(host, port, faults, db_path, procedures, auto_advance_s=auto_advance_s,
                           admin_token=admin_token)
    server.bind()
    print(f"Sandbox portal on {server.url} (client id {server.state.settings.client_id!r}); "
          "Ctrl+C stops it.", flush=True)
    if not admin_token:  # a fresh random one: the trainer needs it for the /sandbox/* controls
        print(f"Sandbox controls: header {ADMIN_HEADER}: {server.admin_token}", flush=True)
    server.serve_forever()


def sandbox_command(port: int, faults: str | None, db: str | None,
                    auto_advance_s: float | None = DEMO_ADVANCE_S, admin_token: str | None = None) -> int:
    """`kiosk sandbox-portal [--port N] [--faults SPEC] [--db PATH]`; returns the exit status."""
    try:
        FaultPlan.parse(faults)
    except ValueError as exc:
        print(f"kiosk sandbox-portal: {exc}", file=sys.stderr)
        return 2
    try:
        run_sandbox(port=port, faults=faults, db_path=db, auto_advance_s=auto_advance_s, admin_token=admin_token)
    except KeyboardInterrupt:
        return 0  # Ctrl+C is how the sandbox is meant to stop
    except OSError as exc:
        print(f"kiosk sandbox-portal: cannot listen on port {port}: {exc.strerror}", file=sys.stderr)
        return 1
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="kiosk sandbox-portal", description="Run the sandbox portal.")
    parser.add_argument("--port", type=int, default=8765, help="port on 127.0.0.1 (default 8765; 0 = any)")
    parser.add_argument("--faults", metavar="SPEC", help="e.g. latency=0.2,error500=0.1,rate429=0.05:2")
    parser.add_argument("--db", metavar="PATH", help="SQLite file (default: in memory)")
    parser.add_argument("--advance-every", metavar="SECONDS", type=float, default=DEMO_ADVANCE_S,
                        help="move dossiers one status step this often (0 = only on request)")
    add_admin_token_option(parser)
    args = parser.parse_args(argv)
    return sandbox_command(args.port, args.faults, args.db, args.advance_every or None, admin_token_from(args))

