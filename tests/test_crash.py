"""Crash consistency, short: 20 SIGKILLs of the kiosk's submission and sync path (the long run: 200, see
docs/RELIABILITY.md). Nothing a resident was given a receipt for is lost, and nothing reaches the portal twice."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.crash_harness import run_harness

KILLS = 20


@pytest.mark.slow
def test_twenty_kills_lose_nothing_and_duplicate_nothing(tmp_path: Path) -> None:
    verdict = run_harness(KILLS, seed=20261126, work=tmp_path, life_s=(0.05, 0.6))
    assert verdict.problems == []
    assert sum(verdict.kills.values()) >= KILLS
    # All three ways of dying happened: the timer, the portal after storing, the outbox mid-transaction.
    assert {how.split("-")[0] for how in verdict.kills} == {"timer", "portal", "sqlite"}, verdict.kills
    assert verdict.receipts_shown >= 1
    # Every receipt the kiosk showed is a dossier the portal holds exactly once (checked one by one in the
    # verdict); the totals agree as well: the portal holds exactly what the outbox holds.
    assert verdict.on_portal == verdict.stored == verdict.accepted
    assert verdict.receipts_shown + verdict.stored_without_receipt == verdict.stored
    # Dossiers with a scanned paper reached the portal with it (checked paper by paper in the verdict).
    assert verdict.scanned_on_portal >= 1
