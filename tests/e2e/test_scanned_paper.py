"""The deployed kiosk with a document scanner (SANE's `test` backend): a resident registers a birth and scans the
birth notice; the dossier reaches the sandbox portal once, with its PDF. Screenshots in artifacts/e2e/scan/."""

from __future__ import annotations

import hashlib
import json
import shutil
from datetime import date
from pathlib import Path

import pytest

from kiosk.answers.sample import sample_answers
from kiosk.answers.validation import is_visible, visible_steps
from kiosk.catalog import load_catalog
from kiosk.catalog.models import Procedure
from kiosk.sandbox.app import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET
from kiosk.sandbox.server import SandboxServer
from kiosk.scanning.device import TEST_PAGE_OPTIONS, sane_test_config
from tests.e2e.desktop import Desktop, DesktopError, KioskMachine, artifacts_dir, wait_until
from tests.e2e.test_deployed_kiosk import SETTINGS, SITE, answer_form, portal, wait_for_row

# The birth form is long and typed key by key: more time than the suite's default on a loaded machine.
pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.timeout(600)]
__all__ = ["portal"]  # the sandbox portal fixture of the full-screen session test

ROOT = Path(__file__).resolve().parents[2]
BIRTH = "1.001193.000.00.00.H26"


def scanner_settings(sane_dir: Path) -> str:
    """The technician's [scanning] table of the machine file, pointing at SANE's test backend."""
    program = shutil.which("scanimage")
    if program is None:
        pytest.fail("the end-to-end run needs scanimage (sane-utils, installed by .ci/run)")
    sane_test_config(sane_dir)
    options = json.dumps(list(TEST_PAGE_OPTIONS), ensure_ascii=False)
    return (f'\n[scanning]\ndevice = "test:0"\nprogram = {json.dumps(program)}\n'
            f"sane_config_dir = {json.dumps(str(sane_dir))}\noptions = {options}\n")


def typed_answers(proc: Procedure, answers: dict[str, str]) -> dict[str, str]:
    """The answers the resident types: those the form fills in from an earlier answer are already there."""
    filled = {spec.id for step in proc.steps for spec in step.fields if spec.prefill_from is not None
              and (spec.prefill_from.when is None
                   or is_visible(spec.prefill_from.when.field, spec.prefill_from.when.any_of, answers))}
    return {key: value for key, value in answers.items() if key not in filled}


def test_a_resident_scans_one_paper_on_the_full_screen_kiosk(tmp_path: Path, portal: SandboxServer) -> None:
    shots = artifacts_dir(ROOT / "artifacts" / "e2e") / "scan"
    for old in shots.glob("*.png"):
        old.unlink()
    proc = load_catalog(ROOT / "config" / "procedures").get(BIRTH)
    answers = sample_answers(proc, date.today())
    with Desktop(1366, 768, tmp_path / "desktop") as desk:
        kiosk = KioskMachine(tmp_path / "home", desk.env)
        kiosk.provision(SITE, portal.url, DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET)
        with kiosk.config_file.open("a", encoding="utf-8") as config:
            config.write(scanner_settings(tmp_path / "sane"))
        process = kiosk.start(**SETTINGS)
        try:
            desk.wait_for_window(process.pid, (0, 0, 1366, 768), timeout=30)
            for name, then in (("attract.start", "home.do"), ("home.do", f"procedure.{BIRTH}"),
                               (f"procedure.{BIRTH}", "overview.start"), ("overview.start", "consent.agree")):
                desk.wait_for(name)
                desk.tap(name)
                desk.wait_for(then)
            desk.tap("consent.agree")
            answer_form(desk, visible_steps(proc, answers), typed_answers(proc, answers))
            desk.wait_for("scan.scan")
            desk.screenshot(shots / "01-scan-instructions.png")
            desk.tap("scan.scan")
            wait_until(lambda: any("Đã quét 1 trang" in w.name for w in desk.widgets()), 60, "the page scanned")
            desk.screenshot(shots / "02-scan-preview.png")
            desk.tap("scan.next")
            desk.wait_for("review.submit")
            desk.screenshot(shots / "03-review.png")
            desk.tap("review.submit")
            desk.wait_for("receipt.reference", timeout=60)
            desk.screenshot(shots / "04-receipt.png")
            row = wait_for_row(kiosk.data_dir / "outbox.sqlite3", "accepted")
            received = [d for d in portal.store.list_dossiers() if d["local_reference"] == row["local_ref"]]
            assert len(received) == 1, f"the portal received the dossier {len(received)} times"
            payload = portal.store.dossier_payload(received[0]["code"])
            assert payload is not None
            [listed] = payload["attachments"]
            pdf = portal.store.attachment(received[0]["code"], "giay_chung_sinh")
            assert pdf is not None and pdf.startswith(b"%PDF")
            assert hashlib.sha256(pdf).hexdigest() == listed["sha256"] and listed["pages"] == 1
            desk.wait_for("attract.start", timeout=60)  # the idle reset
            desk.screenshot(shots / "05-attract-after-reset.png")
            assert not [w for w in desk.widgets() if w.named("scan.preview_image") and w.w > 0]
        except DesktopError as exc:
            desk.screenshot(shots / "failure.png")
            raise DesktopError(f"{exc}\nkiosk log:\n{kiosk.log_text()[-4000:]}") from exc
        finally:
            status = kiosk.stop()
        assert status == 0, f"SIGTERM did not stop the kiosk cleanly ({status}):\n{kiosk.log_text()[-4000:]}"
