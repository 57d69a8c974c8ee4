"""SANE's `test` backend for the scanning tests: a configuration of its own, scanimage found or the test skipped
(failed under CI, which installs sane-utils)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from kiosk.scanning.device import TEST_PAGE_OPTIONS, SaneScanner, ScanRequest, sane_test_config

TEST_DEVICE = "test:0"


def scanimage() -> str:
    program = shutil.which("scanimage")
    if program is None:
        if os.environ.get("CI"):
            pytest.fail("CI installs sane-utils (.ci/run); scanimage is missing")
        pytest.skip("scanimage (sane-utils) is not installed here")
    return program


def sane_scanner(directory: Path, devices: int = 1) -> SaneScanner:
    """A scanner driving the real scanimage with only SANE's `test` backend enabled."""
    return SaneScanner(scanimage(), env=sane_test_config(directory, devices))


def page_request(resolution: int = 200, *extra: str) -> ScanRequest:
    """An A6-sized striped page (small, so a scan takes a moment)."""
    return ScanRequest(TEST_DEVICE, resolution, "Gray", (*TEST_PAGE_OPTIONS, *extra))
