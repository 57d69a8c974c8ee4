"""Fuzzing the parsers and validators residents, scanners, catalog authors and the portal can feed.

Each property says which errors a function may raise — its own, named ones — and that everything else it
returns is usable. The number of examples comes from the hypothesis profile (tests/hypothesis_profiles.py):
`ci` in `make test`, `fuzz` (long) in `make fuzz`.
"""

from __future__ import annotations

import copy
import json
import threading
from collections.abc import Callable, Iterator
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from kiosk.answers.idcard import IdCardData, IdCardError, check_id_number, parse_id_card_qr
from kiosk.answers.sample import SAMPLE_ID_CARD, sample_answers
from kiosk.answers.validation import (
    Issue,
    normalise,
    parse_date,
    validate_field,
    validate_step,
    visible_fields,
    visible_steps,
)
from kiosk.catalog import CatalogError, load_procedure_file
from kiosk.catalog.loader import parse_procedure
from kiosk.catalog.models import FormField, Procedure
from kiosk.files.paths import procedures_dir
from kiosk.payment.vietqr import VietQR, VietQRError, build_payload, parse_payload
from kiosk.portal.client import PortalClient
from kiosk.portal.errors import PortalError
from kiosk.portal.models import Heartbeat
from tests.portal_fixtures import make_submission

TODAY = date(2026, 11, 26)
BUNDLED = sorted(procedures_dir().glob("*.json"))
RAW_PROCEDURES: list[dict[str, Any]] = [json.loads(p.read_text("utf-8")) for p in BUNDLED]
PROCEDURES: list[Procedure] = [parse_procedure(copy.deepcopy(raw), "bundled") for raw in RAW_PROCEDURES]
ALL_FIELDS: list[FormField] = [f for proc in PROCEDURES for f in proc.fields()]

# Text a resident, a stuck key or a scanner can produce: every script, controls, combining marks, surrogates.
any_text = st.text(alphabet=st.characters(codec=None, exclude_categories=()), max_size=400)
vietnamese = st.text(alphabet="aăâbcdđeêghiklmnoôơpqrstuưvxyàáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợ"
                              "ùúủũụừứửữựỳýỷỹỵ AĂÂĐÊÔƠƯ0123456789/.,-+@|", max_size=120)
field_text = st.one_of(any_text, vietnamese, st.sampled_from(["", " ", "0912345678", "001185012345",
                                                               "05/09/1960", "31/02/2021", "1e309", "nan",
                                                               "-0", "٣", "１２", "x" * 6000]))

json_leaf = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False),
                      st.text(max_size=40))
json_value = st.recursive(json_leaf, lambda children: st.one_of(
    st.lists(children, max_size=5), st.dictionaries(st.text(max_size=12), children, max_size=5)), max_leaves=20)


# --- validators -----------------------------------------------------------------------------------


@given(st.sampled_from(ALL_FIELDS), field_text)
def test_every_field_of_the_catalog_judges_any_text_without_crashing(spec: FormField, raw: str) -> None:
    issue = validate_field(spec, raw, {}, TODAY)
    assert issue is None or isinstance(issue, Issue)
    if issue is None and normalise(raw):
        # Whatever is accepted must be storable as the answer: normalising it again changes nothing.
        assert normalise(normalise(raw)) == normalise(raw)


@given(st.sampled_from(PROCEDURES), st.dictionaries(st.sampled_from([f.id for f in ALL_FIELDS]), field_text,
                                                     max_size=12))
def test_whole_steps_judge_any_answers(proc: Procedure, answers: dict[str, str]) -> None:
    for step in visible_steps(proc, answers):
        issues = validate_step(step, answers, TODAY)
        shown = {f.id for f in visible_fields(step, answers)}
        assert set(issues) <= shown, "a hidden field must never block the resident"


@given(st.sampled_from(PROCEDURES), st.integers(0, 2**32))
def test_sample_answers_for_every_procedure_pass(proc: Procedure, seed: int) -> None:
    answers = sample_answers(proc, TODAY, seed=seed)
    for step in visible_steps(proc, answers):
        assert validate_step(step, answers, TODAY) == {}


@given(any_text)
def test_dates_parse_or_are_refused(text: str) -> None:
    parsed = parse_date(text)
    assert parsed is None or isinstance(parsed, date)


# --- the ID card QR -------------------------------------------------------------------------------


def _id_payload(data: IdCardData) -> str:
    return "|".join([data.id_number, data.old_id_number, data.full_name, data.date_of_birth.strftime("%d%m%Y"),
                     "Nam" if data.gender == "nam" else "Nữ", data.address, data.issue_date.strftime("%d%m%Y")])


@st.composite
def id_cards(draw: st.DrawFn) -> IdCardData:
    birth = draw(st.dates(min_value=date(1930, 1, 1), max_value=date(2010, 12, 31)))
    gender = draw(st.sampled_from(["nam", "nu"]))
    century_digit = {(19, "nam"): "0", (19, "nu"): "1", (20, "nam"): "2", (20, "nu"): "3"}[
        (birth.year // 100, gender)]
    province = draw(st.sampled_from(["001", "079", "048", "031"]))
    id_number = f"{province}{century_digit}{birth.year % 100:02d}{draw(st.integers(0, 999_999)):06d}"
    assert check_id_number(id_number, birth, gender) is None
    name = draw(st.lists(st.sampled_from(["Nguyễn", "Trần", "Thị", "Văn", "Ánh", "Đức", "Hương", "Lê"]),
                         min_size=2, max_size=5).map(" ".join))
    address = draw(st.text(alphabet="abcdđơưấ 0123456789,/", min_size=1, max_size=120).filter(str.strip))
    issued = draw(st.dates(min_value=birth, max_value=date(2030, 1, 1)))
    old_id = draw(st.sampled_from(["", "123456789", "079185001234"]))  # none, 9-digit CMND, 12 digits
    return IdCardData(id_number, old_id, name, birth, gender, " ".join(address.split()), issued)


@given(id_cards())
def test_valid_id_card_payloads_read_back_exactly(card: IdCardData) -> None:
    assert parse_id_card_qr(_id_payload(card)) == card


def _mutate_text(draw: st.DrawFn, text: str) -> str:
    pos = draw(st.integers(0, len(text)))
    action = draw(st.sampled_from(["insert", "delete", "replace", "cut", "repeat"]))
    piece = draw(st.text(max_size=5))
    if action == "insert":
        return text[:pos] + piece + text[pos:]
    if action == "delete":
        return text[:pos] + text[pos + 1:]
    if action == "replace":
        return text[:pos] + piece + text[pos + len(piece):]
    if action == "cut":
        return text[:pos]
    return text + text[pos:]


@st.composite
def mutated_id_payloads(draw: st.DrawFn) -> str:
    base = draw(st.one_of(st.just(SAMPLE_ID_CARD), id_cards().map(_id_payload)))
    for _ in range(draw(st.integers(1, 4))):
        base = _mutate_text(draw, base)
    return base


@given(st.one_of(any_text, mutated_id_payloads(), st.lists(any_text, max_size=9).map("|".join)))
def test_id_card_parser_raises_only_its_own_error(payload: str) -> None:
    try:
        card = parse_id_card_qr(payload)
    except IdCardError:
        return
    assert check_id_number(card.id_number, card.date_of_birth, card.gender) is None
    assert card.full_name and card.address and card.issue_date >= card.date_of_birth


# --- VietQR ---------------------------------------------------------------------------------------


@given(st.text(alphabet="0123456789", min_size=6, max_size=6),
       st.text(alphabet="ABCXYZabc0123456789", min_size=1, max_size=19),
       st.one_of(st.none(), st.integers(1, 9_999_999_999)),
       st.one_of(vietnamese, any_text))
def test_vietqr_payloads_read_back_what_was_asked(bank_bin: str, account: str, amount: int | None,
                                                  purpose: str) -> None:
    payload = build_payload(bank_bin, account, amount, purpose)
    assert payload.isascii() and payload.isprintable()
    read = parse_payload(payload)
    assert (read.bank_bin, read.account, read.amount_vnd, read.is_dynamic) == (bank_bin, account, amount,
                                                                               amount is not None)


@given(st.one_of(st.text(max_size=12), st.text(alphabet="0123456789٣１", max_size=8)), st.text(max_size=25),
       st.one_of(st.integers(), st.none(), st.booleans(), st.floats()), any_text)
def test_vietqr_builder_refuses_bad_inputs_with_its_own_error(bank_bin: str, account: str, amount: Any,
                                                              purpose: str) -> None:
    try:
        payload = build_payload(bank_bin, account, amount, purpose)
    except VietQRError:
        return
    assert isinstance(parse_payload(payload), VietQR)


@st.composite
def mutated_vietqr(draw: st.DrawFn) -> str:
    amount = draw(st.one_of(st.none(), st.integers(1, 10**9)))
    text = build_payload("970436", "0011001234567", amount, draw(vietnamese))
    for _ in range(draw(st.integers(1, 3))):
        text = _mutate_text(draw, text)
    return text


@given(st.one_of(any_text, mutated_vietqr()))
def test_vietqr_parser_raises_only_its_own_error(text: str) -> None:
    try:
        read = parse_payload(text)
    except VietQRError:
        return
    assert len(read.bank_bin) == 6 and read.bank_bin.isdigit()
    assert read.amount_vnd is None or read.amount_vnd >= 1


# --- the catalog loader ---------------------------------------------------------------------------


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield prefix
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _paths(value, (*prefix, index))


def _apply(data: Any, path: tuple[Any, ...], action: str, value: Any) -> Any:
    if not path:
        return value
    parent = data
    for key in path[:-1]:
        parent = parent[key]
    last = path[-1]
    if action == "delete":
        del parent[last]
    elif action == "duplicate" and isinstance(parent, list):
        parent.insert(last, copy.deepcopy(parent[last]))
    elif action == "add_key" and isinstance(parent[last], dict):
        parent[last][str(value)[:20]] = value
    else:
        parent[last] = value
    return data


@st.composite
def mutated_procedures(draw: st.DrawFn) -> Any:
    data = copy.deepcopy(draw(st.sampled_from(RAW_PROCEDURES)))
    for _ in range(draw(st.integers(1, 3))):
        paths = list(_paths(data))
        path = draw(st.sampled_from(paths))
        action = draw(st.sampled_from(["replace", "delete", "duplicate", "add_key", "swap_type"]))
        if action == "swap_type":
            value: Any = draw(json_value)
        else:
            value = draw(st.one_of(json_leaf, st.sampled_from(["", "text", "select", "radio", "date", "yes",
                                                               "@steps", "-1", "1.0.0"])))
        if not path and action == "delete":
            continue
        data = _apply(data, path, action, value)
    return data


def _usable(proc: Procedure) -> None:
    """A procedure the loader accepts must be one the journey can walk without crashing."""
    for answers in ({}, {f.id: "" for f in proc.fields()}):
        for step in visible_steps(proc, answers):
            validate_step(step, answers, TODAY)
    for spec in proc.fields():
        validate_field(spec, "Nguyễn Văn An", {}, TODAY)


@settings(suppress_health_check=[HealthCheck.too_slow])
@given(mutated_procedures())
def test_catalog_mutations_give_a_usable_procedure_or_a_catalog_error(data: Any) -> None:
    try:
        proc = parse_procedure(data, "fuzz.json")
    except CatalogError as exc:
        assert exc.problems, "a CatalogError must say what is wrong"
        for problem in exc.problems:
            assert str(problem)
        return
    _usable(proc)


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.one_of(st.binary(max_size=300), mutated_procedures().map(
    lambda d: json.dumps(d, ensure_ascii=False).encode("utf-8")).flatmap(
    lambda b: st.integers(0, len(b)).map(lambda cut: b[:cut]))))
def test_catalog_files_of_any_bytes_give_a_catalog_error(tmp_path: Path, raw: bytes) -> None:
    path = tmp_path / "fuzz.json"
    path.write_bytes(raw)
    try:
        proc = load_procedure_file(path)
    except CatalogError:
        return
    _usable(proc)


# --- the portal's answers -------------------------------------------------------------------------

VALID_TOKEN = json.dumps({"access_token": "t0k3n", "token_type": "Bearer", "expires_in": 3600}).encode()
VALID_ANSWERS: dict[str, dict[str, Any]] = {
    "receipt": {"dossier_code": "H26.99-261126-0001", "received_at": "2026-11-26T09:00:00+07:00",
                "appointment_date": "2026-11-28", "status_url": "https://dichvucong.example/tra-cuu/1",
                "fee_vnd": 0},
    "status": {"dossier_code": "H26.99-261126-0001", "local_reference": "DEMO-K01-261126-0001",
               "status": "received", "timeline": [{"status": "received", "at": "2026-11-26T09:00:00+07:00"}]},
    "heartbeat": {"commands": [{"name": "reload_catalog"}, {"name": "apply_settings", "settings": {"a": 1}}]},
    "catalog": {"version": "2026-11-26", "procedures": [RAW_PROCEDURES[0]]},
}


class FuzzPortal:
    """A portal on 127.0.0.1 that gives a valid token, then answers every other call with what it is told."""

    def __init__(self) -> None:
        self.answer: tuple[int, str, bytes] = (200, "application/json", b"{}")
        portal = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                return

            def _reply(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                if length:
                    self.rfile.read(length)
                if self.path.startswith("/oauth/token"):
                    status, content_type, body = 200, "application/json", VALID_TOKEN
                else:
                    status, content_type, body = portal.answer
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = do_PUT = _reply  # noqa: N815 (http.server's names)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self) -> FuzzPortal:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()


@pytest.fixture(scope="module")
def fuzz_portal() -> Iterator[FuzzPortal]:
    with FuzzPortal() as portal:
        yield portal


CALL_ANSWERS = {"submit": "receipt", "status": "status", "heartbeat": "heartbeat", "catalog": "catalog"}


def mutated_answers(kind: str) -> st.SearchStrategy[bytes]:
    """A valid answer of `kind` with up to three mutations: values replaced, members removed or added."""

    @st.composite
    def build(draw: st.DrawFn) -> bytes:
        data: Any = copy.deepcopy(VALID_ANSWERS[kind])
        for _ in range(draw(st.integers(0, 3))):
            path = draw(st.sampled_from(list(_paths(data))))
            action = draw(st.sampled_from(["replace", "delete", "add_key", "swap_type"]))
            if not path and action == "delete":
                continue
            data = _apply(data, path, action, draw(json_value))
        return json.dumps(data, ensure_ascii=False).encode("utf-8")

    return build()


@st.composite
def portal_calls(draw: st.DrawFn) -> tuple[str, tuple[int, str, bytes]]:
    """A call and the portal's answer to it: mostly well-formed HTTP with a damaged body, sometimes junk."""
    call = draw(st.sampled_from(sorted(CALL_ANSWERS)))
    status = draw(st.one_of(st.sampled_from([200, 201]),
                            st.sampled_from([202, 204, 304, 400, 401, 404, 409, 410, 422, 429, 500, 503])))
    content_type = draw(st.one_of(st.sampled_from(["application/json", "application/json; charset=utf-8"]),
                                  st.sampled_from(["application/problem+json", "text/html", ""])))
    body = draw(st.one_of(
        mutated_answers(CALL_ANSWERS[call]),
        mutated_answers(draw(st.sampled_from(sorted(VALID_ANSWERS)))),
        json_value.map(lambda v: json.dumps(v).encode()),
        st.binary(max_size=200),
        st.just(b'{"type": "about:blank", "title": "Sai", "status": 422, "detail": "\\u0000\\u202e"}'),
    ))
    return call, (status, content_type, body)


def _calls(client: PortalClient) -> dict[str, Callable[[], object]]:
    beat = Heartbeat(kiosk_id="K01", site_id="demo", version="1", uptime_s=1, outbox_depth=0,
                     printer_state="ok", catalog_version="")
    return {
        "submit": lambda: client.submit_dossier(uuid4(), make_submission(1)),
        "status": lambda: client.dossier_status("H26.99-261126-0001", "5678"),
        "heartbeat": lambda: client.heartbeat(beat),
        "catalog": lambda: client.get_catalog(None),
    }


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(portal_calls())
@example(exchange=("heartbeat", (200, "application/json", b'{"commands": [{"name": []}]}')))  # found by make fuzz
def test_portal_answers_become_results_or_portal_errors(fuzz_portal: FuzzPortal,
                                                        exchange: tuple[str, tuple[int, str, bytes]]) -> None:
    call, answer = exchange
    fuzz_portal.answer = answer
    client = PortalClient(fuzz_portal.url, "kiosk-demo", lambda: "secret", max_retries=0,
                          sleep=lambda _s: None, read_timeout=5)
    with client:
        try:
            result = _calls(client)[call]()
        except PortalError as exc:
            assert str(exc)
            return
    assert result is not None
    assert 200 <= answer[0] < 300 or (answer[0] == 304 and call == "catalog"), "an error status was taken as a result"
