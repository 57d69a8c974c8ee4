"""Site facts and public holidays: what the slip and `kiosk doctor` tell from them."""

from __future__ import annotations

import shutil
from datetime import date, datetime
from pathlib import Path

import pytest

from kiosk.answers.sample import sample_answers
from kiosk.catalog import Catalog, load_catalog
from kiosk.catalog.models import Procedure, TimeUnit
from kiosk.files import paths
from kiosk.ops.doctor import Outcome, check_holidays, check_site, report
from kiosk.payment.fees import assess
from kiosk.printing.receipt import Slip, build_checklist, build_slip
from kiosk.settings.config import SiteFact, SiteSettings, load_settings
from kiosk.workdays.clock import VN_TZ
from kiosk.workdays.holidays import HolidayDataError, WorkingCalendar, holidays_dir, load_years

MARITAL_STATUS = "1.004873.000.00.00.H26"
PILOTS = ("bui-thi-xuan", "bach-khoa", "dong-tam")
DUE = "Ngày dự kiến có kết quả (nếu giấy tờ đầy đủ): "


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog(paths.procedures_dir())


def taking(proc: Procedure, days: int) -> Procedure:
    """`proc` taking `days` working days, received at any hour (the dates below do not hang on the catalog)."""
    time = proc.processing_time.model_copy(update={"unit": TimeUnit.WORKING_DAYS, "amount": days, "cutoff": None})
    return proc.model_copy(update={"processing_time": time})


def slip_at(catalog: Catalog, when: datetime, days: int = 3, site: str = "bach-khoa",
            calendar: WorkingCalendar | None = None, lang: str = "vi") -> Slip:
    proc = taking(catalog.get(MARITAL_STATUS), days)
    answers = sample_answers(proc, when.date())
    settings = load_settings(site=site, environ={})
    fee = assess(proc, answers, when.date())
    return build_slip(proc, answers, "BKH-K01-261126-0001", True, when, fee, settings, lang, calendar)


# --- expected dates ---------------------------------------------------------------------------------


def test_expected_date_skips_the_weekend(catalog: Catalog) -> None:
    slip = slip_at(catalog, datetime(2026, 11, 26, 10, 0, tzinfo=VN_TZ))  # Thursday
    assert DUE + "01/12/2026" in slip.text_lines()  # Fri 27, Mon 30, Tue 1


def test_expected_date_across_tet_skips_the_five_days_off(catalog: Catalog) -> None:
    # Friday before Tết Bính Ngọ: the service point is closed Mon 16/2 to Fri 20/2/2026.
    slip = slip_at(catalog, datetime(2026, 2, 13, 9, 0, tzinfo=VN_TZ))
    assert DUE + "25/02/2026" in slip.text_lines()
    weekends_only = slip_at(catalog, datetime(2026, 2, 13, 9, 0, tzinfo=VN_TZ), calendar=WorkingCalendar.of([]))
    assert DUE + "18/02/2026 (chưa tính ngày nghỉ lễ năm 2026)" in weekends_only.text_lines()


def test_expected_date_across_new_year_and_gio_to(catalog: Catalog) -> None:
    new_year = slip_at(catalog, datetime(2026, 12, 30, 9, 0, tzinfo=VN_TZ))  # Wed; Fri 1/1/2027 is a holiday
    assert DUE + "05/01/2027" in new_year.text_lines()
    gio_to = slip_at(catalog, datetime(2026, 4, 24, 9, 0, tzinfo=VN_TZ), days=1)  # Fri; 10/3 âm lịch is Sun 26/4
    assert DUE + "28/04/2026" in gio_to.text_lines()  # the compensatory Monday 27/4 is skipped


def test_a_year_without_data_is_said_on_the_slip(catalog: Catalog) -> None:
    only_2026 = WorkingCalendar({2026: load_years(holidays_dir())[2026]})
    slip = slip_at(catalog, datetime(2026, 12, 30, 9, 0, tzinfo=VN_TZ), calendar=only_2026)
    assert DUE + "04/01/2027 (chưa tính ngày nghỉ lễ năm 2027)" in slip.text_lines()
    english = slip_at(catalog, datetime(2026, 12, 30, 9, 0, tzinfo=VN_TZ), calendar=only_2026, lang="en")
    assert ("Expected result date (if the papers are complete): 04/01/2027 (public holidays of 2027 not counted)"
            in english.text_lines())


def test_weekend_worked_in_exchange_counts_and_the_swapped_friday_does_not() -> None:
    calendar = WorkingCalendar(load_years(holidays_dir()))
    assert calendar.is_working_day(date(2025, 4, 26))  # Saturday worked for Friday 2/5/2025
    assert not calendar.is_working_day(date(2025, 5, 2))
    assert calendar.add_working_days(date(2025, 4, 29), 1) == date(2025, 5, 5)


def test_every_holiday_file_names_its_sources_and_lunar_days_as_solar_dates() -> None:
    years = load_years(holidays_dir())
    assert {2025, 2026, 2027} <= set(years)
    for year in years.values():
        assert year.sources and all("http" in s or "Bộ luật Lao động" in s or "Lịch âm" in s for s in year.sources)
    tet_2026 = [d.day for d in years[2026].days_off if d.name.startswith("Tết Nguyên đán")]
    assert tet_2026 == [date(2026, 2, d) for d in range(16, 21)]
    assert [d.day for d in years[2027].days_off if "Giỗ Tổ" in d.name] == [date(2027, 4, 16)]


def test_a_wrong_holiday_file_is_named(tmp_path: Path) -> None:
    (tmp_path / "2026.toml").write_text('year = 2026\nsources = ["x"]\n[[days_off]]\ndate = 2026-01-01\n'
                                        'status = "verified"\n', "utf-8")
    with pytest.raises(HolidayDataError, match=r"2026.toml days_off #1 \(2026-01-01\): 'name' is missing"):
        load_years(tmp_path)
    assert check_holidays(date(2026, 3, 1), tmp_path).line().startswith("FAIL holidays     2026.toml")


# --- the slip of a pilot site -----------------------------------------------------------------------


@pytest.mark.parametrize("site", PILOTS)
def test_pilot_slip_prints_no_unverified_number_and_sends_to_the_staff(catalog: Catalog, site: str) -> None:
    slip = slip_at(catalog, datetime(2026, 11, 26, 10, 0, tzinfo=VN_TZ), site=site)
    settings = load_settings(site=site, environ={})
    text = "\n".join(slip.text_lines())
    centre = settings.site.service_point
    assert slip.title == "PHIẾU GHI NHẬN HỒ SƠ TRỰC TUYẾN"
    assert f"Cần hỗ trợ, xin hỏi cán bộ tại nhà sinh hoạt cộng đồng hoặc tại {centre}." in slip.footer
    assert "Tổng đài hỗ trợ thủ tục hành chính của Hà Nội: 024.1022 (nhánh 7, 8)" in slip.footer
    assert f"Địa chỉ {centre}: xin hỏi cán bộ tại nhà sinh hoạt cộng đồng" in slip.text_lines()
    assert slip.papers_heading == f"Giấy tờ mang đến {centre}"
    assert "Một cửa" not in text and "1900" not in text and "Đường dây nóng" not in text
    checklist = build_checklist(catalog.get(MARITAL_STATUS), settings)
    assert f"Mang đủ các giấy tờ trên đến: {centre}" in checklist.footer
    assert "Đường dây nóng" not in "\n".join(checklist.text_lines())


def test_a_verified_hotline_and_address_are_printed(catalog: Catalog) -> None:
    site = load_settings(site="bach-khoa", environ={}).site
    fact = SiteFact(status="verified", source="Danh sách điểm phục vụ của thành phố", checked=date(2026, 12, 6))
    checked = site.model_copy(update={
        "hotline": "024 3869 1234", "service_point_address": "Số 1 phố Ví Dụ",
        "facts": {**site.facts, "hotline": fact, "service_point_address": fact}})
    settings = load_settings(site="bach-khoa", environ={}).model_copy(update={"site": checked})
    proc = taking(catalog.get(MARITAL_STATUS), 3)
    when = datetime(2026, 11, 26, 10, 0, tzinfo=VN_TZ)
    answers = sample_answers(proc, when.date())
    slip = build_slip(proc, answers, "R-1", True, when, assess(proc, answers, when.date()), settings)
    assert "Đường dây nóng: 024 3869 1234" in slip.footer
    assert f"Địa chỉ {checked.service_point}: Số 1 phố Ví Dụ" in slip.text_lines()
    assert not any(line.startswith("Cần hỗ trợ") for line in slip.footer)


# --- kiosk doctor -----------------------------------------------------------------------------------


@pytest.mark.parametrize("site", PILOTS)
def test_doctor_passes_the_pilot_profiles_and_warns_what_to_confirm(site: str) -> None:
    result = check_site(load_settings(site=site, environ={}))
    assert result.outcome is Outcome.WARN
    assert result.line().startswith(f"WARN site         {site}: to confirm with the ward before go-live: ")
    assert "hotline" in result.detail and "service_point_address" in result.detail
    text, status = report([result])
    assert status == 0 and text.splitlines()[-1] == "all checks passed"


def test_doctor_fails_on_placeholders_and_unsourced_values() -> None:
    settings = load_settings(site="bach-khoa", environ={})
    placeholder = settings.model_copy(update={"site": settings.site.model_copy(update={"hotline": "1900 0000"})})
    result = check_site(placeholder)
    assert result.outcome is Outcome.FAIL
    assert "bach-khoa: hotline is a placeholder ('1900 0000')" in result.line()
    unsourced = settings.site.model_copy(update={"opening_hours": "Thứ Hai – Thứ Sáu: 8:00 – 17:00",
                                                 "facts": {k: v for k, v in settings.site.facts.items()
                                                           if k != "opening_hours"}})
    assert "opening_hours has no verified source" in check_site(settings.model_copy(update={"site": unsourced})).detail
    no_ward = settings.model_copy(update={"site": settings.site.model_copy(update={"ward": ""})})
    assert "ward is empty" in check_site(no_ward).detail
    assert report([check_site(no_ward)])[1] == 1


def test_doctor_names_the_demo_site() -> None:
    result = check_site(load_settings(site="demo", environ={}))
    assert result.outcome is Outcome.WARN and "demonstration site" in result.detail
    assert SiteSettings().verified("hotline") == ""  # the demo's placeholder is never printed


def test_doctor_warns_when_this_or_next_years_holidays_are_missing(tmp_path: Path) -> None:
    shutil.copy(holidays_dir() / "2026.toml", tmp_path / "2026.toml")
    assert check_holidays(date(2026, 10, 1), tmp_path).outcome is Outcome.OK  # 2026's open items are past
    december = check_holidays(date(2026, 12, 6), tmp_path)
    assert december.line().startswith("WARN holidays     no public holidays for 2027: expected dates there skip "
                                      "weekends only — add 2027.toml")
    assert "no public holidays for 2028" in check_holidays(date(2028, 3, 1), tmp_path).detail
    bundled = check_holidays(date(2026, 12, 6))
    assert bundled.outcome is Outcome.WARN and bundled.detail.startswith("2027: 5 provisional day(s) off")
