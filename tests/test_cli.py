"""The `kiosk` command as technicians use it, run as a real subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import zxingcpp
from PIL import Image

from kiosk import __version__
from tests.conftest import REPO


def kiosk(*args: str, env: dict[str, str] | None = None, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "kiosk", *args], capture_output=True, text=True, cwd=REPO,
                          env=env or dict(os.environ), timeout=timeout, check=False)


def test_version() -> None:
    result = kiosk("--version")
    assert result.returncode == 0
    assert result.stdout.strip() == f"kiosk {__version__}"


def test_run_without_display_exits_2_with_one_line() -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    result = kiosk("run", env=env)
    assert result.returncode == 2
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert "no display" in lines[0]
    assert result.stdout == ""


def test_catalog_check_passes_on_bundled_catalog() -> None:
    result = kiosk("catalog", "check", "config/procedures")
    assert result.returncode == 0, result.stderr
    assert "procedure(s) valid" in result.stdout


def test_catalog_check_names_file_and_field_of_a_broken_definition(tmp_path: Path) -> None:
    source = json.loads((REPO / "config/procedures/1.001193-dang-ky-khai-sinh.json").read_text("utf-8"))
    source["steps"][1]["fields"][0]["kind"] = "colour"
    broken = tmp_path / "broken.json"
    broken.write_text(json.dumps(source, ensure_ascii=False), "utf-8")
    result = kiosk("catalog", "check", str(broken))
    assert result.returncode == 1
    assert str(broken) in result.stderr
    assert "1.001193.000.00.00.H26" in result.stderr
    assert "steps[1](child).fields[0](child_name).kind" in result.stderr


def test_broken_catalog_stops_startup_with_file_and_field(tmp_path: Path) -> None:
    catalog = tmp_path / "procedures"
    catalog.mkdir()
    (catalog / "bad.json").write_text('{"code": "1.000001", "name": {"vi": "X"}}', "utf-8")
    config = tmp_path / "kiosk.toml"
    config.write_text(f'[catalog]\npath = "{catalog}"\n', "utf-8")
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    result = kiosk("run", "--config", str(config), env=env)
    assert result.returncode == 2
    assert "bad.json" in result.stderr and "name.en" in result.stderr


@pytest.mark.slow
def test_tour_writes_screens_receipt_and_summary(tmp_path: Path) -> None:
    out = tmp_path / "tour"
    result = kiosk("tour", "--out", str(out), timeout=240)
    assert result.returncode == 0, result.stderr
    summary = json.loads((out / "summary.json").read_text("utf-8"))
    names = [s["name"] for s in summary["screens"]]
    assert len(names) >= 7
    for expected in ("attract", "home", "procedures", "overview", "consent", "review", "receipt"):
        assert expected in names
    for screen in summary["screens"]:
        with Image.open(out / screen["file"]) as image:
            assert image.size[0] >= 1000
    reference = summary["dossier"]["reference"]
    with Image.open(out / summary["receipt"]["image"]) as slip:
        found = [b.text for b in zxingcpp.read_barcodes(np.asarray(slip.convert("L")))]
    assert any(reference in text for text in found), found


def _tree(*roots: Path) -> dict[str, tuple[bytes, int]]:
    """Every file under `roots` with its bytes and modification time."""
    return {str(p): (p.read_bytes(), p.stat().st_mtime_ns) for root in roots for p in sorted(root.rglob("*"))
            if p.is_file()}


@pytest.mark.slow
def test_tour_on_a_provisioned_kiosk_leaves_it_as_it_was(tmp_path: Path) -> None:
    """A technician runs `kiosk tour` on a live kiosk, as root in an SSH session with no keyring configured:
    it works, and the kiosk's outbox, keys and settings are byte for byte what they were."""
    from kiosk.outbox.store import Outbox
    from kiosk.security.crypto import Sealer

    home = tmp_path / "home"
    data, keys, machine = tmp_path / "var/lib/kiosk/data", tmp_path / "var/lib/kiosk/keyring", tmp_path / "etc/kiosk"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KIOSK", "PYTHON_KEYRING", "XDG_"))}
    env.update(HOME=str(home), KIOSK_DATA_DIR=str(data), KIOSK_KEYRING_DIR=str(keys))
    provision = subprocess.run(
        [sys.executable, "-m", "kiosk", "provision", "--site", "bach-khoa", "--portal", "http://127.0.0.1:9",
         "--client-id", "hbt-bachkhoa-01", "--config-out", str(machine / "kiosk.toml"),
         "--staff-pin", "482916", "--tech-pin", "730584"],
        input="portal-secret\n", capture_output=True, text=True, cwd=REPO, timeout=120, check=False,
        env=dict(env, PYTHON_KEYRING_BACKEND="kiosk.keystore.LocalFileKeyring"))
    assert provision.returncode == 0, provision.stderr
    data.mkdir(parents=True, exist_ok=True)
    Outbox(data / "outbox.sqlite3", Sealer(os.urandom(32))).close()  # the kiosk's own, real outbox
    before = _tree(data, keys, machine, home)
    assert str(data / "outbox.sqlite3") in before

    out = tmp_path / "tour"
    result = kiosk("tour", "--out", str(out), "--config", str(machine / "kiosk.toml"),
                   env=dict(env, QT_QPA_PLATFORM="offscreen"), timeout=240)
    assert result.returncode == 0, result.stderr
    summary = json.loads((out / "summary.json").read_text("utf-8"))
    assert summary["dossier"]["reference"].startswith("BKH-")  # the machine's own site and settings
    assert _tree(data, keys, machine, home) == before
