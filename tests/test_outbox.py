"""The SQLite outbox: durable, encrypted, unique references, honest about a full disk."""

from __future__ import annotations

import base64
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from kiosk import runtime
from kiosk.outbox.store import Outbox, OutboxFull, OutboxKeyError
from kiosk.security import secrets
from kiosk.security.crypto import Sealer
from kiosk.settings.config import Settings

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


def test_wrong_key_cannot_read_and_leaves_the_dossier_queued(tmp_path: Path) -> None:
    path = tmp_path / "o.sqlite3"
    box = open_box(path)
    stored = box.enqueue("1.001193", PAYLOAD, "BTX", "K01")
    box.close()
    other = Outbox(path, Sealer(bytes(32)))
    with pytest.raises(OutboxKeyError, match=r"docs/DEPLOY\.md"):
        other.claim_next(now=1e12)
    record = other.get(stored.uuid)
    assert record is not None and record.status == "queued" and record.reject_reason is None
    other.close()
    assert open_box(path).payload(stored.uuid)["answers"] == {"x": "y"}  # type: ignore[index]


def test_replaced_key_with_one_old_queued_dossier_stops_start_up(tmp_path: Path) -> None:
    settings = Settings()
    box = runtime.open_outbox(settings)  # first start: creates the key
    old = box.enqueue("1.001193", PAYLOAD, "BTX", "K01", now=datetime(2026, 1, 2, tzinfo=UTC))
    for _ in range(60):  # newer dossiers, confirmed and purged: nothing of them is left to decrypt
        newer = box.enqueue("1.001193", PAYLOAD, "BTX", "K01")
        box.mark_accepted(newer.uuid, f"C-{newer.uuid}", "2026-01-03T00:00:00+00:00")
    assert box.purge(timedelta(days=1)) == 60
    box.close()
    secrets.set_secret(secrets.OUTBOX_KEY, base64.b64encode(bytes(32)).decode())
    with pytest.raises(runtime.StartupError, match=r"does not open the stored dossiers.*DEPLOY\.md"):
        runtime.open_outbox(settings)
    with sqlite3.connect(settings.outbox_path()) as db:
        assert db.execute("SELECT status, reject_reason FROM dossiers WHERE uuid = ?",
                          (old.uuid,)).fetchone() == ("queued", None)


def test_unreadable_feedback_is_left_queued_and_stops_start_up(tmp_path: Path) -> None:
    path = tmp_path / "o.sqlite3"
    box = open_box(path)
    box.enqueue_feedback("rating", {"kind": "rating", "rating": 5})
    box.close()
    other = Outbox(path, Sealer(bytes(32)))
    with pytest.raises(OutboxKeyError):
        other.verify_key()
    with pytest.raises(OutboxKeyError):
        other.claim_feedback(now=1e12)
    other.close()
    assert open_box(path).claim_feedback(now=1e12) is not None


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
    box.enqueue_feedback("comment", {"kind": "comment", "comment": "Tốt"})
    assert box.claim_next(now=1e12) is not None
    assert box.claim_feedback(now=1e12) is not None
    box.close()
    again = open_box(path)
    assert again.recover() == 2
    assert again.claim_next(now=1e12) is not None
    claimed = again.claim_feedback(now=1e12)
    assert claimed is not None and claimed[2]["comment"] == "Tốt"
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


def test_the_outbox_file_is_in_wal_mode_and_syncs_every_commit(tmp_path: Path) -> None:
    path = tmp_path / "o.sqlite3"
    box = open_box(path)
    box.enqueue("1.001193", PAYLOAD, "BTX", "K01")
    # synchronous is a setting of the connection: read it on the outbox's own one (2 = FULL).
    assert box._db.execute("PRAGMA synchronous").fetchone()[0] == 2
    box.close()
    # journal_mode=WAL is stored in the file itself: any later reader sees it.
    other = sqlite3.connect(path)
    try:
        assert other.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    finally:
        other.close()


def test_feedback_marked_sent_is_not_sent_again_and_keeps_its_row(tmp_path: Path) -> None:
    path = tmp_path / "o.sqlite3"
    box = open_box(path)
    first = box.enqueue_feedback("comment", {"kind": "comment", "comment": "Tốt"})
    box.enqueue_feedback("rating", {"kind": "rating", "rating": 5})
    claimed = box.claim_feedback(now=1e12)
    assert claimed is not None and claimed[0] == first
    box.mark_feedback_sent(first)
    second = box.claim_feedback(now=1e12)
    assert second is not None and second[0] != first and second[2]["rating"] == 5
    box.release_feedback(second[0], 0)
    box.close()
    again = open_box(path)
    assert again.recover() == 0  # nothing was left sending
    claimed_again = again.claim_feedback(now=1e12)
    assert claimed_again is not None and claimed_again[0] == second[0]  # only the unsent rating comes back
    again.mark_feedback_sent(claimed_again[0])
    assert again.claim_feedback(now=1e12) is None
    rows = again._db.execute("SELECT uuid, status, length(payload) FROM feedback").fetchall()
    again.close()
    # Both rows stay (the record that they were sent), their content gone.
    assert sorted(rows) == sorted([(first, "sent", 0), (second[0], "sent", 0)])
