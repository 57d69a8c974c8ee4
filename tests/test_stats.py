"""Usage statistics: a scripted day through the real journey gives exactly the expected figures, and no
personal value of the residents reaches the statistics database or its CSV export."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from kiosk.answers.sample import sample_answers
from kiosk.catalog import Catalog, FieldKind, load_catalog
from kiosk.files import paths
from kiosk.journey.machine import (
    ChooseMode,
    ConfirmSubmit,
    DeclineConsent,
    Finish,
    GiveConsent,
    GoBack,
    Journey,
    Mode,
    Rate,
    Reset,
    Screen,
    SelectProcedure,
    StartApplication,
    SubmissionStored,
    SubmitStep,
    Touch,
)
from kiosk.ops.stats import CSV_HEADER, StatsRecorder, StatsStore, send_daily_reports
from kiosk.outbox.store import StoredDossier
from kiosk.portal.models import DailyStatistics
from kiosk.workdays.clock import VN_TZ, ManualClock

BIRTH = "1.001193.000.00.00.H26"
COPY = "2.000815.000.00.00.H26"
DEATH = "1.000656.000.00.00.H26"
DAY1 = date(2026, 11, 26)
DAY2 = date(2026, 11, 27)
PERSONAL_KINDS = {FieldKind.PERSON_NAME, FieldKind.ID_NUMBER, FieldKind.PHONE, FieldKind.EMAIL, FieldKind.ADDRESS,
                  FieldKind.DATE, FieldKind.TEXT, FieldKind.LONG_TEXT}
COMMENT = "Cô Nguyễn Thị Góp Ý, số 0903334444, rất hài lòng"


class Day:
    """A kiosk's day driven through the core journey, remembering every personal value typed."""

    def __init__(self, catalog: Catalog, store: StatsStore) -> None:
        self.clock = ManualClock(datetime(2026, 11, 26, 8, 0, tzinfo=VN_TZ))
        self.journey = Journey(catalog, clock=self.clock)
        self.recorder = StatsRecorder(store, self.journey, self.clock)
        self.personal: set[str] = {COMMENT}
        self.references = 0

    def send(self, event: Any) -> None:
        assert self.journey.dispatch(event), f"{type(event).__name__} ignored on {self.journey.screen}"

    def wait(self, seconds: float) -> None:
        self.clock.advance(seconds)

    def open_procedure(self, code: str) -> None:
        self.send(Touch())
        self.wait(5)
        self.send(ChooseMode(Mode.DO))
        self.send(SelectProcedure(code))
        self.send(StartApplication())
        self.wait(10)
        self.send(GiveConsent())

    def fill_steps(self, count: int | None = None) -> list[str]:
        """Submit `count` steps (all when None), 20 s each; returns the ids of the steps submitted."""
        proc = self.journey.procedure
        assert proc is not None
        answers = sample_answers(proc, self.clock.now().date(), seed=len(self.personal))
        for spec in proc.fields():
            if spec.kind in PERSONAL_KINDS and spec.id in answers and len(answers[spec.id]) >= 5:
                self.personal.add(answers[spec.id])
        done: list[str] = []
        while self.journey.screen is Screen.STEP and (count is None or len(done) < count):
            step = self.journey.current_step()
            assert step is not None
            self.wait(20)
            self.send(SubmitStep(answers))
            assert not self.journey.session.errors, self.journey.session.errors
            done.append(step.id)
        return done

    def current_step_id(self) -> str:
        step = self.journey.current_step()
        assert step is not None and self.journey.screen is Screen.STEP
        return step.id

    def submit(self, stars: int | None) -> None:
        self.send(ConfirmSubmit())
        self.wait(2)
        self.references += 1
        reference = f"BTX-K01-{self.clock.now():%y%m%d}-{self.references:04d}"
        self.personal.add(reference)
        self.send(SubmissionStored(StoredDossier(f"uuid-{self.references}", reference, self.clock.now())))
        self.wait(15)
        self.send(Finish())
        self.wait(5)
        self.send(Rate(stars, COMMENT))


@pytest.fixture
def store(tmp_path: Path) -> Iterator[StatsStore]:
    store = StatsStore(tmp_path / "stats" / "stats.sqlite3")
    yield store
    store.close()


@pytest.fixture
def catalog() -> Catalog:
    return load_catalog(paths.procedures_dir())


def play_the_day(day: Day) -> dict[str, str]:
    """Seven sessions on 26/11 and one on 27/11. Returns where the abandoned runs stopped."""
    stops: dict[str, str] = {}
    # 1. Birth registration from start to rating (5 stars): 5 + 10 + 20 * steps + 2 + 15 + 5 seconds.
    day.open_procedure(BIRTH)
    day.fill_steps()
    day.submit(5)
    day.wait(600)
    # 2. Birth registration left on its second step: the idle reset abandons it there.
    day.open_procedure(BIRTH)
    day.fill_steps(1)
    stops["birth-idle"] = day.current_step_id()
    day.wait(90)
    day.send(Reset("idle"))
    day.wait(300)
    # 3. Only reading about a procedure: a session without any procedure.
    day.send(Touch())
    day.send(ChooseMode(Mode.LEARN))
    day.send(SelectProcedure(DEATH))
    day.wait(40)
    day.send(Reset("end-button"))
    # 4. Certified copy: consent declined, then the End button: abandoned at the consent.
    day.send(Touch())
    day.send(ChooseMode(Mode.DO))
    day.send(SelectProcedure(COPY))
    day.send(StartApplication())
    day.wait(12)
    day.send(DeclineConsent())
    day.wait(8)
    day.send(Reset("end-button"))
    # 5. Birth registration begun, then back to the list and death registration instead (abandoned on
    #    its first step by the idle reset): birth counts as abandoned at its first step.
    day.open_procedure(BIRTH)
    stops["birth-switched"] = day.current_step_id()
    day.send(GoBack())
    day.send(GoBack())
    day.send(SelectProcedure(DEATH))
    day.send(StartApplication())  # consent was given in this session already
    stops["death"] = day.current_step_id()
    day.wait(100)
    day.send(Reset("idle"))
    # 6. Certified copy completed, rating skipped.
    day.open_procedure(COPY)
    day.fill_steps()
    day.submit(None)
    # 7. Touch, then straight back from the home screen.
    day.send(Touch())
    day.wait(3)
    day.send(GoBack())
    # The next day: one certified copy rated 4 stars.
    day.wait(24 * 3600)
    day.open_procedure(COPY)
    day.fill_steps()
    day.submit(4)
    day.recorder.store.flush()
    return stops


def test_a_scripted_day_gives_exactly_the_figures(catalog: Catalog, store: StatsStore) -> None:
    day = Day(catalog, store)
    birth_steps = len(load_catalog(paths.procedures_dir()).get(BIRTH).steps)
    copy_steps = len(catalog.get(COPY).steps)
    stops = play_the_day(day)

    first = store.day(DAY1)
    assert first.sessions == 7
    assert first.ratings == {"1": 0, "2": 0, "3": 0, "4": 0, "5": 1}
    assert set(first.procedures) == {BIRTH, COPY, DEATH}
    birth = first.procedures[BIRTH]
    assert (birth.started, birth.completed, birth.abandoned) == (3, 1, 2)
    expected_birth_stops = {stops["birth-idle"]: 1}
    expected_birth_stops[stops["birth-switched"]] = expected_birth_stops.get(stops["birth-switched"], 0) + 1
    assert birth.abandoned_at_step == dict(sorted(expected_birth_stops.items()))
    assert birth.median_duration_s == 10 + 20 * birth_steps + 2  # consent to stored
    copy = first.procedures[COPY]
    assert (copy.started, copy.completed, copy.abandoned, copy.abandoned_at_step) == (2, 1, 1, {"consent": 1})
    death = first.procedures[DEATH]
    assert (death.started, death.completed, death.abandoned, death.abandoned_at_step) == (
        1, 0, 1, {stops["death"]: 1})
    durations = sorted([
        5 + 10 + 20 * birth_steps + 2 + 15 + 5,  # 1
        5 + 10 + 20 + 90,  # 2
        40,  # 3
        20,  # 4
        5 + 10 + 100,  # 5
        5 + 10 + 20 * copy_steps + 2 + 15 + 5,  # 6
        3,  # 7
    ])
    assert first.median_duration_s == durations[3]

    second = store.day(DAY2)
    assert second.sessions == 1
    assert second.ratings["4"] == 1
    assert {code: (p.started, p.completed, p.abandoned) for code, p in second.procedures.items()} == {
        COPY: (1, 1, 0)}


def test_daily_payload_matches_the_portal_contract(catalog: Catalog, store: StatsStore) -> None:
    stops = play_the_day(Day(catalog, store))
    payload = store.daily_payload(DAY1, "K01", "bui-thi-xuan")
    DailyStatistics.model_validate(payload)  # the portal's own model accepts it
    assert payload["date"] == "2026-11-26"
    assert payload["sessions"] == 7
    assert payload["ratings"] == {"5": 1}
    assert payload["procedures"][DEATH] == {"started": 1, "completed": 0, "abandoned": 1,
                                            "abandoned_at_step": {stops["death"]: 1}}
    assert payload["procedures"][COPY]["abandoned_at_step"] == {"consent": 1}

    sent: list[dict[str, Any]] = []
    now = datetime(2026, 11, 28, 8, 0, tzinfo=VN_TZ)
    assert send_daily_reports(store, sent.append, "K01", "bui-thi-xuan", now) == 2
    assert [p["date"] for p in sent] == ["2026-11-26", "2026-11-27"]
    assert send_daily_reports(store, sent.append, "K01", "bui-thi-xuan", now) == 0  # acknowledged days stay sent


def test_a_failed_report_is_sent_again_next_time(catalog: Catalog, store: StatsStore) -> None:
    play_the_day(Day(catalog, store))
    now = datetime(2026, 11, 27, 8, 0, tzinfo=VN_TZ)

    def refuse(payload: dict[str, Any]) -> None:
        raise ConnectionError("portal down")

    with pytest.raises(ConnectionError):
        send_daily_reports(store, refuse, "K01", "bui-thi-xuan", now)
    assert store.unreported_days(now.date()) == [DAY1]


def test_csv_export_has_a_row_per_day_and_procedure(catalog: Catalog, store: StatsStore, tmp_path: Path) -> None:
    play_the_day(Day(catalog, store))
    target = tmp_path / "export" / "thong-ke.csv"
    assert store.export_csv(target, DAY1, DAY2) == 6
    with target.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    assert tuple(rows[0]) == CSV_HEADER
    table = {(r[0], r[1]): dict(zip(CSV_HEADER, r, strict=True)) for r in rows[1:]}
    assert set(table) == {("2026-11-26", "*"), ("2026-11-26", BIRTH), ("2026-11-26", COPY),
                          ("2026-11-26", DEATH), ("2026-11-27", "*"), ("2026-11-27", COPY)}
    total = table[("2026-11-26", "*")]
    assert (total["sessions"], total["started"], total["completed"], total["abandoned"]) == ("7", "6", "2", "4")
    assert total["rating_5"] == "1"
    assert table[("2026-11-26", COPY)]["abandoned_at_step"] == "consent:1"
    assert store.export_csv(tmp_path / "empty.csv", DAY2 + timedelta(days=1), DAY2 + timedelta(days=9)) == 0


def test_no_personal_value_reaches_the_database_or_the_csv(catalog: Catalog, tmp_path: Path) -> None:
    store = StatsStore(tmp_path / "stats" / "stats.sqlite3")
    day = Day(catalog, store)
    play_the_day(day)
    store.export_csv(tmp_path / "stats" / "export.csv", DAY1, DAY2)
    store.close()
    assert len(day.personal) > 10
    files = sorted((tmp_path / "stats").iterdir())
    assert any(f.name == "stats.sqlite3" for f in files) and any(f.suffix == ".csv" for f in files)
    for path in files:
        blob = path.read_bytes()
        for value in day.personal:
            for encoded in {value.encode("utf-8"), value.encode("utf-16-le")}:
                assert encoded not in blob, f"{value!r} found in {path.name}"


def test_a_broken_store_never_breaks_the_journey(catalog: Catalog, store: StatsStore) -> None:
    day = Day(catalog, store)
    store.close()  # every write is now dropped
    day.open_procedure(COPY)
    day.fill_steps()
    day.submit(5)
    assert day.journey.screen is Screen.ATTRACT
