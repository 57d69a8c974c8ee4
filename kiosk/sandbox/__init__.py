"""A local stand-in for the online-service portal, for demos and tests (needs the `sandbox` extra)."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

ADMIN_HEADER = "X-Sandbox-Admin-Token"
ADMIN_TOKEN_ENV = "KIOSK_SANDBOX_ADMIN_TOKEN"


def add_admin_token_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--admin-token-file", metavar="FILE",
                        help=f"file holding the token the /sandbox/* controls expect in the {ADMIN_HEADER} header "
                             f"(default: ${ADMIN_TOKEN_ENV}, else a random token printed at start)")


def admin_token_from(args: argparse.Namespace) -> str | None:
    """From --admin-token-file, else the environment; never a command-line value (`ps` would show it)."""
    path = getattr(args, "admin_token_file", None)
    if path:
        return Path(path).read_text("utf-8").strip() or None
    return os.environ.get(ADMIN_TOKEN_ENV) or None
