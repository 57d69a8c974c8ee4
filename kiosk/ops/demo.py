"""`kiosk sandbox-portal` and `kiosk demo`: the whole loop on one machine, for newcomers and staff training.

`kiosk demo` starts the sandbox portal on 127.0.0.1 in the background, points the kiosk at it with the
sandbox's published demo credential, and runs the kiosk. Without the `sandbox` extra it runs the kiosk
offline on the embedded default.
"""

from __future__ import annotations

import argparse
import importlib.util
import logging
import os
import sys
from collections.abc import Callable
from typing import Any

from kiosk.sandbox import ADMIN_HEADER, add_admin_token_option, admin_token_from
from kiosk.security.secrets import PORTAL_SECRET, SecretsError, get_secret, set_secret

log = logging.getLogger(__name__)

DEMO_PORT = 8765


def register(sub: Any, run_kiosk: Callable[[argparse.Namespace], int], has_display: Callable[[], bool]) -> None:
    """Add `sandbox-portal` and `demo`; `kiosk demo` starts the kiosk with `run_kiosk` (the `kiosk run` command,
    passed in by kiosk.cli so that this module does not import it back)."""
    sandbox = sub.add_parser("sandbox-portal", help="run the sandbox portal on 127.0.0.1 (tests, demo, training)")
    sandbox.add_argument("--port", type=int, default=DEMO_PORT, help="port on 127.0.0.1 (0 = any free port)")
    sandbox.add_argument("--faults", metavar="SPEC", help="e.g. latency=0.2,error500=0.1,rate429=0.05:2,drop=0.02")
    sandbox.add_argument("--db", metavar="PATH", help="SQLite file (default: in memory)")
    add_admin_token_option(sandbox)
    sandbox.set_defaults(func=cmd_sandbox)
    demo = sub.add_parser("demo", help="start the sandbox portal and the kiosk connected to it")
    demo.add_argument("--windowed", action="store_true", help="a normal window instead of full screen")
    demo.add_argument("--port", type=int, default=0, help="sandbox port (default: any free port)")
    demo.add_argument("--faults", metavar="SPEC", help="faults for the sandbox, to see the kiosk cope")
    demo.set_defaults(func=cmd_demo, config=None, site=None, run_kiosk=run_kiosk, has_display=has_display)


def _sandbox_available() -> bool:
    return all(importlib.util.find_spec(name) is not None for name in ("fastapi", "uvicorn"))


def cmd_sandbox(args: argparse.Namespace) -> int:
    if not _sandbox_available():
        print("kiosk sandbox-portal: install the 'sandbox' extra (pip install '.[sandbox]')", file=sys.stderr)
        return 2
    from kiosk.sandbox.server import sandbox_command

    return sandbox_command(args.port, args.faults, args.db, admin_token=admin_token_from(args))


def cmd_demo(args: argparse.Namespace) -> int:
    run_kiosk: Callable[[argparse.Namespace], int] = args.run_kiosk
    if not args.has_display():
        return run_kiosk(args)  # prints the one-line message about the display
    if not _sandbox_available():
        print("kiosk demo: the sandbox portal is not installed; running offline", file=sys.stderr)
        return run_kiosk(args)
    from kiosk.sandbox.app import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET
    from kiosk.sandbox.server import SandboxServer

    try:
        if get_secret(PORTAL_SECRET) is None:
            set_secret(PORTAL_SECRET, DEFAULT_CLIENT_SECRET)
    except SecretsError as exc:
        print(f"kiosk demo: {exc}", file=sys.stderr)
        return 2
    with SandboxServer(port=args.port, faults=args.faults, auto_advance_s=60.0,
                       admin_token=admin_token_from(args)) as server:
        print(f"kiosk demo: sandbox portal on {server.url}; its controls (/sandbox/...) need the header "
              f"{ADMIN_HEADER}: {server.admin_token}", file=sys.stderr)
        os.environ["KIOSK__PORTAL__BASE_URL"] = server.url
        os.environ["KIOSK__PORTAL__CLIENT_ID"] = DEFAULT_CLIENT_ID
        os.environ.setdefault("KIOSK__PORTAL__SYNC_INTERVAL_SECONDS", "5")
        return run_kiosk(args)
