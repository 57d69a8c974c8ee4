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


def _load(args: argparse.Namespace, scratch: Path | None = None) -> Any:
    """The runtime for `args`; with `scratch`, a rehearsal in that directory (`rehearsal_settings`)."""
    from kiosk.catalog import CatalogError
    from kiosk.runtime import StartupError, build_runtime
    from kiosk.settings.config import ConfigError, load_settings, rehearsal_settings

    try:
        settings = load_settings(Path(args.config) if getattr(args, "config", None) else None,
                                 site=getattr(args, "site", None))
        if scratch is not None:
            settings = rehearsal_settings(settings, scratch)
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
    from kiosk.ops import collector

    collector.pause()  # start-up's objects live as long as the kiosk: no collection until it is ready
    from kiosk.ops.logs import setup_logging
    from kiosk.settings.boot import BootInfo
    from kiosk.settings.layers import ConfigError

    setup_logging()
    # The kiosk uses no pydantic plugins; looking for them scans every installed package's metadata.
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    try:  # the attract screen is painted from the raw settings; the validated ones follow (`_load`)
        boot = BootInfo.read(Path(args.config) if args.config else None, site=args.site)
    except ConfigError as exc:
        print(f"kiosk: configuration error:\n{exc}", file=sys.stderr)
        return EXIT_USAGE
    start_kiosk = _ui("ui.shell.app").start_kiosk
    result: int = start_kiosk(lambda: _load(args), boot, windowed=args.windowed,
                              exit_after_paint_ms=getattr(args, "exit_after_paint", None))
    return result


def _window_size(text: str) -> tuple[int, int]:
    """'1366x768' → (1366, 768)."""
    width, sep, height = text.lower().partition("x")
    if not (sep and width.isdigit() and height.isdigit() and 320 <= int(width) <= 8000 and 320 <= int(height) <= 8000):
        raise argparse.ArgumentTypeError(f"not a window size like 1366x768: {text!r}")
    return int(width), int(height)


def cmd_tour(args: argparse.Namespace) -> int:
    """A rehearsal on this machine's settings and catalog that leaves the machine as it was: the sample dossier
    goes to an outbox in a temporary directory, sealed with a key made for the tour and thrown away with it;
    nothing is sent to the portal or printed, and the keyring is never asked."""
    import tempfile

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from kiosk.ops.logs import setup_logging

    setup_logging(logging.WARNING, to_file=False)
    with tempfile.TemporaryDirectory(prefix="kiosk-tour-") as scratch:
        # This process's secrets and data from here on: the tour's own (kiosk.files.paths, kiosk.security.secrets).
        os.environ.update(KIOSK_DATA_DIR=str(Path(scratch) / "data"), KIOSK_KEYRING_DIR=str(Path(scratch) / "keys"),
                          PYTHON_KEYRING_BACKEND="kiosk.keystore.LocalFileKeyring")
        runtime = _load(args, Path(scratch))
        if runtime is None:
            return EXIT_USAGE
        tour = _ui("ui.shell.tour")
        try:
            summary = tour.run_tour(runtime, Path(args.out), args.procedure, args.size, args.compact)
        except (tour.TourError, KeyError, ValueError) as exc:
            print(f"kiosk tour: failed: {exc}", file=sys.stderr)
            return 1
        finally:
            runtime.close()
    print(f"kiosk tour: {len(summary['screens'])} screens, dossier {summary['dossier']['reference']}, "
          f"written to {args.out}")
    return 0


def cmd_catalog_check(args: argparse.Namespace) -> int:
    from kiosk.catalog import CatalogError, Procedure, load_catalog, load_procedure_file
    from kiosk.catalog.provenance import provenance_warnings, unverified_sources

    problems: list[str] = []
    checked: list[tuple[str, Procedure]] = []
    for raw in args.paths:
        path = Path(raw)
        try:
            if path.is_dir():
                checked += [(str(path), p) for p in load_catalog(path).procedures]
            else:
                checked.append((str(path), load_procedure_file(path)))
        except CatalogError as exc:
            problems.extend(str(p) for p in exc.problems)
    warnings = [f"{where} [{proc.code}] at {location}: {message}"
                for where, proc in checked for location, message in provenance_warnings(proc)]
    for line in warnings:
        print(f"warning: {line}", file=sys.stderr)
    if args.unverified:
        for where, proc in checked:
            for location, source in unverified_sources(proc):
                print(f"unverified: {where} [{proc.code}] at {location}: {source.cite()}")
    if problems:
        for line in problems:
            print(line, file=sys.stderr)
        print(f"catalog check: {len(problems)} error(s)", file=sys.stderr)
        return 1
    print(f"catalog check: {len(checked)} procedure(s) valid, {len(warnings)} warning(s)")
    return 0


def cmd_catalog_try(args: argparse.Namespace) -> int:
    """Validate a case's answers against a procedure and compute its fee, as JSON on stdout."""
    import json
    from datetime import date

    from kiosk.answers.validation import validate_step, visible_steps
    from kiosk.catalog import CatalogError, load_catalog
    from kiosk.files.paths import procedures_dir
    from kiosk.i18n import tr
    from kiosk.payment.fees import assess, breakdown_json

    try:
        catalog = load_catalog(Path(args.catalog) if args.catalog else procedures_dir())
        matches = [p for p in catalog.procedures if p.code == args.code or p.code.startswith(args.code + ".")]
        answers = json.loads(Path(args.answers).read_text(encoding="utf-8"))
        today = date.fromisoformat(args.today) if args.today else date.today()
    except CatalogError as exc:
        print(f"catalog try: the catalog is invalid:\n{exc}", file=sys.stderr)
        return 1
    except (OSError, ValueError) as exc:
        print(f"catalog try: {exc}", file=sys.stderr)
        return EXIT_USAGE
    if len(matches) != 1:
        print(f"catalog try: no single procedure with code {args.code}", file=sys.stderr)
        return EXIT_USAGE
    if not isinstance(answers, dict):
        print("catalog try: the answers file holds one JSON object: field id to answer", file=sys.stderr)
        return EXIT_USAGE
    procedure = matches[0]
    answers = {str(k): v if isinstance(v, str) else json.dumps(v) for k, v in answers.items()}
    errors = {}
    for step in visible_steps(procedure, answers):
        for field_id, issue in validate_step(step, answers, today).items():
            errors[field_id] = tr(issue.key, args.lang, **issue.params)
    fee = breakdown_json(assess(procedure, answers, today), args.lang)
    result = {"procedure": procedure.code, "errors": errors, **fee}
    print(json.dumps(result, ensure_ascii=False, indent=2))
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
    run.add_argument("--exit-after-paint", type=int, metavar="MS",
                     help="diagnostic (start-up benchmarks): print 'painted' once the first paint is handled, "
                          "'ready' once started, then after MS idle milliseconds 'rss_kb <n>', and exit")
    run.set_defaults(func=cmd_run)

    tour = sub.add_parser("tour", help="drive one resident session offscreen and save screenshots")
    tour.add_argument("--out", required=True, metavar="DIR")
    tour.add_argument("--config", metavar="FILE")
    tour.add_argument("--site", help="site profile from config/sites/")
    tour.add_argument("--procedure", metavar="CODE", help="procedure to walk through")
    tour.add_argument("--size", default="1366x768", type=_window_size, metavar="WxH",
                      help="window size in pixels, e.g. 1080x1920 for a portrait screen")
    tour.add_argument("--compact", action="store_true", help="screens in a reduced palette (small files for docs)")
    tour.set_defaults(func=cmd_tour)

    catalog = sub.add_parser("catalog", help="procedure catalog tools")
    catalog_sub = catalog.add_subparsers(dest="catalog_command", metavar="ACTION", required=True)
    check = catalog_sub.add_parser("check", help="validate procedure definitions")
    check.add_argument("paths", nargs="+", metavar="PATH")
    check.add_argument("--unverified", action="store_true", help="also list the sources nobody has checked yet")
    check.set_defaults(func=cmd_catalog_check)
    attempt = catalog_sub.add_parser("try", help="check a real case: the answers' errors and the fee, as JSON")
    attempt.add_argument("code", metavar="CODE", help="procedure code (e.g. 2.000815)")
    attempt.add_argument("--answers", required=True, metavar="FILE", help="JSON object: field id to answer")
    attempt.add_argument("--catalog", metavar="DIR", help="procedure folder (default: the bundled catalog)")
    attempt.add_argument("--today", metavar="YYYY-MM-DD", help="the day of the case (default: today)")
    attempt.add_argument("--lang", choices=("vi", "en"), default="vi")
    attempt.set_defaults(func=cmd_catalog_try)

    if not tools:
        return parser
    # Technicians' tools: each module adds its own subcommand.
    from kiosk.ops import demo, doctor, provision, salvage, status

    demo.register(sub, run_kiosk=cmd_run, has_display=_has_display)
    salvage.register(sub)

    provision.register(sub)
    doctor.register(sub)
    status.register(sub)
    from kiosk.ops import fleet

    fleet.register(sub)
    config = sub.add_parser("config", help="configuration tools")
    config_sub = config.add_subparsers(dest="config_command", metavar="ACTION", required=True)
    schema = config_sub.add_parser("schema", help="print (or write) the JSON schema of the settings")
    schema.add_argument("--out", metavar="FILE", help="write it to FILE instead of printing it")
    schema.set_defaults(func=cmd_config_schema)
    return parser


def cmd_config_schema(args: argparse.Namespace) -> int:
    from kiosk.settings.config import schema_text

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
