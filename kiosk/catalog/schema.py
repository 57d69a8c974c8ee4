"""The JSON Schema of procedure definitions, generated from the pydantic models.

The portal team writes definitions against `config/schema/procedure.schema.json`; this module
produces it. Regenerate after changing `kiosk/catalog/models.py`:

    python -m kiosk.catalog.schema

The JSON Schema covers the shape of a definition; checks across fields (a `show_if` that refers to
an earlier field, options of a choice field, unique ids) are made only by the models on loading.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from kiosk.catalog.models import SCHEMA_VERSION, Procedure
from kiosk.files import paths

SCHEMA_ID = f"urn:community-kiosk:schema:procedure:{SCHEMA_VERSION}"
DIALECT = "https://json-schema.org/draft/2020-12/schema"


def default_schema_path() -> Path:
    return paths.bundled_config_dir() / "schema" / "procedure.schema.json"


def procedure_json_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of one procedure definition file."""
    generated = Procedure.model_json_schema()
    schema: dict[str, Any] = {
        "$schema": DIALECT,
        "$id": SCHEMA_ID,
        "title": f"Procedure definition (schema version {SCHEMA_VERSION})",
        "description": (
            "One administrative procedure offered by the kiosk: texts in Vietnamese and English, "
            "papers, fees, processing time and the form's steps. Generated from kiosk/catalog/models.py."
        ),
        "x-schema-version": SCHEMA_VERSION,
    }
    schema.update({k: v for k, v in generated.items() if k not in ("title", "description")})
    return schema


def schema_text() -> str:
    """The schema as the committed file holds it (stable formatting, trailing newline)."""
    return json.dumps(procedure_json_schema(), ensure_ascii=False, indent=2) + "\n"


def write_schema(path: Path) -> None:
    """Write the schema to `path`, creating its folder."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(schema_text(), encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    target = Path(args[0]) if args else default_schema_path()
    write_schema(target)
    print(f"wrote {target}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
