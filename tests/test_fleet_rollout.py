"""Staged rollouts: a version goes to a group a few kiosks at a time; a refusal halts it; rollback."""

from __future__ import annotations

from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from fleet.server import FleetServer
from fleet.store import FleetStore
from kiosk.settings.config import Settings
from kiosk.telemetry.queue import ReportQueue
from kiosk.telemetry.reporter import FleetClient, Reporter
from kiosk.telemetry.versions import VersionRefusedError, check_catalog, check_settings
from tests.fleet_fixtures import KIOSK_ID, KIOSK_SECRET, round_trip
from ui.shell.window import KioskWindow


def test_a_version_is_checked_whole_before_use() -> None:
    settings = Settings()
    assert check_settings({"idle.form_seconds": 120}, settings, "idle-2026.12").idle.form_seconds == 120
    assert settings.idle.form_seconds == 90  # the settings in use stay as they are until applied
    with pytest.raises(VersionRefusedError, match=r"cannot be changed remotely: portal\.base_url"):
        check_settings({"idle.form_seconds": 120, "portal.base_url": "https://elsewhere.example"}, settings, "x")
    with pytest.raises(VersionRefusedError, match=r"fleet settings x: .*idle\.form_seconds"):
        check_settings({"idle.form_seconds": 2}, settings, "x")
    with pytest.raises(VersionRefusedError, match="whole seconds"):
        check_settings({"idle.form_seconds": "120"}, settings, "x")
    with pytest.raises(VersionRefusedError, match="no procedures"):
        check_catalog({"procedures": []}, "2026.12")
    with pytest.raises(VersionRefusedError, match="invalid catalog"):
        check_catalog({"procedures": [{"code": "1.0", "title": "half a procedure"}]}, "2026.12")


def kiosk_reporter(server: FleetServer, tmp_path: Path, kiosk_id: str, secret: str) -> Reporter:
    return Reporter(ReportQueue(tmp_path / f"{kiosk_id}.sqlite3"), FleetClient(server.url, kiosk_id, lambda: secret))


def test_stages_follow_each_other_a_refusal_halts_and_rollback_reverts(fleet_store: FleetStore,
                                                                      tmp_path: Path) -> None:
    city = fleet_store.staff("thanhpho")
    assert city is not None
    with FleetServer(fleet_store) as server:
        first = kiosk_reporter(server, tmp_path, "BTX-K01", KIOSK_SECRET)  # ids sort: BTX-K01 before DT-K01
        second = kiosk_reporter(server, tmp_path, "DT-K01", "other-kiosk-secret")
        rollout = fleet_store.start_rollout(city, "settings", "idle-2026.12", {"idle.form_seconds": 120},
                                            "default", stage_size=1)
        assert second.deliver() == []  # not in the first stage
        [command] = first.deliver()
        assert command.args["version"] == "idle-2026.12"
        first.result(command, True, "settings idle-2026.12 applied")
        first.deliver()
        [command] = second.deliver()  # the next stage started when the first kiosk had applied it
        second.result(command, False, "settings idle-2026.12 refused: idle.form_seconds: too long")
        second.deliver()
        [(row, states, size)] = fleet_store.rollouts()
        assert (row.id, row.status, states, size) == (rollout, "halted", {"done": 1, "failed": 1}, 2)

        assert fleet_store.roll_back(city, rollout) == 1
        [back] = first.deliver()
        assert back.args == {"target": "settings", "version": "idle-2026.12", "rollback": True}
        assert second.deliver() == []
        first.queue.close()
        second.queue.close()
    assert [a.action for a in fleet_store.audit_log(city, [])][:2] == ["rollout:rollback", "command:apply_version"]


@pytest.mark.gui
def test_the_kiosk_applies_a_valid_version_refuses_a_bad_one_and_rolls_back(
        qtbot: QtBot, reporting_window: tuple[KioskWindow, FleetServer]) -> None:
    win, server = reporting_window
    store = server.store
    city = store.staff("thanhpho")
    assert city is not None
    good = store.start_rollout(city, "settings", "idle-2026.12", {"idle.form_seconds": 120}, "default", 1)
    round_trip(qtbot, win)
    assert win.runtime.idle_policy.form_seconds == 120
    assert win.idle.tracker.policy.form_seconds == 120
    assert store.kiosk(KIOSK_ID).beat["settings_version"] == "idle-2026.12"  # the dashboard sees it
    store.start_rollout(city, "settings", "idle-bad", {"idle.form_seconds": 120, "portal.base_url": "x"},
                        "default", 1)
    round_trip(qtbot, win)
    assert win.runtime.idle_policy.form_seconds == 120  # nothing of the refused version was used
    refused = [c for c in store.recent_commands([KIOSK_ID]) if c.args.get("version") == "idle-bad"]
    assert [(c.status, c.result) for c in refused] == [
        ("failed", "settings idle-bad refused: settings that cannot be changed remotely: portal.base_url")]
    assert store.roll_back(city, good) == 1
    round_trip(qtbot, win)
    assert win.runtime.idle_policy.form_seconds == 90
    assert store.recent_commands([KIOSK_ID])[0].result == "settings back to the local version"
