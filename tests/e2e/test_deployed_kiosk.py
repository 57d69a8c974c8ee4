"""The kiosk as kiosk.service starts it: `kiosk run`, full screen, on a real X server, used by a resident.

Each run provisions a kiosk in a private home against the sandbox portal on 127.0.0.1, starts it full
screen under Xvfb, checks that its window is mapped over the whole screen and that the attract screen is
really drawn (a screenshot of the root window, not the window's own rendering), then walks one complete
session with pointer clicks and key presses: the ID card typed in by the scanner, the other answers typed
on the keyboard, submit, receipt, and the idle reset. Screenshots of every screen are kept in
artifacts/e2e/WIDTHxHEIGHT/ (or $E2E_ARTIFACTS); `make e2e` regenerates them.
"""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

import pytest

from kiosk.answers.sample import SAMPLE_ID_CARD, sample_answers
from kiosk.catalog import load_catalog
from kiosk.catalog.models import FieldKind, FormField, Procedure, Step
from kiosk.i18n import tr
from kiosk.journey.pages import Page, step_pages
from kiosk.sandbox.app import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET
from kiosk.sandbox.server import SandboxServer
from tests.e2e.desktop import (
    Desktop,
    DesktopError,
    KioskMachine,
    artifacts_dir,
    colour_count,
    has_text,
    missing_packages,
    wait_until,
)

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
SIZES = [(1366, 768), (1920, 1080)]
# Certified copies: an identity step, then text, numbers and a choice; the most asked-for service.
PROCEDURE = "2.000815.000.00.00.H26"
SITE = "bach-khoa"
# Short enough for a test, within the settings schema's limits.
SETTINGS = {
    "KIOSK__IDLE__RECEIPT_SECONDS": "10",
    "KIOSK__IDLE__WARNING_SECONDS": "3",
    "KIOSK__PORTAL__SYNC_INTERVAL_SECONDS": "1",
}


@pytest.fixture(scope="module", autouse=True)
def _display_tools() -> None:
    missing = missing_packages()
    if missing:
        message = f"end-to-end runs need these Debian packages: {' '.join(missing)} (.ci/run installs them)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)


@pytest.fixture
def portal(tmp_path: Path) -> Iterator[SandboxServer]:
    with SandboxServer(db_path=tmp_path / "portal.sqlite3", client_id=DEFAULT_CLIENT_ID,
                       client_secret=DEFAULT_CLIENT_SECRET) as server:
        yield server


def procedure() -> Procedure:
    return load_catalog(ROOT / "config" / "procedures").get(PROCEDURE)


def shown_name(spec: FormField) -> str:
    """The name of a widget the question shows: its first answer card, or its field."""
    return f"field.{spec.id}.{spec.options[0].value}" if spec.options else f"field.{spec.id}"


def fill_page(desk: Desktop, page: Page, answers: dict[str, str]) -> None:
    """Answer one page as a resident does: tap the field and type, or tap the answer's card."""
    for spec in page.fields:
        value = answers.get(spec.id, "")
        if not value or spec.prefill_from_id_card is not None:
            continue  # optional, or filled in by the ID card scan
        if spec.options:
            desk.tap(f"field.{spec.id}.{value}")
        elif spec.kind is FieldKind.CHECKBOX:
            desk.tap(f"field.{spec.id}")
        else:
            desk.tap(f"field.{spec.id}")
            desk.type_text(value)


def answer_form(desk: Desktop, steps: list[Step], answers: dict[str, str],
                on_page: Callable[[int, Step], object] | None = None) -> None:
    """Answer the form one question a page, as a resident does; `on_page(n, step)` on each step's first page."""
    for number, step in enumerate(steps):
        for page in step_pages(step, answers):
            desk.wait_for(shown_name(page.fields[0]))
            if step.identity and page.index == 0:  # the USB scanner types the QR fast, then Enter
                desk.type_text(SAMPLE_ID_CARD, delay_ms=4)
                desk.key("Return")
            fill_page(desk, page, answers)
            if page.index == 0 and on_page is not None:
                on_page(number, step)
            desk.tap("step.next")


def wait_for_row(path: Path, status: str, timeout: float = 60) -> sqlite3.Row:
    def row() -> sqlite3.Row | None:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
            db.row_factory = sqlite3.Row
            rows = db.execute("SELECT local_ref, procedure_code, status, payload FROM dossiers").fetchall()
        assert len(rows) <= 1, "the kiosk stored the dossier more than once"
        return rows[0] if rows and rows[0]["status"] == status else None

    found: sqlite3.Row = wait_until(row, timeout, f"the outbox row to be {status}")
    return found


@pytest.mark.parametrize(("width", "height"), SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def test_a_resident_session_on_the_full_screen_kiosk(tmp_path: Path, portal: SandboxServer,
                                                      width: int, height: int) -> None:
    shots = artifacts_dir(ROOT / "artifacts" / "e2e") / f"{width}x{height}"
    for old in shots.glob("*.png"):
        old.unlink()
    proc = procedure()
    answers = sample_answers(proc, date.today())
    with Desktop(width, height, tmp_path / "desktop") as desk:
        kiosk = KioskMachine(tmp_path / "home", desk.env)
        kiosk.provision(SITE, portal.url, DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET)
        started = time.monotonic()
        process = kiosk.start(**SETTINGS)
        try:
            # Mapped over the whole screen, as the deployed kiosk must be.
            windows = desk.wait_for_window(process.pid, (0, 0, width, height), timeout=30)
            mapped_after = time.monotonic() - started
            assert windows == [(0, 0, width, height)], \
                f"the kiosk window is not full screen: {windows}\n{kiosk.log_text()[-4000:]}"
            start = desk.wait_for("attract.start")
            attract = desk.screenshot(shots / "01-attract.png")
            assert colour_count(attract) >= 16, "the full-screen kiosk draws a uniform screen"
            title = desk.wait_for("attract.title")
            assert has_text(attract.crop((title.x, title.y, title.x + title.w, title.y + title.h))), \
                "the attract screen's title is not drawn"
            assert start.name == tr("attract.touch", "vi")
            print(f"{width}x{height}: window mapped {mapped_after:.2f} s after `kiosk run`")

            desk.tap("attract.start")
            desk.wait_for("home.do")
            desk.screenshot(shots / "02-home.png")
            desk.tap("home.do")
            desk.wait_for(f"procedure.{PROCEDURE}")
            desk.screenshot(shots / "03-procedures.png")
            desk.tap(f"procedure.{PROCEDURE}")
            desk.wait_for("overview.start")
            desk.screenshot(shots / "04-overview.png")
            desk.tap("overview.start")
            desk.wait_for("consent.agree")
            desk.screenshot(shots / "05-consent.png")
            desk.tap("consent.agree")

            answer_form(desk, proc.steps, answers,
                        lambda number, step: desk.screenshot(shots / f"{number + 6:02d}-step-{step.id}.png"))
            desk.wait_for("review.submit")
            desk.screenshot(shots / f"{len(proc.steps) + 6:02d}-review.png")
            desk.tap("review.submit")

            reference = desk.wait_for("receipt.reference", timeout=60)
            desk.screenshot(shots / f"{len(proc.steps) + 7:02d}-receipt.png")
            row = wait_for_row(kiosk.data_dir / "outbox.sqlite3", "accepted")
            assert row["procedure_code"] == PROCEDURE
            assert row["local_ref"] in reference.name, "the receipt shows another code than the one stored"
            received = [d for d in portal.store.list_dossiers() if d["local_reference"] == row["local_ref"]]
            assert len(received) == 1, f"the portal received the dossier {len(received)} times"
            payload = portal.store.dossier_payload(received[0]["code"])
            assert payload is not None
            assert payload["answers"]["doc_name"] == answers["doc_name"], "typed text did not reach the portal"
            assert payload["applicant"]["full_name"] == SAMPLE_ID_CARD.split("|")[2]

            # Nobody touches the kiosk: it warns, then resets to the attract screen.
            desk.wait_for("attract.start", timeout=60)
            after = desk.screenshot(shots / f"{len(proc.steps) + 8:02d}-attract-after-reset.png")
            assert colour_count(after) >= 16
            on_screen = " ".join(w.name for w in desk.widgets())
            for personal in (SAMPLE_ID_CARD.split("|")[2], answers["applicant_phone"], row["local_ref"]):
                assert personal not in on_screen, "the next resident can see the last one's data"
        except DesktopError as exc:
            desk.screenshot(shots / "failure.png")
            raise DesktopError(f"{exc}\nkiosk log:\n{kiosk.log_text()[-4000:]}") from exc
        finally:
            status = kiosk.stop()
        assert status == 0, f"SIGTERM did not stop the kiosk cleanly ({status}):\n{kiosk.log_text()[-4000:]}"
