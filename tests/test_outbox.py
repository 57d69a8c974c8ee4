"""The SQLite outbox: durable, encrypted, unique references, honest about a full disk."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import sqlite3
import threading
import time
from contextlib import closing
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from kiosk import runtime
from kiosk.ops.salvage import read_damaged
from kiosk.outbox.store import (
    Attachment,
    ImportReport,
    Outbox,
    OutboxCorrupt,
    OutboxError,
    OutboxFull,
    OutboxKeyError,
    open_or_set_aside,
    read_counters,
    set_aside,
    set_aside_copies,
)
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



def test_ratings_and_comments_left_sending_by_a_crash_go_out_after_the_restart(tmp_path: Path) -> None:
    path = tmp_path / "o.sqlite3"
    box = open_box(path)
    box.enqueue_feedback("rating", {"kind": "rating", "stars": 5})
    box.enqueue_feedback("comment", {"kind": "comment", "comment": "Cán bộ hướng dẫn tận tình"})
    assert box.claim_feedback(now=1e12) is not None
    assert box.claim_feedback(now=1e12) is not None
    assert box.claim_feedback(now=1e12) is None  # both are 'sending' when the power goes
    box.close()
    again = open_box(path)
    assert again.recover() == 2
    claimed = [again.claim_feedback(now=1e12), again.claim_feedback(now=1e12)]
    assert sorted(c[1] for c in claimed if c is not None) == ["comment", "rating"]
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


# --- what staff, sync and the technician see of the outbox (the core tests mutation testing runs) ---------------

VN = timezone(timedelta(hours=7))
WHEN = datetime(2026, 11, 26, 2, 0, tzinfo=UTC)


def pdf(tag: str) -> bytes:
    return b"%PDF-1.4 " + tag.encode() * 50


def test_an_outbox_in_a_folder_not_made_yet_is_created_and_used_from_the_sync_thread(tmp_path: Path) -> None:
    path = tmp_path / "new" / "data" / "o.sqlite3"
    box = open_box(path)
    assert box.path == path
    # A writer waits up to 10 s for another one (the salvage command, a console reading) before giving up.
    assert box._db.execute("PRAGMA busy_timeout").fetchone()[0] == 10_000
    stored = box.enqueue("1.001193", PAYLOAD, "BTX", "K01")
    assert stored.created_at.utcoffset() == timedelta(0)  # stored in UTC when no time is given
    assert box.get(stored.uuid).created_at.endswith("+00:00")  # type: ignore[union-attr]
    seen: list[object] = []
    worker = threading.Thread(target=lambda: seen.append(box.depth()))  # sync drains on its own thread
    worker.start()
    worker.join()
    assert seen == [1]
    box.close()


def test_a_path_that_cannot_hold_an_outbox_is_an_outbox_error_not_damage(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(OutboxError, match="cannot open the outbox") as raised:
        open_box(blocker / "o.sqlite3")
    assert not isinstance(raised.value, OutboxCorrupt)


def test_a_file_that_is_not_a_database_is_damage(tmp_path: Path) -> None:
    path = tmp_path / "o.sqlite3"
    path.write_bytes(b"\x13" * 8192)
    with pytest.raises(OutboxCorrupt, match="is damaged"):
        open_box(path)


def damage_one_page(path: Path, count: int = 12) -> list[str]:
    """An outbox with `count` dossiers (references of one day), then a page holding dossier rows made garbage."""
    box = open_box(path)
    refs = [box.enqueue("1.001193", {"answers": {"x": "y" * 300}}, "BTX", "K01", now=WHEN).local_ref
            for _ in range(count)]
    box.close()
    raw = bytearray(path.read_bytes())
    page = raw.index(b"BTX-K01-261126-0006") // 4096
    raw[page * 4096:(page + 1) * 4096] = b"\xa5" * 4096
    path.write_bytes(bytes(raw))
    return refs


def test_damage_found_at_open_is_reported_with_what_sqlite_found(tmp_path: Path) -> None:
    path = tmp_path / "o.sqlite3"
    box = open_box(path)
    for _ in range(6):
        box.enqueue("1.001193", PAYLOAD, "BTX", "K01")
    box.close()
    raw = path.read_bytes()  # rows whose status the schema refuses (page 1, the schema, is left alone)
    path.write_bytes(raw[:4096] + raw[4096:].replace(b"'queued'", b"'qXeued'").replace(b"queued", b"qXeued"))
    with pytest.raises(OutboxCorrupt) as raised:
        open_box(path)
    assert str(raised.value) == f"the outbox at {path} is damaged: " + "; ".join(
        ["CHECK constraint failed in dossiers"] * 5)  # SQLite's first five findings


def test_a_long_report_of_damage_is_cut_to_300_characters(tmp_path: Path) -> None:
    path = tmp_path / "o.sqlite3"
    box = open_box(path)
    for _ in range(40):
        box.enqueue("1.001193", {"answers": {"x": "y" * 300}}, "BTX", "K01")
    box.close()
    raw = bytearray(path.read_bytes())
    for page in (3, 5, 7, 9):  # cell pointers made garbage on four pages
        raw[page * 4096 + 8:page * 4096 + 40] = b"\xa5" * 32
    path.write_bytes(bytes(raw))
    with closing(sqlite3.connect(path)) as db:
        found = "; ".join(row[0] for row in db.execute("PRAGMA quick_check(5)"))
    assert len(found) > 300
    with pytest.raises(OutboxCorrupt) as raised:
        open_box(path)
    assert str(raised.value) == f"the outbox at {path} is damaged: {found[:300]}"


def test_a_damaged_outbox_that_cannot_be_moved_aside_stops_with_both_reasons(tmp_path: Path) -> None:
    path = tmp_path / "o.sqlite3"
    damage_one_page(path)
    start = datetime.now(UTC)
    for second in range(-2, 60):  # the name it would be moved to is taken, whenever in the next minute
        stamp = (start + timedelta(seconds=second)).strftime("%Y%m%dT%H%M%SZ")
        (tmp_path / f"o-damaged-{stamp}.sqlite3").mkdir()
    with pytest.raises(OutboxError, match=r"(?s)is damaged: .*; it cannot be moved aside \(Is a directory\)$"):
        open_or_set_aside(path, Sealer(KEY))
    assert path.is_file()


def test_a_damaged_outbox_is_set_aside_whole_and_numbering_goes_on_after_its_references(tmp_path: Path) -> None:
    path = tmp_path / "o.sqlite3"
    damage_one_page(path)
    damaged = path.read_bytes()
    box = open_or_set_aside(path, Sealer(KEY))
    [aside] = set_aside_copies(path)
    assert aside.read_bytes() == damaged and aside.name.startswith("o-damaged-")
    assert read_counters(aside) == {"261126": 12}
    assert box.depth() == 0
    assert box.enqueue("1.001193", PAYLOAD, "BTX", "K01", now=WHEN).local_ref == "BTX-K01-261126-0013"
    box.close()


def test_a_damaged_outbox_whose_counters_cannot_be_read_numbers_today_from_5001(tmp_path: Path) -> None:
    path = tmp_path / "o.sqlite3"
    box = open_box(path)
    box.enqueue("1.001193", PAYLOAD, "BTX", "K01")
    box.close()
    path.write_bytes(b"\x00" * 100 + path.read_bytes()[100:])
    box = open_or_set_aside(path, Sealer(KEY))
    assert len(set_aside_copies(path)) == 1
    assert box.enqueue("1.001193", PAYLOAD, "BTX", "K01").local_ref.endswith("-5001")
    box.close()


def test_a_whole_outbox_opens_as_it_is_and_nothing_is_set_aside(tmp_path: Path) -> None:
    path = tmp_path / "o.sqlite3"
    box = open_box(path)
    box.enqueue("1.001193", PAYLOAD, "BTX", "K01", now=WHEN)
    box.close()
    box = open_or_set_aside(path, Sealer(KEY))
    assert set_aside_copies(path) == [] and box.depth() == 1
    assert box.enqueue("1.001193", PAYLOAD, "BTX", "K01", now=WHEN).local_ref == "BTX-K01-261126-0002"
    box.close()


def test_set_aside_moves_the_file_and_its_wal_under_a_utc_stamp_and_lists_them(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    folder.mkdir(exist_ok=True)
    path = folder / "outbox.sqlite3"
    for suffix, content in (("", b"main"), ("-wal", b"wal"), ("-shm", b"shm")):
        Path(f"{path}{suffix}").write_bytes(content)
    aside = set_aside(path, now=datetime(2026, 12, 6, 9, 5, 7, tzinfo=VN))
    assert aside == folder / "outbox-damaged-20261206T020507Z.sqlite3"
    assert [p.read_bytes() for p in (aside, Path(f"{aside}-wal"), Path(f"{aside}-shm"))] == [b"main", b"wal", b"shm"]
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        [aside.name, f"{aside.name}-wal", f"{aside.name}-shm"])
    path.write_bytes(b"again")  # a second one, later, without a WAL
    os.environ["TZ"] = "ICT-7"  # the kiosk's own clock on Hà Nội time: the name still says UTC
    time.tzset()
    try:
        second = set_aside(path, now=datetime(2026, 12, 7, 0, 0, 0, tzinfo=UTC))
    finally:
        os.environ.pop("TZ")
        time.tzset()
    assert second.name == "outbox-damaged-20261207T000000Z.sqlite3" and second.read_bytes() == b"again"
    (folder / "other-damaged-20261208T000000Z.sqlite3").write_bytes(b"")
    (folder / "outbox-damaged-20261209T000000Z.json").write_bytes(b"")
    assert set_aside_copies(path) == [aside, second]


def test_read_counters_of_a_file_that_cannot_be_read_is_none_and_creates_nothing(tmp_path: Path) -> None:
    missing = tmp_path / "gone.sqlite3"
    assert read_counters(missing) is None
    assert not missing.exists()
    garbage = tmp_path / "garbage.sqlite3"
    garbage.write_bytes(b"\x13" * 4096)
    assert read_counters(garbage) is None
    empty = tmp_path / "empty.sqlite3"
    sqlite3.connect(empty).close()
    assert read_counters(empty) is None  # a database without counters


def test_counters_carried_over_only_ever_raise_the_numbering(tmp_path: Path) -> None:
    box = open_box(tmp_path / "o.sqlite3")
    for _ in range(3):
        box.enqueue("1.001193", PAYLOAD, "BTX", "K01", now=WHEN)
    box.carry_counters({"261126": 2, "261125": 7})
    assert box.enqueue("1.001193", PAYLOAD, "BTX", "K01", now=WHEN).local_ref == "BTX-K01-261126-0004"
    day_before = WHEN - timedelta(days=1)
    assert box.enqueue("1.001193", PAYLOAD, "BTX", "K01", now=day_before).local_ref == "BTX-K01-261125-0008"
    box.carry_counters({"261126": 9})
    assert box.enqueue("1.001193", PAYLOAD, "BTX", "K01", now=WHEN).local_ref == "BTX-K01-261126-0010"
    box.close()


def test_unreadable_counters_make_the_vietnamese_day_jump_to_5001(tmp_path: Path) -> None:
    box = open_box(tmp_path / "o.sqlite3")
    evening = datetime(2026, 11, 26, 18, 30, tzinfo=UTC)  # already the 27th in Hà Nội
    box.carry_counters(None, now=evening)
    assert box.enqueue("1.001193", PAYLOAD, "BTX", "K01", now=evening).local_ref == "BTX-K01-261127-5001"
    assert box.enqueue("1.001193", PAYLOAD, "BTX", "K01", now=WHEN).local_ref == "BTX-K01-261126-0001"
    box.close()


def test_references_follow_the_day_in_hanoi(tmp_path: Path) -> None:
    box = open_box(tmp_path / "o.sqlite3")
    late = box.enqueue("1.001193", PAYLOAD, "BTX", "K01", now=datetime(2026, 11, 26, 17, 30, tzinfo=UTC))
    early = box.enqueue("1.001193", PAYLOAD, "BTX", "K01", now=datetime(2026, 11, 26, 16, 30, tzinfo=UTC))
    assert (late.local_ref, early.local_ref) == ("BTX-K01-261127-0001", "BTX-K01-261126-0001")
    box.close()


def test_a_dossier_that_cannot_be_stored_whole_leaves_nothing_and_the_outbox_goes_on(tmp_path: Path) -> None:
    box = open_box(tmp_path / "o.sqlite3")
    twice = [Attachment("cccd", 1, pdf("a")), Attachment("cccd", 1, pdf("b"))]
    with pytest.raises(OutboxError) as raised:
        box.enqueue("1.001193", PAYLOAD, "BTX", "K01", now=WHEN, attachments=twice)
    assert not isinstance(raised.value, OutboxFull)
    assert box.counts() == {"queued": 0, "sending": 0, "accepted": 0, "rejected": 0}
    assert box.page_counts() == {}
    assert box.enqueue("1.001193", PAYLOAD, "BTX", "K01", now=WHEN).local_ref == "BTX-K01-261126-0001"
    box.close()


def test_a_closed_outbox_answers_with_an_outbox_error(tmp_path: Path) -> None:
    box = open_box(tmp_path / "o.sqlite3")
    box.close()
    with pytest.raises(OutboxError) as raised:
        box.depth()
    assert not isinstance(raised.value, OutboxCorrupt)


def test_scanned_papers_are_stored_sealed_with_their_pages_size_and_digest(tmp_path: Path) -> None:
    box = open_box(tmp_path / "o.sqlite3")
    one = box.enqueue("1.001193", PAYLOAD, "BTX", "K01", now=WHEN, fee_vnd=15000,
                      attachments=[Attachment("cccd", 2, pdf("id")), Attachment("giay_khai_sinh", 3, pdf("birth"))])
    two = box.enqueue("1.001193", PAYLOAD, "BTX", "K01", now=WHEN, attachments=[Attachment("cccd", 1, pdf("x"))])
    box.enqueue("1.001193", PAYLOAD, "BTX", "K01", now=WHEN)
    assert box.attachment(one.uuid, "giay_khai_sinh") == pdf("birth")
    assert box.attachment(two.uuid, "cccd") == pdf("x")
    assert box.attachment(two.uuid, "giay_khai_sinh") is None
    assert box.page_counts() == {one.uuid: 5, two.uuid: 1}
    assert box.page_counts(by_reference=True) == {one.local_ref: 5, two.local_ref: 1}
    rows = box._db.execute("SELECT paper_id, pages, size, sha256, data FROM attachments WHERE dossier_uuid = ?"
                           " ORDER BY paper_id", (one.uuid,)).fetchall()
    assert [row[:4] for row in rows] == [
        ("cccd", 2, len(pdf("id")), hashlib.sha256(pdf("id")).hexdigest()),
        ("giay_khai_sinh", 3, len(pdf("birth")), hashlib.sha256(pdf("birth")).hexdigest()),
    ]
    assert all(b"%PDF" not in row[4] for row in rows)
    assert box.get(one.uuid).fee_vnd == 15000  # type: ignore[union-attr]
    box.close()
    other = Outbox(tmp_path / "o.sqlite3", Sealer(bytes(32)))
    with pytest.raises(OutboxKeyError, match=r"docs/DEPLOY\.md"):
        other.attachment(one.uuid, "cccd")
    with pytest.raises(OutboxError, match=r"^stored dossier cannot be decrypted$"):
        other.payload(one.uuid)
    other.close()


def test_claims_take_the_oldest_due_dossier_and_count_attempts(tmp_path: Path) -> None:
    box = open_box(tmp_path / "o.sqlite3")
    newer = box.enqueue("1.001193", PAYLOAD, "BTX", "K01", now=WHEN)
    older = box.enqueue("1.001193", PAYLOAD, "BTX", "K01", now=WHEN - timedelta(hours=1))
    first = box.claim_next(now=1e12)
    assert first is not None and first.record.uuid == older.uuid and first.record.attempts == 1
    box.release(older.uuid, 1000.0, "portal unreachable: " + "x" * 400)
    record = box.get(older.uuid)
    assert record is not None and record.status == "queued" and record.attempts == 1
    assert record.last_error == ("portal unreachable: " + "x" * 400)[:300]
    second = box.claim_next(now=999.0)  # the older one is not due yet: the newer goes first
    assert second is not None and second.record.uuid == newer.uuid
    box.release(newer.uuid, 5000.0, "timeout")
    assert box.claim_next(now=999.0) is None
    again = box.claim_next(now=1000.0)  # due at exactly its time
    assert again is not None and again.record.uuid == older.uuid
    assert again.record.attempts == 2 and again.record.status == "sending"
    assert again.payload["local_reference"] == older.local_ref
    assert box.get(older.uuid).attempts == 2  # type: ignore[union-attr]
    box.close()


def test_retry_now_makes_every_waiting_dossier_due(tmp_path: Path) -> None:
    box = open_box(tmp_path / "o.sqlite3")
    stored = [box.enqueue("1.001193", PAYLOAD, "BTX", "K01", now=WHEN + timedelta(minutes=i)) for i in range(3)]
    for item in stored:
        assert box.claim_next(now=1e12) is not None
        box.release(item.uuid, 2e12, "timeout")
    box.mark_accepted(stored[2].uuid, "CODE-3", WHEN.isoformat())
    assert box.claim_next(now=1e9) is None
    assert box.retry_now() == 2  # the two still waiting, not the accepted one
    claimed = box.claim_next(now=0)
    assert claimed is not None and claimed.record.uuid == stored[0].uuid
    box.close()


def test_a_dossier_the_key_cannot_open_goes_back_due_at_once_and_says_why(tmp_path: Path) -> None:
    path = tmp_path / "o.sqlite3"
    box = open_box(path)
    stored = box.enqueue("1.001193", PAYLOAD, "BTX", "K01")
    box.release(stored.uuid, 500.0, "timeout")
    rating = box.enqueue_feedback("rating", {"stars": 5})
    box.close()
    other = Outbox(path, Sealer(bytes(32)))
    with pytest.raises(OutboxKeyError):
        other.claim_next(now=1e12)
    with pytest.raises(OutboxKeyError, match=r"docs/DEPLOY\.md"):
        other.claim_feedback(now=1e12)
    record = other.get(stored.uuid)
    assert record is not None and record.status == "queued"
    assert record.last_error == "stored data cannot be decrypted with the current outbox key"
    other.close()
    box = open_box(path)
    claimed = box.claim_next(now=0)  # due again at once, with the right key
    assert claimed is not None and claimed.record.uuid == stored.uuid
    assert box.claim_feedback(now=0) == (rating, "rating", {"stars": 5})
    box.close()


def test_acceptance_rejection_and_what_staff_see(tmp_path: Path) -> None:
    box = open_box(tmp_path / "o.sqlite3")
    a = box.enqueue("1.001193", PAYLOAD, "BTX", "K01", now=WHEN, fee_vnd=20000)
    b = box.enqueue("1.001193", PAYLOAD, "BTX", "K01", now=WHEN + timedelta(minutes=1), fee_vnd=8000)
    c = box.enqueue("2.000001", PAYLOAD, "BTX", "K01", now=WHEN + timedelta(minutes=2))
    d = box.enqueue("2.000001", PAYLOAD, "BTX", "K01", now=WHEN + timedelta(minutes=3))
    box.claim_next(now=1e12)
    box.release(a.uuid, 0, "timeout")
    assert box.get(a.uuid).reference == a.local_ref  # type: ignore[union-attr]
    box.mark_accepted(a.uuid, "000.00.21.H26-261126-0007", "2026-11-26T03:00:00+00:00")
    box.mark_accepted(b.uuid, "000.00.21.H26-261126-0008", "2026-11-26T03:01:00+00:00", "2026-12-01", fee_vnd=0)
    box.mark_rejected(c.uuid, "Thiếu giấy tờ. " + "x" * 600)
    accepted = box.get(a.uuid)
    assert accepted is not None and accepted.status == "accepted" and accepted.last_error is None
    assert accepted.reference == "000.00.21.H26-261126-0007" and accepted.fee_vnd == 20000
    assert accepted.accepted_at == "2026-11-26T03:00:00+00:00" and accepted.appointment_date is None
    other = box.get(b.uuid)
    assert other is not None and other.fee_vnd == 0 and other.appointment_date == "2026-12-01"
    rejected = box.get(c.uuid)
    assert rejected is not None and rejected.status == "rejected" and rejected.fee_vnd == 0
    assert rejected.reject_reason == ("Thiếu giấy tờ. " + "x" * 600)[:500]
    assert box.counts() == {"queued": 1, "sending": 0, "accepted": 2, "rejected": 1}
    assert [r.uuid for r in box.records()] == [d.uuid, c.uuid, b.uuid, a.uuid]  # newest first
    assert [r.uuid for r in box.records(status="accepted")] == [b.uuid, a.uuid]
    assert [r.uuid for r in box.records(limit=2)] == [d.uuid, c.uuid]
    assert box.records(status="sending") == []
    assert box.find("000.00.21.H262611260008").uuid == b.uuid  # type: ignore[union-attr]
    assert box.find(d.local_ref.replace("-", "")).uuid == d.uuid  # type: ignore[union-attr]
    assert box.find("BTX-K01261126-0004").uuid == d.uuid  # type: ignore[union-attr]
    assert box.find("BTX-K01-261126-9999") is None
    assert box.get("no-such-uuid") is None and box.payload("no-such-uuid") is None
    assert box.depth() == 1
    box.close()


def test_the_staff_list_shows_the_newest_500(tmp_path: Path) -> None:
    box = open_box(tmp_path / "o.sqlite3")
    oldest = box.enqueue("1.001193", PAYLOAD, "BTX", "K01", now=WHEN - timedelta(days=1))
    with box._tx() as db:
        db.executemany("INSERT INTO dossiers (uuid, local_ref, procedure_code, created_at, status)"
                       " VALUES (?, ?, '1.001193', ?, 'accepted')",
                       [(f"u{i}", f"R-{i}", (WHEN + timedelta(seconds=i)).isoformat()) for i in range(500)])
    shown = box.records()
    assert len(shown) == 500 and oldest.uuid not in {r.uuid for r in shown}
    box.close()


def test_purge_erases_only_what_was_confirmed_before_the_cutoff_scanned_papers_too(tmp_path: Path) -> None:
    path = tmp_path / "o.sqlite3"
    box = open_box(path)
    now = datetime(2020, 2, 15, tzinfo=UTC)
    at_cutoff = box.enqueue("1.001193", PAYLOAD, "BTX", "K01", attachments=[Attachment("cccd", 2, pdf("old"))])
    recent = box.enqueue("1.001193", PAYLOAD, "BTX", "K01", attachments=[Attachment("cccd", 1, pdf("new"))])
    waiting = box.enqueue("1.001193", PAYLOAD, "BTX", "K01")
    box.mark_accepted(at_cutoff.uuid, "C-1", "2020-01-16T00:00:00+00:00")
    box.mark_accepted(recent.uuid, "C-2", "2020-01-16T00:00:01+00:00")
    sealed = box._db.execute("SELECT payload FROM dossiers WHERE uuid = ?", (at_cutoff.uuid,)).fetchone()[0]
    assert box.purge(timedelta(days=30), now=now) == 1
    assert box.payload(at_cutoff.uuid) is None and box.attachment(at_cutoff.uuid, "cccd") is None
    assert box.payload(recent.uuid) is not None and box.attachment(recent.uuid, "cccd") == pdf("new")
    assert box.payload(waiting.uuid) is not None
    assert box.page_counts() == {at_cutoff.uuid: 2, recent.uuid: 1}  # how many pages is kept
    purged_at = box._db.execute("SELECT purged_at FROM dossiers WHERE uuid = ?", (at_cutoff.uuid,)).fetchone()[0]
    assert purged_at > "2026"  # when it was erased, not the cutoff
    # The erased ciphertext is gone from the file and its WAL at once, not only unlinked.
    raw = b"".join(p.read_bytes() for p in tmp_path.iterdir() if p.is_file())
    assert sealed[-32:] not in raw
    assert box.purge(timedelta(days=30), now=now) == 0
    box.close()


def test_verify_key_opens_what_is_waiting_and_the_newest_dossier(tmp_path: Path) -> None:
    path = tmp_path / "o.sqlite3"
    box = open_box(path)
    sent = box.enqueue("1.001193", PAYLOAD, "BTX", "K01", now=WHEN - timedelta(days=2))
    box.enqueue("1.001193", PAYLOAD, "BTX", "K01", now=WHEN - timedelta(days=1))
    box.enqueue("1.001193", PAYLOAD, "BTX", "K01", now=WHEN - timedelta(days=1))
    newest = box.enqueue("1.001193", PAYLOAD, "BTX", "K01", now=WHEN)
    box.mark_accepted(sent.uuid, "C-0", WHEN.isoformat())
    box.mark_accepted(newest.uuid, "C-1", WHEN.isoformat())
    box.enqueue_feedback("rating", {"stars": 5})
    done = box.enqueue_feedback("rating", {"stars": 4})
    box.mark_feedback_sent(done)
    assert box.verify_key() == 4  # two waiting dossiers, the newest one, one waiting rating
    box.close()
    only_confirmed = tmp_path / "p.sqlite3"
    box = open_box(only_confirmed)
    stored = box.enqueue("1.001193", PAYLOAD, "BTX", "K01")
    box.mark_accepted(stored.uuid, "C-2", WHEN.isoformat())
    box.close()
    other = Outbox(only_confirmed, Sealer(bytes(32)))
    with pytest.raises(OutboxKeyError):  # nothing waits, but the newest dossier is not this key's
        other.verify_key()
    other.close()


def test_feedback_goes_out_oldest_first_when_due(tmp_path: Path) -> None:
    box = open_box(tmp_path / "o.sqlite3")
    later = box.enqueue_feedback("comment", {"comment": "Tốt"}, now=WHEN)
    earlier = box.enqueue_feedback("rating", {"stars": 5}, now=WHEN - timedelta(minutes=1))
    claimed = box.claim_feedback(now=1e12)
    assert claimed == (earlier, "rating", {"stars": 5})
    box.release_feedback(earlier, 100.0)
    assert box.claim_feedback(now=99.0) == (later, "comment", {"comment": "Tốt"})
    assert box.claim_feedback(now=99.0) is None
    assert box.claim_feedback(now=100.0) == (earlier, "rating", {"stars": 5})
    rows = box._db.execute("SELECT uuid, created_at, attempts FROM feedback ORDER BY created_at").fetchall()
    assert rows == [(earlier, (WHEN - timedelta(minutes=1)).isoformat(), 2), (later, WHEN.isoformat(), 1)]
    box.close()


def damaged_source(path: Path) -> dict[str, Any]:
    """An outbox (this kiosk's key) with a dossier in each state, scanned papers and feedback in each state."""
    box = open_box(path)
    listed = {"attachments": [{"paper_id": "cccd", "pages": 1}, "not a paper"]}
    two_listed = {"attachments": [{"paper_id": "cccd"}, {"paper_id": "giay_khai_sinh"}]}
    made = {
        "sending": box.enqueue("1.001193", dict(PAYLOAD, **two_listed), "BTX", "K01", now=WHEN,
                               attachments=[Attachment("cccd", 1, pdf("s"))]),
        "queued": box.enqueue("1.001193", dict(PAYLOAD, **listed), "BTX", "K01", now=WHEN + timedelta(minutes=1),
                              attachments=[Attachment("cccd", 2, pdf("q"))]),
        "accepted": box.enqueue("1.001193", PAYLOAD, "BTX", "K01", now=WHEN + timedelta(minutes=2),
                                attachments=[Attachment("cccd", 1, pdf("a"))]),
        "purged": box.enqueue("1.001193", dict(PAYLOAD, **listed), "BTX", "K01", now=WHEN + timedelta(minutes=3),
                              attachments=[Attachment("cccd", 1, pdf("p"))]),
        "rejected": box.enqueue("1.001193", PAYLOAD, "BTX", "K01", now=WHEN + timedelta(minutes=4)),
    }
    assert box.claim_next(now=1e12).record.uuid == made["sending"].uuid  # type: ignore[union-attr]
    box.mark_accepted(made["accepted"].uuid, "C-A", datetime.now(UTC).isoformat())
    box.mark_accepted(made["purged"].uuid, "C-P", "2020-01-01T00:00:00+00:00")
    assert box.purge(timedelta(days=30)) == 1
    box.mark_rejected(made["rejected"].uuid, "Sai mẫu")
    feedback = {
        "sending": box.enqueue_feedback("rating", {"stars": 5}, now=WHEN),
        "queued": box.enqueue_feedback("comment", {"comment": "Tốt"}, now=WHEN + timedelta(minutes=1)),
        "sent": box.enqueue_feedback("rating", {"stars": 3}, now=WHEN + timedelta(minutes=2)),
    }
    assert box.claim_feedback(now=1e12)[0] == feedback["sending"]  # type: ignore[index]
    box.mark_feedback_sent(feedback["sent"])
    box.close()
    return {"dossiers": made, "feedback": feedback}


def test_salvaged_rows_come_back_sealed_with_their_papers_and_only_once(tmp_path: Path) -> None:
    source = damaged_source(tmp_path / "damaged.sqlite3")
    made = source["dossiers"]
    rows = read_damaged(tmp_path / "damaged.sqlite3")
    box = open_box(tmp_path / "o.sqlite3")
    report = box.import_rows(rows.dossiers, rows.feedback, rows.attachments)
    assert report == ImportReport(dossiers=5, feedback=3, papers=4, papers_lost=[made["sending"].local_ref])
    assert box.counts() == {"queued": 2, "sending": 0, "accepted": 2, "rejected": 1}
    back = box.find(made["sending"].local_ref)
    assert back is not None and back.uuid == made["sending"].uuid and back.status == "queued"
    assert back.attempts == 1
    assert box.payload(made["queued"].uuid)["applicant"]["full_name"] == "MARKERNAME Nguyễn"  # type: ignore[index]
    assert box.attachment(made["queued"].uuid, "cccd") == pdf("q")
    assert box.attachment(made["purged"].uuid, "cccd") is None and box.payload(made["purged"].uuid) is None
    assert box.page_counts() == {made[k].uuid: n for k, n in
                                 (("sending", 1), ("queued", 2), ("accepted", 1), ("purged", 1))}
    assert box.get(made["rejected"].uuid).reject_reason == "Sai mẫu"  # type: ignore[union-attr]
    feedback = source["feedback"]
    assert box.claim_feedback(now=1e12) == (feedback["sending"], "rating", {"stars": 5})
    assert box.claim_feedback(now=1e12) == (feedback["queued"], "comment", {"comment": "Tốt"})
    assert box.claim_feedback(now=1e12) is None  # the rating already sent is not sent again
    assert box.claim_next(now=1e12) is not None
    again = box.import_rows(rows.dossiers, rows.feedback, rows.attachments)
    assert again == ImportReport(already=8)  # what is here is left as it is: the dossier just claimed too
    assert box.counts() == {"queued": 1, "sending": 1, "accepted": 2, "rejected": 1}
    box.close()


def test_salvaged_rows_sealed_with_another_key_are_left_out_and_named(tmp_path: Path) -> None:
    source = damaged_source(tmp_path / "damaged.sqlite3")
    made, feedback = source["dossiers"], source["feedback"]
    rows = read_damaged(tmp_path / "damaged.sqlite3")
    box = Outbox(tmp_path / "o.sqlite3", Sealer(bytes(32)))
    report = box.import_rows(rows.dossiers, rows.feedback, rows.attachments)
    # Only what holds no sealed data any more comes back: the purged dossier and the rating already sent.
    assert report == ImportReport(
        dossiers=1, feedback=1, papers=1,
        wrong_key=[made[k].local_ref for k in ("sending", "queued", "accepted", "rejected")]
        + [feedback["sending"], feedback["queued"]],
    )
    assert [r.uuid for r in box.records()] == [made["purged"].uuid]
    box.close()


def dossier_row(uuid: str, ref: str | None, sealed: bytes | None, status: str = "queued") -> dict[str, Any]:
    return {"uuid": uuid, "local_ref": ref, "procedure_code": "1.001193", "created_at": WHEN.isoformat(),
            "status": status, "attempts": 0, "next_attempt_at": 0, "fee_vnd": 0, "payload": sealed}


def paper_row(uuid: str, paper_id: str | None, data: bytes | None, sha256: str) -> dict[str, Any]:
    return {"dossier_uuid": uuid, "paper_id": paper_id, "pages": 1, "size": 10, "sha256": sha256, "data": data}


def test_salvage_reports_rows_it_cannot_use_taken_references_and_papers_that_do_not_match(tmp_path: Path) -> None:
    box = open_box(tmp_path / "o.sqlite3")
    sealer = Sealer(KEY)
    taken = box.enqueue("1.001193", PAYLOAD, "BTX", "K01", now=WHEN)

    def sealed(uuid: str, body: object) -> bytes:
        return sealer.seal(json.dumps(body).encode() if not isinstance(body, bytes) else body, uuid.encode())

    def paper(uuid: str, paper_id: str, content: bytes, aad_paper: str | None = None) -> dict[str, Any]:
        data = sealer.seal(content, f"{uuid}/attachment/{aad_paper or paper_id}".encode())
        return paper_row(uuid, paper_id, data, hashlib.sha256(content).hexdigest())

    listed = {"attachments": [{"paper_id": "cccd"}]}
    dossiers = [
        dossier_row(None, "R-NONE", None),  # type: ignore[arg-type]
        dossier_row(7, "R-SEVEN", None),  # type: ignore[arg-type]
        dossier_row("u-taken", taken.local_ref, sealed("u-taken", {})),
        dossier_row("u-lost", "R-LOST", sealed("u-lost", {}), status="lost"),
        dossier_row("u-noref", None, sealed("u-noref", {}), status="lost"),
        dossier_row("u-text", "R-TEXT", sealed("u-text", b"not json")),
        dossier_row("u-list", "R-LIST", sealed("u-list", b"[1]")),
        dossier_row("u-moved", "R-MOVED", sealed("u-moved", listed)),
        dossier_row("u-altered", "R-ALTERED", sealed("u-altered", listed)),
        dossier_row("u-whole", "R-WHOLE", sealed("u-whole", listed)),
        dossier_row("u-erased", "R-ERASED", sealed("u-erased", listed)),
        dossier_row("u-nameless", "R-NAMELESS", sealed("u-nameless", {})),
    ]
    altered = paper("u-altered", "cccd", pdf("a"))
    altered["sha256"] = hashlib.sha256(b"something else").hexdigest()
    papers = [
        paper("u-text", "cccd", pdf("t")),
        paper("u-moved", "cccd", pdf("m"), aad_paper="giay_khai_sinh"),  # sealed for another paper
        altered,
        paper("u-whole", "cccd", pdf("w")),
        paper_row("u-erased", "cccd", None, "0" * 64),  # purged: nothing left to send, still whole
        paper_row("u-nameless", None, None, "0" * 64),
    ]
    feedback = [{"uuid": "f-none", "created_at": WHEN.isoformat(), "kind": "rating", "status": "queued",
                 "attempts": 0, "next_attempt_at": 0, "payload": None}]
    report = box.import_rows(dossiers, feedback, papers)
    assert report == ImportReport(
        dossiers=7, unusable=2, wrong_key=["f-none"], conflicts=[taken.local_ref, "R-LOST", "u-noref"], papers=3,
        papers_lost=["R-MOVED", "R-ALTERED"],
    )
    assert box.page_counts(by_reference=True) == {"R-TEXT": 1, "R-WHOLE": 1, "R-ERASED": 1}
    assert box.attachment("u-whole", "cccd") == pdf("w")
    assert box.find(taken.local_ref).uuid == taken.uuid  # type: ignore[union-attr]
    box.close()


def test_salvage_into_a_full_disk_stops_with_outbox_full(tmp_path: Path) -> None:
    box = open_box(tmp_path / "o.sqlite3")
    box.enqueue("1.001193", PAYLOAD, "BTX", "K01")
    pages = box._db.execute("PRAGMA page_count").fetchone()[0]
    box._db.execute(f"PRAGMA max_page_count = {pages}")
    big = Sealer(KEY).seal(b"{}" + b" " * 200_000, b"u-big")
    with pytest.raises(OutboxFull):
        box.import_rows([dossier_row("u-big", "R-BIG", big)], [])
    assert box.depth() == 1
    box.close()
