"""The sync engine delivers the outbox to the sandbox portal: once per dossier, whatever happens between."""

from __future__ import annotations

import socket
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import portal_fixtures
import pytest

from kiosk.outbox.store import Outbox
from kiosk.portal import PortalClient
from kiosk.portal.sync import SyncEngine, submission_from_outbox
from kiosk.sandbox.server import SandboxServer
from kiosk.security.crypto import Sealer

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
        assert engine.drain_once() == 0
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
