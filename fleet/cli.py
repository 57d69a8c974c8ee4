"""`kiosk-fleet`: run the fleet service, migrate its database, register kiosks and staff.

The database is named by --db or $FLEET_DATABASE_URL (postgresql+psycopg://… or sqlite:///FILE). Secrets and
passwords are read from standard input, never from the command line (`ps` would show them).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fleet.store import FleetStore

DB_ENV = "FLEET_DATABASE_URL"


def app_from_env() -> object:
    """The ASGI application for `uvicorn --factory fleet.cli:app_from_env` (one per worker process)."""
    from fleet.app import create_app
    from fleet.store import FleetStore, open_engine

    return create_app(FleetStore(open_engine(os.environ[DB_ENV])))


def _store(args: argparse.Namespace) -> FleetStore:
    from fleet.store import FleetStore, migrate, open_engine

    engine = open_engine(args.db)
    migrate(engine)
    return FleetStore(engine)


def _read_secret(prompt: str) -> str:
    print(prompt, file=sys.stderr)
    value = sys.stdin.readline().strip()
    if not value:
        raise SystemExit("kiosk-fleet: nothing on standard input")
    return value


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="kiosk-fleet", description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--db", default=os.environ.get(DB_ENV), help=f"database URL (default: ${DB_ENV})")
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="run the service (migrates first)")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (behind the service's reverse proxy)")
    serve.add_argument("--port", type=int, default=8780)
    serve.add_argument("--workers", type=int, default=1, help="service processes sharing the database")
    sub.add_parser("migrate", help="bring the database schema up to date")
    prune = sub.add_parser("prune", help="drop heartbeats older than --keep-days (run daily, e.g. by a timer)")
    prune.add_argument("--keep-days", type=int, default=14)
    kiosk = sub.add_parser("add-kiosk", help="register a kiosk (its client secret from stdin)")
    kiosk.add_argument("kiosk_id")
    kiosk.add_argument("--site", required=True)
    kiosk.add_argument("--ward", required=True)
    kiosk.add_argument("--name", required=True)
    kiosk.add_argument("--group", default="default")
    user = sub.add_parser("add-user", help="add a staff login (its password from stdin)")
    user.add_argument("username")
    user.add_argument("--role", choices=("city", "ward"), required=True)
    user.add_argument("--ward", help="the ward a ward user sees")
    user.add_argument("--display-name", required=True)
    args = parser.parse_args(argv)
    if not args.db:
        parser.error(f"name the database with --db or ${DB_ENV}")
    store = _store(args)
    try:
        if args.command == "serve":
            import uvicorn

            os.environ[DB_ENV] = args.db
            uvicorn.run("fleet.cli:app_from_env", factory=True, host=args.host, port=args.port, workers=args.workers,
                        log_level="warning", access_log=False)
        elif args.command == "prune":
            print(f"{store.prune_heartbeats(args.keep_days)} heartbeat(s) older than {args.keep_days} days dropped")
        elif args.command == "add-kiosk":
            try:
                store.add_kiosk(args.kiosk_id, args.site, args.ward, args.name, _read_secret("client secret:"),
                                args.group)
            except ValueError as exc:
                parser.error(str(exc))
        elif args.command == "add-user":
            try:
                store.add_user(args.username, _read_secret("password:"), args.role, args.ward, args.display_name)
            except ValueError as exc:
                parser.error(str(exc))
    finally:
        store.engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
