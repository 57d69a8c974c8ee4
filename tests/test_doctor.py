"""`kiosk doctor`: provisioned against the sandbox portal it passes; each misconfiguration fails its own line."""

from __future__ import annotations

import datetime as dt
import email.utils
import io
import ipaddress
import os
import socket
import subprocess
import sys
import threading
import tomllib
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from kiosk.files import paths
from kiosk.ops.doctor import (
    CheckResult,
    Outcome,
    check_clock,
    check_display,
    check_fonts,
    check_qt_platform,
    font_codepoints,
    report,
    run_checks,
    vietnamese_letters,
)
from kiosk.ops.provision import ProvisionRequest, provision
from kiosk.sandbox.server import SandboxServer
from kiosk.security.keystore import LocalFileKeyring
from kiosk.security.secrets import OUTBOX_KEY, PORTAL_SECRET, SERVICE, set_secret
from kiosk.settings.config import dump_toml
from tests.conftest import REPO
from tests.portal_fixtures import TEST_CLIENT_ID, TEST_CLIENT_SECRET, sandbox, sandbox_factory  # noqa: F401

READY = 0x12  # DLE EOT answer: online, paper present
PAPER_OUT = 0x72  # DLE EOT 4 answer: paper end sensor


class FakePrinter:
    """A network receipt printer on 127.0.0.1 that answers DLE EOT status queries."""

    def __init__(self, paper: int = READY) -> None:
        self.paper = paper
        self.server = socket.create_server(("127.0.0.1", 0))
        self.server.settimeout(0.05)
        self.port = self.server.getsockname()[1]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.server.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with conn:
                conn.settimeout(2)
                try:
                    while query := conn.recv(3):
                        conn.sendall(bytes([self.paper if query.endswith(b"\x04") else READY]))
                except OSError:
                    pass

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2)
        self.server.close()


@pytest.fixture
def printer() -> Iterator[FakePrinter]:
    fake = FakePrinter()
    yield fake
    fake.close()


def kiosk(*args: str, stdin: str = "", env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "kiosk", *args], input=stdin, capture_output=True, text=True,
                          cwd=REPO, env=env or dict(os.environ), timeout=120, check=False)


def lines_by_check(output: str) -> dict[str, str]:
    found = {}
    for line in output.splitlines():
        parts = line.split(maxsplit=2)
        if len(parts) >= 2 and parts[0] in ("OK", "FAIL", "SKIP"):
            found[parts[1]] = line
    return found


def outcomes(results: list[CheckResult]) -> dict[str, CheckResult]:
    return {r.name: r for r in results}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def write_machine_file(path: Path, changes: dict[str, dict[str, object]]) -> None:
    data = tomllib.loads(path.read_text("utf-8"))
    for section, values in changes.items():
        data.setdefault(section, {}).update(values)
    path.write_text(dump_toml(data), "utf-8")


@pytest.fixture
def provisioned(tmp_path: Path, sandbox: SandboxServer, printer: FakePrinter) -> Path:  # noqa: F811
    """A machine provisioned for the sandbox portal (in this process: quicker), with a network printer."""
    config = tmp_path / "etc" / "kiosk.toml"
    request = ProvisionRequest(site="bui-thi-xuan", portal=sandbox.url, client_id=TEST_CLIENT_ID, config_out=config,
                               staff_pin="246813", tech_pin="9753186")
    provision(request, io.StringIO(TEST_CLIENT_SECRET + "\n"))
    write_machine_file(config, {"printer": {"kind": "network", "address": f"127.0.0.1:{printer.port}"}})
    return config


# --- the whole flow, as the technician runs it --------------------------------------------------------


def test_provision_then_doctor_passes(tmp_path: Path, sandbox: SandboxServer,  # noqa: F811
                                      printer: FakePrinter) -> None:
    config = tmp_path / "etc" / "kiosk.toml"
    result = kiosk("provision", "--site", "bui-thi-xuan", "--portal", sandbox.url, "--client-id", TEST_CLIENT_ID,
                   "--staff-pin", "246813", "--tech-pin", "9753186", "--config-out", str(config),
                   stdin=TEST_CLIENT_SECRET + "\n")
    assert result.returncode == 0, result.stderr
    write_machine_file(config, {"printer": {"kind": "network", "address": f"127.0.0.1:{printer.port}"}})
    result = kiosk("doctor", "--config", str(config))
    assert result.returncode == 0, result.stdout + result.stderr
    found = lines_by_check(result.stdout)
    expected_ok = ("config", "fonts", "disk", "keyring", "outbox-key", "staff-pin", "catalog", "printer",
                   "portal.tls", "portal.auth", "portal.clock")
    for name in expected_ok:
        assert found[name].startswith("OK "), found[name]
    assert found["display"].startswith("SKIP")  # the tests run headless
    assert "bui-thi-xuan" in found["config"]
    assert "ready, paper loaded" in found["printer"]
    assert result.stdout.rstrip().endswith("all checks passed")
    assert TEST_CLIENT_SECRET not in result.stdout


def test_status_json_after_provisioning(provisioned: Path) -> None:
    result = kiosk("status", "--json", "--config", str(provisioned))
    assert result.returncode == 0, result.stderr
    import json

    status = json.loads(result.stdout)
    assert status["site_id"] == "bui-thi-xuan" and status["site_profile"] == "bui-thi-xuan"
    assert status["portal_configured"] is True
    assert status["outbox"] == {"queued": 0, "sending": 0, "accepted": 0, "rejected": 0}
    assert status["catalog_version"] == "bundled" and status["catalog_procedures"] > 0
    assert status["printer_kind"] == "network" and status["printer_state"] == "ready"
    assert status["version"]


# --- each misconfiguration fails its own line ---------------------------------------------------------


def test_wrong_portal_url(provisioned: Path) -> None:
    write_machine_file(provisioned, {"portal": {"base_url": f"http://127.0.0.1:{free_port()}"}})
    checks = outcomes(run_checks(provisioned))
    assert checks["portal.tls"].outcome is Outcome.FAIL and "cannot connect" in checks["portal.tls"].detail
    assert "kiosk provision --portal" in checks["portal.tls"].fix
    assert checks["portal.auth"].outcome is Outcome.SKIP


def test_portal_url_without_the_api_path(provisioned: Path, sandbox: SandboxServer) -> None:  # noqa: F811
    write_machine_file(provisioned, {"portal": {"base_url": sandbox.url + "/wrong"}})
    checks = outcomes(run_checks(provisioned))
    assert checks["portal.tls"].outcome is Outcome.OK
    assert checks["portal.auth"].outcome is Outcome.FAIL
    assert "not the portal's API address" in checks["portal.auth"].detail


def test_wrong_secret(provisioned: Path) -> None:
    set_secret(PORTAL_SECRET, "not-the-secret")
    checks = outcomes(run_checks(provisioned))
    assert checks["portal.auth"].outcome is Outcome.FAIL
    assert "refused client id" in checks["portal.auth"].detail
    assert "kiosk provision" in checks["portal.auth"].fix
    assert checks["portal.tls"].outcome is Outcome.OK


def test_wrong_client_id(provisioned: Path) -> None:
    write_machine_file(provisioned, {"portal": {"client_id": "someone-else"}})
    assert outcomes(run_checks(provisioned))["portal.auth"].outcome is Outcome.FAIL


def test_missing_outbox_key(provisioned: Path) -> None:
    LocalFileKeyring().delete_password(SERVICE, OUTBOX_KEY)
    checks = outcomes(run_checks(provisioned))
    assert checks["outbox-key"].outcome is Outcome.FAIL
    assert "kiosk provision" in checks["outbox-key"].fix
    set_secret(OUTBOX_KEY, "not base64 at all")
    assert "corrupted" in outcomes(run_checks(provisioned))["outbox-key"].detail


def test_unknown_site(provisioned: Path) -> None:
    write_machine_file(provisioned, {"site": {"profile": "hoan-kiem"}})
    result = kiosk("doctor", "--config", str(provisioned))
    assert result.returncode == 1
    found = lines_by_check(result.stdout)
    assert found["config"].startswith("FAIL") and "unknown site 'hoan-kiem'" in found["config"]
    assert "bui-thi-xuan" in found["config"] and "fix:" in found["config"]
    assert found["portal"].startswith("SKIP") and found["printer"].startswith("SKIP")


def test_unreadable_or_missing_config(tmp_path: Path) -> None:
    for path in (tmp_path / "missing.toml", tmp_path):
        checks = outcomes(run_checks(path))
        assert checks["config"].outcome is Outcome.FAIL
        assert str(path) in checks["config"].detail
    if os.geteuid() != 0:  # root can read anything
        locked = tmp_path / "locked.toml"
        locked.write_text("[idle]\n", "utf-8")
        locked.chmod(0)
        assert "permission denied" in outcomes(run_checks(locked))["config"].detail


def test_invalid_value_in_config(provisioned: Path) -> None:
    write_machine_file(provisioned, {"idle": {"form_seconds": 2}})
    check = outcomes(run_checks(provisioned))["config"]
    assert check.outcome is Outcome.FAIL and "[idle.form_seconds]" in check.detail and "10 to 3600" in check.detail


def test_printer_port_closed(provisioned: Path) -> None:
    write_machine_file(provisioned, {"printer": {"address": f"127.0.0.1:{free_port()}"}})
    check = outcomes(run_checks(provisioned))["printer"]
    assert check.outcome is Outcome.FAIL and "not reachable" in check.detail
    assert "port 9100" in check.fix


def test_printer_out_of_paper(provisioned: Path, printer: FakePrinter) -> None:
    printer.paper = PAPER_OUT
    check = outcomes(run_checks(provisioned))["printer"]
    assert check.outcome is Outcome.FAIL and "out of paper" in check.detail


def test_printer_address_malformed(provisioned: Path) -> None:
    write_machine_file(provisioned, {"printer": {"kind": "usb", "address": "epson"}})
    check = outcomes(run_checks(provisioned))["printer"]
    assert check.outcome is Outcome.FAIL and "vendor:product" in check.detail


def test_no_keyring_backend(provisioned: Path) -> None:
    env = dict(os.environ, PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring")
    result = kiosk("doctor", "--config", str(provisioned), env=env)
    assert result.returncode == 1
    found = lines_by_check(result.stdout)
    assert found["keyring"].startswith("FAIL") and "PYTHON_KEYRING_BACKEND" in found["keyring"]
    assert found["outbox-key"].startswith("FAIL") and found["portal.auth"].startswith("FAIL")
    assert "Traceback" not in result.stdout + result.stderr


def test_no_staff_pin(tmp_path: Path) -> None:
    assert outcomes(run_checks(None))["staff-pin"].outcome is Outcome.FAIL


def test_portal_not_configured_is_skipped() -> None:
    checks = outcomes(run_checks(None))
    assert checks["portal"].outcome is Outcome.SKIP
    assert checks["config"].outcome is Outcome.OK


def test_untrusted_tls_certificate_and_the_ca_bundle_fix(
        provisioned: Path, sandbox_factory: Callable[..., SandboxServer], tmp_path: Path) -> None:  # noqa: F811
    cert, key = self_signed(tmp_path)
    server = sandbox_factory(ssl_certfile=str(cert), ssl_keyfile=str(key))
    write_machine_file(provisioned, {"portal": {"base_url": server.url}})
    checks = outcomes(run_checks(provisioned))
    assert checks["portal.tls"].outcome is Outcome.FAIL
    assert "certificate not trusted" in checks["portal.tls"].detail and "ca_bundle" in checks["portal.tls"].fix

    write_machine_file(provisioned, {"portal": {"ca_bundle": str(cert)}})
    checks = outcomes(run_checks(provisioned))
    assert checks["portal.tls"].outcome is Outcome.OK and "certificate trusted" in checks["portal.tls"].detail
    assert checks["portal.auth"].outcome is Outcome.OK


def self_signed(directory: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = directory / "portal.pem", directory / "portal.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


# --- single checks ------------------------------------------------------------------------------------


def test_clock_skew() -> None:
    now = dt.datetime(2026, 11, 26, 2, 0, tzinfo=dt.UTC)
    assert check_clock(email.utils.format_datetime(now + dt.timedelta(seconds=30), usegmt=True), now).outcome \
        is Outcome.OK
    late = check_clock(email.utils.format_datetime(now + dt.timedelta(minutes=10), usegmt=True), now)
    assert late.outcome is Outcome.FAIL and "600 s behind" in late.detail and "timedatectl" in late.fix
    assert check_clock(None, now).outcome is Outcome.SKIP
    assert check_clock("yesterday-ish", now).outcome is Outcome.SKIP


def test_display() -> None:
    assert check_display({"QT_QPA_PLATFORM": "offscreen"}).outcome is Outcome.SKIP
    assert check_display({"WAYLAND_DISPLAY": "wayland-0"}).outcome is Outcome.OK
    assert check_display({}, dri=Path("/nonexistent")).outcome is Outcome.FAIL


def test_bundled_fonts_cover_every_vietnamese_letter() -> None:
    letters = vietnamese_letters()
    assert len(letters) == 186
    for sample in "ẮẰẲẴẶắằẳẵặỐỒỔỖỘốồổỗộỚỜỞỠỢớờởỡợỨỪỬỮỰứừửữựĐđ":
        assert sample in letters
    assert check_fonts().outcome is Outcome.OK


def test_cmap_reader_agrees_with_qt() -> None:
    from PySide6.QtGui import QRawFont

    from ui.shell.app import ensure_app

    ensure_app()
    path = paths.assets_dir() / "fonts" / "DejaVuSans.ttf"
    ours = font_codepoints(path)
    raw = QRawFont(str(path), 12)
    assert raw.isValid()
    for code in range(0x20, 0x2200):
        assert (code in ours) == raw.supportsCharacter(code), hex(code)


def test_a_damaged_or_incomplete_font_fails(tmp_path: Path) -> None:
    (tmp_path / "DejaVuSans.ttf").write_bytes(b"not a font")
    (tmp_path / "DejaVuSans-Bold.ttf").write_bytes(b"")
    check = check_fonts(tmp_path)
    assert check.outcome is Outcome.FAIL and "cannot be read" in check.detail



def test_a_font_without_a_letter_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    import kiosk.ops.doctor

    monkeypatch.setattr(kiosk.ops.doctor, "vietnamese_letters", lambda: "aăâ中")  # DejaVu Sans has no CJK
    check = check_fonts()
    assert check.outcome is Outcome.FAIL and "lacks 1 Vietnamese letters (中" in check.detail


def test_report_lines_and_exit_status() -> None:
    text, status = report([CheckResult("disk", Outcome.OK, "10 GB free"),
                           CheckResult("printer", Outcome.FAIL, "offline", "switch it on")])
    assert status == 1
    assert text.splitlines() == ["OK   disk         10 GB free", "FAIL printer      offline — fix: switch it on",
                                 "1 problem(s) to fix"]
    assert report([CheckResult("disk", Outcome.SKIP, "n/a")])[1] == 0


def test_export_logs(tmp_path: Path, isolated_dirs: Path) -> None:
    logs = isolated_dirs / "logs"
    logs.mkdir(parents=True)
    (logs / "kiosk.log").write_text("2026-11-26 INFO kiosk: started\n", "utf-8")
    (logs / "kiosk.log.1").write_text("older\n", "utf-8")
    import tarfile
    import zipfile

    target = tmp_path / "out" / "logs.tar.gz"
    result = kiosk("export-logs", str(target))
    assert result.returncode == 0, result.stderr
    assert "2 log file(s)" in result.stdout
    with tarfile.open(target) as tar:
        assert sorted(tar.getnames()) == ["logs/kiosk.log", "logs/kiosk.log.1", "status.json"]
        member = tar.extractfile("logs/kiosk.log")
        assert member is not None and b"started" in member.read()
    zipped = tmp_path / "logs.zip"
    assert kiosk("export-logs", str(zipped)).returncode == 0
    with zipfile.ZipFile(zipped) as archive:
        assert sorted(archive.namelist()) == ["logs/kiosk.log", "logs/kiosk.log.1", "status.json"]
    blocker = tmp_path / "a-file"
    blocker.write_text("", "utf-8")
    result = kiosk("export-logs", str(blocker / "logs.tar.gz"))
    assert result.returncode == 1 and "cannot write" in result.stderr and "Traceback" not in result.stderr


# --- the Qt platform plugin's system libraries ---------------------------------------------------------


def test_qt_platform_names_the_package_of_a_missing_library(tmp_path: Path) -> None:
    """On a fresh Debian without libxcb-cursor0, Qt's xcb plugin aborts the kiosk at start: the doctor says
    which package to install (the loader's own answer, as ldd prints it on such a machine)."""
    ldd = tmp_path / "ldd"
    ldd.write_text("#!/bin/sh\necho '\tlibxcb-cursor.so.0 => not found'\n"
                   "echo '\tlibxcb1.so.1 => /lib/x86_64-linux-gnu/libxcb.so.1 (0x00007f0000000000)'\n")
    ldd.chmod(0o755)
    result = check_qt_platform({"DISPLAY": ":0"}, ldd=str(ldd))
    assert result.outcome is Outcome.FAIL
    assert "libxcb-cursor.so.0" in result.line()
    assert "apt-get install libxcb-cursor0" in result.line()


def test_qt_platform_on_this_machine_reads_the_real_plugin() -> None:
    """The real ldd on PySide6's real xcb plugin: whatever it reports names real files and packages."""
    result = check_qt_platform({"QT_QPA_PLATFORM": "xcb"})
    if result.outcome is Outcome.FAIL:
        assert "apt-get install" in result.line()
    else:
        assert result.outcome is Outcome.OK and "libqxcb.so" in result.line()
    assert check_qt_platform({"QT_QPA_PLATFORM": "offscreen"}).outcome is Outcome.SKIP
    bogus = check_qt_platform({"QT_QPA_PLATFORM": "nosuchplatform"})
    assert bogus.outcome is Outcome.FAIL and "no 'nosuchplatform' platform plugin" in bogus.line()
