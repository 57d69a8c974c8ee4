"""Scanning papers through SANE (the real scanimage and SANE's `test` backend), processing pages, PDFs, limits."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import threading
import time
from pathlib import Path

import pytest
from PIL import Image, ImageDraw

from kiosk.scanning import papers
from kiosk.scanning.device import (
    FAILURE_GRACE_S,
    TEST_PAGE_OPTIONS,
    CoverOpen,
    NoScanner,
    PaperJammed,
    RawScan,
    SaneScanner,
    ScanCancelled,
    ScannerBusy,
    ScanRequest,
    classify_failure,
)
from kiosk.scanning.images import Colour, ImageError, Page, crop_margins, process, skew_angle, to_pdf, with_page
from kiosk.scanning.papers import LimitExceeded, manifest
from tests.sane_helpers import TEST_DEVICE, page_request, sane_scanner


def test_the_test_backend_lists_its_devices(tmp_path: Path) -> None:
    scanner = sane_scanner(tmp_path / "sane", devices=2)
    found = scanner.devices()
    assert [d.name for d in found] == ["test:0", "test:1"]
    assert found[0].label == "Noname frontend-tester (test:0)"


def test_no_devices_is_an_empty_list_not_an_error(tmp_path: Path) -> None:
    scanner = sane_scanner(tmp_path / "sane", devices=0)
    assert scanner.devices() == []


def test_a_page_is_scanned_into_memory_with_progress(tmp_path: Path) -> None:
    scanner = sane_scanner(tmp_path / "sane")
    progress: list[float] = []
    raw = scanner.scan(page_request(200), progress.append)
    with Image.open(io.BytesIO(raw.data)) as image:
        assert image.mode == "L"
        # 105 × 148 mm at 200 dpi
        assert abs(image.width - 827) <= 1 and abs(image.height - 1165) <= 1
    assert progress and progress[-1] == 1.0
    assert progress == sorted(progress)
    assert not any(tmp_path.glob("*.pnm")) and "RawScan(" in repr(raw) and "P5" not in repr(raw)


@pytest.mark.parametrize(("status", "error"), [
    ("SANE_STATUS_JAMMED", PaperJammed),
    ("SANE_STATUS_COVER_OPEN", CoverOpen),
    ("SANE_STATUS_DEVICE_BUSY", ScannerBusy),
    ("SANE_STATUS_CANCELLED", ScanCancelled),
])
def test_scanner_troubles_become_typed_errors_with_a_message_for_the_resident(
        tmp_path: Path, status: str, error: type[Exception]) -> None:
    scanner = sane_scanner(tmp_path / "sane")
    with pytest.raises(error) as raised:
        scanner.scan(page_request(200, "--read-return-value", status))
    assert raised.value.message_key.startswith("scan.error.")  # type: ignore[attr-defined]


def test_a_missing_device_or_program_says_no_scanner(tmp_path: Path) -> None:
    scanner = sane_scanner(tmp_path / "sane")
    with pytest.raises(NoScanner):
        scanner.scan(ScanRequest("nothere:0", 200))

    with pytest.raises(NoScanner):
        SaneScanner(str(tmp_path / "no-scanimage")).scan(ScanRequest(TEST_DEVICE))


def test_a_scan_can_be_cancelled(tmp_path: Path) -> None:
    scanner = sane_scanner(tmp_path / "sane")
    cancel = threading.Event()

    def cancel_when_started(fraction: float) -> None:
        cancel.set()

    slow = page_request(300, "--read-delay=yes", "--read-delay-duration", "100000")
    with pytest.raises(ScanCancelled):
        scanner.scan(slow, cancel_when_started, cancel)


def stand_in_scanimage(tmp_path: Path, script: str) -> SaneScanner:
    """A program in scanimage's place that behaves as `script` says (a backend SANE's test backend cannot
    imitate on demand)."""
    program = tmp_path / "scanimage"
    program.write_text("#!/bin/sh\n" + script, encoding="ascii")
    program.chmod(0o755)
    return SaneScanner(str(program))


def test_a_scanner_that_hangs_after_reporting_a_jam_is_stopped_and_the_jam_reported(tmp_path: Path) -> None:
    # SANE's test backend does this now and then after a jam: the message is out, the program never ends.
    scanner = stand_in_scanimage(tmp_path, 'echo "scanimage: sane_read: Document feeder jammed" >&2\n'
                                           'exec sleep 600\n')
    started = time.monotonic()
    with pytest.raises(PaperJammed):
        scanner.scan(ScanRequest(TEST_DEVICE))
    assert time.monotonic() - started < 60  # far below the page's own limit of three minutes


def test_a_warning_from_scanimage_does_not_stop_a_slow_page(tmp_path: Path) -> None:
    page = b"P5\n2 2\n255\n" + bytes(4)
    (tmp_path / "page.pnm").write_bytes(page)
    scanner = stand_in_scanimage(tmp_path, 'echo "scanimage: rounded value of br-x from 105 to 104.99" >&2\n'
                                           f'sleep {FAILURE_GRACE_S + 1}\ncat "{tmp_path / "page.pnm"}"\n')
    assert scanner.scan(ScanRequest(TEST_DEVICE)).data == page


def test_status_texts_of_older_scanimage_versions_are_read_too() -> None:
    assert isinstance(classify_failure(1, "scanimage: sane_start: Document feeder jammed"), PaperJammed)
    assert isinstance(classify_failure(1, "scanimage: sane_read: Scanner cover is open"), CoverOpen)
    assert isinstance(classify_failure(1, "scanimage: no SANE devices found"), NoScanner)


def test_scanned_pages_become_a_pdf_per_paper_at_the_chosen_resolution(tmp_path: Path) -> None:
    scanner = sane_scanner(tmp_path / "sane")
    raw = scanner.scan(page_request(300))
    grey = process(raw, Colour.GREY, 200)
    assert grey.dpi == 200 and grey.image.mode == "L"
    assert grey.image.width <= round(105 / 25.4 * 200) + 20
    bw = process(raw, Colour.BLACK_WHITE, 300)
    assert bw.image.mode == "1" and bw.dpi == 300
    pdf = to_pdf([grey, grey])
    assert pdf.startswith(b"%PDF")
    if shutil.which("pdfinfo"):
        (tmp_path / "paper.pdf").write_bytes(pdf)
        info = subprocess.run(["pdfinfo", str(tmp_path / "paper.pdf")], capture_output=True, check=True,
                              text=True).stdout
        assert re.search(r"^Pages:\s+2$", info, re.MULTILINE), info
        width_pt = float(re.findall(r"Page size:\s+([0-9.]+)", info)[0])
        assert abs(width_pt / 72 * 25.4 - 105) < 3  # printed at its real size (mm)


def test_margins_are_cropped_and_a_crooked_page_is_straightened() -> None:
    page = Image.new("L", (800, 1000), 255)
    draw = ImageDraw.Draw(page)
    for y in range(100, 900, 40):
        draw.rectangle((100, y, 700, y + 8), fill=0)
    crooked = page.rotate(-3, fillcolor=255)
    assert skew_angle(crooked) == pytest.approx(3.0)
    on_lid = Image.new("L", (1200, 1400), 30)  # a dark lid around the white paper
    on_lid.paste(page, (150, 200))
    cropped = crop_margins(on_lid)
    assert abs(cropped.width - 800) <= 20 and abs(cropped.height - 1000) <= 20


def test_data_that_is_no_image_is_refused_with_a_message() -> None:
    with pytest.raises(ImageError) as raised:
        process(RawScan(b"not an image", 200))
    assert raised.value.message_key == "scan.error.failed"


def _page(size: tuple[int, int] = (400, 560), noise: bool = False) -> Page:
    image = Image.effect_noise(size, 120) if noise else Image.new("L", size, 255)
    return Page(image, 200)


def test_limits_refuse_a_page_and_keep_what_was_scanned(monkeypatch: pytest.MonkeyPatch) -> None:
    first = with_page("giay_chung_sinh", _page(), [], {})
    assert len(first.pages) == 1 and first.pdf.startswith(b"%PDF")
    monkeypatch.setattr(papers, "MAX_PAPER_BYTES", len(first.pdf) + 10)
    with pytest.raises(LimitExceeded) as raised:
        with_page("giay_chung_sinh", _page(noise=True), first.pages, {"giay_chung_sinh": first})
    assert raised.value.message_key == "scan.limit.paper"
    assert len(first.pages) == 1  # the paper as it was
    monkeypatch.setattr(papers, "MAX_PAPER_BYTES", 5 * 1024 * 1024)
    monkeypatch.setattr(papers, "MAX_DOSSIER_BYTES", len(first.pdf) + 10)
    with pytest.raises(LimitExceeded) as raised:
        with_page("to_khai", _page(), [], {"giay_chung_sinh": first})
    assert raised.value.message_key == "scan.limit.dossier"
    monkeypatch.setattr(papers, "MAX_PAGES", 1)
    with pytest.raises(LimitExceeded) as raised:
        with_page("giay_chung_sinh", _page(), first.pages, {})
    assert raised.value.message_key == "scan.limit.pages"


def test_the_manifest_names_each_paper_with_its_sha256_and_never_its_content() -> None:
    paper = with_page("giay_chung_sinh", _page(), [], {})
    [entry] = manifest({"giay_chung_sinh": paper})
    import hashlib

    assert entry == {"paper_id": "giay_chung_sinh", "pages": 1, "bytes": len(paper.pdf),
                     "sha256": hashlib.sha256(paper.pdf).hexdigest(), "media_type": "application/pdf"}
    assert "pdf" not in repr(paper).lower() or "bytes" in repr(paper)
    paper.forget()
    assert paper.pages == [] and paper.pdf == b""


def test_doctor_lists_the_scanners_and_does_a_test_scan(tmp_path: Path) -> None:
    from kiosk.ops.doctor import check_scanner
    from kiosk.settings.config import Settings
    from tests.sane_helpers import scanimage

    config = {"program": scanimage(), "sane_config_dir": str(tmp_path / "sane"), "options": list(TEST_PAGE_OPTIONS)}
    sane_scanner(tmp_path / "sane", devices=2)
    unset = check_scanner(Settings.model_validate({"scanning": config}))
    assert [(r.name, r.outcome.value) for r in unset] == [("scanner", "SKIP")]
    assert "test:0" in unset[0].detail and "test:1" in unset[0].detail
    working = check_scanner(Settings.model_validate({"scanning": {**config, "device": "test:1"}}))
    assert [(r.name, r.outcome.value) for r in working] == [("scanner.list", "OK"), ("scanner.test", "OK")]
    assert "200 dpi" in working[1].detail
    gone = check_scanner(Settings.model_validate({"scanning": {**config, "device": "epson2:libusb:001:004"}}))
    assert [(r.name, r.outcome.value) for r in gone] == [("scanner.list", "OK"), ("scanner.device", "FAIL")]
    jammed = check_scanner(Settings.model_validate({"scanning": {
        **config, "device": "test:0", "options": [*TEST_PAGE_OPTIONS, "--read-return-value", "SANE_STATUS_JAMMED"]}}))
    assert jammed[-1].outcome.value == "FAIL" and jammed[-1].fix == "take the jammed paper out"
