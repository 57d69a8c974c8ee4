"""The fleet service over real HTTP on 127.0.0.1, on PostgreSQL and on SQLite."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
import requests
from sqlalchemy import inspect, select

from fleet.health import assess
from fleet.schema import heartbeats, metadata
from fleet.server import FleetServer
from fleet.store import FleetStore
from kiosk.portal.models import DailyStatistics, ProcedureStatistics
from kiosk.telemetry.reporter import FleetClient, FleetUnavailableError
from kiosk.telemetry.wire import CommandName, CommandResult, Heartbeat, Report, ReportBatch, ReportKind
from tests.fleet_fixtures import KIOSK_ID, KIOSK_SECRET


@pytest.fixture
def server(fleet_store: FleetStore) -> Iterator[FleetServer]:
    with FleetServer(fleet_store) as running:
        yield running


def beat(**changes: object) -> Heartbeat:
    values: dict[str, object] = {"version": "1.4.0", "uptime_s": 3600, "screen": "attract", "outbox_depth": 0,
                                 "printer": "ready", "scanner": "ready", "disk_free_pct": 61.5,
                                 "catalog_version": "2026.11"}
    values.update(changes)
    return Heartbeat.model_validate(values)


def report(kind: ReportKind, body: dict[str, object], created_at: datetime | None = None) -> Report:
    return Report(id=uuid.uuid4(), kind=kind, created_at=created_at or datetime.now(UTC), body=body)


def client(server: FleetServer, secret: str = KIOSK_SECRET) -> FleetClient:
    return FleetClient(server.url, KIOSK_ID, lambda: secret)


def test_migrations_build_exactly_the_declared_schema(fleet_store: FleetStore) -> None:
    tables = set(inspect(fleet_store.engine).get_table_names()) - {"alembic_version"}
    assert tables == set(metadata.tables)
    for table in metadata.sorted_tables:
        columns = {c["name"] for c in inspect(fleet_store.engine).get_columns(table.name)}
        assert columns == {c.name for c in table.columns}, table.name


def test_a_batch_sent_twice_is_stored_once_and_the_newest_heartbeat_wins(server: FleetServer) -> None:
    fleet = client(server)
    older = report(ReportKind.HEARTBEAT, beat(printer="paper_out").model_dump(mode="json"),
                   datetime.now(UTC) - timedelta(minutes=5))
    newer = report(ReportKind.HEARTBEAT, beat(printer="ready").model_dump(mode="json"))
    usage = report(ReportKind.USAGE, {"kiosk_id": KIOSK_ID, "site_id": "bui-thi-xuan", "date": "2026-12-05",
                                      "sessions": 4, "procedures": {}, "median_duration_s": 200.0})
    batch = ReportBatch(reports=[newer, older, usage])
    first = fleet.send(batch)
    again = fleet.send(batch)  # the answer was lost: the kiosk sends the same batch again
    assert set(first.accepted) == set(again.accepted) == {newer.id, older.id, usage.id}
    counts = server.store.counts()
    assert counts["heartbeats"] == 2
    assert counts["usage"] == 1
    assert server.store.kiosk(KIOSK_ID).beat["printer"] == "ready"  # the older one arrived later


def test_wrong_secret_and_forged_tokens_are_refused(server: FleetServer) -> None:
    with pytest.raises(FleetUnavailableError, match="token refused"):
        client(server, "guessed").send(ReportBatch(reports=[]))
    answer = requests.post(f"{server.url}/fleet/v1/reports", json={"reports": []},
                           headers={"Authorization": "Bearer eyJzdWIiOiJCVFgtSzAxIn0.forged"}, timeout=5)
    assert answer.status_code == 401
    assert server.store.counts()["heartbeats"] == 0


def test_a_kiosk_cannot_send_figures_for_another(server: FleetServer) -> None:
    other = report(ReportKind.USAGE, {"kiosk_id": "DT-K01", "site_id": "dong-tam", "date": "2026-12-05",
                                      "sessions": 1, "procedures": {}, "median_duration_s": 10.0})
    reply = client(server).send(ReportBatch(reports=[other]))
    assert str(other.id) in reply.rejected
    assert server.store.counts()["usage"] == 0


def test_personal_data_has_no_field_to_go_in() -> None:
    bad = beat().model_dump(mode="json") | {"full_name": "Nguyễn Văn A", "id_number": "001203004005"}
    with pytest.raises(ValueError, match="full_name"):
        Heartbeat.model_validate(bad)
    forbidden = ("full_name", "phone", "citizen", "id_number", "cccd", "address", "birth", "answer", "email", "comment")
    fields = [f for model in (Heartbeat, CommandResult, DailyStatistics, ProcedureStatistics, Report)
              for f in model.model_fields]
    assert "version" in fields  # the walk sees the models' fields
    assert [f for f in fields if any(word in f for word in forbidden)] == []


def test_commands_are_handed_out_until_their_result_arrives(server: FleetServer) -> None:
    store = server.store
    staff = store.staff("thanhpho")
    assert staff is not None
    command_id = store.add_command(staff, KIOSK_ID, CommandName.SYNC_NOW)
    fleet = client(server)
    first = fleet.send(ReportBatch(reports=[]))
    assert [c["id"] for c in first.commands] == [str(command_id)]
    assert fleet.send(ReportBatch(reports=[])).commands  # still open: handed out again
    result = report(ReportKind.COMMAND_RESULT, {"command_id": str(command_id), "name": "sync_now", "ok": True,
                                                "detail": "2 dossiers sent"})
    fleet.send(ReportBatch(reports=[result]))
    assert fleet.send(ReportBatch(reports=[])).commands == []
    rows = store.recent_commands([KIOSK_ID])
    assert (rows[0].status, rows[0].result) == ("done", "2 dossiers sent")
    assert [a.action for a in store.audit_log(staff, [KIOSK_ID])] == ["command:sync_now"]


def test_health_names_the_reason() -> None:
    now = datetime.now(UTC)
    assert assess(beat().model_dump(mode="json"), now, now).level == "green"
    paper = assess(beat(printer="paper_out").model_dump(mode="json"), now, now)
    assert (paper.level, paper.texts("vi")) == ("amber", ["Máy in hết giấy"])
    stale = assess(beat(outbox_depth=3, outbox_oldest_age_s=4000).model_dump(mode="json"), now, now)
    assert stale.texts("en") == ["Dossiers waiting over an hour"]
    silent = assess(beat().model_dump(mode="json"), now - timedelta(minutes=12), now)
    assert (silent.level, silent.texts("vi")) == ("red", ["Mất liên lạc 12 phút"])
    assert assess(None, None, now).level == "red"


def test_usage_of_a_day_is_replaced_by_newer_figures(server: FleetServer) -> None:
    fleet = client(server)
    day = date(2026, 12, 5).isoformat()
    body = {"kiosk_id": KIOSK_ID, "site_id": "bui-thi-xuan", "date": day, "procedures": {},
            "median_duration_s": 100.0}
    morning = report(ReportKind.USAGE, body | {"sessions": 2}, datetime.now(UTC) - timedelta(hours=6))
    evening = report(ReportKind.USAGE, body | {"sessions": 9})
    fleet.send(ReportBatch(reports=[evening]))
    fleet.send(ReportBatch(reports=[morning]))  # delayed: must not undo the evening's figures
    rows = server.store.usage_rows([KIOSK_ID], date(2026, 12, 1))
    assert [r.body["sessions"] for r in rows] == [9]


def sign_in(server: FleetServer, username: str, password: str) -> requests.Session:
    session = requests.Session()
    answer = session.post(f"{server.url}/login", data={"username": username, "password": password}, timeout=10)
    assert answer.status_code == 200, answer.text
    return session


def csrf(page: str) -> str:
    return page.split('name="csrf" value="', 1)[1].split('"', 1)[0]


def test_wrong_password_is_told_in_vietnamese_and_nothing_is_shown(server: FleetServer) -> None:
    answer = requests.post(f"{server.url}/login", data={"username": "thanhpho", "password": "sai"}, timeout=10)
    assert answer.status_code == 401
    assert "Tên đăng nhập hoặc mật khẩu không đúng" in answer.text
    assert requests.get(f"{server.url}/live", timeout=10).status_code == 401
    assert requests.get(f"{server.url}/", timeout=10, allow_redirects=False).headers["location"] == "/login"


def test_a_ward_sees_and_commands_only_its_own_kiosks(server: FleetServer) -> None:
    ward = sign_in(server, "haibatrung", "mat-khau-phuong")
    page = ward.get(f"{server.url}/", timeout=10).text
    assert 'data-kiosk="BTX-K01"' in page and 'data-kiosk="DT-K01"' not in page
    assert "Cấp phường: các máy của phường Hai Bà Trưng" in page
    token = csrf(page)
    refused = ward.post(f"{server.url}/kiosks/DT-K01/commands", data={"name": "restart", "csrf": token}, timeout=10)
    assert refused.status_code == 403
    assert ward.post(f"{server.url}/kiosks/BTX-K01/commands", data={"name": "lock", "csrf": "forged"},
                     timeout=10).status_code == 403
    assert ward.post(f"{server.url}/kiosks/BTX-K01/commands", data={"name": "lock", "csrf": token},
                     timeout=10).status_code == 200
    assert [(c.kiosk_id, c.name, c.created_by) for c in server.store.recent_commands(["BTX-K01", "DT-K01"])] == [
        ("BTX-K01", "lock", "haibatrung")]
    city = sign_in(server, "thanhpho", "mat-khau-thanhpho").get(f"{server.url}/live", timeout=10).json()
    assert 'data-kiosk="DT-K01"' in city["kiosks"] and 'data-kiosk="BTX-K01"' in city["kiosks"]
    assert "haibatrung" in city["audit"] and "command:lock" in city["audit"]


def test_the_funnel_and_weekly_usage_are_drawn_from_the_kiosks_figures(server: FleetServer) -> None:
    today = datetime.now(UTC).date()
    body = {"kiosk_id": KIOSK_ID, "site_id": "bui-thi-xuan", "date": today.isoformat(), "sessions": 12,
            "procedures": {"1.001193": {"started": 10, "completed": 6, "abandoned": 4,
                                        "abandoned_at_step": {"applicant": 3, "review": 1}}},
            "median_duration_s": 240.0}
    client(server).send(ReportBatch(reports=[report(ReportKind.USAGE, body)]))
    city = sign_in(server, "thanhpho", "mat-khau-thanhpho")
    charts = city.get(f"{server.url}/live?lang=en", timeout=10).json()["charts"]
    assert '<figure data-procedure="1.001193">' in charts
    for label in ("Started</text>", "Abandoned at applicant</text>", "Abandoned at review</text>",
                  "Completed</text>"):
        assert label in charts
    assert ">3</text>" in charts and ">6</text>" in charts and ">10</text>" in charts
    assert "bui-thi-xuan" in charts  # the weekly chart's legend names the site


def test_old_heartbeats_are_pruned_and_the_latest_state_stays(server: FleetServer, tmp_path: Path) -> None:
    from fleet.cli import main

    old = report(ReportKind.HEARTBEAT, beat(uptime_s=1).model_dump(mode="json"),
                 datetime.now(UTC) - timedelta(days=20))
    new = report(ReportKind.HEARTBEAT, beat(uptime_s=2).model_dump(mode="json"))
    client(server).send(ReportBatch(reports=[old, new]))
    url = server.store.engine.url.render_as_string(hide_password=False)
    assert main(["--db", url, "prune", "--keep-days", "14"]) == 0
    assert server.store.counts()["heartbeats"] == 1
    assert server.store.kiosk(KIOSK_ID).beat["uptime_s"] == 2


def test_the_history_keeps_changes_and_an_hourly_sample_not_every_heartbeat(server: FleetServer) -> None:
    start = datetime.now(UTC) - timedelta(hours=3)
    steady = [report(ReportKind.HEARTBEAT, beat(uptime_s=30 * i).model_dump(mode="json"),
                     start + timedelta(seconds=30 * i)) for i in range(240)]  # two hours, all well
    paper = report(ReportKind.HEARTBEAT, beat(printer="paper_out", uptime_s=7260).model_dump(mode="json"),
                   start + timedelta(minutes=121))
    client(server).send(ReportBatch(reports=[*steady, paper]))
    with server.store.engine.connect() as conn:
        kept = conn.execute(select(heartbeats.c.created_at, heartbeats.c.body).order_by(heartbeats.c.created_at)).all()
    assert [(row.body["uptime_s"], row.body["printer"]) for row in kept] == [
        (0, "ready"), (3600, "ready"), (7260, "paper_out")]
    assert server.store.kiosk(KIOSK_ID).beat["printer"] == "paper_out"


def test_kiosk_secrets_must_be_long_and_staff_passwords_are_scrypt(fleet_store: FleetStore) -> None:
    with pytest.raises(ValueError, match="at least 16 characters"):
        fleet_store.add_kiosk("HBT-K09", "hai-ba-trung", "phường Hai Bà Trưng", "Kiosk 9", "short")
    assert fleet_store.kiosk("HBT-K09") is None
    assert fleet_store.kiosk(KIOSK_ID).secret_hash.startswith("sha256$")
    assert fleet_store.kiosk_secret_ok(KIOSK_ID, KIOSK_SECRET)
    assert not fleet_store.kiosk_secret_ok(KIOSK_ID, KIOSK_SECRET + "x")
    assert fleet_store.staff("thanhpho", "mat-khau-thanhpho") is not None
    assert fleet_store.staff("thanhpho", "mat-khau-sai") is None
