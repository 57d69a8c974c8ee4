"""Pytest fixtures that run the sandbox portal on 127.0.0.1 (ephemeral port, background thread).

- `sandbox`: a started, fault-free sandbox serving TEST_PROCEDURE (stopped at teardown);
- `sandbox_factory(**kwargs)`: start more, e.g. `sandbox_factory(faults="drop=0.3,seed=1", clock=...)`;
- `running_sandbox(dir, **kwargs)`: the same as a context manager, for module-scoped fixtures;
- `make_submission(n)`, `write_procedures(dir)`, `TEST_PROCEDURE`: made-up data for tests.

Import into conftest.py: `from portal_fixtures import sandbox, sandbox_factory  # noqa: F401`
(or list "portal_fixtures" in `pytest_plugins`).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
import requests

from kiosk.portal.models import Applicant, Consent, DossierSubmission
from kiosk.sandbox import ADMIN_HEADER
from kiosk.sandbox.server import SandboxServer

VIETNAM_TZ = timezone(timedelta(hours=7))
TEST_CLIENT_ID = "kiosk-demo"
TEST_CLIENT_SECRET = "demo-secret"
COPY_CERTIFICATION = "2.000815.000.00.00.H26"

# A small but complete procedure, so the sandbox tests do not depend on the bundled catalog.
TEST_PROCEDURE: dict[str, Any] = {
    "schema_version": 1,
    "code": COPY_CERTIFICATION,
    "name": {"vi": "Chứng thực bản sao từ bản chính", "en": "Certified copy of an original"},
    "summary": {"vi": "Xác nhận bản sao đúng với bản chính.", "en": "Confirms that a copy matches its original."},
    "category": "chung_thuc",
    "level": "mot_phan",
    "authority": {"vi": "Ủy ban nhân dân cấp xã", "en": "Commune-level People's Committee"},
    "applicants": {"vi": "Mọi người", "en": "Anyone"},
    "papers": [{"name": {"vi": "Bản chính và bản sao", "en": "The original and its copies"}, "form": "original"}],
    "fees": {"items": [{"label": {"vi": "Phí chứng thực", "en": "Certification"}, "kind": "phi", "amount_vnd": 2000,
                        "per": {"vi": "trang", "en": "page"}, "quantity_field": "pages", "cap_vnd": 200000,
                        "source": {"document": "Thông tư 226/2016/TT-BTC", "verified_on": "2026-12-06"}}]},
    "processing_time": {"unit": "working_days", "amount": 1},
    "delivery": ["counter"],
    "steps": [{
        "id": "copies",
        "title": {"vi": "Bản sao", "en": "Copies"},
        "fields": [
            {"id": "pages", "kind": "number", "label": {"vi": "Số trang", "en": "Pages"}, "role": "quantity"},
        ],
    }],
}


def write_procedures(directory: Path, *procedures: dict[str, Any]) -> Path:
    """Write procedure definitions (default: TEST_PROCEDURE) as JSON files into `directory`."""
    directory.mkdir(parents=True, exist_ok=True)
    for procedure in procedures or (TEST_PROCEDURE,):
        (directory / f"{procedure['code']}.json").write_text(json.dumps(procedure, ensure_ascii=False),
                                                             encoding="utf-8")
    return directory


def admin_headers(server: SandboxServer) -> dict[str, str]:
    """What the sandbox's /sandbox/* controls ask of their caller."""
    return {ADMIN_HEADER: server.admin_token}


def admin_get(server: SandboxServer, path: str) -> Any:
    """The JSON a /sandbox/* control answers to GET."""
    return requests.get(server.url + path, timeout=5, headers=admin_headers(server)).json()


def make_submission(number: int = 1, *, phone: str = "0912345678",
                    procedure_code: str = COPY_CERTIFICATION) -> DossierSubmission:
    """A made-up dossier (no real person) numbered `number`."""
    now = datetime(2026, 11, 26, 9, 30, tzinfo=VIETNAM_TZ)
    return DossierSubmission(
        local_reference=f"K01-261126-{number:04d}",
        procedure_code=procedure_code,
        kiosk_id="hbt-bachkhoa-01",
        site_id="hbt-bachkhoa",
        submitted_at=now,
        applicant=Applicant(full_name="Nguyễn Thị Thử", id_number="001190000001", phone=phone,
                            address="Số 1 phố Thử Nghiệm, Hà Nội"),
        answers={"pages": "3"},
        consent=Consent(given_at=now - timedelta(minutes=5), text_version="2026-01"),
    )


@contextmanager
def running_sandbox(procedures: Path, **kwargs: Any) -> Iterator[SandboxServer]:
    """A started sandbox serving `procedures`; stopped (and its database closed) on exit."""
    server = SandboxServer(procedures=procedures, **kwargs)
    with server:
        yield server


@pytest.fixture
def sandbox_factory(tmp_path: Path) -> Iterator[Callable[..., SandboxServer]]:
    """Start sandboxes on demand: `sandbox_factory(faults="drop=0.3,seed=1", ...)`; all stop at teardown."""
    procedures = write_procedures(tmp_path / "procedures")
    started: list[SandboxServer] = []

    def start(**kwargs: Any) -> SandboxServer:
        kwargs.setdefault("procedures", procedures)
        kwargs.setdefault("db_path", tmp_path / f"sandbox-{len(started)}.sqlite3")
        server = SandboxServer(**kwargs).start()
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


@pytest.fixture
def sandbox(sandbox_factory: Callable[..., SandboxServer]) -> SandboxServer:
    """A fault-free sandbox portal serving TEST_PROCEDURE."""
    return sandbox_factory()
