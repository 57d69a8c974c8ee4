"""The catalog loader refuses what could hurt the kiosk or mislead a resident: definitions nested without end,
and invisible control or direction characters in texts. Each refusal names the file and where it is."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from kiosk.catalog import CatalogError, load_catalog, load_procedure_file
from kiosk.files.paths import procedures_dir

BIRTH_FILE = next(procedures_dir().glob("*.json"))


def bundled() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(BIRTH_FILE.read_text("utf-8"))
    return data


def write(tmp_path: Path, data: object) -> Path:
    path = tmp_path / "procedure.json"
    path.write_text(json.dumps(data, ensure_ascii=False), "utf-8")
    return path


@pytest.mark.parametrize("levels", [40, 100_000])
def test_a_deeply_nested_definition_is_a_catalog_error(tmp_path: Path, levels: int) -> None:
    path = tmp_path / "deep.json"
    path.write_text('{"code": "x", "summary": ' + "[" * levels + "]" * levels + "}", "utf-8")
    with pytest.raises(CatalogError, match="nested deeper than 24 levels") as caught:
        load_procedure_file(path)
    assert str(path) in str(caught.value)


@pytest.mark.parametrize(("char", "name"), [("\u202e", "U+202E"), ("\x1b", "U+001B"), ("\x00", "U+0000"),
                                            ("\u2066", "U+2066"), ("\t", "U+0009"), ("\x85", "U+0085")])
def test_control_and_direction_characters_in_texts_are_refused_with_their_place(
        tmp_path: Path, char: str, name: str) -> None:
    data = bundled()
    data["steps"][0]["title"]["vi"] = f"Thông tin người{char} nộp"
    path = write(tmp_path, data)
    with pytest.raises(CatalogError) as caught:
        load_procedure_file(path)
    (problem,) = caught.value.problems
    assert problem.file == str(path) and problem.procedure == data["code"]
    assert problem.location.startswith("steps[0]") and problem.location.endswith(".title.vi")
    assert name in problem.message
    with pytest.raises(CatalogError):
        load_catalog(tmp_path)


def test_line_breaks_and_vietnamese_stay_allowed(tmp_path: Path) -> None:
    data = bundled()
    data["summary"]["vi"] = "Dòng thứ nhất.\nDòng thứ hai: Đăng ký khai sinh cho trẻ."
    procedure = load_procedure_file(write(tmp_path, data))
    assert procedure.summary.vi.endswith("cho trẻ.")
