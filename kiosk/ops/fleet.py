"""`kiosk fleet-secret`: store this kiosk's client secret for the city's fleet service in the keyring.

The service's address and this kiosk's id there are settings (`[fleet] base_url`, `client_id`); the secret
is read from standard input (or a hidden prompt), never from the command line, which `ps` would show.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from typing import Any

from kiosk.security.secrets import FLEET_SECRET, SecretsError, set_secret


def register(sub: Any) -> None:
    parser = sub.add_parser("fleet-secret", help="store the fleet service's client secret (from standard input)")
    parser.set_defaults(func=cmd_fleet_secret)


def cmd_fleet_secret(_args: argparse.Namespace) -> int:
    stdin = sys.stdin
    secret = getpass.getpass("Fleet client secret (not shown): ") if stdin.isatty() else stdin.readline().strip()
    if not secret:
        print("kiosk fleet-secret: no secret on standard input: printf '%s\\n' \"$secret\" | kiosk fleet-secret",
              file=sys.stderr)
        return 2
    try:
        set_secret(FLEET_SECRET, secret)
    except SecretsError as exc:
        print(f"kiosk fleet-secret: {exc}", file=sys.stderr)
        return 2
    print("kiosk fleet-secret: stored in the keyring")
    return 0
