"""`kiosk provision` as a technician runs it: a real subprocess, the secret on standard input."""

from __future__ import annotations

import base64
import os
import subprocess
import sys
import tomllib
from pathlib import Path

from kiosk.security.secrets import OUTBOX_KEY, PORTAL_SECRET, STAFF_PIN_HASH, get_secret
from kiosk.security.staff_auth import StaffAuth
from kiosk.settings.config import load_settings
from tests.conftest import REPO

SECRET = "s3cr3t-of-the-portal"


def provision(*args: str, stdin: str = SECRET + "\n") -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "kiosk", "provision", *args], input=stdin, capture_output=True,
                          text=True, cwd=REPO, env=dict(os.environ), timeout=60, check=False)


def standard(out: Path, *extra: str) -> list[str]:
    return ["--site", "bach-khoa", "--portal", "https://portal.example.gov.vn/api", "--client-id",
            "kiosk-bach-khoa-k01", "--config-out", str(out), *extra]


def test_provision_writes_the_machine_file_and_keeps_secrets_in_the_keyring(tmp_path: Path) -> None:
    out = tmp_path / "etc" / "kiosk.toml"
    result = provision(*standard(out, "--kiosk-id", "K02", "--staff-pin", "246813", "--tech-pin", "9753186"))
    assert result.returncode == 0, result.stderr
    assert "kiosk doctor" in result.stdout

    written = out.read_text("utf-8")
    assert tomllib.loads(written) == {
        "site": {"profile": "bach-khoa"},
        "portal": {"base_url": "https://portal.example.gov.vn/api", "client_id": "kiosk-bach-khoa-k01"},
        "kiosk": {"id": "K02"},
    }
    settings = load_settings(out, environ={})
    assert settings.site.id == "bach-khoa" and settings.site.authority == "Ủy ban nhân dân phường Bạch Mai"
    assert settings.kiosk.id == "K02"

    assert get_secret(PORTAL_SECRET) == SECRET
    key = get_secret(OUTBOX_KEY)
    assert key is not None and len(base64.b64decode(key)) == 32
    assert StaffAuth().verify("246813") == "staff"
    assert StaffAuth().verify("9753186") == "technician"
    for text in (written, result.stdout, result.stderr):
        assert SECRET not in text and "246813" not in text and "9753186" not in text


def test_provisioning_again_keeps_the_outbox_key_pins_and_other_settings(tmp_path: Path) -> None:
    out = tmp_path / "kiosk.toml"
    assert provision(*standard(out, "--staff-pin", "246813")).returncode == 0
    key = get_secret(OUTBOX_KEY)
    pin_hash = get_secret(STAFF_PIN_HASH)
    with out.open("a", encoding="utf-8") as fh:
        fh.write('\n[printer]\nkind = "network"\naddress = "192.168.1.50:9100"\n')

    result = provision("--site", "dong-tam", "--portal", "https://portal2.example.gov.vn/api", "--client-id", "k2",
                       "--config-out", str(out), stdin="new-secret\n")
    assert result.returncode == 0, result.stderr
    assert "outbox key kept" in result.stdout and "staff PIN kept" in result.stdout
    assert get_secret(OUTBOX_KEY) == key  # dossiers already in the outbox stay readable
    assert get_secret(STAFF_PIN_HASH) == pin_hash
    assert get_secret(PORTAL_SECRET) == "new-secret"
    stored = tomllib.loads(out.read_text("utf-8"))
    assert stored["site"] == {"profile": "dong-tam"}
    assert stored["portal"]["base_url"] == "https://portal2.example.gov.vn/api"
    assert stored["printer"] == {"kind": "network", "address": "192.168.1.50:9100"}


def test_unknown_site_changes_nothing(tmp_path: Path) -> None:
    out = tmp_path / "kiosk.toml"
    result = provision("--site", "hoan-kiem", "--portal", "https://p.example.gov.vn", "--client-id", "x",
                       "--config-out", str(out), "--staff-pin", "246813")
    assert result.returncode == 1
    assert "unknown site 'hoan-kiem'" in result.stderr
    assert "bach-khoa" in result.stderr and "bui-thi-xuan" in result.stderr and "dong-tam" in result.stderr
    assert not out.exists()
    assert get_secret(PORTAL_SECRET) is None and get_secret(OUTBOX_KEY) is None


def test_wrong_portal_url_is_refused_before_anything_is_stored(tmp_path: Path) -> None:
    out = tmp_path / "kiosk.toml"
    result = provision("--site", "bach-khoa", "--portal", "http://portal.example.gov.vn/api", "--client-id", "x",
                       "--config-out", str(out), "--staff-pin", "246813")
    assert result.returncode == 1
    assert "[portal.base_url]" in result.stderr and "plain http" in result.stderr
    assert str(out) in result.stderr
    assert not out.exists() and get_secret(PORTAL_SECRET) is None


def test_the_secret_must_come_on_standard_input(tmp_path: Path) -> None:
    out = tmp_path / "kiosk.toml"
    result = provision(*standard(out, "--staff-pin", "246813"), stdin="")
    assert result.returncode == 1
    assert "no client secret on standard input" in result.stderr
    assert not out.exists()


def test_a_staff_pin_is_required_the_first_time_and_must_be_digits(tmp_path: Path) -> None:
    out = tmp_path / "kiosk.toml"
    result = provision(*standard(out))
    assert result.returncode == 1 and "--staff-pin" in result.stderr
    assert not out.exists() and get_secret(PORTAL_SECRET) is None  # checked before anything is stored
    result = provision(*standard(out, "--staff-pin", "12ab"))
    assert result.returncode == 1 and "6 to 12 digits" in result.stderr
    result = provision(*standard(out, "--staff-pin", "123456"))
    assert result.returncode == 1 and "too easy to guess" in result.stderr
    assert not out.exists() and get_secret(PORTAL_SECRET) is None
    result = provision(*standard(out, "--staff-pin", "246813", "--tech-pin", "246813"))
    assert result.returncode == 1 and "must differ" in result.stderr


def test_an_unwritable_target_is_reported(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("", "utf-8")
    result = provision(*standard(blocker / "kiosk.toml", "--staff-pin", "246813"))
    assert result.returncode == 1
    assert "cannot write" in result.stderr and "--config-out" in result.stderr
    assert "Traceback" not in result.stderr
    assert get_secret(PORTAL_SECRET) is None
