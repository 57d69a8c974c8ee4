"""The scan screen in the journey: after the form, before the review; rescan, add pages, skip; reset forgets."""

from __future__ import annotations

import gc
from datetime import datetime

import pytest
from PIL import Image

from kiosk.answers.sample import sample_answers
from kiosk.catalog import Catalog, load_catalog
from kiosk.catalog.models import PaperScan
from kiosk.files.paths import procedures_dir
from kiosk.journey.machine import (
    ChooseMode,
    ConfirmSubmit,
    EditStep,
    GiveConsent,
    GoBack,
    Journey,
    Mode,
    NextPaper,
    PaperScanned,
    Reset,
    ScanFailed,
    Screen,
    SelectProcedure,
    SkipPaper,
    StartApplication,
    SubmitStep,
    Touch,
)
from kiosk.scanning.images import Page, with_page
from kiosk.workdays.clock import VN_TZ, ManualClock

BIRTH = "1.001193.000.00.00.H26"
EXTRACT = "2.000635.000.00.00.H26"


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog(procedures_dir())


def to_papers(catalog: Catalog, code: str = BIRTH, scanning: bool = True) -> Journey:
    journey = Journey(catalog, clock=ManualClock(datetime(2026, 11, 26, 9, 0, tzinfo=VN_TZ)), scanning=scanning)
    for event in (Touch(), ChooseMode(Mode.DO), SelectProcedure(code), StartApplication(), GiveConsent()):
        assert journey.dispatch(event)
    proc = journey.procedure
    assert proc is not None
    answers = sample_answers(proc, journey.clock.now().date())
    while journey.screen is Screen.STEP:  # one question a page, as the resident answers them
        shown = journey.current_page()
        assert shown is not None
        journey.dispatch(SubmitStep({f.id: answers.get(f.id, journey.session.answers.get(f.id, ""))
                                     for f in shown.fields}))
        assert not journey.session.errors
    return journey


def page() -> Page:
    return Page(Image.new("L", (300, 420), 255), 200)


def test_birth_registration_asks_for_the_birth_notice_after_the_form(catalog: Catalog) -> None:
    journey = to_papers(catalog)
    assert journey.screen is Screen.SCAN
    paper = journey.current_paper()
    assert paper is not None and paper.scan is not None and paper.scan.id == "giay_chung_sinh"
    assert paper.name.vi.startswith("Giấy chứng sinh")


def test_without_a_scanner_or_scannable_papers_the_form_goes_straight_to_the_review(catalog: Catalog) -> None:
    assert to_papers(catalog, scanning=False).screen is Screen.REVIEW
    assert to_papers(catalog, EXTRACT).screen is Screen.REVIEW


def test_next_needs_a_page_skip_means_the_paper_is_brought(catalog: Catalog) -> None:
    journey = to_papers(catalog)
    assert not journey.dispatch(NextPaper())
    assert journey.dispatch(SkipPaper())
    assert journey.screen is Screen.REVIEW
    assert journey.dispatch(ConfirmSubmit())
    assert journey.session.pending_payload is not None
    assert "attachments" not in journey.session.pending_payload


def test_scan_rescan_add_a_page_then_the_dossier_lists_the_paper(catalog: Catalog) -> None:
    journey = to_papers(catalog)
    first = with_page("giay_chung_sinh", page(), [], {})
    assert journey.dispatch(PaperScanned(first))
    again = with_page("giay_chung_sinh", page(), [], {})  # rescan: replaces the page
    assert journey.dispatch(PaperScanned(again))
    assert journey.session.scans["giay_chung_sinh"] is again
    two = with_page("giay_chung_sinh", page(), again.pages, {})  # add a page
    assert journey.dispatch(PaperScanned(two))
    assert len(journey.session.scans["giay_chung_sinh"].pages) == 2
    assert journey.dispatch(ScanFailed("scan.error.jammed"))
    assert journey.session.scan_error == "scan.error.jammed"
    assert len(journey.session.scans["giay_chung_sinh"].pages) == 2  # a failed scan loses nothing
    assert journey.dispatch(NextPaper())
    assert journey.screen is Screen.REVIEW
    assert journey.dispatch(GoBack())
    assert journey.screen is Screen.SCAN
    assert journey.dispatch(NextPaper())
    assert journey.dispatch(ConfirmSubmit())
    payload = journey.session.pending_payload
    assert payload is not None
    assert payload["attachments"] == [{"paper_id": "giay_chung_sinh", "pages": 2, "bytes": len(two.pdf),
                                       "sha256": two.sha256, "media_type": "application/pdf"}]


def test_a_scan_for_another_paper_or_screen_is_ignored(catalog: Catalog) -> None:
    journey = to_papers(catalog)
    assert not journey.dispatch(PaperScanned(with_page("to_khai", page(), [], {})))
    journey.dispatch(SkipPaper())
    assert not journey.dispatch(PaperScanned(with_page("giay_chung_sinh", page(), [], {})))
    assert journey.session.scans == {}


def test_back_from_the_scan_screen_returns_to_the_last_step(catalog: Catalog) -> None:
    journey = to_papers(catalog)
    steps = journey.steps()
    assert journey.dispatch(GoBack())
    assert journey.screen is Screen.STEP and journey.current_step() == steps[-1]
    last = journey.pages()[-1]
    assert journey.current_page() == last and last.index > 0  # the last question, not the step's first


def test_an_answer_changed_from_the_review_returns_to_the_review_with_the_scans(catalog: Catalog) -> None:
    journey = to_papers(catalog)
    scanned = with_page("giay_chung_sinh", page(), [], {})
    assert journey.dispatch(PaperScanned(scanned))
    assert journey.dispatch(NextPaper())
    assert journey.dispatch(EditStep("child", "child_name"))
    assert journey.dispatch(SubmitStep({"child_name": "Trần Minh Khang"}))
    assert journey.screen is Screen.REVIEW  # not the scan screen again
    assert journey.session.scans["giay_chung_sinh"] is scanned


def test_a_reset_on_the_scan_screen_closes_and_drops_every_image(catalog: Catalog) -> None:
    journey = to_papers(catalog)
    journey.dispatch(PaperScanned(with_page("giay_chung_sinh", page(), [], {})))
    scanned = journey.session.scans["giay_chung_sinh"]
    assert journey.dispatch(Reset("idle"))
    assert journey.screen is Screen.ATTRACT
    assert journey.session.scans == {} and scanned.pages == [] and scanned.pdf == b""
    del scanned
    gc.collect()
    # (Pillow keeps a 1×256 palette image of its own)
    assert not [o for o in gc.get_objects() if isinstance(o, Image.Image) and min(o.size) > 1]


def three_papers(catalog: Catalog) -> Catalog:
    """The birth registration with two more papers the kiosk may scan: the ID card and the parents' marriage
    certificate, after the birth notice."""
    birth = catalog.get(BIRTH)
    papers = list(birth.papers)
    papers[2] = papers[2].model_copy(update={"scan": PaperScan(id="can_cuoc")})
    papers[3] = papers[3].model_copy(update={"scan": PaperScan(id="giay_ket_hon")})
    return Catalog([birth.model_copy(update={"papers": papers})])


def shown_paper(journey: Journey) -> str | None:
    paper = journey.current_paper()
    return paper.scan.id if journey.screen is Screen.SCAN and paper and paper.scan else None


def test_several_papers_one_after_the_other_and_back_through_them(catalog: Catalog) -> None:
    journey = to_papers(three_papers(catalog))
    assert shown_paper(journey) == "giay_chung_sinh"
    assert journey.dispatch(PaperScanned(with_page("giay_chung_sinh", page(), [], {})))
    assert journey.dispatch(NextPaper())
    assert shown_paper(journey) == "can_cuoc"
    assert not journey.dispatch(NextPaper())  # not scanned yet
    assert journey.dispatch(SkipPaper())
    assert shown_paper(journey) == "giay_ket_hon"
    assert journey.dispatch(GoBack())
    assert shown_paper(journey) == "can_cuoc"
    assert journey.dispatch(GoBack())
    assert shown_paper(journey) == "giay_chung_sinh"
    assert journey.dispatch(GoBack())
    assert journey.screen is Screen.STEP and journey.current_step() == journey.steps()[-1]
    journey.dispatch(SubmitStep({}))
    assert shown_paper(journey) == "giay_chung_sinh"  # the papers again from the first
    assert journey.dispatch(NextPaper())  # its scan is kept
    assert journey.dispatch(SkipPaper())
    last = with_page("giay_ket_hon", page(), [], {})
    assert journey.dispatch(PaperScanned(last))
    assert journey.dispatch(NextPaper())
    assert journey.screen is Screen.REVIEW
    assert journey.dispatch(GoBack())  # from the review: the last paper
    assert shown_paper(journey) == "giay_ket_hon"
    assert journey.dispatch(GoBack())
    assert shown_paper(journey) == "can_cuoc"
    assert journey.dispatch(SkipPaper()) and journey.dispatch(NextPaper())
    assert journey.dispatch(ConfirmSubmit())
    payload = journey.session.pending_payload
    assert payload is not None
    assert [a["paper_id"] for a in payload["attachments"]] == ["giay_chung_sinh", "giay_ket_hon"]


def is_closed(image: Image.Image) -> bool:
    try:
        image.getpixel((0, 0))
    except ValueError:
        return True
    return False


def test_a_rescan_closes_the_images_it_replaces_and_keeps_those_it_adds_to(catalog: Catalog) -> None:
    journey = to_papers(catalog)
    first = with_page("giay_chung_sinh", page(), [], {})
    journey.dispatch(PaperScanned(first))
    again = with_page("giay_chung_sinh", page(), [], {})
    journey.dispatch(PaperScanned(again))
    assert is_closed(first.pages[0].image) and not is_closed(again.pages[0].image)
    two = with_page("giay_chung_sinh", page(), again.pages, {})
    journey.dispatch(PaperScanned(two))
    assert not any(is_closed(p.image) for p in two.pages)
    journey.dispatch(PaperScanned(two))  # the same paper again (a repeated signal) closes nothing
    assert not any(is_closed(p.image) for p in two.pages)


def test_skipping_a_scanned_paper_drops_its_scan(catalog: Catalog) -> None:
    journey = to_papers(catalog)
    scanned = with_page("giay_chung_sinh", page(), [], {})
    journey.dispatch(PaperScanned(scanned))
    image = scanned.pages[0].image
    assert journey.dispatch(SkipPaper())  # "I will bring it"
    assert journey.screen is Screen.REVIEW and journey.session.scans == {}
    assert is_closed(image)
    assert journey.dispatch(ConfirmSubmit())
    assert journey.session.pending_payload is not None
    assert "attachments" not in journey.session.pending_payload


def test_next_and_skip_only_act_on_the_scan_screen(catalog: Catalog) -> None:
    journey = to_papers(catalog)
    scanned = with_page("giay_chung_sinh", page(), [], {})
    journey.dispatch(PaperScanned(scanned))
    assert journey.dispatch(NextPaper())
    assert journey.screen is Screen.REVIEW
    assert not journey.dispatch(NextPaper())
    assert not journey.dispatch(SkipPaper())
    assert journey.session.scans == {"giay_chung_sinh": scanned}
