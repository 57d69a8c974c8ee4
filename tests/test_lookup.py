"""Looking a dossier up on this kiosk: the right code and digits open it, anything else is refused."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from kiosk.outbox.lookup import lookup_local, reference_from_scan
from kiosk.outbox.store import Outbox
from kiosk.security.crypto import Sealer

WITH_PHONE = {"applicant": {"full_name": "Nguyễn Văn An", "phone": "0912 345 678", "id_number": "001060012345"}}
WITHOUT_PHONE = {"applicant": {"full_name": "Trần Thị Bích", "phone": "", "id_number": "001190009876"}}


@pytest.fixture
def box(tmp_path: Path) -> Iterator[Outbox]:
    outbox = Outbox(tmp_path / "o.sqlite3", Sealer(bytes(range(32))))
    yield outbox
    outbox.close()


def test_the_code_and_the_phone_digits_open_the_dossier(box: Outbox) -> None:
    stored = box.enqueue("1.001193", WITH_PHONE, "BTX", "K01")
    found = lookup_local(box, f"  {stored.local_ref} ", "5678")
    assert found is not None
    assert (found.reference, found.procedure_code, found.status) == (stored.local_ref, "1.001193", "queued")
    assert [entry.status for entry in found.timeline] == ["queued"]


def test_an_accepted_dossier_shows_when_the_portal_accepted_it(box: Outbox) -> None:
    stored = box.enqueue("1.001193", WITH_PHONE, "BTX", "K01")
    box.mark_accepted(stored.uuid, "000.00.21.H26-261126-0001", "2026-11-26T03:00:00+00:00")
    found = lookup_local(box, "000.00.21.H26-261126-0001", "5678")
    assert found is not None and found.status == "accepted"
    assert [(e.status, e.at) for e in found.timeline][1] == ("accepted", "2026-11-26T03:00:00+00:00")


@pytest.mark.parametrize("digits", ["5679", "1234", "678", "", "56789"])
def test_wrong_phone_digits_are_refused(box: Outbox, digits: str) -> None:
    stored = box.enqueue("1.001193", WITH_PHONE, "BTX", "K01")
    assert lookup_local(box, stored.local_ref, digits) is None


def test_without_a_phone_the_id_number_digits_open_it_and_others_do_not(box: Outbox) -> None:
    stored = box.enqueue("1.001193", WITHOUT_PHONE, "BTX", "K01")
    assert lookup_local(box, stored.local_ref, "9876") is not None
    assert lookup_local(box, stored.local_ref, "9875") is None


def test_a_dossier_without_any_digits_opens_for_nobody(box: Outbox) -> None:
    stored = box.enqueue("1.001193", {"applicant": {"full_name": "Lê Văn Tám"}}, "BTX", "K01")
    assert lookup_local(box, stored.local_ref, "") is None


def test_an_unknown_code_is_refused(box: Outbox) -> None:
    box.enqueue("1.001193", WITH_PHONE, "BTX", "K01")
    assert lookup_local(box, "BTX-K01-261126-9999", "5678") is None


def test_a_purged_dossier_is_refused_here(box: Outbox) -> None:
    stored = box.enqueue("1.001193", WITH_PHONE, "BTX", "K01")
    box.mark_accepted(stored.uuid, "CODE-1", (datetime.now(UTC) - timedelta(days=40)).isoformat())
    assert lookup_local(box, "CODE-1", "5678") is not None
    assert box.purge(timedelta(days=30)) == 1
    assert lookup_local(box, "CODE-1", "5678") is None


def test_a_receipt_scan_gives_the_code() -> None:
    assert reference_from_scan(" https://dvc.example/tra-cuu?ma=BTX-K01-261126-0001 ") == "BTX-K01-261126-0001"
    assert reference_from_scan("BTX-K01-261126-0001\n") == "BTX-K01-261126-0001"
