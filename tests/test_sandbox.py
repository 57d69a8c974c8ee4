"""The sandbox portal itself: its contract behaviour, its controls and its faults, over real HTTP."""

from __future__ import annotations

import json
import re
import socket
import time
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import portal_fixtures
import pytest
import requests

from kiosk.files.paths import procedures_dir
from kiosk.sandbox.faults import Fault, FaultDice, FaultPlan
from kiosk.sandbox.server import SandboxServer, loopback_address, sandbox_command

sandbox = portal_fixtures.sandbox
sandbox_factory = portal_fixtures.sandbox_factory

VIETNAM = timezone(timedelta(hours=7))
FRIDAY_MORNING = datetime(2026, 11, 27, 9, 0, tzinfo=VIETNAM).timestamp()


class Clock:
    def __init__(self, start: float) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now


def token(server: SandboxServer) -> str:
    response = requests.post(server.url + "/oauth/token", timeout=5, data={
        "grant_type": "client_credentials", "client_id": "kiosk-demo", "client_secret": "demo-secret"})
    response.raise_for_status()
    return str(response.json()["access_token"])


def submit(server: SandboxServer, number: int, key: uuid.UUID | None = None, **changes: Any) -> requests.Response:
    body = portal_fixtures.make_submission(number).model_dump(mode="json", exclude_none=True)
    body.update(changes)
    return requests.post(server.url + "/api/v1/dossiers", json=body, timeout=5, headers={
        "Authorization": f"Bearer {token(server)}", "Idempotency-Key": str(key or uuid.uuid4())})


def raw_exchange(server: SandboxServer, request: bytes, timeout: float = 2.0) -> bytes:
    """Send raw bytes and return everything the server answers before closing (b"" when it drops us)."""
    with socket.create_connection((server.host, server.port), timeout=timeout) as connection:
        connection.sendall(request)
        received = b""
        try:
            while chunk := connection.recv(65536):
                received += chunk
        except ConnectionResetError:
            pass
        return received


# --- fault specs ---------------------------------------------------------------------------------


def test_fault_spec_from_the_documentation_parses() -> None:
    plan = FaultPlan.parse("latency=0.2,error500=0.1,rate429=0.05:2,timeout=0.02,drop=0.02,"
                           "malformed=0.02,token_ttl=5,seed=42")
    assert plan.latency == 0.2
    assert plan.probabilities == {Fault.SERVER_ERROR: 0.1, Fault.RATE_LIMIT: 0.05, Fault.TIMEOUT: 0.02,
                                  Fault.DROP: 0.02, Fault.MALFORMED: 0.02}
    assert plan.seconds_for(Fault.RATE_LIMIT) == 2
    assert plan.seconds_for(Fault.TIMEOUT) == 15
    assert (plan.token_ttl, plan.seed) == (5, 42)


@pytest.mark.parametrize(("spec", "message"), [
    ("error500", "not name=value"),
    ("explode=0.1", "unknown fault"),
    ("drop=1.5", "between 0 and 1"),
    ("drop=0.1:3", "takes no seconds"),
    ("latency=-1", "negative"),
    ("token_ttl=0", "at least 1"),
    ("error500=0.6,drop=0.6", "more than 1"),
    ("seed=abc", "seed=abc"),
])
def test_bad_fault_specs_are_refused_with_the_reason(spec: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        FaultPlan.parse(spec)


def test_the_same_seed_draws_the_same_faults() -> None:
    plan = FaultPlan.parse("error500=0.3,drop=0.3,seed=9")
    first, second = FaultDice(plan), FaultDice(plan)
    assert [first.roll() for _ in range(50)] == [second.roll() for _ in range(50)]
    assert {first.roll() for _ in range(200)} == {Fault.SERVER_ERROR, Fault.DROP, None}


def test_drop_closes_the_connection_without_a_byte(sandbox_factory: Callable[..., SandboxServer]) -> None:
    server = sandbox_factory(faults="drop=1.0")
    answer = raw_exchange(server, b"GET /api/v1/catalog HTTP/1.1\r\nHost: sandbox\r\n\r\n")
    assert answer == b""
    assert portal_fixtures.admin_get(server, "/sandbox/state")["faults"]["drop"] == 1


def test_malformed_answers_are_not_json(sandbox_factory: Callable[..., SandboxServer]) -> None:
    server = sandbox_factory(faults="malformed=1.0")
    response = requests.get(server.url + "/api/v1/catalog", timeout=5,
                            headers={"Authorization": f"Bearer {token(server)}"})
    assert response.status_code == 200
    with pytest.raises(json.JSONDecodeError):
        json.loads(response.content)


def test_rate_limit_answers_429_with_retry_after(sandbox_factory: Callable[..., SandboxServer]) -> None:
    server = sandbox_factory(faults="rate429=1.0:7")
    response = submit(server, 1)
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "7"
    assert response.headers["Content-Type"] == "application/problem+json"
    assert portal_fixtures.admin_get(server, "/sandbox/dossiers") == []  # not processed


def test_server_error_strikes_after_the_dossier_is_stored(sandbox_factory: Callable[..., SandboxServer]) -> None:
    server = sandbox_factory(faults="error500=1.0")
    response = submit(server, 1)
    assert response.status_code == 500
    assert len(portal_fixtures.admin_get(server, "/sandbox/dossiers")) == 1


def test_timeout_holds_the_answer_but_not_the_shutdown(sandbox_factory: Callable[..., SandboxServer]) -> None:
    server = sandbox_factory(faults="timeout=1.0:30")
    with pytest.raises(requests.ReadTimeout):
        requests.get(server.url + "/api/v1/catalog", timeout=(1, 0.3))
    started = time.monotonic()
    server.stop()
    assert time.monotonic() - started < 3


def test_latency_delays_affected_routes_only(sandbox_factory: Callable[..., SandboxServer]) -> None:
    server = sandbox_factory(faults="latency=0.3")
    started = time.monotonic()
    requests.get(server.url + "/api/v1/catalog", timeout=5)
    assert time.monotonic() - started >= 0.3
    started = time.monotonic()
    token(server)
    assert time.monotonic() - started < 0.3


def test_token_ttl_from_the_fault_spec(sandbox_factory: Callable[..., SandboxServer]) -> None:
    server = sandbox_factory(faults="token_ttl=5")
    response = requests.post(server.url + "/oauth/token", timeout=5, data={
        "grant_type": "client_credentials", "client_id": "kiosk-demo", "client_secret": "demo-secret"})
    assert response.json()["expires_in"] == 5


# --- binding -------------------------------------------------------------------------------------


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.20", "::", "portal.example.org"])
def test_sandbox_refuses_non_loopback_addresses(host: str) -> None:
    with pytest.raises(ValueError, match="loopback"):
        SandboxServer(host=host)


def test_localhost_means_ipv4_loopback() -> None:
    assert loopback_address("localhost") == "127.0.0.1"
    assert loopback_address("127.0.0.2") == "127.0.0.2"


def test_cli_refuses_a_bad_fault_spec(capsys: pytest.CaptureFixture[str]) -> None:
    assert sandbox_command(0, "explode=1", None) == 2
    assert "explode=1" in capsys.readouterr().err


# --- the contract as the sandbox serves it -------------------------------------------------------


def test_requests_without_a_valid_token_get_401_problem(sandbox: SandboxServer) -> None:
    for headers in ({}, {"Authorization": "Bearer forged"}, {"Authorization": "Basic a2lvc2s6eA=="}):
        response = requests.get(sandbox.url + "/api/v1/catalog", headers=headers, timeout=5)
        assert response.status_code == 401
        assert response.headers["Content-Type"] == "application/problem+json"
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
        assert response.json()["status"] == 401


def test_token_endpoint_refuses_bad_clients(sandbox: SandboxServer) -> None:
    def ask(**form: str) -> requests.Response:
        return requests.post(sandbox.url + "/oauth/token", data=form, timeout=5)

    wrong = ask(grant_type="client_credentials", client_id="kiosk-demo", client_secret="guess")
    assert (wrong.status_code, wrong.json()["error"]) == (401, "invalid_client")
    grant = ask(grant_type="password", client_id="kiosk-demo", client_secret="demo-secret")
    assert (grant.status_code, grant.json()["error"]) == (400, "unsupported_grant_type")
    as_json = requests.post(sandbox.url + "/oauth/token", json={"grant_type": "client_credentials"}, timeout=5)
    assert as_json.status_code == 400
    missing = ask(grant_type="client_credentials", client_id="kiosk-demo")
    assert (missing.status_code, missing.json()["error"]) == (400, "invalid_request")
    assert "client_secret" in missing.json()["detail"]


def test_unknown_routes_answer_problem_details(sandbox: SandboxServer) -> None:
    response = requests.get(sandbox.url + "/api/v1/nothing", timeout=5)
    assert response.status_code == 404
    assert response.headers["Content-Type"] == "application/problem+json"
    assert response.json()["title"] == "Not Found"


def test_missing_idempotency_key_is_a_bad_request(sandbox: SandboxServer) -> None:
    body = portal_fixtures.make_submission(1).model_dump(mode="json", exclude_none=True)
    response = requests.post(sandbox.url + "/api/v1/dossiers", json=body, timeout=5,
                             headers={"Authorization": f"Bearer {token(sandbox)}"})
    assert response.status_code == 400
    assert "Idempotency-Key" in response.json()["detail"]


def test_invalid_body_is_422_without_echoing_personal_data(sandbox: SandboxServer) -> None:
    response = submit(sandbox, 1, applicant={"full_name": "Trần Văn Bí Mật", "id_number": "12", "phone": "x"})
    assert response.status_code == 422
    problem = response.json()
    assert "applicant.id_number" in problem["detail"]
    assert "Bí Mật" not in response.text


def test_dossier_codes_carry_the_agency_and_day_and_40_random_bits(
        sandbox_factory: Callable[..., SandboxServer]) -> None:
    server = sandbox_factory(clock=Clock(FRIDAY_MORNING))
    codes = [submit(server, n).json()["dossier_code"] for n in range(1, 21)]
    pattern = r"000\.00\.21\.H26-261127-([2-9A-HJ-NP-Z]{4})-([2-9A-HJ-NP-Z]{4})"
    assert all(re.fullmatch(pattern, code) for code in codes), codes  # no 0/O or 1/I to misread
    assert len(set(codes)) == len(codes)
    # Not a sequence: the random parts of consecutive dossiers share no common prefix run.
    randoms = [code[-9:] for code in codes]
    assert randoms != sorted(randoms)


def test_status_lookups_are_rate_limited_per_client(sandbox_factory: Callable[..., SandboxServer]) -> None:
    clock = Clock(FRIDAY_MORNING)
    server = sandbox_factory(clock=clock, lookups_per_minute=5)
    code = submit(server, 1).json()["dossier_code"]
    auth = {"Authorization": f"Bearer {token(server)}"}

    def lookup(digits: str) -> requests.Response:
        return requests.get(f"{server.url}/api/v1/dossiers/{code}/status", params={"phone_last4": digits},
                            headers=auth, timeout=5)

    answers = [lookup(f"{n:04d}").status_code for n in range(5)]  # a guesser trying phone digits
    assert answers == [403] * 5
    refused = lookup("5678")  # even the right digits wait now
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) >= 1
    clock.now += 61
    assert lookup("5678").status_code == 200


def test_sandbox_controls_need_the_admin_token(sandbox: SandboxServer) -> None:
    for method, path in (("GET", "/sandbox/dossiers"), ("GET", "/sandbox/state"), ("POST", "/sandbox/tokens/revoke"),
                         ("POST", "/sandbox/dossiers/X/advance"), ("GET", "/sandbox/feedback")):
        refused = requests.request(method, sandbox.url + path, timeout=5)
        assert refused.status_code == 401, path
        wrong = requests.request(method, sandbox.url + path, timeout=5, headers={"X-Sandbox-Admin-Token": "guess"})
        assert wrong.status_code == 401, path
    assert portal_fixtures.admin_get(sandbox, "/sandbox/dossiers") == []


def test_receipt_counts_working_days_and_caps_the_fee(sandbox_factory: Callable[..., SandboxServer]) -> None:
    server = sandbox_factory(clock=Clock(FRIDAY_MORNING))
    body = portal_fixtures.make_submission(1).model_dump(mode="json", exclude_none=True)
    body["answers"] = {"pages": "150"}
    response = requests.post(server.url + "/api/v1/dossiers", json=body, timeout=5, headers={
        "Authorization": f"Bearer {token(server)}", "Idempotency-Key": str(uuid.uuid4())})
    receipt = response.json()
    assert response.status_code == 201
    assert receipt["received_at"] == "2026-11-27T09:00:00+07:00"
    assert receipt["appointment_date"] == "2026-11-30"  # one working day after a Friday is Monday
    assert receipt["fee_vnd"] == 200_000  # 150 pages at 2,000 đ, capped per copy


def test_admin_advance_walks_the_usual_course_or_jumps(sandbox: SandboxServer) -> None:
    code = submit(sandbox, 1).json()["dossier_code"]

    def advance(query: str = "") -> Any:
        return requests.post(f"{sandbox.url}/sandbox/dossiers/{code}/advance{query}", timeout=5,
                             headers=portal_fixtures.admin_headers(sandbox)).json()

    assert advance()["status"] == "processing"
    assert advance("?to=needs_more_papers&note=Thiếu bản sao")["status"] == "needs_more_papers"
    assert advance()["status"] == "processing"
    final = advance()
    assert final["status"] == "done"
    assert [e["status"] for e in final["timeline"]] == [
        "received", "processing", "needs_more_papers", "processing", "done"]
    assert final["timeline"][2]["note"] == "Thiếu bản sao"
    assert advance()["status"] == "done"  # the course ends there


def test_status_advances_with_time_when_configured(sandbox_factory: Callable[..., SandboxServer]) -> None:
    clock = Clock(FRIDAY_MORNING)
    server = sandbox_factory(clock=clock, auto_advance_s=60)
    code = submit(server, 1).json()["dossier_code"]
    auth = {"Authorization": f"Bearer {token(server)}"}

    def status() -> Any:
        return requests.get(f"{server.url}/api/v1/dossiers/{code}/status?phone_last4=5678", headers=auth,
                            timeout=5).json()

    assert status()["status"] == "received"
    clock.now += 61
    assert status()["status"] == "processing"
    clock.now += 200
    done = status()
    assert done["status"] == "done"
    assert [e["at"] for e in done["timeline"]] == [
        "2026-11-27T09:00:00+07:00", "2026-11-27T09:01:00+07:00", "2026-11-27T09:02:00+07:00"]


def test_catalog_etag_follows_the_files(sandbox_factory: Callable[..., SandboxServer], tmp_path: Path) -> None:
    directory = portal_fixtures.write_procedures(tmp_path / "catalog")
    server = sandbox_factory(procedures=directory)
    auth = {"Authorization": f"Bearer {token(server)}"}
    first = requests.get(server.url + "/api/v1/catalog", headers=auth, timeout=5)
    assert first.status_code == 200
    etag = first.headers["ETag"]
    assert requests.get(server.url + "/api/v1/catalog", timeout=5,
                        headers={**auth, "If-None-Match": f"W/{etag}"}).status_code == 304
    changed = dict(portal_fixtures.TEST_PROCEDURE, popular=True)
    portal_fixtures.write_procedures(directory, changed)
    second = requests.get(server.url + "/api/v1/catalog", headers={**auth, "If-None-Match": etag}, timeout=5)
    assert second.status_code == 200
    assert second.headers["ETag"] != etag
    assert second.json()["version"] != first.json()["version"]
    assert second.json()["procedures"][0]["popular"] is True


def test_invalid_procedure_files_are_left_out(sandbox_factory: Callable[..., SandboxServer], tmp_path: Path) -> None:
    directory = portal_fixtures.write_procedures(tmp_path / "catalog")
    (directory / "broken.json").write_text('{"code": "1.000001"}', encoding="utf-8")
    server = sandbox_factory(procedures=directory)
    catalog = requests.get(server.url + "/api/v1/catalog", timeout=5,
                           headers={"Authorization": f"Bearer {token(server)}"}).json()
    assert [p["code"] for p in catalog["procedures"]] == [portal_fixtures.COPY_CERTIFICATION]


def test_bundled_catalog_is_the_default(sandbox_factory: Callable[..., SandboxServer]) -> None:
    server = sandbox_factory(procedures=procedures_dir())
    catalog = requests.get(server.url + "/api/v1/catalog", timeout=5,
                           headers={"Authorization": f"Bearer {token(server)}"}).json()
    bundled = {json.loads(f.read_text(encoding="utf-8"))["code"] for f in procedures_dir().glob("*.json")}
    assert {p["code"] for p in catalog["procedures"]} == bundled
    unstarted = SandboxServer()
    try:
        assert unstarted.state.settings.procedures == procedures_dir()
    finally:
        unstarted.stop()


def test_dossiers_survive_a_restart_on_the_same_database(tmp_path: Path) -> None:
    procedures = portal_fixtures.write_procedures(tmp_path / "catalog")
    database = tmp_path / "portal.sqlite3"
    clock = Clock(FRIDAY_MORNING)
    with portal_fixtures.running_sandbox(procedures, db_path=database, clock=clock) as first:
        key = uuid.uuid4()
        code = submit(first, 1, key).json()["dossier_code"]
    with portal_fixtures.running_sandbox(procedures, db_path=database, clock=clock) as second:
        replay = submit(second, 1, key)
        assert (replay.status_code, replay.json()["dossier_code"]) == (200, code)
        assert submit(second, 2).json()["dossier_code"] != code
        assert len(portal_fixtures.admin_get(second, "/sandbox/dossiers")) == 2


def test_cli_serves_until_ctrl_c() -> None:
    import signal
    import subprocess
    import sys

    process = subprocess.Popen(
        [sys.executable, "-c", "import sys; from kiosk.sandbox.server import main; sys.exit(main(['--port', '0']))"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        banner = process.stdout.readline()
        url = re.search(r"http://127\.0\.0\.1:\d+", banner)
        assert url is not None, banner
        admin = process.stdout.readline().strip().rsplit(": ", 1)[1]  # a fresh random token, printed once
        assert requests.get(url.group(0) + "/sandbox/dossiers", timeout=5).status_code == 401
        assert requests.get(url.group(0) + "/sandbox/dossiers", timeout=5,
                            headers={"X-Sandbox-Admin-Token": admin}).json() == []
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=10) == 0
    finally:
        if process.poll() is None:
            process.kill()
        process.communicate()
