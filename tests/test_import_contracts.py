"""The layers between sub-packages hold: import-linter keeps every contract in pyproject.toml, and no sub-package
of the core or of the Qt layer imports one above it (which is also what rules out import cycles between them)."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

from tests.conftest import REPO

LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


def _lint(config: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(LINT_IMPORTS), "--no-cache", str(config)], capture_output=True,
                          text=True, cwd=REPO, timeout=300, check=False)


def test_every_contract_of_the_project_is_kept() -> None:
    contracts = tomllib.loads((REPO / "pyproject.toml").read_text("utf-8"))["tool"]["importlinter"]["contracts"]
    names = [contract["name"] for contract in contracts]
    assert {"The core never imports Qt", "Core subsystems in layers", "Qt layer in layers"} <= set(names)
    result = _lint(REPO / "pyproject.toml")
    assert result.returncode == 0, result.stdout + result.stderr
    for name in names:
        assert f"{name} KEPT" in result.stdout


def test_an_import_against_the_layers_is_reported(tmp_path: Path) -> None:
    # The journey imports the catalog; a contract putting the catalog above the journey must break.
    config = tmp_path / "contracts.toml"
    config.write_text(
        '[tool.importlinter]\nroot_packages = ["kiosk"]\n\n'
        '[[tool.importlinter.contracts]]\nname = "Catalog above the journey"\ntype = "layers"\n'
        'containers = ["kiosk"]\nlayers = ["catalog", "journey"]\n', "utf-8")
    result = _lint(config)
    assert result.returncode != 0
    assert "Catalog above the journey BROKEN" in result.stdout
    assert "kiosk.journey is not allowed to import kiosk.catalog" in result.stdout
