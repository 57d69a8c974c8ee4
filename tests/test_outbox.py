"""The SQLite outbox: durable, encrypted, unique references, honest about a full disk."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from kiosk.crypto import Sealer
from kiosk.outbox import Outbox, OutboxFull

KEY = bytes(range(32))
PAYLOAD = {"applicant": {"full_name": "MARKERNAME Nguyễn", "phone": "0912345678"}, "answers": {"x": "y"}}


def open_box(path: Path) -> Outbox:
    return Outbox(path, Sealer(KEY))


def test_dossier_survives_restart_with_unique_references(tmp_path: Path) -> None:
    path = tmp_path / "outbox.sqlite3"
    box = open_box(path)
    when = datetime(2026, 11, 26, 2, 0, tzinfo=UTC)
    first = box.enqueue("1.001193", PAYLOAD, "BTX", "K01", now=when)
    second = box.enqueue("1.001193", PAYLOAD, "BTX", "K01", now=when)
    box.close()
    assert first.local_ref == "BTX-K01-261126-0001"
    assert second.local_ref == "BTX-K01-261126-0002"
    reopened = open_box(path)
    record = reopened.find("BTX-K01-261126-0002")
    assert record is not None and record.status == "queued"
    assert reopened.payload(record.uuid)["applicant"]["full_name"] == "MARKERNAME Nguyễn"  # type: ignore[index]
    assert reopened.depth() == 2
    reopened.close()


def test_personal_data_is_not_in_plaintext_on_disk(tmp_path: Path) -> None:
    path = tmp_path / "outbox.sqlite3"
    box = open_box(path)
    box.enqueue("1.001193", PAYLOAD, "BTX", "K01")
    box.close()
    raw = b"".join(p.read_bytes() for p in tmp_path.iterdir() if p.is_file())
    assert b"MARKERNAME" not in raw
    assert "MARKERNAME".encode("utf-16-le") not in raw
    assert b"0912345678" not in raw


def test_wrong_key_cannot_read(tmp_path: Path) -> None:
    path = tmp_path / "o.sqlite3"
    box = open_box(path)
    stored = box.enqueue("1.001193", PAYLOAD, "BTX", "K01")
    box.close()
    other = Outbox(path, Sealer(bytes(32)))
    claimed = other.claim_next(now=1e12)
    assert claimed is None
    assert other.get(stored.uuid).status == "rejected"  # type: ignore[union-attr]
    other.close()


def test_claim_accept_and_lookup_by_either_reference(tmp_path: Path) -> None:
    box = open_box(tmp_path / "o.sqlite3")
    stored = box.enqueue("1.001193", PAYLOAD, "BTX", "K01")
    claimed = box.claim_next(now=1e12)
    assert claimed is not None and claimed.record.status == "sending"
    assert claimed.payload["local_reference"] == stored.local_ref
    assert box.claim_next(now=1e12) is None
    box.mark_accepted(stored.uuid, "000.00.21.H26-261126-0001", datetime.now(UTC).isoformat())
    assert box.find("000.00.21.H26-261126-0001").uuid == stored.uuid  # type: ignore[union-attr]
    assert box.find(stored.local_ref).official_code == "000.00.21.H26-261126-0001"  # type: ignore[union-attr]
    assert box.depth() == 0
    box.close()


def test_crash_while_sending_requeues(tmp_path: Path) -> None:
    path = tmp_path / "o.sqlite3"
    box = open_box(path)
    box.enqueue("1.001193", PAYLOAD, "BTX", "K01")
    assert box.claim_next(now=1e12) is not None
    box.close()
    again = open_box(path)
    assert again.recover() == 1
    assert again.claim_next(now=1e12) is not None
    again.close()


def test_purge_erases_personal_data_after_retention(tmp_path: Path) -> None:
    box = open_box(tmp_path / "o.sqlite3")
    stored = box.enqueue("1.001193", PAYLOAD, "BTX", "K01")
    old = (datetime.now(UTC) - timedelta(days=40)).isoformat()
    box.mark_accepted(stored.uuid, "CODE-1", old)
    assert box.purge(timedelta(days=30)) == 1
    assert box.payload(stored.uuid) is None
    assert box.find("CODE-1") is not None
    box.close()


def test_full_disk_raises_and_stores_nothing(tmp_path: Path) -> None:
    path = tmp_path / "o.sqlite3"
    box = open_box(path)
    box.enqueue("1.001193", PAYLOAD, "BTX", "K01")
    # Cap the database at its current size: SQLite then reports SQLITE_FULL, as on a full disk.
    pages = box._db.execute("PRAGMA page_count").fetchone()[0]
    box._db.execute(f"PRAGMA max_page_count = {pages}")
    big = {"answers": {"x": "y" * 200_000}}
    with pytest.raises(OutboxFull):
        box.enqueue("1.001193", big, "BTX", "K01")
    assert box.depth() == 1
    box.close()
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT COUNT(*) FROM dossiers").fetchone()[0] == 1
