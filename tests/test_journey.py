"""The journey state machine, driven without a display."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest

from kiosk.answers.sample import SAMPLE_ID_CARD, sample_answers
from kiosk.catalog import Catalog, load_catalog
from kiosk.catalog.models import Condition
from kiosk.files.paths import procedures_dir
from kiosk.journey.machine import (
    ChooseMode,
    ConfirmSubmit,
    DeclineConsent,
    EditStep,
    Event,
    Finish,
    GiveConsent,
    GoBack,
    Journey,
    Mode,
    OpenFeedback,
    OpenLookup,
    Rate,
    Reset,
    ScanIdCard,
    Screen,
    SearchProcedures,
    SelectProcedure,
    SetLanguage,
    StartApplication,
    SubmissionFailed,
    SubmissionStored,
    SubmitStep,
    Touch,
    Transition,
    UpdateAnswers,
)
from kiosk.outbox.store import StoredDossier
from kiosk.workdays.clock import VN_TZ, ManualClock

BIRTH = "1.001193.000.00.00.H26"


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog(procedures_dir())


def start(catalog: Catalog, code: str = BIRTH) -> Journey:
    journey = Journey(catalog, clock=ManualClock(datetime(2026, 11, 26, 9, 0, tzinfo=VN_TZ)))
    assert journey.dispatch(Touch())
    assert journey.dispatch(ChooseMode(Mode.DO))
    assert journey.dispatch(SelectProcedure(code))
    assert journey.dispatch(StartApplication())
    assert journey.screen is Screen.CONSENT
    assert journey.dispatch(GiveConsent())
    return journey


def fill_all(journey: Journey) -> None:
    proc = journey.procedure
    assert proc is not None
    answers = sample_answers(proc, journey.clock.now().date())
    while journey.screen is Screen.STEP:
        step = journey.current_step()
        assert step is not None
        journey.dispatch(SubmitStep({f.id: answers.get(f.id, "") for f in step.fields}))
        assert not journey.session.errors, journey.session.errors


def test_full_journey_reaches_review_and_submits(catalog: Catalog) -> None:
    journey = start(catalog)
    fill_all(journey)
    assert journey.screen is Screen.REVIEW
    assert journey.dispatch(ConfirmSubmit())
    assert journey.screen is Screen.SUBMITTING
    payload = journey.session.pending_payload
    assert payload is not None
    assert payload["procedure_code"] == BIRTH
    assert payload["applicant"]["phone"] == "0912345678"
    assert payload["consent"]["given_at"].startswith("2026-11-26T09:00")
    stored = StoredDossier("u", "DEMO-K01-261126-0001", datetime.now(UTC))
    assert journey.dispatch(SubmissionStored(stored))
    assert journey.screen is Screen.RECEIPT


def test_invalid_answer_keeps_resident_on_step_with_everything_typed(catalog: Catalog) -> None:
    journey = start(catalog)
    proc = journey.procedure
    assert proc is not None
    answers = sample_answers(proc, journey.clock.now().date())
    before = ("applicant_name", "applicant_dob", "applicant_gender", "applicant_id", "applicant_address")
    journey.dispatch(SubmitStep({key: answers[key] for key in before}))  # to the phone's page
    journey.dispatch(SubmitStep({"applicant_phone": "12345"}))
    assert journey.screen is Screen.STEP
    assert journey.session.errors["applicant_phone"].key == "v.phone"
    assert journey.session.answers["applicant_name"] == answers["applicant_name"]
    assert journey.session.answers["applicant_phone"] == "12345"
    assert journey.session.step_index == 0


def test_review_edit_returns_to_review(catalog: Catalog) -> None:
    journey = start(catalog)
    fill_all(journey)
    assert journey.dispatch(EditStep("child"))
    assert journey.screen is Screen.STEP
    assert journey.current_step().id == "child"  # type: ignore[union-attr]
    journey.dispatch(SubmitStep({"child_name": "Trần Thị Bích"}))
    assert journey.screen is Screen.REVIEW
    assert journey.session.answers["child_name"] == "Trần Thị Bích"


def test_conditional_field_only_validated_when_shown(catalog: Catalog) -> None:
    journey = start(catalog)
    proc = journey.procedure
    assert proc is not None
    answers = sample_answers(proc, journey.clock.now().date())
    journey.dispatch(SubmitStep(answers))  # applicant
    child = {k: v for k, v in answers.items() if k.startswith(("child", "birth", "born"))}
    child["born_in_clinic"] = "khong"
    journey.dispatch(SubmitStep(child))
    page = journey.current_page()
    assert page is not None and page.field_ids == {"witness_name"}  # asked next, on a page of its own
    journey.dispatch(SubmitStep({}))
    assert journey.session.errors["witness_name"].key == "v.required"
    journey.dispatch(GoBack())
    child["born_in_clinic"] = "co"
    journey.dispatch(SubmitStep(child))
    assert journey.session.errors == {}
    assert journey.current_step().id == "origin"  # type: ignore[union-attr]


def test_id_card_scan_prefills_identity_fields(catalog: Catalog) -> None:
    journey = start(catalog)
    assert journey.dispatch(ScanIdCard(SAMPLE_ID_CARD))
    answers = journey.session.answers
    assert answers["applicant_name"] == "Nguyễn Văn An"
    assert answers["applicant_dob"] == "05/09/1960"
    assert answers["applicant_gender"] == "nam"
    assert answers["applicant_id"] == "001060012345"
    assert journey.session.scan_result == "ok"
    journey.dispatch(ScanIdCard("garbage|not|a|card"))
    assert journey.session.scan_result == "bad"
    assert answers["applicant_name"] == "Nguyễn Văn An"


def test_reset_forgets_everything(catalog: Catalog) -> None:
    journey = start(catalog)
    journey.dispatch(SetLanguage("en"))
    journey.dispatch(SubmitStep({"applicant_name": "MARKER Zz"}))
    assert journey.dispatch(Reset("idle"))
    assert journey.screen is Screen.ATTRACT
    assert journey.session.answers == {}
    assert journey.session.lang == "vi"
    assert journey.session.procedure_code is None
    assert "MARKER" not in repr(journey.session)


def test_unexpected_events_are_ignored_not_raised(catalog: Catalog) -> None:
    journey = Journey(catalog)
    for event in (ConfirmSubmit(), SubmitStep({}), GoBack(), EditStep("x"), SubmissionFailed(),
                  SelectProcedure("nope"), GiveConsent(), StartApplication()):
        assert journey.dispatch(event) is False
        assert journey.screen is Screen.ATTRACT


def test_store_failure_returns_to_review_with_message(catalog: Catalog) -> None:
    journey = start(catalog)
    fill_all(journey)
    journey.dispatch(ConfirmSubmit())
    journey.dispatch(SubmissionFailed())
    assert journey.screen is Screen.REVIEW
    assert journey.session.banner == "review.store_failed"
    assert journey.session.answers  # nothing typed is lost


def test_back_from_first_step_goes_to_overview_and_keeps_answers(catalog: Catalog) -> None:
    journey = start(catalog)
    journey.dispatch(SubmitStep({"applicant_name": "Lê Văn Tám"}))
    assert journey.dispatch(GoBack())  # to the first question
    assert journey.screen is Screen.STEP and journey.session.page_index == 0
    assert journey.dispatch(GoBack())
    assert journey.screen is Screen.OVERVIEW
    assert journey.session.answers["applicant_name"] == "Lê Văn Tám"


def test_every_bundled_procedure_completes(catalog: Catalog) -> None:
    for proc in catalog.procedures:
        journey = start(catalog, proc.code)
        fill_all(journey)
        assert journey.screen is Screen.REVIEW, proc.code
        assert journey.dispatch(ConfirmSubmit()), proc.code


def test_catalog_dir_is_bundled() -> None:
    assert Path(procedures_dir()).is_dir()


# --- home search, learning, review links, the rating ----------------------------------------


def at_home(catalog: Catalog) -> Journey:
    journey = Journey(catalog, clock=ManualClock(datetime(2026, 11, 26, 9, 0, tzinfo=VN_TZ)))
    assert journey.dispatch(Touch())
    return journey


def test_searching_from_home_opens_the_list_with_the_query(catalog: Catalog) -> None:
    journey = at_home(catalog)
    assert journey.dispatch(SearchProcedures("ket hon"))
    assert journey.screen is Screen.PROCEDURES
    assert journey.session.query == "ket hon" and journey.session.category == "all"
    assert journey.dispatch(SearchProcedures("ket hon", "chung_thuc"))
    assert journey.session.category == "chung_thuc"
    assert journey.dispatch(SearchProcedures("x", "no-such-filter"))
    assert journey.session.category == "all"
    assert journey.dispatch(SearchProcedures("y" * 500))
    assert len(journey.session.query) == 100
    assert journey.dispatch(GoBack())
    assert journey.screen is Screen.HOME and journey.session.query == ""
    assert journey.dispatch(ChooseMode(Mode.DO))
    assert journey.session.query == ""


def test_a_popular_procedure_opens_from_home_and_back_returns_home(catalog: Catalog) -> None:
    journey = at_home(catalog)
    assert journey.dispatch(SelectProcedure(BIRTH))
    assert journey.screen is Screen.OVERVIEW
    assert journey.dispatch(GoBack())
    assert journey.screen is Screen.HOME
    journey.dispatch(ChooseMode(Mode.LEARN))
    journey.dispatch(SelectProcedure(BIRTH))
    assert journey.dispatch(GoBack())
    assert journey.screen is Screen.PROCEDURES


def test_learning_then_starting_switches_to_doing(catalog: Catalog) -> None:
    journey = at_home(catalog)
    journey.dispatch(ChooseMode(Mode.LEARN))
    journey.dispatch(SelectProcedure(BIRTH))
    assert journey.session.mode is Mode.LEARN and journey.session.consent_at is None
    assert journey.dispatch(StartApplication())
    assert journey.screen is Screen.CONSENT and journey.session.mode is Mode.DO


def test_editing_one_answer_from_the_review_names_the_field(catalog: Catalog) -> None:
    journey = start(catalog)
    fill_all(journey)
    assert journey.dispatch(EditStep("child", "child_name"))
    assert journey.session.focus_field == "child_name"
    journey.dispatch(SubmitStep({"child_name": "Trần Thị Bích"}))
    assert journey.screen is Screen.REVIEW and journey.session.focus_field is None
    assert journey.dispatch(EditStep("child", "not_on_this_step"))
    assert journey.session.focus_field is None


def rated(catalog: Catalog, stars: int | None, comment: str) -> tuple[Journey, dict[str, object] | None]:
    journey = start(catalog)
    fill_all(journey)
    journey.dispatch(ConfirmSubmit())
    journey.dispatch(SubmissionStored(StoredDossier("u", "DEMO-K01-261126-0001", datetime.now(UTC))))
    journey.dispatch(Finish())
    assert journey.screen is Screen.RATING
    assert journey.dispatch(Rate(stars, comment))
    assert journey.screen is Screen.ATTRACT
    return journey, journey.take_rating()


def test_a_rating_is_handed_over_once_with_the_dossier_it_rates(catalog: Catalog) -> None:
    journey, rating = rated(catalog, 4, "  Rất\x00 tốt \u202e ")
    assert rating == {
        "kind": "rating", "rating": 4, "comment": "Rất tốt", "procedure_code": BIRTH,
        "local_reference": "DEMO-K01-261126-0001", "site_id": "demo", "kiosk_id": "K01", "language": "vi",
    }
    assert journey.take_rating() is None
    assert journey.session.answers == {}


@pytest.mark.parametrize("stars", [None, 0, 9])
def test_no_rating_and_no_comment_stores_nothing(catalog: Catalog, stars: int | None) -> None:
    assert rated(catalog, stars, "   ")[1] is None


def test_a_comment_without_stars_is_kept(catalog: Catalog) -> None:
    rating = rated(catalog, None, "Chậm")[1]
    assert rating is not None and rating["rating"] is None and rating["comment"] == "Chậm"


# --- boundaries a mutation run found unguarded ------------------------------------------------------


def test_choosing_another_procedure_starts_it_empty(catalog: Catalog) -> None:
    journey = start(catalog)
    journey.dispatch(SubmitStep({"applicant_name": "Lê Văn Tám"}))
    assert journey.session.answers["applicant_name"] == "Lê Văn Tám"
    other = next(p.code for p in catalog.procedures if p.code != BIRTH)
    journey.dispatch(GoBack())  # to the first question
    journey.dispatch(GoBack())  # to the overview
    journey.dispatch(GoBack())  # to the list
    assert journey.screen is Screen.PROCEDURES
    assert journey.dispatch(SelectProcedure(other))
    assert journey.session.procedure_code == other
    assert journey.session.answers == {}
    assert journey.session.step_index == 0


def test_reopening_the_same_procedure_keeps_its_answers(catalog: Catalog) -> None:
    journey = start(catalog)
    journey.dispatch(SubmitStep({"applicant_name": "Lê Văn Tám"}))
    for _ in range(3):  # the first question, the overview, the list
        journey.dispatch(GoBack())
    assert journey.dispatch(SelectProcedure(BIRTH))
    assert journey.session.answers["applicant_name"] == "Lê Văn Tám"


def test_submit_is_refused_away_from_the_review(catalog: Catalog) -> None:
    journey = start(catalog)
    fill_all(journey)
    assert journey.dispatch(EditStep("child"))
    assert journey.screen is Screen.STEP
    assert journey.dispatch(ConfirmSubmit()) is False
    assert journey.screen is Screen.STEP
    assert journey.session.pending_payload is None


def test_reset_clears_the_way_back(catalog: Catalog) -> None:
    journey = start(catalog)
    assert journey.history  # home, list, overview, consent
    assert journey.dispatch(Reset("idle"))
    assert journey.history == []
    assert journey.dispatch(Touch())
    assert journey.history == [Screen.ATTRACT]


def test_a_failed_submission_drops_the_pending_dossier(catalog: Catalog) -> None:
    journey = start(catalog)
    fill_all(journey)
    assert journey.dispatch(ConfirmSubmit())
    assert journey.session.pending_payload is not None
    assert journey.dispatch(SubmissionFailed("review.store_failed"))
    assert journey.screen is Screen.REVIEW
    assert journey.session.pending_payload is None


def test_the_language_switches_both_ways_and_refuses_others(catalog: Catalog) -> None:
    journey = at_home(catalog)
    assert journey.dispatch(SetLanguage("en"))
    assert journey.session.lang == "en" and journey.screen is Screen.HOME
    assert journey.dispatch(SetLanguage("fr")) is False
    assert journey.session.lang == "en"
    assert journey.dispatch(SetLanguage("vi"))
    assert journey.session.lang == "vi"


def test_a_search_keeps_the_filter_when_none_is_given_and_ignores_a_non_text_query(catalog: Catalog) -> None:
    journey = at_home(catalog)
    assert journey.dispatch(SearchProcedures("ket hon", "chung_thuc"))
    assert journey.dispatch(SearchProcedures(None))  # type: ignore[arg-type]
    assert journey.session.query == "" and journey.session.category == "chung_thuc"
    journey.dispatch(SelectProcedure(BIRTH))
    assert journey.dispatch(SearchProcedures("x")) is False  # not from the overview
    assert journey.screen is Screen.OVERVIEW


def test_a_scan_is_taken_only_on_a_step_that_asks_who_the_applicant_is(catalog: Catalog) -> None:
    journey = start(catalog)
    journey.dispatch(SubmitStep({}))  # nothing typed: the first question is flagged
    from_card = {"applicant_name", "applicant_dob", "applicant_gender", "applicant_id", "applicant_address"}
    assert set(journey.session.errors) == {"applicant_name"}
    assert journey.dispatch(ScanIdCard(SAMPLE_ID_CARD))
    answers = journey.session.answers
    assert answers["applicant_address"] == "Số 12 phố Bùi Thị Xuân, Hai Bà Trưng, Hà Nội"
    assert answers["applicant_gender"] == "nam"
    # The card fills what it knows and clears those fields' messages; the rest is still to be given.
    assert from_card.isdisjoint(journey.session.errors)
    proc = journey.procedure
    assert proc is not None
    sample = sample_answers(proc, journey.clock.now().date())
    journey.dispatch(SubmitStep({f: sample[f] for f in ("applicant_phone", "relationship")}))
    assert journey.current_step().id == "child"  # type: ignore[union-attr]
    assert journey.session.scan_result is None  # the scan's message belongs to the step it was made on
    assert journey.dispatch(ScanIdCard(SAMPLE_ID_CARD)) is False
    assert "child_name" not in journey.session.answers
    fill_all(journey)
    assert journey.dispatch(ScanIdCard(SAMPLE_ID_CARD)) is False  # nor on the review


def test_back_walks_the_steps_and_clears_messages(catalog: Catalog) -> None:
    journey = start(catalog)
    fill_all(journey)
    last = len(journey.steps()) - 1
    assert journey.dispatch(GoBack())
    assert journey.screen is Screen.STEP and journey.session.step_index == last
    journey.dispatch(SubmitStep({"copies": "-1"}))
    assert journey.session.errors
    assert journey.dispatch(GoBack())
    assert journey.session.step_index == last - 1 and journey.session.errors == {}
    journey.session.scan_result = "bad"
    journey.session.focus_field = "x"
    assert journey.dispatch(GoBack())
    assert journey.session.scan_result is None and journey.session.focus_field is None


def test_back_from_a_step_opened_from_the_review_returns_to_the_review(catalog: Catalog) -> None:
    journey = start(catalog)
    fill_all(journey)
    assert journey.dispatch(EditStep("child", "child_name"))
    assert journey.dispatch(GoBack())
    assert journey.screen is Screen.REVIEW and not journey.session.editing_from_review
    assert journey.dispatch(GoBack())  # from the review: the last step, as a plain step now
    assert journey.screen is Screen.STEP
    journey.dispatch(SubmitStep({}))
    assert journey.screen is Screen.REVIEW


@pytest.mark.parametrize(("opener", "screen"), [(OpenLookup(), Screen.LOOKUP), (OpenFeedback(), Screen.FEEDBACK)])
def test_lookup_and_feedback_open_from_home_and_back_returns_home(
    catalog: Catalog, opener: OpenLookup | OpenFeedback, screen: Screen
) -> None:
    journey = at_home(catalog)
    assert journey.dispatch(opener)
    assert journey.screen is screen
    assert journey.dispatch(opener) is False
    assert journey.dispatch(GoBack())
    assert journey.screen is Screen.HOME
    assert journey.dispatch(GoBack())
    assert journey.screen is Screen.ATTRACT and journey.history == []


def test_declining_consent_and_back_from_consent_both_return_to_the_overview(catalog: Catalog) -> None:
    journey = at_home(catalog)
    journey.dispatch(SelectProcedure(BIRTH))
    journey.dispatch(StartApplication())
    assert journey.dispatch(DeclineConsent())
    assert journey.screen is Screen.OVERVIEW and journey.session.consent_at is None
    journey.dispatch(StartApplication())
    assert journey.dispatch(GoBack())
    assert journey.screen is Screen.OVERVIEW
    assert journey.dispatch(DeclineConsent()) is False


def test_submit_finds_an_answer_made_invalid_since_and_opens_its_step(catalog: Catalog) -> None:
    journey = start(catalog)
    fill_all(journey)
    journey.session.answers["child_name"] = ""
    assert journey.dispatch(ConfirmSubmit())
    assert journey.screen is Screen.STEP
    assert journey.current_step().id == "child"  # type: ignore[union-attr]
    assert journey.session.errors["child_name"].key == "v.required"
    assert journey.session.pending_payload is None


def test_submit_sets_the_fee_and_clears_an_earlier_failure_message(catalog: Catalog) -> None:
    journey = start(catalog)
    fill_all(journey)
    journey.dispatch(ConfirmSubmit())
    journey.dispatch(SubmissionFailed("review.store_failed"))
    assert journey.session.banner == "review.store_failed"
    assert journey.dispatch(ConfirmSubmit())
    assert journey.session.banner is None
    assert journey.session.pending_fee is not None
    stored = StoredDossier("u", "DEMO-K01-261126-0001", datetime.now(UTC))
    assert journey.dispatch(SubmissionStored(stored))
    assert journey.session.pending_payload is None and journey.session.stored == stored
    assert journey.dispatch(SubmissionStored(stored)) is False  # only while submitting
    assert journey.dispatch(SubmissionFailed()) is False


def test_finish_and_rate_apply_only_on_their_screens(catalog: Catalog) -> None:
    journey = start(catalog)
    assert journey.dispatch(Finish()) is False
    assert journey.dispatch(Rate(5, "")) is False
    assert journey.take_rating() is None


def test_a_dossier_and_its_rating_name_this_kiosk_and_the_language(catalog: Catalog) -> None:
    journey = Journey(catalog, site_id="hbt-btx", kiosk_id="hbt-btx-02",
                      clock=ManualClock(datetime(2026, 11, 26, 9, 0, tzinfo=VN_TZ)))
    journey.dispatch(Touch())
    journey.dispatch(SetLanguage("en"))
    journey.dispatch(ChooseMode(Mode.DO))
    journey.dispatch(SelectProcedure(BIRTH))
    journey.dispatch(StartApplication())
    journey.dispatch(GiveConsent())
    fill_all(journey)
    journey.dispatch(ConfirmSubmit())
    payload = journey.session.pending_payload
    assert payload is not None
    assert (payload["site_id"], payload["kiosk_id"], payload["language"]) == ("hbt-btx", "hbt-btx-02", "en")
    journey.dispatch(SubmissionStored(StoredDossier("u", "BTX-02-261126-0001", datetime.now(UTC))))
    journey.dispatch(Finish())
    journey.dispatch(Rate(5, "Good"))
    rating = journey.take_rating()
    assert rating is not None
    assert (rating["site_id"], rating["kiosk_id"], rating["language"], rating["local_reference"]) == (
        "hbt-btx", "hbt-btx-02", "en", "BTX-02-261126-0001")


def test_answers_are_kept_tidy_and_bounded(catalog: Catalog) -> None:
    journey = start(catalog)
    journey.dispatch(SubmitStep({
        "applicant_name": "  Nguyễn   Văn  An ", "not_a_field": "x", "applicant_phone": 912345678,  # type: ignore[dict-item]
        "applicant_address": "a" * 5001,
    }))
    answers = journey.session.answers
    assert answers["applicant_name"] == "Nguyễn Văn An"
    assert "not_a_field" not in answers
    assert answers["applicant_phone"] == ""
    assert answers["applicant_address"] == "a" * 5000


def test_a_long_text_keeps_its_lines(catalog: Catalog) -> None:
    journey = at_home(catalog)
    proc = catalog.get("1.004859.000.00.00.H26")
    journey.dispatch(SelectProcedure(proc.code))
    journey.dispatch(StartApplication())
    journey.dispatch(GiveConsent())
    journey.session.step_index = next(i for i, s in enumerate(journey.steps()) if "reason" in {f.id for f in s.fields})
    journey.dispatch(UpdateAnswers({"reason": "  Dòng một \n  Dòng  hai  "}))
    assert journey.session.answers["reason"] == "  Dòng một \n  Dòng  hai  "


def test_steps_and_scans_are_refused_on_the_overview(catalog: Catalog) -> None:
    journey = start(catalog)
    assert journey.dispatch(GoBack())
    assert journey.screen is Screen.OVERVIEW and journey.current_step().identity  # type: ignore[union-attr]
    assert journey.dispatch(SubmitStep({"applicant_name": "Lê Văn Tám"})) is False
    assert journey.dispatch(ScanIdCard(SAMPLE_ID_CARD)) is False
    assert journey.session.answers == {}


def test_back_from_the_second_step_opens_the_first(catalog: Catalog) -> None:
    journey = start(catalog)
    proc = journey.procedure
    assert proc is not None
    sample = sample_answers(proc, journey.clock.now().date())
    journey.dispatch(SubmitStep({f.id: sample.get(f.id, "") for f in journey.current_step().fields}))  # type: ignore[union-attr]
    assert journey.session.step_index == 1
    assert journey.dispatch(GoBack())
    assert journey.screen is Screen.STEP and journey.session.step_index == 0


def test_leaving_the_list_forgets_its_filter(catalog: Catalog) -> None:
    journey = at_home(catalog)
    journey.dispatch(SearchProcedures("ket hon", "chung_thuc"))
    assert journey.dispatch(GoBack())
    assert journey.session.category == "all"
    assert journey.dispatch(SearchProcedures("ket hon"))
    assert journey.session.category == "all"


def test_a_card_scanned_while_correcting_from_the_review_fills_the_step(catalog: Catalog) -> None:
    journey = start(catalog)
    fill_all(journey)
    assert journey.dispatch(EditStep("applicant"))
    assert journey.session.errors == {}
    assert journey.dispatch(ScanIdCard(SAMPLE_ID_CARD))
    assert journey.session.answers["applicant_id"] == "001060012345"


def with_child_born(catalog: Catalog, dob: str) -> Journey:
    """A birth registration filled in, then the child's date of birth corrected from the review."""
    journey = start(catalog)
    fill_all(journey)
    journey.dispatch(EditStep("child"))
    journey.dispatch(SubmitStep({"child_dob": dob}))
    return journey


def test_the_kiosk_clock_decides_what_is_in_the_future(catalog: Catalog) -> None:
    # The kiosk's clock says 26/11/2026: a birth on 1 December has not happened yet, whatever the
    # computer's calendar says.
    journey = with_child_born(catalog, "01/12/2026")
    assert journey.screen is Screen.STEP
    assert journey.session.errors["child_dob"].key == "v.date_future"


def test_the_fee_is_assessed_on_the_kiosk_clock(catalog: Catalog) -> None:
    # Born 59 days before the kiosk's 26/11/2026: registered on time, so the fee is waived.
    journey = with_child_born(catalog, "28/09/2026")
    assert journey.screen is Screen.REVIEW
    assert journey.dispatch(ConfirmSubmit())
    fee = journey.session.pending_fee
    assert fee is not None and fee.exemptions


def test_a_kiosk_set_to_english_starts_and_resets_in_english(catalog: Catalog) -> None:
    journey = Journey(catalog, default_lang="en", clock=ManualClock())
    assert journey.session.lang == "en"
    journey.dispatch(Touch())
    assert journey.session.lang == "en"
    journey.dispatch(Reset("idle"))
    assert journey.session.lang == "en"


def test_a_session_starts_its_clock_at_the_first_touch(catalog: Catalog) -> None:
    clock = ManualClock()
    journey = Journey(catalog, clock=clock)
    clock.advance(42)
    journey.dispatch(Touch())
    assert journey.session.started_at == clock.monotonic() == 1042.0


@dataclass(frozen=True)
class _NotForTheJourney(Event):
    pass


def test_listeners_see_each_screen_change_and_events_without_a_handler_are_ignored(catalog: Catalog) -> None:
    journey = Journey(catalog, clock=ManualClock())
    seen: list[Transition] = []
    journey.subscribe(seen.append)
    assert journey.dispatch(_NotForTheJourney()) is False
    touch = Touch()
    assert journey.dispatch(touch)
    assert seen == [Transition(Screen.ATTRACT, Screen.HOME, touch)]


def test_starting_again_from_the_overview_opens_the_first_step(catalog: Catalog) -> None:
    journey = start(catalog)
    assert journey.dispatch(StartApplication()) is False  # not from a step
    journey.dispatch(GoBack())
    assert journey.screen is Screen.OVERVIEW
    assert journey.dispatch(StartApplication())  # consent already given: straight to the first step
    assert journey.screen is Screen.STEP and journey.session.step_index == 0
    step = journey.current_step()
    assert step is not None and step.id == "applicant"


def test_every_listener_sees_the_transitions_in_order_when_one_sends_an_event(catalog: Catalog) -> None:
    # The first listener answers the submission at once (as the window does when the dossier cannot be
    # stored); the journey applies that event only after every listener has seen the move to SUBMITTING.
    journey = start(catalog)
    fill_all(journey)
    seen: dict[str, list[tuple[Screen, Screen]]] = {"first": [], "second": []}

    def first(transition: Transition) -> None:
        seen["first"].append((transition.old, transition.new))
        if transition.new is Screen.SUBMITTING:
            assert journey.dispatch(SubmissionFailed("review.store_failed"))
            assert journey.screen is Screen.SUBMITTING  # not yet: the second listener has not seen this move

    def second(transition: Transition) -> None:
        seen["second"].append((transition.old, transition.new))

    journey.subscribe(first)
    journey.subscribe(second)
    assert journey.dispatch(ConfirmSubmit())
    expected = [(Screen.REVIEW, Screen.SUBMITTING), (Screen.SUBMITTING, Screen.REVIEW)]
    assert seen == {"first": expected, "second": expected}
    assert journey.screen is Screen.REVIEW
    assert journey.session.pending_payload is None


def test_a_listener_that_fails_drops_what_it_sent(catalog: Catalog) -> None:
    journey = start(catalog)
    fill_all(journey)

    def failing(transition: Transition) -> None:
        journey.dispatch(SubmissionFailed("review.store_failed"))
        raise RuntimeError("listener broke")

    journey.subscribe(failing)
    with pytest.raises(RuntimeError):
        journey.dispatch(ConfirmSubmit())
    journey.unsubscribe(failing)
    assert journey.screen is Screen.SUBMITTING
    assert not journey.dispatch(Touch())  # nothing to do while storing; nor is the failed listener's event
    assert journey.screen is Screen.SUBMITTING and journey.session.pending_payload is not None


def start_on(catalog: Catalog, day: datetime) -> Journey:
    journey = Journey(catalog, clock=ManualClock(day))
    for event in (Touch(), ChooseMode(Mode.DO), SelectProcedure(BIRTH), StartApplication(), GiveConsent()):
        assert journey.dispatch(event)
    return journey


def shown_field(journey: Journey) -> tuple[str, str]:
    """(step, question) of the page on screen."""
    step, page = journey.current_step(), journey.current_page()
    assert step is not None and page is not None
    return step.id, page.fields[0].id


KIOSK_DAY = datetime(2010, 6, 1, 9, 0, tzinfo=VN_TZ)  # the kiosk's clock, years before the computer's own date
AFTER_KIOSK_DAY = "01/01/2015"  # in the future for the kiosk, in the past for the computer


def test_the_review_checks_the_answers_on_the_kiosks_date_and_a_fixed_answer_leads_back(catalog: Catalog) -> None:
    journey = start_on(catalog, KIOSK_DAY)
    fill_all(journey)
    good = journey.session.answers["child_dob"]
    journey.session.answers["child_dob"] = AFTER_KIOSK_DAY  # as an answer loaded from elsewhere could be
    assert journey.dispatch(ConfirmSubmit())
    assert journey.screen is Screen.STEP and shown_field(journey) == ("child", "child_dob")
    assert journey.session.errors["child_dob"].key == "v.date_future"
    journey.dispatch(SubmitStep({"child_dob": good}))
    assert journey.screen is Screen.REVIEW  # fixed: back to the review, not on to the next question
    assert journey.dispatch(ConfirmSubmit())
    assert journey.screen is Screen.SUBMITTING


def test_an_answer_changed_from_the_review_leads_to_a_problem_elsewhere_first(catalog: Catalog) -> None:
    journey = start_on(catalog, KIOSK_DAY)
    fill_all(journey)
    answers = dict(journey.session.answers)
    journey.session.answers["child_dob"] = AFTER_KIOSK_DAY
    assert journey.dispatch(EditStep("applicant", "applicant_phone"))
    journey.dispatch(SubmitStep({"applicant_phone": "0987654321"}))
    assert journey.screen is Screen.STEP and shown_field(journey) == ("child", "child_dob")  # on the kiosk's date
    journey.dispatch(SubmitStep({"child_dob": answers["child_dob"]}))
    assert journey.screen is Screen.REVIEW
    journey.session.answers["mother_name"] = ""
    assert journey.dispatch(EditStep("child", "child_gender"))
    assert shown_field(journey) == ("child", "child_gender")  # the page of the answer chosen, not the step's first
    journey.dispatch(SubmitStep({"child_gender": answers["child_gender"]}))
    assert journey.screen is Screen.STEP and shown_field(journey) == ("mother", "mother_name")  # asked afresh


def test_after_an_edit_from_the_review_back_walks_the_questions_again(catalog: Catalog) -> None:
    journey = start(catalog)
    fill_all(journey)
    assert journey.dispatch(EditStep("child", "child_name"))
    journey.dispatch(SubmitStep({"child_name": "Trần Thị Bích"}))
    assert journey.screen is Screen.REVIEW
    assert journey.dispatch(GoBack())
    assert shown_field(journey) == ("result", "delivery")
    assert journey.dispatch(GoBack())  # the question before, not the review again
    assert journey.screen is Screen.STEP and shown_field(journey) == ("result", "copies")


def test_back_from_a_steps_first_question_shows_the_last_question_of_the_step_before(catalog: Catalog) -> None:
    journey = start(catalog)
    proc = journey.procedure
    assert proc is not None
    answers = sample_answers(proc, journey.clock.now().date())
    journey.dispatch(SubmitStep({f.id: answers[f.id] for f in proc.steps[0].fields}))
    assert shown_field(journey) == ("child", "child_name")
    assert journey.dispatch(GoBack())
    assert shown_field(journey) == ("applicant", "relationship")


def test_starting_again_from_the_overview_opens_the_first_question(catalog: Catalog) -> None:
    journey = start(catalog)
    journey.dispatch(SubmitStep({"applicant_name": "Lê Văn Tám"}))
    journey.dispatch(GoBack())
    journey.dispatch(GoBack())
    assert journey.screen is Screen.OVERVIEW
    assert journey.dispatch(StartApplication())  # consent was given: straight to the form
    assert journey.screen is Screen.STEP and shown_field(journey) == ("applicant", "applicant_name")


def test_before_a_procedure_is_chosen_there_is_no_step_or_page(catalog: Catalog) -> None:
    journey = Journey(catalog)
    assert journey.steps() == [] and journey.pages() == []
    assert journey.current_step() is None and journey.current_page() is None


def with_a_conditional_step(catalog: Catalog) -> Catalog:
    """The birth registration with its third step ("origin") asked only when the applicant is the mother."""
    birth = catalog.get(BIRTH)
    steps = list(birth.steps)
    steps[2] = steps[2].model_copy(update={"show_if": Condition(field="relationship", any_of=["me"])})
    return Catalog([birth.model_copy(update={"steps": steps})])


def test_a_step_asked_for_some_answers_only_and_the_step_shown_when_it_goes(catalog: Catalog) -> None:
    journey = start(with_a_conditional_step(catalog))
    fill_all(journey)  # the applicant is the mother: the origin step is asked
    assert [s.id for s in journey.steps()] == ["applicant", "child", "origin", "mother", "father", "result"]
    assert journey.dispatch(GoBack())
    assert shown_field(journey) == ("result", "delivery")
    assert journey.dispatch(UpdateAnswers({"relationship": "cha"}))  # a whole form sent at once could do so
    assert [s.id for s in journey.steps()] == ["applicant", "child", "mother", "father", "result"]
    assert shown_field(journey) == ("result", "delivery")  # the step shown stays on screen


def test_an_answer_that_hides_the_question_shown_leaves_the_last_question_to_answer(catalog: Catalog) -> None:
    journey = start(catalog)
    proc = journey.procedure
    assert proc is not None
    answers = {**sample_answers(proc, journey.clock.now().date()), "born_in_clinic": "khong"}
    while shown_field(journey) != ("child", "witness_name"):
        page = journey.current_page()
        assert page is not None
        journey.dispatch(SubmitStep({f.id: answers[f.id] for f in page.fields}))
        assert not journey.session.errors
    assert journey.dispatch(UpdateAnswers({"born_in_clinic": ""}))  # the witness is no longer asked
    assert shown_field(journey) == ("child", "born_in_clinic")
    journey.dispatch(SubmitStep({}))
    assert journey.screen is Screen.STEP and shown_field(journey) == ("child", "born_in_clinic")
    assert journey.session.errors["born_in_clinic"].key == "v.required"


def test_back_from_the_review_shows_the_last_question_of_the_last_step(catalog: Catalog) -> None:
    journey = start(catalog, "2.000635.000.00.00.H26")  # its last step asks three questions
    fill_all(journey)
    assert journey.dispatch(GoBack())
    assert shown_field(journey) == ("result", "delivery")
