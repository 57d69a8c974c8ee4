"""What the slip says (after the official receipt form), its VietQR code, and today's reprint queue."""

from __future__ import annotations

import json
import os
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from kiosk.answers.sample import sample_answers
from kiosk.catalog import Catalog, load_catalog
from kiosk.catalog.models import Procedure
from kiosk.files import paths
from kiosk.payment.fees import assess
from kiosk.payment.vietqr import crc16_ccitt_false, parse_payload
from kiosk.printing.receipt import Slip, build_checklist, build_slip, mask_id, mask_phone, with_official_code
from kiosk.printing.slips import SlipStore
from kiosk.security.crypto import Sealer
from kiosk.settings.config import PaymentSettings, PortalSettings, Settings, load_settings
from kiosk.workdays.clock import VN_TZ, ManualClock

CERTIFIED_COPY = "2.000815.000.00.00.H26"  # 2.000 đ a page, per copy: has a fee
MARITAL_STATUS = "1.004873.000.00.00.H26"  # a lệ phí set by the city, not verified: the officer tells it
MARRIAGE = "1.000894.000.00.00.H26"  # exempt by law
SUBMITTED = datetime(2026, 11, 26, 9, 30, tzinfo=VN_TZ)
PAYMENT = PaymentSettings(bank_bin="970436", account="0011001234567", account_name="UBND PHUONG HAI BA TRUNG")
PHONE = "0912345678"
ID_NUMBER = "001060012345"


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog(paths.procedures_dir())


def answers_for(proc: Procedure, **override: str) -> dict[str, str]:
    answers = sample_answers(proc, SUBMITTED.date())
    answers.update(applicant_phone=PHONE, applicant_id=ID_NUMBER)
    if proc.code == CERTIFIED_COPY:
        answers.update(pages="5", copies="2")
    answers.update(override)
    return answers


def slip_for(proc: Procedure, settings: Settings, reference: str = "DEMO-K01-261126-0001", **override: str) -> Slip:
    answers = answers_for(proc, **override)
    return build_slip(proc, answers, reference, True, SUBMITTED, assess(proc, answers, SUBMITTED.date()), settings)


def test_slip_carries_everything_the_receipt_form_asks_for(catalog: Catalog) -> None:
    proc = catalog.get(CERTIFIED_COPY)
    settings = Settings(payment=PAYMENT)
    slip = slip_for(proc, settings)
    text = "\n".join(slip.text_lines())
    for expected in (
        "Ủy ban nhân dân phường Hai Bà Trưng",  # receiving authority
        settings.site.name,
        "PHIẾU GHI NHẬN HỒ SƠ TRỰC TUYẾN",
        "DEMO-K01-261126-0001",
        "Thủ tục: Chứng thực bản sao từ bản chính",
        "Người nộp: Nguyễn Văn An",
        "Địa chỉ: Số 12 phố Bùi Thị Xuân, Hai Bà Trưng, Hà Nội",
        "Thời gian nộp: 09:30 26/11/2026",
        "Ngày dự kiến có kết quả (nếu giấy tờ đầy đủ): 26/11/2026",  # same day, received before 15:00
        f"Nơi nhận kết quả: {settings.site.collect_at}",
        "chưa phải giấy tiếp nhận",
        "14.000 đồng",  # 2 copies of 5 pages: 2 × (2 × 2.000 + 3 × 1.000)
        f"Nộp tại {settings.site.service_point} hoặc quét VietQR",
        "Cần hỗ trợ, xin hỏi cán bộ tại nhà sinh hoạt cộng đồng",  # the demo hotline is no verified number
        "Máy: K01",
    ):
        assert expected in text
    assert "1900 0000" not in text and "TIẾP NHẬN HỒ SƠ\n" not in text
    assert len(slip.papers) == len(proc.papers)
    assert all(paper.name.vi in "\n".join(slip.papers) for paper in proc.papers)
    assert slip.provisional
    assert slip.lookup_url.endswith("ma=DEMO-K01-261126-0001")


def test_after_the_cutoff_the_result_is_due_the_next_working_day(catalog: Catalog) -> None:
    proc = catalog.get(CERTIFIED_COPY)
    answers = answers_for(proc)
    friday_late = datetime(2026, 11, 27, 16, 0, tzinfo=VN_TZ)
    slip = build_slip(proc, answers, "X-1", True, friday_late, assess(proc, answers, friday_late.date()), Settings())
    assert "Ngày dự kiến có kết quả (nếu giấy tờ đầy đủ): 30/11/2026" in slip.text_lines()


def test_phone_and_id_number_never_reach_paper_in_full(catalog: Catalog) -> None:
    proc = catalog.get(CERTIFIED_COPY)
    slip = slip_for(proc, Settings(payment=PAYMENT))
    printed = json.dumps(slip.to_dict(), ensure_ascii=False)
    assert PHONE not in printed and ID_NUMBER not in printed
    assert "Điện thoại: *******678" in slip.text_lines()
    assert "Số định danh: 001******345" in slip.text_lines()


@pytest.mark.parametrize("number", ["12345", "123456", "1234567", "12345678", "123456789", "001060012345"])
def test_masked_id_hides_most_of_any_length(number: str) -> None:
    masked = mask_id(number)
    assert len(masked) == len(number)
    assert sum(c.isdigit() for c in masked) <= min(6, len(number) // 2)
    assert masked != number


def test_masked_phone_keeps_only_the_last_three_digits() -> None:
    assert mask_phone("0912 345 678") == "*******678"
    assert mask_phone("12") == "****"


def test_vietqr_code_pays_the_fee_with_the_dossier_code_as_purpose(catalog: Catalog) -> None:
    proc = catalog.get(CERTIFIED_COPY)
    slip = slip_for(proc, Settings(payment=PAYMENT))
    assert slip.vietqr_payload is not None
    body, crc = slip.vietqr_payload[:-4], slip.vietqr_payload[-4:]
    assert crc16_ccitt_false(body.encode("ascii")) == int(crc, 16)
    transfer = parse_payload(slip.vietqr_payload)
    assert (transfer.bank_bin, transfer.account, transfer.amount_vnd) == ("970436", "0011001234567", 14000)
    assert transfer.purpose == "DEMO-K01-261126-0001"
    assert transfer.is_dynamic
    assert "UBND PHUONG HAI BA TRUNG" in slip.pay_to and "0011001234567" in slip.pay_to


def test_no_vietqr_without_a_fee_account_or_without_a_fee(catalog: Catalog) -> None:
    paid = slip_for(catalog.get(CERTIFIED_COPY), Settings())
    assert paid.vietqr_payload is None
    assert paid.pay_text == "Nộp phí, lệ phí tại Trung tâm Phục vụ hành chính công phường Hai Bà Trưng khi mang giấy " \
        "tờ đến."
    free = slip_for(catalog.get(MARRIAGE), Settings(payment=PAYMENT))
    assert free.vietqr_payload is None and not free.pay_text
    assert free.fee_text == "Miễn lệ phí theo quy định của pháp luật"


def test_an_amount_the_city_set_but_nobody_verified_gets_no_payment_code(catalog: Catalog) -> None:
    slip = slip_for(catalog.get(MARITAL_STATUS), Settings(payment=PAYMENT))
    assert slip.vietqr_payload is None and slip.fee_vnd == 0
    assert slip.fee_text == "Cán bộ tiếp nhận sẽ báo số tiền khi nhận hồ sơ"
    assert "Miễn phí" not in "\n".join(slip.text_lines())


def test_reprint_under_the_official_code_updates_both_qr_codes(catalog: Catalog) -> None:
    settings = Settings(payment=PAYMENT, portal=PortalSettings(lookup_url="https://example.vn/hs/{reference}"))
    slip = slip_for(catalog.get(CERTIFIED_COPY), settings)
    official = with_official_code(slip, "000.00.21.H26-261126-0001", settings)
    assert official.reference == "000.00.21.H26-261126-0001" and not official.provisional
    assert official.lookup_url == "https://example.vn/hs/000.00.21.H26-261126-0001"
    assert official.vietqr_payload is not None
    assert parse_payload(official.vietqr_payload).purpose == "000.00.21.H26-261126-0001"
    assert official.lines == slip.lines


def test_slip_survives_the_trip_through_json(catalog: Catalog) -> None:
    slip = slip_for(catalog.get(CERTIFIED_COPY), Settings(payment=PAYMENT))
    assert Slip.from_dict(json.loads(json.dumps(slip.to_dict()))) == slip


def test_english_slip(catalog: Catalog) -> None:
    proc = catalog.get(CERTIFIED_COPY)
    answers = answers_for(proc)
    fee = assess(proc, answers, SUBMITTED.date())
    slip = build_slip(proc, answers, "R-1", False, SUBMITTED, fee, Settings(), "en")
    assert slip.title == "RECORD OF AN ONLINE APPLICATION"
    assert "Expected result date (if the papers are complete): 26/11/2026" in slip.text_lines()
    assert slip.fee_text == "14,000 VND"


def test_checklist_lists_every_paper_and_no_personal_data(catalog: Catalog) -> None:
    proc = catalog.get(CERTIFIED_COPY)
    checklist = build_checklist(proc, Settings())
    assert checklist.title == "DANH SÁCH GIẤY TỜ CẦN MANG"
    assert [line.startswith("☐ ") for line in checklist.papers] == [True] * len(proc.papers)
    assert checklist.fee_text.startswith("Phí: Phí chứng thực bản sao từ bản chính (phí): 2.000 đồng/trang; "
                                         "từ trang thứ 3: 1.000 đồng/trang; tối đa 200.000 đồng mỗi bản")
    assert "Trong ngày" in checklist.time_text


def test_demo_site_profile_has_a_fee_account() -> None:
    settings = load_settings(site="demo", environ={})
    assert settings.payment.bank_bin == "970436"
    assert settings.payment.account
    assert settings.site.profile == "demo"


# --- today's slips, for reprinting ---


@pytest.fixture
def store(tmp_path: Path) -> tuple[SlipStore, ManualClock]:
    clock = ManualClock(SUBMITTED)
    return SlipStore(tmp_path / "slips.sqlite3", Sealer(os.urandom(32)), clock), clock


def test_slip_is_kept_sealed_and_listed_for_reprint(catalog: Catalog, store: tuple[SlipStore, ManualClock]) -> None:
    slips, _ = store
    slip = slip_for(catalog.get(CERTIFIED_COPY), Settings(payment=PAYMENT))
    slips.add("uuid-1", slip)
    assert slips.get("uuid-1") == slip
    raw = b"".join(file.read_bytes() for file in slips.path.parent.glob(slips.path.name + "*"))
    assert "Nguyễn Văn An".encode() not in raw and b"Bui Thi Xuan" not in raw
    [record] = slips.today()
    assert (record.id, record.reference, record.status) == ("uuid-1", "DEMO-K01-261126-0001", "pending")
    assert [r.id for r in slips.needing_reprint()] == ["uuid-1"]

    slips.mark_failed("uuid-1", "paper_out")
    [record] = slips.today()
    assert record.status == "failed" and record.last_error == "paper_out" and record.needs_reprint

    slips.mark_printed("uuid-1", "000.00.21.H26-261126-0001")
    [record] = slips.today()
    assert record.status == "printed" and record.reference == "000.00.21.H26-261126-0001"
    assert slips.needing_reprint() == []


def test_slips_are_gone_the_next_day(catalog: Catalog, store: tuple[SlipStore, ManualClock]) -> None:
    slips, clock = store
    slips.add("uuid-1", slip_for(catalog.get(CERTIFIED_COPY), Settings()))
    clock.advance(timedelta(hours=15).total_seconds())  # 00:30 the next day
    assert slips.get("uuid-1") is None
    assert slips.today() == []


def test_slip_sealed_with_another_key_is_not_opened(catalog: Catalog, store: tuple[SlipStore, ManualClock]) -> None:
    slips, clock = store
    slips.add("uuid-1", slip_for(catalog.get(CERTIFIED_COPY), Settings()))
    other = SlipStore(slips.path, Sealer(os.urandom(32)), clock)
    assert other.get("uuid-1") is None
    assert other.get("no-such-slip") is None
