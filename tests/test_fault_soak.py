"""Fault soak, short: dossiers synced through every fault class of the sandbox arrive exactly once (the long
run: `python tests/fault_soak.py --dossiers 2000`, see docs/RELIABILITY.md)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.fault_soak import ALL_FAULTS, soak

DOSSIERS = 60


@pytest.mark.slow
def test_every_fault_class_and_still_each_dossier_exactly_once(tmp_path: Path) -> None:
    report = soak(DOSSIERS, seed=20261126, faults=ALL_FAULTS, work=tmp_path)
    assert report["problems"] == []
    assert report["on_portal"] == report["accepted"] == DOSSIERS
    # The faults really happened, and some struck after the portal had stored a dossier, so the kiosk sent
    # that dossier again: the portal answered the repeat with the first receipt instead of a second dossier.
    assert sum(report["faults_injected"].values()) >= 10
    assert report["repeat_submissions"] >= 1
    # Scanned papers went along, each uploaded before its dossier: on the portal once each, unchanged, and some
    # were uploaded again after a fault without a second copy.
    assert report["scanned_papers"] >= 5
    assert report["papers_on_portal"] == report["scanned_papers"]
    assert report["repeat_uploads"] >= 1
