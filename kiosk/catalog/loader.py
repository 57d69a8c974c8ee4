"""Loading procedure definitions from JSON files, with errors that name the file and the field."""

from __future__ import annotations

import json
import re
from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from kiosk.catalog.models import LOCATION_MARK, Procedure
from kiosk.catalog.search import SearchIndex, fold

MAX_FILE_BYTES = 1_000_000
MAX_DEPTH = 24  # objects and lists nested in one definition (the schema needs about eight)
MAX_VALUES = 50_000  # values of all kinds in one definition
# Control characters other than the line break, and the bidirectional overrides and isolates: on screen or
# paper they hide or reorder text ("Trojan Source"); a terminal would obey an ESC.
_FORBIDDEN = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


@dataclass(frozen=True)
class CatalogProblem:
    file: str
    procedure: str
    location: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}"
        if self.procedure:
            where += f" [{self.procedure}]"
        if self.location:
            where += f" at {self.location}"
        return f"{where}: {self.message}"


class CatalogError(Exception):
    """One or more procedure definitions are invalid."""

    def __init__(self, problems: Sequence[CatalogProblem]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


def _location(loc: Iterable[int | str], data: object) -> str:
    """Readable location: steps[1](identity).fields[0](full_name).kind."""
    parts: list[str] = []
    node = data
    for item in loc:
        if isinstance(item, int):
            parts[-1:] = [f"{parts[-1]}[{item}]"] if parts else [f"[{item}]"]
            node = node[item] if isinstance(node, list) and item < len(node) else None
            if isinstance(node, dict) and isinstance(node.get("id"), str):
                parts[-1] += f"({node['id']})"
        else:
            parts.append(item)
            node = node.get(item) if isinstance(node, dict) else None
    return ".".join(parts)


def load_procedure_file(path: Path) -> Procedure:
    """Load and validate one definition; raise CatalogError naming the file, procedure and field."""
    name = str(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise CatalogError([CatalogProblem(name, "", "", f"cannot read file: {exc.strerror}")]) from None
    if len(raw) > MAX_FILE_BYTES:
        raise CatalogError([CatalogProblem(name, "", "", "file larger than 1 MB")])
    try:
        data = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise CatalogError([CatalogProblem(name, "", "", "file is not UTF-8 text")]) from None
    except RecursionError:
        raise CatalogError([CatalogProblem(name, "", "", f"nested deeper than {MAX_DEPTH} levels")]) from None
    except json.JSONDecodeError as exc:
        raise CatalogError(
            [CatalogProblem(name, "", f"line {exc.lineno} column {exc.colno}", f"not valid JSON: {exc.msg}")]
        ) from None
    return parse_procedure(data, name)


def check_structure(data: object, source: str, code: str = "") -> None:
    """Raise CatalogError when `data` nests too deep, holds too many values, or carries a control or
    bidirectional-override character in any text (each named with its location)."""
    problems: list[CatalogProblem] = []
    queue: deque[tuple[tuple[int | str, ...], object]] = deque([((), data)])
    values = 0
    while queue:
        loc, node = queue.popleft()
        values += 1
        if values > MAX_VALUES:
            problems.append(CatalogProblem(source, code, "", f"more than {MAX_VALUES} values"))
            break
        if len(loc) > MAX_DEPTH:
            problems.append(CatalogProblem(source, code, _location(loc[:MAX_DEPTH], data),
                                           f"nested deeper than {MAX_DEPTH} levels"))
            break
        if isinstance(node, dict):
            for key, value in node.items():
                queue.append(((*loc, str(key)), value))
                if isinstance(key, str) and _FORBIDDEN.search(key):
                    problems.append(_forbidden(source, code, (*loc, key), data, key))
        elif isinstance(node, list):
            queue.extend(((*loc, index), value) for index, value in enumerate(node))
        elif isinstance(node, str) and _FORBIDDEN.search(node):
            problems.append(_forbidden(source, code, loc, data, node))
    if problems:
        raise CatalogError(problems)


def _forbidden(source: str, code: str, loc: tuple[int | str, ...], data: object, text: str) -> CatalogProblem:
    found = _FORBIDDEN.search(text)
    assert found is not None
    return CatalogProblem(source, code, _location(loc, data),
                          f"contains the invisible control character U+{ord(found.group()):04X}; remove it")


def parse_procedure(data: object, source: str) -> Procedure:
    code = data.get("code", "") if isinstance(data, dict) else ""
    check_structure(data, source, code if isinstance(code, str) else "")
    try:
        return Procedure.model_validate(data)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            location, message = _location(err["loc"], data), err["msg"]
            # Procedure-wide checks carry their own path: "Value error, @steps[1](child)...: message".
            marker = message.find(LOCATION_MARK)
            if marker >= 0 and ": " in message[marker:]:
                path, message = message[marker + 1 :].split(": ", 1)
                location = ".".join(p for p in (location, path) if p)
            problems.append(CatalogProblem(source, str(code), location, message))
        raise CatalogError(problems) from None


class Catalog:
    """The procedures a kiosk offers, in a stable order, with search."""

    def __init__(self, procedures: Sequence[Procedure], version: str = "bundled") -> None:
        self.procedures = list(procedures)
        self.version = version
        self._by_code = {p.code: p for p in self.procedures}
        self._index: SearchIndex | None = None

    def __len__(self) -> int:
        return len(self.procedures)

    def get(self, code: str) -> Procedure:
        return self._by_code[code]

    def search(self, query: str, limit: int = 50) -> list[Procedure]:
        if self._index is None:
            self._index = SearchIndex(self.procedures)
        return [self.procedures[i] for i in self._index.search(query, limit)]

    def popular(self) -> list[Procedure]:
        return [p for p in self.procedures if p.popular]


def load_catalog(directory: Path) -> Catalog:
    """Load every `*.json` definition under `directory`; raise CatalogError listing all problems."""
    problems: list[CatalogProblem] = []
    procedures: list[Procedure] = []
    files = sorted(directory.glob("*.json")) if directory.is_dir() else []
    if not files:
        raise CatalogError([CatalogProblem(str(directory), "", "", "no procedure definitions (*.json) found")])
    seen: dict[str, str] = {}
    for path in files:
        try:
            procedure = load_procedure_file(path)
        except CatalogError as exc:
            problems.extend(exc.problems)
            continue
        if procedure.code in seen:
            problems.append(CatalogProblem(str(path), procedure.code, "code", f"same code as {seen[procedure.code]}"))
            continue
        seen[procedure.code] = str(path)
        procedures.append(procedure)
    if problems:
        raise CatalogError(problems)
    procedures.sort(key=lambda p: (not p.popular, fold(p.name.vi)))
    return Catalog(procedures)
