"""The slip as drawn: long names wrap inside the paper at 58 and 80 mm, and the QR codes scan."""

from __future__ import annotations

from datetime import datetime

import numpy as np
import pytest
import zxingcpp
from PySide6.QtGui import QImage

from kiosk.answers.sample import sample_answers
from kiosk.catalog import Catalog, load_catalog
from kiosk.files import paths
from kiosk.payment.fees import assess
from kiosk.printing.qr import QUIET_ZONE, qr_matrix
from kiosk.printing.receipt import Slip, build_checklist, build_slip
from kiosk.settings.config import PaymentSettings, Settings
from kiosk.workdays.clock import VN_TZ
from ui.printing.slip_render import (
    MARGIN,
    MIN_MODULE_DOTS,
    WIDTH_58MM,
    WIDTH_80MM,
    RenderedSlip,
    render_checklist_layout,
    render_slip_layout,
)
from ui.shell.app import ensure_app

pytestmark = pytest.mark.gui

CERTIFIED_COPY = "2.000815.000.00.00.H26"
PAYMENT = PaymentSettings(bank_bin="970436", account="0011001234567", account_name="UBND PHUONG HAI BA TRUNG")
# The longest inputs a resident can produce: a 120+ character name, a 60-letter "word" (a name typed
# without spaces), an address of 200 characters.
LONG_NAME = ("Nguyễn Thị Hoàng Phương Thảo Nguyên Bích Ngọc Diệp Quỳnh Hương Trầm Uyên Ương Khánh Linh "
             "Đoàn Thượng Huyền Trân Công Chúa")
LONG_WORD = "Nguyễn" + "Ễ" * 48 + "Phương"
LONG_ADDRESS = ("Số 1234 ngõ 567 ngách 89 hẻm 10, đường Nguyễn Khoái kéo dài, tổ dân phố số 25, khu tập thể "
                "Xí nghiệp Xe buýt Thăng Long, phường Hai Bà Trưng, thành phố Hà Nội, Việt Nam (gần chợ Mơ)")


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog(paths.procedures_dir())


def make_slip(catalog: Catalog, name: str = "Nguyễn Văn An", address: str = "Số 12 phố Huế") -> Slip:
    proc = catalog.get(CERTIFIED_COPY)
    submitted = datetime(2026, 11, 26, 9, 0, tzinfo=VN_TZ)
    answers = sample_answers(proc, submitted.date())
    answers.update(applicant_name=name, applicant_address=address)
    return build_slip(proc, answers, "DEMO-K01-261126-0001", True, submitted,
                      assess(proc, answers, submitted.date()),
                      Settings(payment=PAYMENT))


def gray(image: QImage) -> np.ndarray:
    converted = image.convertToFormat(QImage.Format.Format_Grayscale8)
    pixels = np.frombuffer(bytes(converted.constBits()), np.uint8)
    return pixels.reshape(converted.height(), converted.bytesPerLine())[:, : converted.width()].copy()


def decoded(image: QImage) -> dict[str, zxingcpp.Barcode]:
    return {code.text: code for code in zxingcpp.read_barcodes(gray(image))}


def assert_nothing_clipped(rendered: RenderedSlip, width: int) -> None:
    for box in rendered.text_boxes:
        assert box.rect.left() >= MARGIN - 0.5, box.text
        assert box.rect.right() <= width - MARGIN + 0.5, box.text
        assert box.rect.top() >= 0 and box.rect.bottom() <= rendered.image.height(), box.text
    pixels = gray(rendered.image)
    # The side margins stay blank: no glyph was drawn past the paper's printable width.
    assert (pixels[:, : MARGIN // 2] > 128).all()
    assert (pixels[:, width - MARGIN // 2 :] > 128).all()


@pytest.mark.parametrize("width", [WIDTH_80MM, WIDTH_58MM])
def test_long_names_and_addresses_wrap_inside_the_paper(catalog: Catalog, width: int) -> None:
    ensure_app()
    short = render_slip_layout(make_slip(catalog), width)
    for name, address in ((LONG_NAME, LONG_ADDRESS), (LONG_WORD, LONG_WORD)):
        rendered = render_slip_layout(make_slip(catalog, name, address), width)
        assert rendered.image.width() == width
        assert_nothing_clipped(rendered, width)
        # Every letter is printed: the lines of the name paragraph put together give the whole text back.
        text = "".join(box.text for box in rendered.text_boxes)
        assert f"Người nộp: {name}" in text.replace("\u2028", "")
        assert f"Địa chỉ: {address}" in text
        # The slip grows instead of cutting.
        assert rendered.image.height() > short.image.height()
    assert_nothing_clipped(short, width)


@pytest.mark.parametrize("width", [WIDTH_80MM, WIDTH_58MM])
def test_both_qr_codes_scan_with_whole_dots_per_module_and_a_quiet_zone(catalog: Catalog, width: int) -> None:
    ensure_app()
    slip = make_slip(catalog)
    rendered = render_slip_layout(slip, width)
    assert slip.vietqr_payload is not None
    found = decoded(rendered.image)
    assert {slip.lookup_url, slip.vietqr_payload} <= set(found)
    assert all(found[text].ec_level == "M" for text in (slip.lookup_url, slip.vietqr_payload))
    pixels = gray(rendered.image)
    for payload, box in rendered.qr_boxes:
        modules = len(qr_matrix(payload))
        module = box.width() // modules
        assert module >= MIN_MODULE_DOTS and box.width() == module * modules
        inside = pixels[box.top() : box.bottom() + 1, box.left() : box.right() + 1]
        quiet = QUIET_ZONE * module
        ring = np.ones(inside.shape, bool)
        ring[quiet:-quiet, quiet:-quiet] = False
        assert (inside[ring] > 128).all(), "the quiet zone has ink in it"
        assert (inside[quiet : quiet + module, quiet : quiet + module] < 128).all()  # finder pattern corner


def test_q_error_correction_on_request(catalog: Catalog) -> None:
    ensure_app()
    slip = make_slip(catalog)
    found = decoded(render_slip_layout(slip, WIDTH_80MM, qr_level="Q").image)
    assert found[slip.lookup_url].ec_level == "Q"


def test_slip_without_fee_account_has_one_qr(catalog: Catalog) -> None:
    ensure_app()
    proc = catalog.get(CERTIFIED_COPY)
    submitted = datetime(2026, 11, 26, 9, 0, tzinfo=VN_TZ)
    answers = sample_answers(proc, submitted.date())
    slip = build_slip(proc, answers, "R-1", False, submitted, assess(proc, answers, submitted.date()), Settings())
    rendered = render_slip_layout(slip, WIDTH_80MM)
    assert [payload for payload, _ in rendered.qr_boxes] == [slip.lookup_url]
    assert set(decoded(rendered.image)) == {slip.lookup_url}


def test_every_printed_line_is_the_slip_text(catalog: Catalog) -> None:
    ensure_app()
    slip = make_slip(catalog)
    printed = " ".join(box.text for box in render_slip_layout(slip, WIDTH_58MM).text_boxes)
    flat = " ".join(printed.split()).casefold()  # the authority is printed in capitals
    for line in slip.text_lines():
        assert " ".join(line.split()).casefold() in flat


@pytest.mark.parametrize("width", [WIDTH_80MM, WIDTH_58MM])
def test_checklist_prints_every_paper_inside_the_paper(catalog: Catalog, width: int) -> None:
    ensure_app()
    checklist = build_checklist(catalog.get(CERTIFIED_COPY), Settings())
    rendered = render_checklist_layout(checklist, width)
    assert_nothing_clipped(rendered, width)
    flat = " ".join(" ".join(box.text for box in rendered.text_boxes).split())
    for paper in checklist.papers:
        assert " ".join(paper.split()) in flat
