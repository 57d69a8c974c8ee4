"""The portal client against the sandbox portal and against deliberately broken servers, over real HTTP."""

from __future__ import annotations

import contextlib
import datetime as dt
import ipaddress
import json
import logging
import socket
import threading
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from kiosk.portal.client import CatalogResult, NotModified, PortalClient
from kiosk.portal.errors import (
    PortalAuthError,
    PortalError,
    PortalProtocolError,
    PortalRejected,
    PortalUnavailable,
)
from kiosk.portal.models import CommandName, Feedback, Heartbeat
from kiosk.sandbox.server import SandboxServer
from tests import portal_fixtures

sandbox = portal_fixtures.sandbox
sandbox_factory = portal_fixtures.sandbox_factory
make_submission = portal_fixtures.make_submission

SECRET = portal_fixtures.TEST_CLIENT_SECRET


class Sleeps(list[float]):
    """A fake `sleep` that records the delays instead of waiting."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def client_for(url: str, sleeps: Sleeps | None = None, **kwargs: Any) -> PortalClient:
    kwargs.setdefault("read_timeout", 2)
    return PortalClient(url, portal_fixtures.TEST_CLIENT_ID, lambda: SECRET,
                        sleep=Sleeps() if sleeps is None else sleeps, rng=lambda: 0.5, **kwargs)


def admin(server: SandboxServer, method: str, path: str) -> Any:
    response = requests.request(method, server.url + path, timeout=5, headers=portal_fixtures.admin_headers(server))
    response.raise_for_status()
    return response.json()


# --- tokens --------------------------------------------------------------------------------------


def test_one_token_serves_many_calls(sandbox: SandboxServer) -> None:
    with client_for(sandbox.url) as client:
        client.get_catalog(None)
        client.submit_dossier(uuid.uuid4(), make_submission(1))
        client.dossier_status("K01-261126-0001", "5678")
    assert admin(sandbox, "GET", "/sandbox/state")["tokens_issued"] == 1


def test_revoked_token_is_replaced_once_and_the_call_succeeds(sandbox: SandboxServer) -> None:
    with client_for(sandbox.url) as client:
        client.get_catalog(None)
        admin(sandbox, "POST", "/sandbox/tokens/revoke")
        assert isinstance(client.get_catalog(None), CatalogResult)
    assert admin(sandbox, "GET", "/sandbox/state")["tokens_issued"] == 2


class FakeClock:
    def __init__(self, start: float) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now


def test_token_is_renewed_before_it_expires(sandbox_factory: Callable[..., SandboxServer],
                                            caplog: pytest.LogCaptureFixture) -> None:
    portal_clock, kiosk_clock = FakeClock(1_800_000_000.0), FakeClock(100.0)
    server = sandbox_factory(faults="token_ttl=5", clock=portal_clock)
    caplog.set_level(logging.INFO, logger="kiosk.portal.client")
    with client_for(server.url, clock=kiosk_clock) as client:
        assert client.fetch_token().expires_in == 5
        portal_clock.now += 6
        kiosk_clock.now += 6
        client.get_catalog(None)
    assert admin(server, "GET", "/sandbox/state")["tokens_issued"] == 2
    assert "token refused" not in caplog.text  # renewed ahead of time, not after a 401


def test_token_expired_early_on_the_portal_is_refreshed_after_401(
        sandbox_factory: Callable[..., SandboxServer]) -> None:
    portal_clock = FakeClock(1_800_000_000.0)
    server = sandbox_factory(faults="token_ttl=60", clock=portal_clock)
    with client_for(server.url) as client:
        client.get_catalog(None)
        portal_clock.now += 120  # the kiosk still believes its token is good
        assert isinstance(client.get_catalog(None), CatalogResult)
    assert admin(server, "GET", "/sandbox/state")["tokens_issued"] == 2


def test_a_fresh_token_refused_again_is_an_auth_error(sandbox_factory: Callable[..., SandboxServer]) -> None:
    class LeapingClock:
        """Every reading is an hour later, so each token has expired by the time it is used."""

        def __init__(self) -> None:
            self.now = 1_800_000_000.0

        def __call__(self) -> float:
            self.now += 3600
            return self.now

    server = sandbox_factory(faults="token_ttl=60", clock=LeapingClock())
    with client_for(server.url) as client, pytest.raises(PortalAuthError):
        client.get_catalog(None)
    assert admin(server, "GET", "/sandbox/state")["tokens_issued"] == 2


def test_wrong_secret_is_an_auth_error_and_not_retried(sandbox: SandboxServer) -> None:
    sleeps = Sleeps()
    client = PortalClient(sandbox.url, "kiosk-demo", lambda: "wrong", sleep=sleeps)
    with client, pytest.raises(PortalAuthError):
        client.get_catalog(None)
    assert sleeps == []


# --- dossiers ------------------------------------------------------------------------------------


def test_same_key_twice_gives_one_dossier_and_the_same_receipt(sandbox: SandboxServer) -> None:
    key = uuid.uuid4()
    with client_for(sandbox.url) as client:
        first = client.submit_dossier(key, make_submission(1))
        again = client.submit_dossier(key, make_submission(1))
    assert again == first
    dossiers = admin(sandbox, "GET", "/sandbox/dossiers")
    assert [(d["idempotency_key"], d["code"], d["attempts"]) for d in dossiers] == [
        (str(key), first.dossier_code, 2)]


def test_the_portal_receives_what_the_resident_entered(sandbox: SandboxServer) -> None:
    submission = make_submission(1)
    with client_for(sandbox.url) as client:
        receipt = client.submit_dossier(uuid.uuid4(), submission)
    stored = admin(sandbox, "GET", f"/sandbox/dossiers/{receipt.dossier_code}")
    assert stored["applicant"]["full_name"] == "Nguyễn Thị Thử"
    assert stored["answers"] == {"pages": "3"}
    assert receipt.fee_vnd == 6000  # 3 pages at 2,000 đ


def test_key_reused_for_another_dossier_is_rejected(sandbox: SandboxServer) -> None:
    key = uuid.uuid4()
    with client_for(sandbox.url) as client:
        client.submit_dossier(key, make_submission(1))
        with pytest.raises(PortalRejected) as caught:
            client.submit_dossier(key, make_submission(2))
    assert caught.value.status == 409
    assert len(admin(sandbox, "GET", "/sandbox/dossiers")) == 1


def test_rejected_dossier_carries_the_reason_and_is_not_retried(sandbox: SandboxServer) -> None:
    sleeps = Sleeps()
    with client_for(sandbox.url, sleeps) as client, pytest.raises(PortalRejected) as caught:
        client.submit_dossier(uuid.uuid4(), make_submission(1, procedure_code="9.999999"))
    assert caught.value.status == 422
    assert "không có trong danh mục" in caught.value.detail
    assert sleeps == []
    assert admin(sandbox, "GET", "/sandbox/dossiers") == []


def test_status_by_official_code_and_by_local_reference(sandbox: SandboxServer) -> None:
    with client_for(sandbox.url) as client:
        receipt = client.submit_dossier(uuid.uuid4(), make_submission(7, phone="0987654321"))
        admin(sandbox, "POST", f"/sandbox/dossiers/{receipt.dossier_code}/advance")
        by_code = client.dossier_status(receipt.dossier_code, "4321")
        by_reference = client.dossier_status("K01-261126-0007", "4321")
    assert by_code == by_reference
    assert by_code.dossier_code == receipt.dossier_code
    assert [entry.status.value for entry in by_code.timeline] == ["received", "processing"]
    assert by_code.status.value == "processing"


def test_status_with_wrong_phone_digits_is_refused(sandbox: SandboxServer) -> None:
    with client_for(sandbox.url) as client:
        receipt = client.submit_dossier(uuid.uuid4(), make_submission(1, phone="0987654321"))
        with pytest.raises(PortalRejected) as wrong_phone:
            client.dossier_status(receipt.dossier_code, "1234")
        with pytest.raises(PortalRejected) as unknown:
            client.dossier_status("000.00.21.H26-010101-9999", "4321")
        with pytest.raises(ValueError, match="four digits"):
            client.dossier_status(receipt.dossier_code, "12a4")
    assert wrong_phone.value.status == 403
    assert unknown.value.status == 404


# --- catalog, feedback, heartbeat, statistics ----------------------------------------------------


def test_catalog_is_downloaded_then_not_modified(sandbox: SandboxServer) -> None:
    with client_for(sandbox.url) as client:
        catalog = client.get_catalog(None)
        assert isinstance(catalog, CatalogResult)
        assert [p.code for p in catalog.procedures] == [portal_fixtures.COPY_CERTIFICATION]
        assert catalog.procedures[0].name.vi == "Chứng thực bản sao từ bản chính"
        assert catalog.etag
        assert client.get_catalog(catalog.etag) == NotModified(catalog.etag)


def test_feedback_is_stored_once_per_key(sandbox: SandboxServer) -> None:
    key = uuid.uuid4()
    rating = Feedback(kiosk_id="k1", site_id="s1", kind="rating", rating=5)
    with client_for(sandbox.url) as client:
        client.send_feedback(key, rating)
        client.send_feedback(key, rating)
    stored = admin(sandbox, "GET", "/sandbox/feedback")
    assert [(f["rating"], f["attempts"]) for f in stored] == [(5, 2)]


def test_heartbeat_returns_commands_once(sandbox: SandboxServer) -> None:
    requests.post(sandbox.url + "/sandbox/commands", timeout=5, headers=portal_fixtures.admin_headers(sandbox), json={
        "kiosk_id": "k1", "command": {"name": "apply_settings", "settings": {"idle_timeout_s": 90}}}
    ).raise_for_status()
    with client_for(sandbox.url) as client:
        catalog = client.get_catalog(None)
        assert isinstance(catalog, CatalogResult)
        beat = Heartbeat(kiosk_id="k1", site_id="s1", version="0.1.0", uptime_s=60, outbox_depth=0,
                         printer_state="ok", catalog_version=catalog.version)
        first = client.heartbeat(beat)
        second = client.heartbeat(beat)
        stale = client.heartbeat(beat.model_copy(update={"catalog_version": "old"}))
    assert [(c.name, c.settings) for c in first] == [(CommandName.APPLY_SETTINGS, {"idle_timeout_s": 90})]
    assert second == []
    assert [c.name for c in stale] == [CommandName.RELOAD_CATALOG]
    assert len(admin(sandbox, "GET", "/sandbox/heartbeats")) == 3


def test_daily_statistics_for_the_same_day_replace_earlier_ones(sandbox: SandboxServer) -> None:
    from kiosk.portal.models import DailyStatistics, ProcedureStatistics

    def stats(sessions: int) -> DailyStatistics:
        return DailyStatistics(
            kiosk_id="k1", site_id="s1", date=dt.date(2026, 11, 26), sessions=sessions,
            procedures={portal_fixtures.COPY_CERTIFICATION: ProcedureStatistics(
                started=sessions, completed=sessions - 1, abandoned=1, abandoned_at_step={"copies": 1})},
            ratings={"5": 2, "4": 1}, median_duration_s=182.5)

    with client_for(sandbox.url) as client:
        client.send_daily_statistics(stats(10))
        client.send_daily_statistics(stats(12))
    stored = admin(sandbox, "GET", "/sandbox/statistics")
    assert [(s["date"], s["sessions"]) for s in stored] == [("2026-11-26", 12)]


# --- faults: every dossier accepted exactly once --------------------------------------------------


@pytest.mark.parametrize(("spec", "fault"), [
    ("error500=0.3,seed=1", "error500"),
    ("drop=0.3,seed=2", "drop"),
    ("timeout=0.3:1,seed=3", "timeout"),
    ("malformed=0.3,seed=4", "malformed"),
    ("rate429=0.3:1,seed=5", "rate429"),
    ("error503=0.3:1,seed=6", "error503"),
    ("latency=0.01,error500=0.1,drop=0.1,timeout=0.05:1,malformed=0.1,rate429=0.1:1,seed=7", None),
])
def test_thirty_dossiers_through_faults_are_each_accepted_once(
        sandbox_factory: Callable[..., SandboxServer], spec: str, fault: str | None) -> None:
    server = sandbox_factory(faults=spec)
    keys = [uuid.uuid4() for _ in range(30)]
    receipts = {}
    with client_for(server.url, read_timeout=0.25, max_retries=12) as client:
        for number, key in enumerate(keys, start=1):
            receipts[str(key)] = client.submit_dossier(key, make_submission(number)).dossier_code
    dossiers = admin(server, "GET", "/sandbox/dossiers")
    assert sorted(d["idempotency_key"] for d in dossiers) == sorted(receipts)
    assert {d["idempotency_key"]: d["code"] for d in dossiers} == receipts
    faults = admin(server, "GET", "/sandbox/state")["faults"]
    if fault is not None:
        assert faults[fault] > 0
    if fault in ("error500", "drop", "timeout", "malformed"):
        # These strike after the dossier was stored: the retry found it instead of storing it again.
        assert any(d["attempts"] > 1 for d in dossiers)


def test_retry_after_is_honoured_and_capped(sandbox_factory: Callable[..., SandboxServer]) -> None:
    server = sandbox_factory(faults="rate429=1.0:3")
    sleeps = Sleeps()
    with client_for(server.url, sleeps, max_retries=2) as client, pytest.raises(PortalUnavailable):
        client.submit_dossier(uuid.uuid4(), make_submission(1))
    assert sleeps == [3.0, 3.0]
    capped = Sleeps()
    with client_for(server.url, capped, max_retries=1, max_backoff=2.0) as client, \
            pytest.raises(PortalUnavailable):
        client.get_catalog(None)
    assert capped == [2.0]


def test_backoff_grows_exponentially_with_jitter(sandbox_factory: Callable[..., SandboxServer]) -> None:
    server = sandbox_factory(faults="error500=1.0")
    sleeps = Sleeps()
    client = PortalClient(server.url, "kiosk-demo", lambda: SECRET, max_retries=4, backoff_base=0.5,
                          sleep=sleeps, rng=lambda: 1.0)
    with client, pytest.raises(PortalUnavailable):
        client.get_catalog(None)
    assert sleeps == [0.5, 1.0, 2.0, 4.0]


def test_portal_down_is_unavailable_after_retries() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # nothing listens here once closed
    sleeps = Sleeps()
    with client_for(f"http://127.0.0.1:{port}", sleeps, max_retries=3) as client, \
            pytest.raises(PortalUnavailable):
        client.get_catalog(None)
    assert len(sleeps) == 3


# --- answers that are not answers ----------------------------------------------------------------


class CannedServer:
    """A raw socket server: answers /oauth/token properly and everything else with fixed bytes."""

    TOKEN = json.dumps({"access_token": "t0k3n", "token_type": "Bearer", "expires_in": 3600}).encode()

    def __init__(self, answer: bytes) -> None:
        self.answer = answer
        self.requests: list[bytes] = []
        self._socket = socket.create_server(("127.0.0.1", 0))
        self._socket.settimeout(0.1)
        self.url = f"http://127.0.0.1:{self._socket.getsockname()[1]}"
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def __enter__(self) -> CannedServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(5)
        self._socket.close()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                connection, _ = self._socket.accept()
            except TimeoutError:
                continue
            with connection:
                connection.settimeout(2)
                request_line = self._read_request(connection)
                if request_line.startswith(b"POST /oauth/token"):
                    connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                                       b"Content-Length: %d\r\nConnection: close\r\n\r\n" % len(self.TOKEN)
                                       + self.TOKEN)
                else:
                    self.requests.append(request_line)
                    with contextlib.suppress(OSError):  # the client hangs up on a huge answer, as it should
                        connection.sendall(self.answer)

    @staticmethod
    def _read_request(connection: socket.socket) -> bytes:
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = connection.recv(65536)
            if not chunk:
                break
            data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        for line in head.split(b"\r\n"):
            if line.lower().startswith(b"content-length:"):
                missing = int(line.split(b":")[1]) - len(body)
                while missing > 0:
                    chunk = connection.recv(missing)
                    if not chunk:
                        break
                    missing -= len(chunk)
        return head.split(b"\r\n")[0]


def http_answer(body: bytes, content_type: bytes = b"application/json", status: bytes = b"200 OK",
                length: int | None = None) -> bytes:
    size = len(body) if length is None else length
    return (b"HTTP/1.1 " + status + b"\r\nContent-Type: " + content_type + b"\r\nContent-Length: "
            + str(size).encode() + b"\r\nConnection: close\r\n\r\n" + body)


HUGE = b'{"version": "1", "procedures": [' + b'{"a": "' + b"x" * (3 * 1024 * 1024) + b'"}]}'
GARBAGE: dict[str, tuple[bytes, type[PortalError]]] = {
    "html": (http_answer(b"<html><body>Gateway error</body></html>", b"text/html"), PortalProtocolError),
    "invalid json": (http_answer(b'{"version": "1", "procedures": ['), PortalProtocolError),
    "invalid utf-8": (http_answer(b'{"version": "\xff\xfe", "procedures": []}'), PortalProtocolError),
    "wrong types": (http_answer(b'{"version": 7, "procedures": "all"}'), PortalProtocolError),
    "missing fields": (http_answer(b'{"procedures": []}'), PortalProtocolError),
    "not a procedure": (http_answer(b'{"version": "1", "procedures": [{"code": "x"}]}'), PortalProtocolError),
    "deep nesting": (http_answer(b'{"version": "1", "procedures": ' + b"[" * 5000 + b"]" * 5000 + b"}"),
                     PortalProtocolError),
    "huge, declared": (http_answer(HUGE), PortalProtocolError),
    "huge, undeclared": (b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n"
                         + HUGE, PortalProtocolError),
    "cut short": (http_answer(b'{"version": "1"', length=500), PortalUnavailable),
    "not http": (b"SSH-2.0-OpenSSH_9.6\r\n", PortalUnavailable),
    "silence": (b"", PortalUnavailable),
    "redirect": (b"HTTP/1.1 302 Found\r\nLocation: http://example.invalid/\r\nContent-Length: 0\r\n"
                 b"Connection: close\r\n\r\n", PortalProtocolError),
    "html error page": (http_answer(b"<h1>Forbidden</h1>", b"text/html", b"403 Forbidden"), PortalRejected),
}


@pytest.mark.parametrize("name", list(GARBAGE))
def test_garbage_answers_become_portal_errors(name: str, caplog: pytest.LogCaptureFixture) -> None:
    answer, expected = GARBAGE[name]
    sleeps = Sleeps()
    with CannedServer(answer) as server, client_for(server.url, sleeps, max_retries=2) as client:
        with pytest.raises(expected):
            client.get_catalog(None)
        attempts = len(server.requests)
    retried = expected is not PortalRejected
    assert attempts == (3 if retried else 1)
    assert len(sleeps) == attempts - 1
    if expected is PortalProtocolError:
        assert "malformed answer from the portal" in caplog.text


GOOD_RECEIPT = {"dossier_code": "000.00.21.H26-261126-0001", "received_at": "2026-11-26T09:30:00+07:00",
                "appointment_date": "2026-11-27", "status_url": "https://portal.example/x", "fee_vnd": 6000}


@pytest.mark.parametrize("change", [
    {"fee_vnd": "6000"},
    {"fee_vnd": True},
    {"fee_vnd": 6000.5},
    {"fee_vnd": -1},
    {"received_at": 1795000000},
    {"received_at": "2026-11-26T09:30:00"},  # no offset: the kiosk cannot know when that was
    {"appointment_date": "27/11/2026"},
    {"dossier_code": "../../etc/passwd"},
    {"dossier_code": None},
])
def test_receipts_with_loose_types_are_refused(change: dict[str, Any]) -> None:
    body = json.dumps({**GOOD_RECEIPT, **change}).encode()
    with CannedServer(http_answer(body, status=b"201 Created")) as server, \
            client_for(server.url, max_retries=0) as client, pytest.raises(PortalProtocolError):
        client.submit_dossier(uuid.uuid4(), make_submission(1))


def test_a_well_typed_receipt_is_taken() -> None:
    body = json.dumps({**GOOD_RECEIPT, "fee_vnd": 6000.0, "extra": "ignored"}).encode()
    with CannedServer(http_answer(body, status=b"201 Created")) as server, client_for(server.url) as client:
        receipt = client.submit_dossier(uuid.uuid4(), make_submission(1))
    assert (receipt.dossier_code, receipt.fee_vnd) == ("000.00.21.H26-261126-0001", 6000)


def test_heartbeat_is_not_retried(caplog: pytest.LogCaptureFixture) -> None:
    beat = Heartbeat(kiosk_id="k1", site_id="s1", version="0.1.0", uptime_s=1, outbox_depth=0,
                     printer_state="ok", catalog_version="")
    with CannedServer(http_answer(b"{}", status=b"500 Internal Server Error")) as server, \
            client_for(server.url) as client, pytest.raises(PortalUnavailable):
        client.heartbeat(beat)
    assert len(server.requests) == 1


def test_unknown_heartbeat_commands_are_dropped() -> None:
    body = json.dumps({"commands": [{"name": "format_disk"}, {"name": "end_session"},
                                    {"name": "apply_settings", "settings": "not an object"}]}).encode()
    beat = Heartbeat(kiosk_id="k1", site_id="s1", version="0.1.0", uptime_s=1, outbox_depth=0,
                     printer_state="ok", catalog_version="")
    with CannedServer(http_answer(body)) as server, client_for(server.url) as client:
        assert [c.name for c in client.heartbeat(beat)] == [CommandName.END_SESSION]


# --- privacy and transport security --------------------------------------------------------------


def test_logs_carry_no_secret_token_or_personal_data(sandbox: SandboxServer,
                                                     caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    submission = make_submission(1, phone="0911222333")
    with client_for(sandbox.url) as client:
        token = client.fetch_token().access_token.get_secret_value()
        receipt = client.submit_dossier(uuid.uuid4(), submission)
        client.dossier_status(receipt.dossier_code, "2333")
        with pytest.raises(PortalRejected):
            client.dossier_status(receipt.dossier_code, "0000")
    logged = caplog.text
    assert "POST /api/v1/dossiers -> 201" in logged
    for private in (SECRET, token, submission.applicant.full_name, submission.applicant.id_number,
                    submission.applicant.phone, "phone_last4=", "Số 1 phố"):
        assert private is not None and private not in logged


def test_plain_http_is_refused_except_to_loopback() -> None:
    with pytest.raises(ValueError, match="loopback"):
        PortalClient("http://portal.example.org", "kiosk", lambda: SECRET)
    PortalClient("http://localhost:8765", "kiosk", lambda: SECRET).close()
    PortalClient("https://portal.example.org", "kiosk", lambda: SECRET).close()


def _certificates(directory: Path) -> tuple[Path, Path, Path]:
    """A throwaway CA and a certificate for 127.0.0.1 signed by it: (ca, cert, key) files."""
    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "kiosk test CA")])
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name)
          .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
          .not_valid_before(now - dt.timedelta(hours=1)).not_valid_after(now + dt.timedelta(days=1))
          .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
          .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                       content_commitment=False, key_encipherment=False,
                                       data_encipherment=False, key_agreement=False, encipher_only=False,
                                       decipher_only=False), critical=True)
          .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
          .sign(ca_key, hashes.SHA256()))
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
            .issuer_name(ca_name).public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(hours=1)).not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
                           critical=False)
            .sign(ca_key, hashes.SHA256()))
    paths = directory / "ca.pem", directory / "cert.pem", directory / "key.pem"
    paths[0].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    paths[1].write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    paths[2].write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return paths


@pytest.fixture
def tls_sandbox(sandbox_factory: Callable[..., SandboxServer], tmp_path: Path) -> Iterator[tuple[str, Path]]:
    ca, cert, key = _certificates(tmp_path)
    server = sandbox_factory(ssl_certfile=str(cert), ssl_keyfile=str(key))
    yield server.url, ca


def test_tls_is_verified_against_the_configured_ca(tls_sandbox: tuple[str, Path]) -> None:
    url, ca = tls_sandbox
    assert url.startswith("https://")
    with client_for(url, ca_bundle=str(ca)) as trusting:
        assert isinstance(trusting.get_catalog(None), CatalogResult)
    sleeps = Sleeps()
    with client_for(url, sleeps) as default_trust, pytest.raises(PortalUnavailable, match="TLS"):
        default_trust.get_catalog(None)
    assert sleeps == []  # a certificate problem is not transient
