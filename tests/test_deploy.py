"""Technician deployment: systemd units, install.sh (dry run and rollback), the config example."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from kiosk import __version__
from kiosk.settings import config

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
INSTALL_SH = DEPLOY / "install.sh"
UNITS = ["kiosk.service", "kiosk-nightly-restart.service", "kiosk-nightly-restart.timer"]
KIOSK_EXEC = "/opt/community-kiosk/current/venv/bin/kiosk"

# What a real install (not a dry run) would create; none of it may appear during the tests.
SYSTEM_PATHS = [
    Path("/opt/community-kiosk"),
    Path("/etc/kiosk"),
    Path("/usr/local/bin/kiosk"),
    Path("/var/lib/kiosk"),
    Path("/var/lib/systemd/linger/kiosk"),
    *(Path("/etc/systemd/system") / unit for unit in UNITS),
]


def _unit(name: str) -> dict[str, list[tuple[str, str]]]:
    """Sections of a unit file as (key, value) lists: systemd allows a key more than once."""
    sections: dict[str, list[tuple[str, str]]] = {}
    current: list[tuple[str, str]] = []
    for raw in (DEPLOY / name).read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            current = sections.setdefault(line.strip("[]"), [])
            continue
        key, _, value = line.partition("=")
        current.append((key.strip(), value.strip()))
    return sections


def _values(section: list[tuple[str, str]], key: str) -> list[str]:
    return [value for k, value in section if k == key]


def _bash(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    run_env = {k: v for k, v in os.environ.items() if k != "KIOSK_APP_ROOT"}
    run_env.update(env or {})
    return subprocess.run(
        ["bash", str(INSTALL_SH), *args],
        capture_output=True, text=True, timeout=60, env=run_env, check=False, stdin=subprocess.DEVNULL,
    )


def _system_state() -> dict[str, bool]:
    state = {str(p): p.exists() or p.is_symlink() for p in SYSTEM_PATHS}
    getent = subprocess.run(["getent", "passwd", "kiosk"], capture_output=True, check=False)
    state["user kiosk"] = getent.returncode == 0
    return state


# --- unit files ------------------------------------------------------------------


def test_kiosk_service_runs_cage_on_tty1_with_watchdog() -> None:
    unit = _unit("kiosk.service")
    service, head = unit["Service"], unit["Unit"]

    assert _values(service, "ExecStart") == [f"/usr/bin/cage -d -- {KIOSK_EXEC} run"]
    expected = {
        "User": "kiosk", "PAMName": "login", "TTYPath": "/dev/tty1", "StandardInput": "tty",
        "UtmpIdentifier": "tty1", "Type": "notify", "NotifyAccess": "all", "WatchdogSec": "30",
        "Restart": "always", "RestartSec": "2", "StandardOutput": "journal", "StandardError": "journal",
    }
    assert {key: _values(service, key) for key in expected} == {k: [v] for k, v in expected.items()}
    assert "QT_QPA_PLATFORM=wayland" in _values(service, "Environment")
    assert "getty@tty1.service" in " ".join(_values(head, "Conflicts"))
    assert "systemd-user-sessions.service" in " ".join(_values(head, "After"))


def test_nightly_restart_at_0330_even_after_downtime() -> None:
    timer = _unit("kiosk-nightly-restart.timer")
    assert _values(timer["Timer"], "OnCalendar") == ["*-*-* 03:30:00 Asia/Ho_Chi_Minh"]
    assert _values(timer["Timer"], "Persistent") == ["true"]
    assert _values(timer["Install"], "WantedBy") == ["timers.target"]

    restart = _unit("kiosk-nightly-restart.service")["Service"]
    assert _values(restart, "Type") == ["oneshot"]
    assert _values(restart, "ExecStart") == ["/usr/bin/systemctl try-restart kiosk.service"]


def _unit_environment() -> dict[str, str]:
    pairs = (item.partition("=") for item in _values(_unit("kiosk.service")["Service"], "Environment"))
    return {key: value for key, _, value in pairs}


def test_technician_command_runs_with_the_services_environment() -> None:
    wrapper = (DEPLOY / "kiosk-cli.sh").read_text(encoding="utf-8")
    block = re.search(r"KIOSK_ENV=\((.*?)\)", wrapper, re.S)
    assert block is not None
    wrapper_env = dict(item.partition("=")[::2] for item in block.group(1).split())

    service_env = _unit_environment()
    assert wrapper_env == {k: v for k, v in service_env.items() if k.startswith(("KIOSK_", "PYTHON_KEYRING"))}
    assert set(wrapper_env) == {"KIOSK_DATA_DIR", "KIOSK_KEYRING_DIR", "PYTHON_KEYRING_BACKEND"}


def test_a_secret_stored_by_one_process_is_read_by_the_next(tmp_path: Path) -> None:
    """What `kiosk provision` stores, the kiosk finds after a restart, with the unit's keyring backend."""
    env = {**os.environ, "PYTHON_KEYRING_BACKEND": _unit_environment()["PYTHON_KEYRING_BACKEND"],
           "KIOSK_KEYRING_DIR": str(tmp_path / "keyring")}
    code = "import keyring, sys; {}"
    store = subprocess.run(
        [sys.executable, "-c", code.format("keyring.set_password('community-kiosk', 'probe', sys.argv[1])"), "s3cret"],
        env=env, capture_output=True, text=True, timeout=60, check=False,
    )
    assert store.returncode == 0, store.stderr
    read = subprocess.run(
        [sys.executable, "-c", code.format("print(type(keyring.get_keyring()).__name__, "
                                           "keyring.get_password('community-kiosk', 'probe'))")],
        env=env, capture_output=True, text=True, timeout=60, check=False,
    )
    assert read.stdout.split() == ["LocalFileKeyring", "s3cret"], read.stderr
    assert (tmp_path / "keyring" / "secrets.json").stat().st_mode & 0o077 == 0


def _systemd_analyze() -> str:
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed (Debian package: systemd)")
    return analyze


def _verify(analyze: str, unit_dir: Path, names: list[str]) -> str:
    result = subprocess.run(
        [analyze, "verify", *(f"./{n}" for n in names)],
        cwd=unit_dir, capture_output=True, text=True, timeout=60, check=False,
        env={**os.environ, "SYSTEMD_LOG_COLOR": "0", "LC_ALL": "C"},
    )
    output = (result.stdout + result.stderr).strip()
    return output if result.returncode == 0 else f"{output}\n(exit {result.returncode})"


def test_units_pass_systemd_analyze_verify(tmp_path: Path) -> None:
    analyze = _systemd_analyze()
    true = shutil.which("true")
    assert true is not None

    # First make sure verify itself works in this environment (a container may lack pieces).
    probe_dir = tmp_path / "probe"
    probe_dir.mkdir()
    (probe_dir / "probe.service").write_text(f"[Service]\nType=oneshot\nExecStart={true}\n")
    probe = _verify(analyze, probe_dir, ["probe.service"])
    if probe:
        pytest.skip(f"systemd-analyze verify does not run cleanly here, even on a trivial unit: {probe}")

    # cage and the kiosk are not installed on a build machine: verify copies whose missing
    # executables are replaced by `true`, so every remaining message is about the units themselves.
    unit_dir = tmp_path / "units"
    unit_dir.mkdir()
    rewritten = []
    for name in UNITS:
        lines = []
        for line in (DEPLOY / name).read_text(encoding="utf-8").splitlines():
            match = re.match(r"^(Exec\w+=[-@:+!]*)(\S+)(.*)$", line)
            if match and not Path(match.group(2)).exists():
                rewritten.append(match.group(2))
                lines.append(f"{match.group(1)}{true}{match.group(3)}")
            else:
                lines.append(line)
        (unit_dir / name).write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert set(rewritten) <= {"/usr/bin/cage", "/usr/bin/systemctl"}

    assert _verify(analyze, unit_dir, UNITS) == ""


# --- install.sh ---------------------------------------------------------------------


def test_install_sh_passes_shellcheck() -> None:
    shellcheck = shutil.which("shellcheck")
    if shellcheck is None:
        pytest.skip("shellcheck is not installed (Debian package: shellcheck)")
    result = subprocess.run(
        [shellcheck, "--severity=style", str(INSTALL_SH), str(DEPLOY / "kiosk-cli.sh")],
        capture_output=True, text=True, timeout=60, check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_dry_run_plans_user_venv_units_and_timer_without_touching_the_system() -> None:
    before = _system_state()

    result = _bash("--dry-run", str(ROOT))

    assert result.returncode == 0, result.stderr
    assert _system_state() == before
    planned = [line.removeprefix("[dry-run] ") for line in result.stdout.splitlines()
               if line.startswith("[dry-run] ")]
    commands = [shlex.split(line) for line in planned]

    release = f"/opt/community-kiosk/releases/{__version__}"
    if not before["user kiosk"]:
        useradd = next(c for c in commands if c[0] == "useradd")
        assert useradd[-1] == "kiosk"
        assert "--system" in useradd
        groups = useradd[useradd.index("--groups") + 1].split(",")
        assert {"lp", "dialout", "video"} <= set(groups)
    assert ["/usr/bin/python3", "-m", "venv", "--", f"{release}/venv"] in commands
    assert any(c[0] == f"{release}/venv/bin/pip" and c[-1] == str(ROOT) for c in commands)
    for unit in UNITS:
        assert any(c[0] == "install" and c[-1] == f"/etc/systemd/system/{unit}" for c in commands), unit
    assert ["systemctl", "enable", "kiosk.service", "kiosk-nightly-restart.timer"] in commands
    assert ["install", "-d", "-m", "0700", "-o", "kiosk", "-g", "kiosk", "--",
            "/var/lib/kiosk/data", "/var/lib/kiosk/keyring"] in commands
    assert any(c[0] == "install" and c[-1] == "/etc/udev/rules.d/60-kiosk-printer.rules" for c in commands)
    assert any(c[0] == "install" and c[-1] == "/usr/local/bin/kiosk" for c in commands)
    # The release carries install.sh, so a rollback needs nothing else on the machine.
    assert ["cp", "-R", "--", str(DEPLOY), f"{release}/deploy"] in commands

    # The service runs <current>/venv/bin/kiosk, and the plan points `current` at the new release.
    link = next(c for c in commands if c[0] == "ln")
    assert link[-2:] == [f"releases/{__version__}", "/opt/community-kiosk/current.new"]
    assert ["mv", "-T", "--", "/opt/community-kiosk/current.new", "/opt/community-kiosk/current"] in commands
    assert KIOSK_EXEC == "/opt/community-kiosk/current/venv/bin/kiosk"
    assert "kiosk provision --site SITE --portal URL --client-id ID" in result.stdout
    assert "kiosk doctor" in result.stdout


def test_dry_run_names_the_release_after_the_wheel_version(tmp_path: Path) -> None:
    wheel = tmp_path / "community_kiosk-1.2.3-py3-none-any.whl"
    wheel.write_bytes(b"")

    result = _bash("--dry-run", str(wheel))

    assert result.returncode == 0, result.stderr
    assert "[dry-run] /usr/bin/python3 -m venv -- /opt/community-kiosk/releases/1.2.3/venv" in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((), "no SOURCE given"),
        (("/nonexistent/source",), "SOURCE must be a project directory"),
        (("--release", "../../etc", str(ROOT)), "may only hold letters"),
        (("--frobnicate",), "unknown option"),
    ],
)
def test_bad_invocations_explain_themselves(args: tuple[str, ...], message: str) -> None:
    result = _bash("--dry-run", *args)
    assert result.returncode != 0
    assert message in result.stderr


def test_help_lists_every_option_the_guide_uses() -> None:
    result = _bash("--help")
    assert result.returncode == 0, result.stderr

    guide = (ROOT / "docs" / "DEPLOY.md").read_text(encoding="utf-8")
    used = set(re.findall(r"install\.sh[^\n`]*?(--[a-z-]+)", guide))
    assert used >= {"--dry-run", "--wheelhouse", "--rollback"}
    for option in used:
        assert option in result.stdout, option


@pytest.fixture
def app_root(tmp_path: Path) -> Path:
    """Two installed releases, 0.2.0 current and 0.1.0 previous, as install.sh leaves them."""
    if os.geteuid() != 0:
        pytest.skip("install.sh --rollback changes things, so it insists on root")
    for name in ("0.1.0", "0.2.0"):
        (tmp_path / "releases" / name).mkdir(parents=True)
        (tmp_path / "releases" / name / ".complete").touch()
    (tmp_path / "current").symlink_to("releases/0.2.0")
    (tmp_path / "previous").symlink_to("releases/0.1.0")
    return tmp_path


def test_rollback_switches_current_back_and_forth(app_root: Path) -> None:
    env = {"KIOSK_APP_ROOT": str(app_root)}

    first = _bash("--rollback", env=env)
    assert first.returncode == 0, first.stderr
    assert os.readlink(app_root / "current") == "releases/0.1.0"
    assert os.readlink(app_root / "previous") == "releases/0.2.0"

    # Rolling back the rollback returns to the newer release.
    second = _bash("--rollback", env=env)
    assert second.returncode == 0, second.stderr
    assert os.readlink(app_root / "current") == "releases/0.2.0"
    assert not (app_root / "current.new").exists()


def test_rollback_to_a_missing_release_changes_nothing(app_root: Path) -> None:
    result = _bash("--rollback", "9.9.9", env={"KIOSK_APP_ROOT": str(app_root)})

    assert result.returncode != 0
    assert "release 9.9.9 is not installed (installed: 0.1.0 0.2.0)" in result.stderr
    assert os.readlink(app_root / "current") == "releases/0.2.0"


def test_rollback_without_previous_release_says_so(app_root: Path) -> None:
    (app_root / "previous").unlink()

    result = _bash("--rollback", env={"KIOSK_APP_ROOT": str(app_root)})

    assert result.returncode != 0
    assert "no previous release to roll back to" in result.stderr


# --- /etc/kiosk/kiosk.toml example ------------------------------------------------


def test_config_example_is_all_comments_and_valid_once_uncommented(tmp_path: Path) -> None:
    text = (DEPLOY / "kiosk.toml.example").read_text(encoding="utf-8")
    assert tomllib.loads(text) == {}, "installed as is, the example must change nothing"

    setting = re.compile(r"^#(\[\w+\]|\w+ = .*)$")
    uncommented = [m.group(1) for line in text.splitlines() if (m := setting.match(line))]
    profiles = config.site_profiles()
    # The example's site profile may not ship yet; every other key must fit the schema.
    uncommented = [line for line in uncommented if not line.startswith("profile = ") or
                   tomllib.loads(line)["profile"] in profiles]
    machine_file = tmp_path / "kiosk.toml"
    machine_file.write_text("\n".join(uncommented) + "\n", encoding="utf-8")

    settings = config.load_settings(config_file=machine_file, environ={})

    assert settings.printer.kind == "network"
    assert settings.printer.address == "192.168.1.50:9100"
    assert settings.kiosk.id == "K01"
    assert settings.payment.bank_bin == "970436"


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="needs systemd-analyze")
def test_the_nightly_restart_is_at_half_past_three_in_hanoi_on_a_machine_kept_in_utc() -> None:
    """03:30 in Hanoi is 20:30 UTC: a machine left in UTC must not restart the kiosk at 10:30 in the morning."""
    [spec] = _values(_unit("kiosk-nightly-restart.timer")["Timer"], "OnCalendar")
    done = subprocess.run(["systemd-analyze", "calendar", spec], capture_output=True, text=True, check=False,
                          env={**os.environ, "TZ": "UTC"}, timeout=30)
    assert done.returncode == 0, done.stderr
    assert re.search(r"Next elapse: .* 20:30:00 UTC", done.stdout), done.stdout
