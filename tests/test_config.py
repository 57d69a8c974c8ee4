"""Configuration: one schema, four layers, and messages that name the file, the key and what is allowed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from pydantic import BaseModel

from kiosk.files import paths
from kiosk.settings import config as config_module
from kiosk.settings.config import (
    OVERRIDABLE,
    SITE_FACTS,
    ConfigError,
    Settings,
    dump_toml,
    load_settings,
    save_overrides,
    schema_text,
)
from kiosk.settings.editable import EditorKind, changed_values, describe, editable_settings
from tests.conftest import REPO

PILOTS = {
    "bui-thi-xuan": ("BTX", "Ủy ban nhân dân phường Hai Bà Trưng"),
    "bach-khoa": ("BKH", "Ủy ban nhân dân phường Bạch Mai"),
    "dong-tam": ("DTA", "Ủy ban nhân dân phường Bạch Mai"),  # most of Đồng Tâm, not Tương Mai
}


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def error_of(**kwargs: object) -> str:
    with pytest.raises(ConfigError) as caught:
        load_settings(**kwargs)  # type: ignore[arg-type]
    return str(caught.value)


# --- the schema -----------------------------------------------------------------------------------


def test_every_setting_has_a_description_and_a_default() -> None:
    for section_name, section in Settings.model_fields.items():
        model = section.annotation
        assert isinstance(model, type) and issubclass(model, BaseModel), section_name
        assert model.__doc__, f"[{section_name}] has no description"
        for key, info in model.model_fields.items():
            assert info.description, f"{section_name}.{key} has no description"
            assert not info.is_required(), f"{section_name}.{key} has no default"


def test_published_json_schema_is_up_to_date() -> None:
    published = (REPO / "config/schema/settings.schema.json").read_text("utf-8")
    assert published == schema_text(), "run: kiosk config schema --out config/schema/settings.schema.json"
    schema = json.loads(published)
    assert schema["$defs"]["IdleSettings"]["properties"]["form_seconds"]["minimum"] == 10


def test_config_schema_command_prints_the_schema(tmp_path: Path) -> None:
    result = subprocess.run([sys.executable, "-m", "kiosk", "config", "schema"], capture_output=True, text=True,
                            cwd=REPO, timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == json.loads(schema_text())
    out = tmp_path / "schema.json"
    result = subprocess.run([sys.executable, "-m", "kiosk", "config", "schema", "--out", str(out)],
                            capture_output=True, text=True, cwd=REPO, timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    assert out.read_text("utf-8") == schema_text()


def test_no_setting_is_a_secret() -> None:
    words = ("secret", "password", "pin", "token")
    for section_name, section in Settings.model_fields.items():
        model = section.annotation
        assert isinstance(model, type) and issubclass(model, BaseModel)
        for key in model.model_fields:
            assert not any(word in key for word in words), f"{section_name}.{key} looks like a secret"


# --- site profiles --------------------------------------------------------------------------------


@pytest.mark.parametrize("site", sorted(PILOTS))
def test_pilot_site_profiles(site: str) -> None:
    prefix, authority = PILOTS[site]
    settings = load_settings(site=site, environ={})
    assert settings.site.profile == site
    assert settings.site.id == site
    assert settings.site.ref_prefix == prefix
    assert settings.site.authority == authority
    assert settings.site.name.startswith("Nhà sinh hoạt cộng đồng ")
    assert settings.site.authority == f"Ủy ban nhân dân {settings.site.ward}"
    assert settings.site.service_point == f"Trung tâm Phục vụ hành chính công {settings.site.ward}"
    # Every value residents read says where it comes from; a value not verified is left empty, never guessed.
    for name in SITE_FACTS:
        fact = settings.site.fact(name)
        assert fact is not None, name
        assert fact.status in ("verified", "to_confirm"), name
        if fact.status == "verified":
            assert fact.source and fact.checked is not None, name
    assert settings.site.verified("hotline") or settings.site.hotline == ""
    assert "1900 0000" not in settings.site.hotline
    assert settings.portal.lookup_url.startswith("https://")
    assert settings.portal.base_url is None  # per machine: written by `kiosk provision`


def test_unknown_site_names_the_source_and_the_sites_there_are(tmp_path: Path) -> None:
    message = error_of(site="hoan-kiem", environ={})
    assert "--site" in message and "unknown site 'hoan-kiem'" in message
    for site in PILOTS:
        assert site in message
    machine = write(tmp_path / "kiosk.toml", '[site]\nprofile = "nowhere"\n')
    message = error_of(config_file=machine, environ={})
    assert str(machine) in message and "[site.profile]" in message and "bach-khoa" in message
    message = error_of(environ={"KIOSK__SITE__PROFILE": "nowhere"})
    assert "KIOSK__SITE__PROFILE" in message


# --- the layers -----------------------------------------------------------------------------------


def test_layers_in_order_defaults_profile_machine_override_environment(tmp_path: Path) -> None:
    assert load_settings(environ={}).site.hotline == "1900 0000"
    assert load_settings(environ={}).idle.menu_seconds == 45

    profiles = tmp_path / "sites"
    write(profiles / "test-site.toml", '[site]\nid = "test-site"\nhotline = "024 1111"\n[idle]\nmenu_seconds = 50\n')
    machine = write(tmp_path / "kiosk.toml", '[site]\nprofile = "test-site"\n[idle]\nmenu_seconds = 60\n')
    override = tmp_path / "override.toml"

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(paths, "sites_dir", lambda: profiles)
        only_profile = load_settings(site="test-site", environ={})
        assert (only_profile.site.hotline, only_profile.idle.menu_seconds) == ("024 1111", 50)

        with_machine = load_settings(config_file=machine, environ={}, override_file=override)
        assert with_machine.site.id == "test-site"  # from the profile the machine file names
        assert with_machine.site.hotline == "024 1111"
        assert with_machine.idle.menu_seconds == 60

        write(override, "[idle]\nmenu_seconds = 70\n")
        assert load_settings(config_file=machine, environ={}, override_file=override).idle.menu_seconds == 70

        env = {"KIOSK__IDLE__MENU_SECONDS": "80", "KIOSK__SITE__HOTLINE": "024 2222"}
        top = load_settings(config_file=machine, environ=env, override_file=override)
        assert (top.idle.menu_seconds, top.site.hotline, top.site.id) == (80, "024 2222", "test-site")


def test_machine_file_from_kiosk_config_variable(tmp_path: Path) -> None:
    machine = write(tmp_path / "elsewhere.toml", '[kiosk]\nid = "K07"\n')
    assert load_settings(environ={"KIOSK_CONFIG": str(machine)}).kiosk.id == "K07"
    missing = tmp_path / "missing.toml"
    message = error_of(environ={"KIOSK_CONFIG": str(missing)})
    assert str(missing) in message and "not found" in message


def test_environment_values_are_typed_like_the_schema() -> None:
    settings = load_settings(environ={
        "KIOSK__PRINTER__PAPER_WIDTH_MM": "58", "KIOSK__KIOSK__FULLSCREEN": "false",
        "KIOSK__PORTAL__CA_BUNDLE": "", "KIOSK__PORTAL__READ_TIMEOUT": "4.5", "UNRELATED": "x",
    })
    assert settings.printer.paper_width_mm == 58
    assert settings.kiosk.fullscreen is False
    assert settings.portal.ca_bundle is None
    assert settings.portal.read_timeout == 4.5


def test_default_override_file_lives_in_the_data_dir(isolated_dirs: Path) -> None:
    write(isolated_dirs / "settings-override.toml", '[kiosk]\ndefault_language = "en"\n')
    assert load_settings(environ={}).kiosk.default_language == "en"


# --- bad input, layer by layer --------------------------------------------------------------------


def test_bad_value_in_a_site_profile_names_the_profile(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    profiles = tmp_path / "sites"
    profile = write(profiles / "broken.toml", '[site]\nref_prefix = "btx"\n')
    monkeypatch.setattr(paths, "sites_dir", lambda: profiles)
    message = error_of(site="broken", environ={})
    assert str(profile) in message
    assert "[site.ref_prefix]" in message
    assert "^[A-Z0-9]{2,6}$" in message


def test_bad_value_in_the_machine_file_names_file_key_and_allowed_values(tmp_path: Path) -> None:
    machine = write(tmp_path / "kiosk.toml", '[kiosk]\ndefault_language = "fr"\n')
    message = error_of(config_file=machine, environ={})
    assert str(machine) in message and "[kiosk.default_language]" in message
    assert '"vi", "en"' in message and "'fr'" in message

    machine = write(tmp_path / "kiosk.toml", '[printer]\nkind = "laser"\n')
    assert 'one of "none", "network", "usb", "serial", "file", "system", "pdf"' in error_of(config_file=machine,
                                                                                            environ={})
    machine = write(tmp_path / "kiosk.toml", "[idle]\nform_seconds = 5\n")
    message = error_of(config_file=machine, environ={})
    assert "[idle.form_seconds]" in message and "from 10 to 3600" in message


def test_unknown_keys_and_sections_list_what_exists(tmp_path: Path) -> None:
    machine = write(tmp_path / "kiosk.toml", "[idle]\nfrom_seconds = 60\n")
    message = error_of(config_file=machine, environ={})
    assert "[idle.from_seconds] is not a setting" in message and "form_seconds" in message
    machine = write(tmp_path / "kiosk.toml", "[printers]\nkind = 'usb'\n")
    message = error_of(config_file=machine, environ={})
    assert "[printers] is not a section" in message and "printer" in message


def test_a_secret_in_a_config_file_points_to_the_keyring(tmp_path: Path) -> None:
    machine = write(tmp_path / "kiosk.toml", '[portal]\nclient_secret = "hunter2"\n')
    message = error_of(config_file=machine, environ={})
    assert "keyring" in message and "kiosk provision" in message


def test_bad_environment_value_names_the_variable_and_allowed_values() -> None:
    message = error_of(environ={"KIOSK__IDLE__FORM_SECONDS": "abc"})
    assert "KIOSK__IDLE__FORM_SECONDS" in message
    assert "[idle.form_seconds]" in message
    assert "'abc'" in message and "a whole number from 10 to 3600" in message
    message = error_of(environ={"KIOSK__KIOSK__FULLSCREEN": "maybe"})
    assert "KIOSK__KIOSK__FULLSCREEN" in message and "true or false" in message
    message = error_of(environ={"KIOSK__NOPE__KEY": "1"})
    assert "[nope] is not a section" in message


def test_override_file_may_only_hold_staff_settings(tmp_path: Path) -> None:
    override = write(tmp_path / "override.toml", '[portal]\nbase_url = "https://evil.example"\n')
    message = error_of(environ={}, override_file=override)
    assert str(override) in message and "[portal.base_url] cannot be changed here" in message
    assert "idle.form_seconds" in message
    write(override, "[idle]\nwarning_seconds = 1000\n")
    message = error_of(environ={}, override_file=override)
    assert str(override) in message and "[idle.warning_seconds]" in message and "from 3 to 120" in message


def test_unreadable_and_broken_files(tmp_path: Path) -> None:
    message = error_of(config_file=tmp_path, environ={})
    assert str(tmp_path) in message and "directory" in message
    broken = write(tmp_path / "broken.toml", "[idle\nform_seconds = 60\n")
    message = error_of(config_file=broken, environ={})
    assert str(broken) in message and "not valid TOML" in message
    binary = tmp_path / "binary.toml"
    binary.write_bytes(b"[site]\nname = \"\xff\xfe\"\n")
    assert "UTF-8" in error_of(config_file=binary, environ={})
    if os.geteuid() != 0:  # root reads anything
        locked = write(tmp_path / "locked.toml", "[idle]\n")
        locked.chmod(0)
        message = error_of(config_file=locked, environ={})
        assert str(locked) in message and "permission denied" in message


@pytest.mark.parametrize(("url", "words"), [
    ("http://portal.example.gov.vn/api", "plain http"),
    ("portal.example.gov.vn", "https://"),
    ("ftp://portal.example.gov.vn", "https://"),
])
def test_wrong_portal_url_is_refused(tmp_path: Path, url: str, words: str) -> None:
    machine = write(tmp_path / "kiosk.toml", f'[portal]\nbase_url = "{url}"\n')
    message = error_of(config_file=machine, environ={})
    assert "[portal.base_url]" in message and words in message


def test_sandbox_portal_on_loopback_is_allowed(tmp_path: Path) -> None:
    machine = write(tmp_path / "kiosk.toml", '[portal]\nbase_url = "http://127.0.0.1:8765/"\n')
    assert load_settings(config_file=machine, environ={}).portal.base_url == "http://127.0.0.1:8765"


# --- writing --------------------------------------------------------------------------------------


def test_save_overrides_validates_writes_and_is_loaded_again(tmp_path: Path) -> None:
    override = tmp_path / "data" / "settings-override.toml"
    settings = load_settings(environ={})
    updated = save_overrides(settings, {"idle": {"form_seconds": 120}, "kiosk": {"default_language": "en"}}, override)
    assert updated.idle.form_seconds == 120 and updated.kiosk.default_language == "en"
    updated = save_overrides(updated, {"printer": {"kind": "network", "address": "10.0.0.9:9100"}}, override)
    stored = tomllib.loads(override.read_text("utf-8"))
    assert stored["idle"] == {"form_seconds": 120}
    assert stored["printer"] == {"kind": "network", "address": "10.0.0.9:9100"}
    again = load_settings(environ={}, override_file=override)
    assert (again.idle.form_seconds, again.kiosk.default_language, again.printer.address) == (
        120, "en", "10.0.0.9:9100")

    before = override.read_text("utf-8")
    with pytest.raises(ConfigError, match=r"\[idle.form_seconds\].*from 10 to 3600"):
        save_overrides(again, {"idle": {"form_seconds": 2}}, override)
    with pytest.raises(ConfigError, match="cannot be changed here"):
        save_overrides(again, {"site": {"authority": "x"}}, override)
    assert override.read_text("utf-8") == before


def test_dump_toml_round_trips_vietnamese_and_escapes() -> None:
    data = {"site": {"name": 'Nhà "văn hóa"\\ Đồng Tâm\n', "id": "dong-tam"},
            "idle": {"form_seconds": 90, "x": None}, "kiosk": {"fullscreen": False}, "portal": {"read_timeout": 4.5}}
    text = dump_toml(data, header="line one\nline two")
    assert text.startswith("# line one\n# line two\n")
    assert "Đồng Tâm" in text
    loaded = tomllib.loads(text)
    assert loaded["site"] == data["site"]
    assert loaded["idle"] == {"form_seconds": 90}
    assert loaded["kiosk"] == {"fullscreen": False} and loaded["portal"] == {"read_timeout": 4.5}


def test_invalid_settings_stop_startup_with_the_message(tmp_path: Path) -> None:
    machine = write(tmp_path / "kiosk.toml", "[idle]\nmenu_seconds = 'soon'\n")
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    result = subprocess.run([sys.executable, "-m", "kiosk", "run", "--config", str(machine)], capture_output=True,
                            text=True, cwd=REPO, env=env, timeout=60, check=False)
    assert result.returncode == 2
    assert "configuration error" in result.stderr
    assert str(machine) in result.stderr and "[idle.menu_seconds]" in result.stderr
    assert "Traceback" not in result.stderr


# --- the console's settings page, from the schema ----------------------------------------------------


def test_the_console_offers_each_overridable_setting_with_the_schemas_values() -> None:
    offered = {setting.key: setting for setting in editable_settings()}
    assert list(offered) == [f"{section}.{name}" for section, names in OVERRIDABLE.items() for name in names]
    form = offered["idle.form_seconds"]
    assert (form.kind, form.low, form.high, form.step, form.technician_only) == (EditorKind.NUMBER, 10, 3600, 5, False)
    assert offered["kiosk.default_language"].choices == ("vi", "en")
    assert offered["printer.paper_width_mm"].choices == (58, 80) and offered["printer.kind"].technician_only
    assert offered["printer.address"].kind is EditorKind.TEXT
    assert offered["scanning.device"].max_length == 200  # a text field takes no more than the schema accepts
    for setting in offered.values():  # the least and the most a number offers validate; one beyond does not
        section = type(getattr(Settings(), setting.section))
        values = list(setting.choices) if setting.kind is EditorKind.CHOICE else []
        if setting.kind is EditorKind.NUMBER:
            values = [setting.low, setting.high]
            for beyond in (setting.low - 1, setting.high + 1):
                with pytest.raises(ValueError, match=setting.name):
                    section(**{setting.name: beyond})
        for value in values:
            section(**{setting.name: value})


@pytest.mark.parametrize(("section", "name", "refusal"), [
    ("printer", "timeout_seconds", "no editor"),  # a float
    ("scanning", "options", "no editor"),  # a list
    ("idle", "no_such_setting", "no setting"),
])
def test_a_setting_the_console_cannot_edit_safely_is_refused(section: str, name: str, refusal: str) -> None:
    with pytest.raises(ValueError, match=refusal):
        describe(section, name)


def test_only_changed_values_are_saved_and_staff_leave_the_technicians_alone() -> None:
    settings = Settings()
    values = {"idle.form_seconds": 90, "idle.menu_seconds": 60, "printer.kind": "file", "kiosk.default_language": "vi"}
    assert changed_values(settings, values, technician=False) == {"idle": {"menu_seconds": 60}}
    assert changed_values(settings, values, technician=True) == {"idle": {"menu_seconds": 60},
                                                                 "printer": {"kind": "file"}}


def test_module_keeps_its_public_names() -> None:
    for name in ("Settings", "load_settings", "ConfigError"):
        assert hasattr(config_module, name)
