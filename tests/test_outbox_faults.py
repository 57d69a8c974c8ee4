"""A damaged outbox file: set aside intact, the kiosk keeps serving with a new one, and `kiosk outbox salvage`
brings back what SQLite can still read; no raw sqlite3 error escapes the outbox."""

from __future__ import annotations

import hashlib
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from kiosk import cli
from kiosk.outbox.store import Attachment, Outbox, OutboxCorrupt, OutboxError, set_aside_copies
from kiosk.runtime import build_runtime, open_outbox
from kiosk.security.crypto import Sealer
from kiosk.settings.config import Settings

PAYLOAD = {"applicant": {"full_name": "MARKERNAME Nguyễn", "phone": "0912345678"}, "answers": {"x": "y" * 300}}
PAGE = 4096


def fill(count: int) -> tuple[Path, list[str]]:
    """The kiosk's outbox (its own key) with `count` queued dossiers; returns its path and their references."""
    outbox = open_outbox(Settings())
    refs = [outbox.enqueue("1.001193", PAYLOAD, "BTX", "K01").local_ref for _ in range(count)]
    outbox.close()  # the last connection folds the WAL back into the file
    return Settings().outbox_path(), refs


def damage_page_of(path: Path, reference: str) -> None:
    """Overwrite the database page that holds this dossier's sealed payload with garbage."""
    with sqlite3.connect(path) as db:
        sealed = db.execute("SELECT payload FROM dossiers WHERE local_ref = ?", (reference,)).fetchone()[0]
    db.close()
    raw = bytearray(path.read_bytes())
    page = raw.index(sealed[:64]) // PAGE
    raw[page * PAGE:(page + 1) * PAGE] = b"\xa5" * PAGE
    path.write_bytes(bytes(raw))


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_damaged_pages_are_detected_at_open_and_never_escape_as_sqlite_errors(tmp_path: Path) -> None:
    path, refs = fill(40)
    damage_page_of(path, refs[20])
    with pytest.raises(OutboxCorrupt):
        Outbox(path, Sealer(bytes(32)))


def test_a_damaged_page_met_later_is_an_outbox_error(tmp_path: Path) -> None:
    path = tmp_path / "o.sqlite3"
    box = Outbox(path, Sealer(bytes(32)))
    refs = [box.enqueue("1.001193", PAYLOAD, "BTX", "K01").local_ref for _ in range(40)]
    box.close()
    box = Outbox(path, Sealer(bytes(32)))  # opened (and checked) while still whole
    damage_page_of(path, refs[20])
    with closing(sqlite3.connect(path, isolation_level=None)) as other:  # another writer: the cache goes stale
        other.execute("INSERT INTO ref_counter (day, seq) VALUES ('000000', 1)")
    with pytest.raises(OutboxError):
        box.records(limit=100)
    with pytest.raises(OutboxError):
        box.find(refs[20])
    with pytest.raises(OutboxError):
        box.claim_next(now=1e12)
    box.close()


def test_a_damaged_outbox_is_set_aside_the_kiosk_serves_on_and_salvage_recovers_the_readable_rows(
        capsys: pytest.CaptureFixture[str]) -> None:
    path, refs = fill(40)
    damage_page_of(path, refs[20])
    damaged_digest = digest(path)

    runtime = build_runtime(Settings())  # start-up does not stop in a restart loop
    try:
        asides = set_aside_copies(path)
        assert len(asides) == 1 and digest(asides[0]) == damaged_digest  # moved aside, byte for byte
        assert runtime.outbox.depth() == 0
        new = runtime.outbox.enqueue("1.001193", PAYLOAD, "BTX", "K01")
        # Numbering goes on after the damaged outbox's references: no receipt repeats an earlier one.
        assert new.local_ref not in refs and int(new.local_ref[-4:]) > 40
    finally:
        runtime.close()

    assert cli.main(["outbox", "salvage", str(asides[0])]) == 0
    out = capsys.readouterr().out
    recovered = int(out.split("salvage: ")[1].split(" dossier")[0])
    assert 0 < recovered < 40  # the rows of the damaged page are lost, the others come back
    outbox = open_outbox(Settings())
    try:
        back = [r for r in outbox.records(limit=100) if r.local_ref in refs]
        assert len(back) == recovered and all(r.status == "queued" for r in back)
        assert refs[0] in {r.local_ref for r in back}
        first = next(r for r in back if r.local_ref == refs[0])
        assert outbox.payload(first.uuid)["applicant"]["full_name"] == "MARKERNAME Nguyễn"  # type: ignore[index]
        assert outbox.depth() == recovered + 1
    finally:
        outbox.close()
    assert digest(asides[0]) == damaged_digest  # salvage changed nothing in the damaged file

    assert cli.main(["outbox", "salvage", str(asides[0])]) == 0  # again: nothing twice
    assert "salvage: 0 dossier(s)" in capsys.readouterr().out
    outbox = open_outbox(Settings())
    try:
        assert outbox.depth() == recovered + 1
    finally:
        outbox.close()


def test_a_bad_header_is_set_aside_and_salvage_says_nothing_can_be_read(capsys: pytest.CaptureFixture[str]) -> None:
    path, _refs = fill(3)
    raw = bytearray(path.read_bytes())
    raw[:100] = b"\x00" * 100
    path.write_bytes(bytes(raw))
    runtime = build_runtime(Settings())
    try:
        assert runtime.outbox.enqueue("1.001193", PAYLOAD, "BTX", "K01").local_ref.endswith("-5001")
    finally:
        runtime.close()
    (aside,) = set_aside_copies(path)
    assert cli.main(["outbox", "salvage", str(aside)]) == 1
    assert "cannot read anything" in capsys.readouterr().err


def fill_with_papers(count: int) -> tuple[Path, list[tuple[str, str, bytes]]]:
    """The kiosk's outbox with `count` dossiers, each with one scanned paper; (uuid, reference, PDF) of each."""
    outbox = open_outbox(Settings())
    stored = []
    for index in range(count):
        pdf = b"%PDF-1.4 " + hashlib.sha256(str(index).encode()).digest() * 100  # 3 kB a paper
        payload = dict(PAYLOAD, attachments=[{"paper_id": "giay_chung_sinh", "pages": 1}])
        record = outbox.enqueue("1.001193", payload, "BTX", "K01",
                                attachments=[Attachment("giay_chung_sinh", 1, pdf)])
        stored.append((record.uuid, record.local_ref, pdf))
    outbox.close()
    return Settings().outbox_path(), stored


def damage_paper_of(path: Path, dossier_uuid: str) -> None:
    """Overwrite the database page that holds the start of this dossier's sealed scanned paper."""
    with closing(sqlite3.connect(path)) as db:
        sealed = db.execute("SELECT data FROM attachments WHERE dossier_uuid = ?", (dossier_uuid,)).fetchone()[0]
    raw = bytearray(path.read_bytes())
    page = raw.index(sealed[:64]) // PAGE
    raw[page * PAGE:(page + 1) * PAGE] = b"\xa5" * PAGE
    path.write_bytes(bytes(raw))


def test_salvage_brings_dossiers_back_with_their_scanned_papers_and_names_those_that_lost_one(
        capsys: pytest.CaptureFixture[str]) -> None:
    path, stored = fill_with_papers(12)
    damage_paper_of(path, stored[5][0])
    runtime = build_runtime(Settings())  # the damaged outbox is set aside at start-up
    runtime.close()
    [aside] = set_aside_copies(path)

    assert cli.main(["outbox", "salvage", str(aside)]) == 0
    out = capsys.readouterr().out
    outbox = open_outbox(Settings())
    try:
        back = {r.uuid: r for r in outbox.records(limit=100)}
        assert len(back) == 12  # every dossier row was readable: all come back, queued
        damaged_uuid, damaged_ref, _ = stored[5]
        for uuid, _, pdf in stored:  # each paper byte for byte, but the one on the damaged page
            assert outbox.attachment(uuid, "giay_chung_sinh") == (None if uuid == damaged_uuid else pdf)
        assert "12 dossier(s)" in out and "with 11 scanned paper(s)" in out
        # The dossier whose paper was lost still comes back (its resident holds the receipt) and is named.
        [named] = [line for line in out.splitlines() if "without all their scanned papers" in line]
        assert named.rsplit("): ", 1)[1].split(", ") == [damaged_ref]
    finally:
        outbox.close()
