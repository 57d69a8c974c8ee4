"""Property-based run of the written contract against the running sandbox portal (schemathesis 4)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any, NamedTuple

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, settings

from tests import portal_fixtures

CONTRACT_FILE = Path(__file__).resolve().parent.parent / "config" / "openapi.yaml"

# A schema-valid dossier can still be refused on business rules (e.g. a procedure code that is not in
# the catalog); the contract documents that as 422, so it counts as an accepted answer here.
CONFIG = schemathesis.Config.from_str("""
[[operations]]
include-name = "POST /api/v1/dossiers"
checks.positive_data_acceptance.expected-statuses = ["2xx", "422"]

# A generated PDF body never matches a generated Content-Digest: the contract's 400 is the right answer.
[[operations]]
include-name = "PUT /api/v1/attachments/{key}/{paper_id}"
checks.positive_data_acceptance.expected-statuses = ["2xx", "400", "409", "415", "422"]
""")
# Scanned papers are sent as raw bytes, like any binary body.
schemathesis.serializer.alias("application/pdf", "application/octet-stream")

schema = schemathesis.openapi.from_path(CONTRACT_FILE, config=CONFIG)


class LiveSandbox(NamedTuple):
    url: str
    token: str


@pytest.fixture(scope="module")
def live_sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveSandbox]:
    """One sandbox for the whole run (hypothesis examples must not share function-scoped fixtures)."""
    procedures = portal_fixtures.write_procedures(tmp_path_factory.mktemp("procedures"))
    with portal_fixtures.running_sandbox(procedures) as server:
        answer = requests.post(server.url + "/oauth/token", timeout=5, data={
            "grant_type": "client_credentials", "client_id": portal_fixtures.TEST_CLIENT_ID,
            "client_secret": portal_fixtures.TEST_CLIENT_SECRET})
        answer.raise_for_status()
        yield LiveSandbox(server.url, answer.json()["access_token"])


@schema.parametrize()
@settings(max_examples=25, deadline=None, database=None, suppress_health_check=list(HealthCheck))
def test_sandbox_honours_the_contract(case: schemathesis.Case[Any], live_sandbox: LiveSandbox) -> None:
    headers = {} if case.path == "/oauth/token" else {"Authorization": f"Bearer {live_sandbox.token}"}
    case.call_and_validate(base_url=live_sandbox.url, headers=headers)
