"""`kiosk outbox salvage FILE`: copy what SQLite can still read of a damaged outbox into the current one.

The damaged file (set aside by start-up as `outbox-damaged-<time>.sqlite3`) is never changed: it is copied,
with its WAL, into a scratch folder beside it and read there. Rows come over still sealed with the outbox
key, keep their uuid and references, and a row already in the current outbox is left alone, so running
the command twice recovers nothing twice. When a whole-table read fails, rows are read one by one, so a
damaged page costs only the rows on it.
"""

from __future__ import annotations

import argparse
import shutil
import sqlite3
import sys
import tempfile
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kiosk.outbox.store import ATTACHMENT_FIELDS, DOSSIER_FIELDS, FEEDBACK_FIELDS, ImportReport, Outbox, read_counters

MAX_ROWID_SCAN = 1_000_000


@dataclass
class DamagedRows:
    """What SQLite could still read of a damaged outbox."""

    dossiers: list[dict[str, Any]]
    feedback: list[dict[str, Any]]
    attachments: list[dict[str, Any]]
    unreadable: int  # rows that could not be read
    readable: bool  # False when SQLite could not read the file at all


@dataclass
class SalvageResult:
    imported: ImportReport
    unreadable_rows: int
    readable: bool  # False when SQLite could not read the file at all


def read_damaged(path: Path) -> DamagedRows:
    """The dossier, feedback and scanned-paper rows SQLite can still read of the outbox at `path`."""
    with tempfile.TemporaryDirectory(prefix=".salvage-", dir=path.parent) as scratch:
        copy = Path(scratch) / "outbox.sqlite3"
        shutil.copyfile(path, copy)
        wal = Path(f"{path}-wal")
        if wal.exists():
            shutil.copyfile(wal, Path(f"{copy}-wal"))
        try:
            with closing(sqlite3.connect(copy, isolation_level=None)) as db:
                dossiers, lost_dossiers = _rows(db, "dossiers", DOSSIER_FIELDS)
                feedback, lost_feedback = _rows(db, "feedback", FEEDBACK_FIELDS)
                papers, lost_papers = _rows(db, "attachments", ATTACHMENT_FIELDS)
        except sqlite3.Error:
            return DamagedRows([], [], [], 0, False)
    readable = dossiers is not None or feedback is not None
    return DamagedRows(dossiers or [], feedback or [], papers or [], lost_dossiers + lost_feedback + lost_papers,
                       readable)


def _rows(db: sqlite3.Connection, table: str, fields: tuple[str, ...]) -> tuple[list[dict[str, Any]] | None, int]:
    columns = ", ".join(fields)
    try:
        return [dict(zip(fields, row, strict=True))
                for row in db.execute(f"SELECT {columns} FROM {table} ORDER BY rowid")], 0
    except sqlite3.Error:
        pass
    try:
        top = db.execute(f"SELECT max(rowid) FROM {table}").fetchone()[0]
    except sqlite3.Error:
        top = None
    if top is None:
        try:
            db.execute(f"SELECT rowid FROM {table} LIMIT 0")
        except sqlite3.Error:
            return None, 0  # not even the table's definition is readable
        top = MAX_ROWID_SCAN
    rows: list[dict[str, Any]] = []
    lost = 0
    for rowid in range(1, min(int(top), MAX_ROWID_SCAN) + 1):
        try:
            row = db.execute(f"SELECT {columns} FROM {table} WHERE rowid = ?", (rowid,)).fetchone()
        except sqlite3.Error:
            lost += 1
            continue
        if row is not None:
            rows.append(dict(zip(fields, row, strict=True)))
    return rows, lost


def salvage(outbox: Outbox, damaged: Path) -> SalvageResult:
    rows = read_damaged(damaged)
    outbox.carry_counters(read_counters(damaged))
    return SalvageResult(outbox.import_rows(rows.dossiers, rows.feedback, rows.attachments), rows.unreadable,
                         rows.readable)


def register(sub: Any) -> None:
    outbox = sub.add_parser("outbox", help="outbox tools for technicians")
    actions = outbox.add_subparsers(dest="outbox_command", metavar="ACTION", required=True)
    command = actions.add_parser("salvage", help="recover what can be read of a damaged outbox FILE into the "
                                                 "current outbox (FILE is not changed)")
    command.add_argument("file", metavar="FILE")
    command.add_argument("--config", metavar="FILE", help="configuration file (default /etc/kiosk/kiosk.toml)")
    command.set_defaults(func=cmd_salvage)


def cmd_salvage(args: argparse.Namespace) -> int:
    from kiosk.runtime import StartupError, open_outbox
    from kiosk.settings.config import ConfigError, load_settings

    damaged = Path(args.file)
    try:
        settings = load_settings(Path(args.config) if args.config else None)
    except ConfigError as exc:
        print(f"kiosk outbox salvage: configuration error:\n{exc}", file=sys.stderr)
        return 2
    if not damaged.is_file():
        print(f"kiosk outbox salvage: {damaged} is not a file", file=sys.stderr)
        return 2
    if damaged.resolve() == settings.outbox_path().resolve():
        print("kiosk outbox salvage: FILE is the outbox in use; give the damaged copy that was set aside",
              file=sys.stderr)
        return 2
    try:
        outbox = open_outbox(settings)
    except StartupError as exc:
        print(f"kiosk outbox salvage: {exc}", file=sys.stderr)
        return 1
    try:
        result = salvage(outbox, damaged)
    finally:
        outbox.close()
    report = result.imported
    if not result.readable:
        print(f"kiosk outbox salvage: SQLite cannot read anything in {damaged}", file=sys.stderr)
        return 1
    print(f"salvage: {report.dossiers} dossier(s) and {report.feedback} feedback item(s) recovered, with "
          f"{report.papers} scanned paper(s); {report.already} already in the outbox; "
          f"{result.unreadable_rows} row(s) unreadable")
    for label, references in (("sealed with another key, left out", report.wrong_key),
                              ("reference already used by another dossier, left out", report.conflicts),
                              ("recovered without all their scanned papers (they cannot be sent: the resident "
                               "brings the papers to the ward)", report.papers_lost)):
        if references:
            print(f"{label}: {', '.join(references)}")
    return 0
