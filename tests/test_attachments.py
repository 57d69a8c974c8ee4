"""Scanned papers in the outbox and at the portal: sealed with their dossier, uploaded with their SHA-256 before
it, stored once whatever is repeated, served back as sent, purged with the dossier."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import requests

from kiosk.outbox.store import Attachment, Outbox
from kiosk.portal.client import PortalClient
from kiosk.portal.errors import PortalRejected
from kiosk.portal.sync import SyncEngine
from kiosk.sandbox.server import SandboxServer
from kiosk.security.crypto import Sealer
from tests import portal_fixtures
from tests.fault_soak import scanned_pdf

sandbox = portal_fixtures.sandbox
sandbox_factory = portal_fixtures.sandbox_factory
KEY = bytes(range(32))


@pytest.fixture
def outbox(tmp_path: Path) -> Iterator[Outbox]:
    box = Outbox(tmp_path / "outbox.sqlite3", Sealer(KEY))
    yield box
    box.close()


def client_for(url: str) -> PortalClient:
    return PortalClient(url, portal_fixtures.TEST_CLIENT_ID, lambda: portal_fixtures.TEST_CLIENT_SECRET,
                        read_timeout=2, max_retries=1, sleep=lambda _: None)


def enqueue_with_paper(outbox: Outbox, pdf: bytes) -> str:
    body = portal_fixtures.make_submission(1).model_dump(mode="json", exclude_none=True)
    del body["local_reference"]
    body["attachments"] = [{"paper_id": "giay_chung_sinh", "pages": 2, "bytes": len(pdf),
                            "sha256": hashlib.sha256(pdf).hexdigest()}]
    return outbox.enqueue(body["procedure_code"], body, "HBT", "K01",
                          attachments=[Attachment("giay_chung_sinh", 2, pdf)]).uuid


def test_a_dossier_reaches_the_portal_once_with_its_scanned_paper(sandbox: SandboxServer, outbox: Outbox) -> None:
    pdf = scanned_pdf(90)
    dossier_id = enqueue_with_paper(outbox, pdf)
    raw = outbox._db.execute("SELECT data FROM attachments").fetchone()[0]
    assert b"%PDF" not in raw and pdf[20:60] not in raw  # sealed on disk
    assert outbox.page_counts() == {dossier_id: 2}
    with client_for(sandbox.url) as client:
        assert SyncEngine(outbox, client).drain_once() == 1
        # The answer was lost and the kiosk sends all again: still one dossier, one file.
        client.upload_attachment(uuid.UUID(dossier_id), "giay_chung_sinh", pdf)
        record = outbox.get(dossier_id)
        assert record is not None and record.status == "accepted" and record.official_code
        [dossier] = portal_fixtures.admin_get(sandbox, "/sandbox/dossiers")
        [stored] = portal_fixtures.admin_get(sandbox, "/sandbox/attachments")
        assert stored["attempts"] == 2 and stored["sha256"] == hashlib.sha256(pdf).hexdigest()
        token = client.fetch_token().access_token.get_secret_value()
    served = requests.get(f"{sandbox.url}/api/v1/dossiers/{dossier['code']}/attachments/giay_chung_sinh",
                          headers={"Authorization": f"Bearer {token}"}, timeout=5)
    assert served.status_code == 200 and served.content == pdf


def test_the_portal_refuses_a_damaged_upload_and_another_file_under_the_same_key(sandbox: SandboxServer) -> None:
    key = uuid.uuid4()
    with client_for(sandbox.url) as client:
        token = client.fetch_token().access_token.get_secret_value()
        client.upload_attachment(key, "giay_chung_sinh", scanned_pdf(1))
        with pytest.raises(PortalRejected) as raised:
            client.upload_attachment(key, "giay_chung_sinh", scanned_pdf(2))
        assert raised.value.status == 409
    damaged = requests.put(f"{sandbox.url}/api/v1/attachments/{key}/to_khai", data=scanned_pdf(3),
                           headers={"Authorization": f"Bearer {token}", "Content-Type": "application/pdf",
                                    "Content-Digest": "sha-256=:AAAA:"}, timeout=5)
    assert damaged.status_code == 400


def test_a_dossier_naming_a_paper_never_uploaded_is_refused(sandbox: SandboxServer) -> None:
    submission = portal_fixtures.make_submission(1).model_copy(update={"attachments": None})
    body = submission.model_dump(mode="json", exclude_none=True)
    body["attachments"] = [{"paper_id": "giay_chung_sinh", "pages": 1, "bytes": 10, "sha256": "0" * 64}]
    from kiosk.portal.models import DossierSubmission

    with client_for(sandbox.url) as client, pytest.raises(PortalRejected) as raised:
        client.submit_dossier(uuid.uuid4(), DossierSubmission.model_validate(body))
    assert raised.value.status == 422 and "giay_chung_sinh" in raised.value.detail


def test_scanned_papers_are_purged_with_their_dossier(sandbox: SandboxServer, outbox: Outbox) -> None:
    dossier_id = enqueue_with_paper(outbox, scanned_pdf(5))
    with client_for(sandbox.url) as client:
        SyncEngine(outbox, client).drain_once()
    assert outbox.attachment(dossier_id, "giay_chung_sinh") is not None
    assert outbox.purge(timedelta(0), now=datetime.now(UTC) + timedelta(days=1)) == 1
    assert outbox.attachment(dossier_id, "giay_chung_sinh") is None
    assert outbox._db.execute("SELECT COUNT(*) FROM attachments WHERE data IS NOT NULL").fetchone()[0] == 0
    assert outbox.page_counts() == {dossier_id: 2}  # how many pages it had stays for the statistics
