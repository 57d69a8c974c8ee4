"""The sync engine delivers the outbox to the sandbox portal: once per dossier, whatever happens between."""

from __future__ import annotations

import hashlib
import socket
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from kiosk.outbox.store import Attachment, Outbox
from kiosk.portal.client import PortalClient
from kiosk.portal.sync import SyncEngine, submission_from_outbox
from kiosk.sandbox.server import SandboxServer
from kiosk.security.crypto import Sealer
from tests import portal_fixtures
from tests.fault_soak import scanned_pdf

sandbox = portal_fixtures.sandbox
sandbox_factory = portal_fixtures.sandbox_factory

KEY = bytes(range(32))


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def outbox(tmp_path: Path) -> Iterator[Outbox]:
    box = Outbox(tmp_path / "outbox.sqlite3", Sealer(KEY))
    yield box
    box.close()


def payload(number: int = 1, **changes: Any) -> dict[str, Any]:
    """What `kiosk.journey.dossier.build_payload` stores: the contract's dossier without its local reference."""
    body = portal_fixtures.make_submission(number).model_dump(mode="json", exclude_none=True)
    del body["local_reference"]
    body["language"] = "vi"
    body.update(changes)
    return body


def enqueue(outbox: Outbox, number: int = 1, **changes: Any) -> str:
    body = payload(number, **changes)
    return outbox.enqueue(body["procedure_code"], body, "HBT", "K01").uuid


def client_for(url: str) -> PortalClient:
    return PortalClient(url, portal_fixtures.TEST_CLIENT_ID, lambda: portal_fixtures.TEST_CLIENT_SECRET,
                        read_timeout=2, max_retries=1, sleep=lambda _: None)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def portal_dossiers(server: SandboxServer) -> list[dict[str, Any]]:
    answer: list[dict[str, Any]] = portal_fixtures.admin_get(server, "/sandbox/dossiers")
    return answer


def test_queued_dossiers_are_delivered_in_order(sandbox: SandboxServer, outbox: Outbox) -> None:
    ids = [enqueue(outbox, n) for n in (1, 2, 3)]
    with client_for(sandbox.url) as client:
        assert SyncEngine(outbox, client).drain_once() == 3
    delivered = portal_dossiers(sandbox)
    assert [d["idempotency_key"] for d in delivered] == ids
    for dossier_id, on_portal in zip(ids, delivered, strict=True):
        record = outbox.get(dossier_id)
        assert record is not None
        assert (record.status, record.official_code) == ("accepted", on_portal["code"])
        assert record.local_ref == on_portal["local_reference"]
        assert record.appointment_date is not None


def test_dossier_queued_while_the_portal_is_down_is_delivered_when_it_is_back(
        tmp_path: Path, outbox: Outbox) -> None:
    port, clock = free_port(), Clock()
    dossier_id = enqueue(outbox)
    with client_for(f"http://127.0.0.1:{port}") as client:
        engine = SyncEngine(outbox, client, clock=clock, retry_base_s=60)
        # Why the round stopped: the staff console shows it.
        assert (engine.drain_once(), engine.last_failure) == (0, "PortalUnavailable")
        waiting = outbox.get(dossier_id)
        assert waiting is not None
        assert (waiting.status, waiting.attempts) == ("queued", 1)
        assert waiting.last_error
        assert engine.drain_once() == 0  # not due yet: nothing is sent
        assert outbox.get(dossier_id).attempts == 1  # type: ignore[union-attr]
        procedures = portal_fixtures.write_procedures(tmp_path / "procedures")
        with portal_fixtures.running_sandbox(procedures, port=port) as portal:
            clock.now += 120
            assert engine.drain_once() == 1
            assert engine.last_failure is None  # the portal is reachable again
            delivered = portal_dossiers(portal)
    assert [d["idempotency_key"] for d in delivered] == [dossier_id]
    assert outbox.get(dossier_id).official_code == delivered[0]["code"]  # type: ignore[union-attr]


def test_answer_lost_after_the_portal_stored_it_still_gives_one_dossier(
        tmp_path: Path, outbox: Outbox) -> None:
    procedures = portal_fixtures.write_procedures(tmp_path / "procedures")
    database, port, clock = tmp_path / "portal.sqlite3", free_port(), Clock()
    dossier_id = enqueue(outbox)
    with client_for(f"http://127.0.0.1:{port}") as client:
        engine = SyncEngine(outbox, client, clock=clock)
        with portal_fixtures.running_sandbox(procedures, port=port, db_path=database, faults="error500=1.0"):
            assert engine.drain_once() == 0  # stored by the portal, but every answer was an error
        assert outbox.get(dossier_id).status == "queued"  # type: ignore[union-attr]
        with portal_fixtures.running_sandbox(procedures, port=port, db_path=database) as portal:
            clock.now += 3600
            assert engine.drain_once() == 1
            delivered = portal_dossiers(portal)
    assert len(delivered) == 1
    assert delivered[0]["attempts"] >= 3  # two failed answers, then the replayed receipt
    assert outbox.get(dossier_id).official_code == delivered[0]["code"]  # type: ignore[union-attr]


def test_a_dossier_left_sending_by_a_crash_is_sent_again_once(sandbox: SandboxServer, outbox: Outbox) -> None:
    dossier_id = enqueue(outbox)
    claimed = outbox.claim_next(Clock()())
    assert claimed is not None
    with client_for(sandbox.url) as client:
        client.submit_dossier(uuid.UUID(dossier_id), submission_from_outbox(claimed.payload))
        assert outbox.recover() == 1  # the kiosk restarts before recording the answer
        assert SyncEngine(outbox, client).drain_once() == 1
    assert len(portal_dossiers(sandbox)) == 1
    assert outbox.get(dossier_id).status == "accepted"  # type: ignore[union-attr]


def test_portal_rejection_is_recorded_with_its_reason(sandbox: SandboxServer, outbox: Outbox) -> None:
    dossier_id = enqueue(outbox, procedure_code="9.999999")
    with client_for(sandbox.url) as client:
        assert SyncEngine(outbox, client).drain_once() == 1
    record = outbox.get(dossier_id)
    assert record is not None
    assert record.status == "rejected"
    assert record.reject_reason is not None
    assert "không có trong danh mục" in record.reject_reason
    assert portal_dossiers(sandbox) == []


def test_incomplete_stored_dossier_is_rejected_without_sending(sandbox: SandboxServer, outbox: Outbox,
                                                               caplog: pytest.LogCaptureFixture) -> None:
    body = payload(1)
    del body["applicant"]["id_number"]  # required (the phone is optional)
    dossier_id = outbox.enqueue(body["procedure_code"], body, "HBT", "K01").uuid
    with client_for(sandbox.url) as client:
        assert SyncEngine(outbox, client).drain_once() == 1
    record = outbox.get(dossier_id)
    assert record is not None
    assert record.status == "rejected"
    assert "applicant.id_number" in (record.reject_reason or "")
    assert portal_dossiers(sandbox) == []
    assert "Nguyễn" not in caplog.text


def test_phone_written_with_spaces_is_sent_as_digits(sandbox: SandboxServer, outbox: Outbox) -> None:
    body = payload(1)
    body["applicant"]["phone"] = "0912 345.678"
    outbox.enqueue(body["procedure_code"], body, "HBT", "K01")
    with client_for(sandbox.url) as client:
        assert SyncEngine(outbox, client).drain_once() == 1
    code = portal_dossiers(sandbox)[0]["code"]
    stored = portal_fixtures.admin_get(sandbox, f"/sandbox/dossiers/{code}")
    assert stored["applicant"]["phone"] == "0912345678"


def test_feedback_is_delivered_once(sandbox_factory: Callable[..., SandboxServer], outbox: Outbox) -> None:
    server = sandbox_factory(faults="drop=0.5,seed=3")
    base = {"procedure_code": None, "local_reference": None, "site_id": "hbt-bachkhoa",
            "kiosk_id": "hbt-bachkhoa-01", "language": "vi"}
    outbox.enqueue_feedback("rating", {**base, "kind": "rating", "rating": 4, "comment": ""})
    outbox.enqueue_feedback("rating", {**base, "kind": "rating", "rating": None, "comment": "Máy dễ dùng"})
    client = PortalClient(server.url, "kiosk-demo", lambda: "demo-secret", read_timeout=2, max_retries=8,
                          sleep=lambda _: None)
    with client:
        assert SyncEngine(outbox, client).drain_feedback_once() == 2
    stored = portal_fixtures.admin_get(server, "/sandbox/feedback")
    assert sorted((f["kind"], f.get("rating"), f.get("comment")) for f in stored) == [
        ("comment", None, "Máy dễ dùng"), ("rating", 4, None)]


def attempts(outbox: Outbox, dossier_id: str) -> int:
    record = outbox.get(dossier_id)
    assert record is not None
    return record.attempts


def test_a_dossier_the_portal_could_not_take_waits_longer_each_time(outbox: Outbox) -> None:
    dossier_id = enqueue(outbox)
    clock = Clock()
    with client_for(f"http://127.0.0.1:{free_port()}") as client:  # nothing listens there: the portal is down
        engine = SyncEngine(outbox, client, clock=clock, retry_base_s=60, retry_max_s=400, rng=lambda: 0.5)
        assert engine.drain_once() == 0
        # Half the ceiling plus half of it times the random draw: 45 s, then 90, 180, and 300 at the 400 s cap.
        for count, wait in enumerate((45.0, 90.0, 180.0, 300.0, 300.0), start=1):
            assert attempts(outbox, dossier_id) == count
            clock.now += wait - 0.01
            assert engine.drain_once() == 0
            assert attempts(outbox, dossier_id) == count  # not due yet: not tried
            clock.now += 0.01
            assert engine.drain_once() == 0
        assert attempts(outbox, dossier_id) == 6


def test_by_default_the_waits_start_at_30_seconds_and_stop_growing_at_an_hour(outbox: Outbox) -> None:
    dossier_id = enqueue(outbox)
    clock = Clock()
    with client_for(f"http://127.0.0.1:{free_port()}") as client:
        engine = SyncEngine(outbox, client, clock=clock, rng=lambda: 1.0)  # the longest wait of each round
        assert engine.drain_once() == 0
        for count, wait in enumerate((30.0, 60.0, 120.0, 240.0, 480.0, 960.0, 1920.0, 3600.0, 3600.0), start=1):
            clock.now += wait - 0.01
            engine.drain_once()
            assert attempts(outbox, dossier_id) == count
            clock.now += 0.01
            engine.drain_once()
            assert attempts(outbox, dossier_id) == count + 1


def test_the_receipt_is_recorded_with_the_portal_time_and_fee(sandbox: SandboxServer, outbox: Outbox) -> None:
    dossier_id = enqueue(outbox)
    with client_for(sandbox.url) as client:
        assert SyncEngine(outbox, client).drain_once() == 1
        code = portal_dossiers(sandbox)[0]["code"]
        status = client.dossier_status(code, "5678")
    record = outbox.get(dossier_id)
    assert record is not None and record.official_code == code
    assert record.fee_vnd == 6000  # 3 pages at 2,000 đ, as the portal computed it
    assert record.accepted_at is not None and record.appointment_date is not None
    assert datetime.fromisoformat(record.accepted_at) == status.timeline[0].at
    assert date.fromisoformat(record.appointment_date) > datetime.fromisoformat(record.accepted_at).date()


def test_an_empty_phone_is_left_out_rather_than_refused(sandbox: SandboxServer, outbox: Outbox) -> None:
    body = payload(1)
    body["applicant"]["phone"] = ""
    dossier_id = outbox.enqueue(body["procedure_code"], body, "HBT", "K01").uuid
    with client_for(sandbox.url) as client:
        assert SyncEngine(outbox, client).drain_once() == 1
    assert outbox.get(dossier_id).status == "accepted"  # type: ignore[union-attr]
    code = portal_dossiers(sandbox)[0]["code"]
    assert portal_fixtures.admin_get(sandbox, f"/sandbox/dossiers/{code}")["applicant"].get("phone") is None


def test_a_dossier_missing_many_fields_names_five_of_them(sandbox: SandboxServer, outbox: Outbox) -> None:
    body = payload(1)
    missing = ["procedure_code", "kiosk_id", "site_id", "submitted_at", "answers", "consent"]
    for name in missing:
        del body[name]
    dossier_id = outbox.enqueue("1.000000", body, "HBT", "K01").uuid
    with client_for(sandbox.url) as client:
        assert SyncEngine(outbox, client).drain_once() == 1
    reason = outbox.get(dossier_id).reject_reason  # type: ignore[union-attr]
    prefix = "the dossier stored on this kiosk is incomplete ("
    assert reason is not None and reason.startswith(prefix) and reason.endswith(")")
    named = reason[len(prefix):-1].split(", ")
    assert len(named) == 5 and set(named) < set(missing)
    assert portal_dossiers(sandbox) == []


def enqueue_with_paper(outbox: Outbox, pdf: bytes | None) -> str:
    """A dossier naming one scanned paper; `pdf` None: the paper itself is not stored."""
    body = payload(1)
    body["attachments"] = [{"paper_id": "giay_chung_sinh", "pages": 1, "bytes": len(pdf or b"x"),
                            "sha256": hashlib.sha256(pdf or b"x").hexdigest()}]
    papers = [Attachment("giay_chung_sinh", 1, pdf)] if pdf is not None else []
    return outbox.enqueue(body["procedure_code"], body, "HBT", "K01", attachments=papers).uuid


def test_the_scanned_paper_is_uploaded_before_its_dossier(sandbox: SandboxServer, outbox: Outbox) -> None:
    pdf = scanned_pdf(90)
    dossier_id = enqueue_with_paper(outbox, pdf)
    with client_for(sandbox.url) as client:
        assert SyncEngine(outbox, client).drain_once() == 1
    assert outbox.get(dossier_id).status == "accepted"  # type: ignore[union-attr]
    [stored] = portal_fixtures.admin_get(sandbox, "/sandbox/attachments")
    assert (stored["paper_id"], stored["sha256"]) == ("giay_chung_sinh", hashlib.sha256(pdf).hexdigest())


def test_a_dossier_whose_paper_is_gone_is_rejected_without_sending(sandbox: SandboxServer, outbox: Outbox) -> None:
    dossier_id = enqueue_with_paper(outbox, None)
    later = enqueue(outbox, 2)
    with client_for(sandbox.url) as client:
        assert SyncEngine(outbox, client).drain_once() == 2  # and the queue goes on
    record = outbox.get(dossier_id)
    assert record is not None and record.status == "rejected"
    assert record.reject_reason == "the scanned paper giay_chung_sinh is no longer stored on this kiosk"
    assert [d["idempotency_key"] for d in portal_dossiers(sandbox)] == [later]
    assert portal_fixtures.admin_get(sandbox, "/sandbox/attachments") == []


FEEDBACK = {"procedure_code": None, "local_reference": None, "site_id": "hbt-bachkhoa",
            "kiosk_id": "hbt-bachkhoa-01", "language": "vi"}


def feedback_statuses(outbox: Outbox) -> list[str]:
    return [row[0] for row in outbox._db.execute("SELECT status FROM feedback ORDER BY created_at")]


def test_feedback_that_cannot_be_sent_is_dropped_and_the_rest_goes(sandbox: SandboxServer, outbox: Outbox) -> None:
    start = datetime(2026, 12, 6, 9, 0, tzinfo=UTC)
    for second, rating in enumerate((5, 9, 3)):  # 9 stars: the portal's contract allows 1 to 5
        outbox.enqueue_feedback("rating", {**FEEDBACK, "kind": "rating", "rating": rating},
                                now=start + timedelta(seconds=second))
    with client_for(sandbox.url) as client:
        engine = SyncEngine(outbox, client)
        assert engine.drain_feedback_once() == 3  # all three left the queue
        assert engine.drain_feedback_once() == 0
    assert feedback_statuses(outbox) == ["sent", "sent", "sent"]
    stored = portal_fixtures.admin_get(sandbox, "/sandbox/feedback")
    assert [f.get("rating") for f in stored] == [5, 3]


def test_feedback_waits_when_the_portal_is_down(outbox: Outbox) -> None:
    outbox.enqueue_feedback("rating", {**FEEDBACK, "kind": "rating", "rating": 4})
    clock = Clock()
    with client_for(f"http://127.0.0.1:{free_port()}") as client:
        engine = SyncEngine(outbox, client, clock=clock, retry_base_s=60, rng=lambda: 0.5)
        assert engine.drain_feedback_once() == 0
    assert feedback_statuses(outbox) == ["queued"]
    assert outbox.claim_feedback(clock.now + 44.9) is None  # the first wait: 30 s + 30 s x 0.5
    assert outbox.claim_feedback(clock.now + 45) is not None
