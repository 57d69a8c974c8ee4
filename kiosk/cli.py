"""The `kiosk` command: run the kiosk, tour it, check catalogs, and the technicians' tools."""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from kiosk import __version__

log = logging.getLogger("kiosk.cli")

EXIT_USAGE = 2


def _has_display() -> bool:
    return any(os.environ.get(name) for name in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"))


def _ui(module: str) -> Any:
    """The Qt layer, loaded by name: the command line is the one place in the core that starts it, and
    only for the commands that show a screen, so everything else runs where Qt is not installed."""
    return importlib.import_module(module)


def _load(args: argparse.Namespace) -> Any:
    from kiosk.catalog import CatalogError
    from kiosk.config import ConfigError, load_settings
    from kiosk.runtime import StartupError, build_runtime

    try:
        settings = load_settings(Path(args.config) if getattr(args, "config", None) else None,
                                 site=getattr(args, "site", None))
        return build_runtime(settings)
    except ConfigError as exc:
        print(f"kiosk: configuration error:\n{exc}", file=sys.stderr)
    except CatalogError as exc:
        print(f"kiosk: the procedure catalog is invalid:\n{exc}", file=sys.stderr)
    except StartupError as exc:
        print(f"kiosk: cannot start: {exc}", file=sys.stderr)
    return None


def cmd_run(args: argparse.Namespace) -> int:
    if not _has_display():
        print("kiosk: no display found (DISPLAY/WAYLAND_DISPLAY unset): start it inside a graphical session "
              "or under cage, or set QT_QPA_PLATFORM=offscreen for a headless run.", file=sys.stderr)
        return EXIT_USAGE
    from kiosk.boot import BootInfo
    from kiosk.config_layers import ConfigError
    from kiosk.logs import setup_logging

    setup_logging()
    # The kiosk uses no pydantic plugins; looking for them scans every installed package's metadata.
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    try:  # the attract screen is painted from the raw settings; the validated ones follow (`_load`)
        boot = BootInfo.read(Path(args.config) if args.config else None, site=args.site)
    except ConfigError as exc:
        print(f"kiosk: configuration error:\n{exc}", file=sys.stderr)
        return EXIT_USAGE
    start_kiosk = _ui("ui.app").start_kiosk
    result: int = start_kiosk(lambda: _load(args), boot, windowed=args.windowed)
    return result


def cmd_tour(args: argparse.Namespace) -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from kiosk.logs import setup_logging

    setup_logging(logging.WARNING, to_file=False)
    runtime = _load(args)
    if runtime is None:
        return EXIT_USAGE
    tour = _ui("ui.tour")
    try:
        summary = tour.run_tour(runtime, Path(args.out), args.procedure)
    except (tour.TourError, KeyError, ValueError) as exc:
        print(f"kiosk tour: failed: {exc}", file=sys.stderr)
        return 1
    finally:
        runtime.close()
    print(f"kiosk tour: {len(summary['screens'])} screens, dossier {summary['dossier']['reference']}, "
          f"written to {args.out}")
    return 0


def cmd_catalog_check(args: argparse.Namespace) -> int:
    from kiosk.catalog import CatalogError, load_catalog, load_procedure_file

    problems: list[str] = []
    count = 0
    for raw in args.paths:
        path = Path(raw)
        try:
            if path.is_dir():
                count += len(load_catalog(path))
            else:
                load_procedure_file(path)
                count += 1
        except CatalogError as exc:
            problems.extend(str(p) for p in exc.problems)
    if problems:
        for line in problems:
            print(line, file=sys.stderr)
        print(f"catalog check: {len(problems)} error(s)", file=sys.stderr)
        return 1
    print(f"catalog check: {count} procedure(s) valid")
    return 0


def build_parser(tools: bool = True) -> argparse.ArgumentParser:
    """The whole command line; `tools=False` leaves out the technicians' subcommands, whose modules
    `kiosk run` need not import before its first paint."""
    parser = argparse.ArgumentParser(prog="kiosk", description="Community-house public-service kiosk")
    parser.add_argument("--version", action="version", version=f"kiosk {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    run = sub.add_parser("run", help="start the kiosk (full screen)")
    run.add_argument("--windowed", action="store_true", help="a normal window instead of full screen")
    run.add_argument("--config", metavar="FILE", help="configuration file (default /etc/kiosk/kiosk.toml)")
    run.add_argument("--site", help="site profile from config/sites/")
    run.set_defaults(func=cmd_run)

    tour = sub.add_parser("tour", help="drive one resident session offscreen and save screenshots")
    tour.add_argument("--out", required=True, metavar="DIR")
    tour.add_argument("--config", metavar="FILE")
    tour.add_argument("--site", help="site profile from config/sites/")
    tour.add_argument("--procedure", metavar="CODE", help="procedure to walk through")
    tour.set_defaults(func=cmd_tour)

    catalog = sub.add_parser("catalog", help="procedure catalog tools")
    catalog_sub = catalog.add_subparsers(dest="catalog_command", metavar="ACTION", required=True)
    check = catalog_sub.add_parser("check", help="validate procedure definitions")
    check.add_argument("paths", nargs="+", metavar="PATH")
    check.set_defaults(func=cmd_catalog_check)

    if not tools:
        return parser
    # Technicians' tools (staff console issue): each module adds its own subcommand.
    from kiosk import demo, doctor, provision, salvage, status

    demo.register(sub)
    salvage.register(sub)

    provision.register(sub)
    doctor.register(sub)
    status.register(sub)
    config = sub.add_parser("config", help="configuration tools")
    config_sub = config.add_subparsers(dest="config_command", metavar="ACTION", required=True)
    schema = config_sub.add_parser("schema", help="print (or write) the JSON schema of the settings")
    schema.add_argument("--out", metavar="FILE", help="write it to FILE instead of printing it")
    schema.set_defaults(func=cmd_config_schema)
    return parser


def cmd_config_schema(args: argparse.Namespace) -> int:
    from kiosk.config import schema_text

    if args.out:
        Path(args.out).write_text(schema_text(), encoding="utf-8")
        print(f"settings schema written to {args.out}")
    else:
        sys.stdout.write(schema_text())
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    words = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(tools=not words or words[0] != "run")
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return EXIT_USAGE
    result: int = args.func(args)
    return result


if __name__ == "__main__":
    sys.exit(main())
