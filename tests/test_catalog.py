"""The bundled procedure catalog: every definition loads, follows the schema and can be answered."""

from __future__ import annotations

import importlib
import json
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from pydantic import BaseModel

from kiosk.answers.validation import format_date, is_visible, validate_field, validate_step
from kiosk.catalog import CatalogError, load_catalog, load_procedure_file
from kiosk.catalog.models import CHOICE_KINDS, FieldKind, FormField, IdCardPart, Procedure, Text
from kiosk.catalog.schema import main as schema_main
from kiosk.catalog.schema import procedure_json_schema, write_schema

ROOT = Path(__file__).resolve().parents[1]
PROCEDURES = ROOT / "config" / "procedures"
SCHEMA_FILE = ROOT / "config" / "schema" / "procedure.schema.json"
BROKEN = Path(__file__).parent / "data" / "broken_procedures"
FILES = sorted(PROCEDURES.glob("*.json"))
REGENERATE = "python -m kiosk.catalog.schema"
TODAY = date.today()

# The identity step every procedure opens with: id -> (kind, ID-card part, role, required).
IDENTITY_FIELDS: dict[str, tuple[FieldKind, IdCardPart | None, str, bool]] = {
    "applicant_name": (FieldKind.PERSON_NAME, IdCardPart.FULL_NAME, "applicant_name", True),
    "applicant_dob": (FieldKind.DATE, IdCardPart.DATE_OF_BIRTH, "none", True),
    "applicant_gender": (FieldKind.RADIO, IdCardPart.GENDER, "none", True),
    "applicant_id": (FieldKind.ID_NUMBER, IdCardPart.ID_NUMBER, "applicant_id", True),
    "applicant_address": (FieldKind.ADDRESS, IdCardPart.ADDRESS, "applicant_address", True),
    "applicant_phone": (FieldKind.PHONE, None, "applicant_phone", False),  # no procedure requires a phone by law
}
OPTIONAL_EMAIL = (FieldKind.EMAIL, None, "applicant_email", False)


def _ids(paths: list[Path]) -> list[str]:
    return [p.name for p in paths]


@pytest.fixture(scope="module")
def catalog_procedures() -> dict[str, Procedure]:
    return {p.name: load_procedure_file(p) for p in FILES}


# --- the JSON Schema ---------------------------------------------------------------------------


def test_committed_json_schema_is_generated_from_the_models() -> None:
    assert SCHEMA_FILE.is_file(), f"{SCHEMA_FILE} is missing; run: {REGENERATE}"
    committed = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    assert committed == procedure_json_schema(), (
        f"{SCHEMA_FILE.relative_to(ROOT)} is out of date with kiosk/catalog/models.py; run: {REGENERATE}"
    )


def test_schema_names_itself_and_its_version() -> None:
    schema = procedure_json_schema()
    assert schema["$id"].endswith(":procedure:1")
    assert "schema version 1" in schema["title"]
    assert schema["x-schema-version"] == 1
    assert schema["properties"]["schema_version"]["const"] == 1


def test_schema_command_writes_the_file(tmp_path: Path) -> None:
    target = tmp_path / "out" / "procedure.schema.json"
    assert schema_main([str(target)]) == 0
    assert json.loads(target.read_text(encoding="utf-8")) == procedure_json_schema()
    again = tmp_path / "again.json"
    write_schema(again)
    assert again.read_bytes() == target.read_bytes()


def _json_schema_errors() -> Callable[[object], list[str]]:
    """A function listing JSON Schema violations, from whichever validator .venv holds."""
    schema = procedure_json_schema()
    try:
        jsonschema = importlib.import_module("jsonschema")
    except ImportError:
        pass
    else:
        checker = jsonschema.Draft202012Validator(schema)
        return lambda data: [f"{list(e.absolute_path)}: {e.message}" for e in checker.iter_errors(data)]
    try:
        jsonschema_rs = importlib.import_module("jsonschema_rs")
    except ImportError:
        pytest.skip("no JSON Schema validator ('jsonschema' or 'jsonschema_rs') is installed in .venv")
    rs_checker = jsonschema_rs.validator_for(schema)
    return lambda data: [f"{e.instance_path}: {e.message}" for e in rs_checker.iter_errors(data)]


@pytest.mark.parametrize("path", FILES, ids=_ids(FILES))
def test_definition_follows_the_json_schema(path: Path) -> None:
    errors = _json_schema_errors()(json.loads(path.read_text(encoding="utf-8")))
    assert errors == [], f"{path.name}: {errors}"


def test_json_schema_rejects_an_unknown_field_kind() -> None:
    data = json.loads((BROKEN / "unknown-field-kind.json").read_text(encoding="utf-8"))
    errors = _json_schema_errors()(data)
    assert any("photo" in e for e in errors)


# --- the bundled definitions -------------------------------------------------------------------


def test_catalog_loads_with_enough_procedures() -> None:
    catalog = load_catalog(PROCEDURES)
    assert len(catalog) == len(FILES) >= 12
    assert catalog.popular(), "the home screen needs popular procedures"


@pytest.mark.parametrize("path", FILES, ids=_ids(FILES))
def test_definition_loads_with_the_models(path: Path) -> None:
    procedure = load_procedure_file(path)
    prefix = ".".join(procedure.code.split(".")[:2])
    assert path.name.startswith(prefix + "-"), f"{path.name}: file names are <code prefix>-<slug>.json"


@pytest.mark.parametrize("path", FILES, ids=_ids(FILES))
def test_first_step_is_the_applicant_identity_step(
    path: Path, catalog_procedures: dict[str, Procedure]
) -> None:
    procedure = catalog_procedures[path.name]
    first, *rest = procedure.steps
    assert first.identity, f"{path.name}: the first step must accept the ID card"
    assert not any(s.identity for s in rest), f"{path.name}: only the first step is the identity step"
    assert first.show_if is None
    fields = {f.id: f for f in first.fields}
    expected = dict(IDENTITY_FIELDS)
    if "applicant_email" in fields:
        expected["applicant_email"] = OPTIONAL_EMAIL
    for field_id, (kind, part, role, required) in expected.items():
        assert field_id in fields, f"{path.name}: identity step lacks {field_id}"
        spec = fields[field_id]
        assert (spec.kind, spec.prefill_from_id_card, spec.role, spec.required) == (kind, part, role, required), (
            f"{path.name}: {field_id} differs from the standard identity step"
        )
        assert spec.show_if is None
    assert [o.value for o in fields["applicant_gender"].options] == ["nam", "nu"]


@pytest.mark.parametrize("path", FILES, ids=_ids(FILES))
def test_steps_fit_on_one_screen(path: Path, catalog_procedures: dict[str, Procedure]) -> None:
    procedure = catalog_procedures[path.name]
    # Birth and death declarations ask for more than three short screens hold: up to five topic steps.
    assert 2 <= len(procedure.steps) <= 6, f"{path.name}: identity step plus 1-5 topic steps"
    for step in procedure.steps:
        assert len(step.fields) <= 7, f"{path.name}: step {step.id} has {len(step.fields)} fields"


def _texts(node: object, where: str) -> Iterator[tuple[str, Text]]:
    if isinstance(node, Text):
        yield where, node
    elif isinstance(node, BaseModel):
        for name in type(node).model_fields:
            yield from _texts(getattr(node, name), f"{where}.{name}")
    elif isinstance(node, list):
        for i, item in enumerate(node):
            yield from _texts(item, f"{where}[{i}]")


@pytest.mark.parametrize("path", FILES, ids=_ids(FILES))
def test_vietnamese_texts_carry_diacritics(path: Path, catalog_procedures: dict[str, Procedure]) -> None:
    # A cheap guard against Vietnamese typed without accents: every longer text has a non-ASCII letter.
    unaccented = [
        f"{where}: {text.vi!r}"
        for where, text in _texts(catalog_procedures[path.name], "procedure")
        if len(text.vi) > 12 and not any(ch.isalpha() and not ch.isascii() for ch in text.vi)
    ]
    assert unaccented == [], f"{path.name}: Vietnamese without diacritics: {unaccented}"


@pytest.mark.parametrize("path", FILES, ids=_ids(FILES))
def test_procedure_facts_are_complete(path: Path, catalog_procedures: dict[str, Procedure]) -> None:
    procedure = catalog_procedures[path.name]
    assert procedure.legal_basis, f"{path.name}: no legal basis"
    assert procedure.keywords, f"{path.name}: no keywords"
    assert any(k.isascii() for k in procedure.keywords), f"{path.name}: keywords need unaccented spellings too"
    assert procedure.fees.items or procedure.fees.exemptions, f"{path.name}: fee neither set nor exempt"
    if procedure.processing_time.unit.value == "same_day":
        assert procedure.processing_time.cutoff == "15:00", f"{path.name}: same-day work has the 15:00 cut-off"


# --- broken definitions ------------------------------------------------------------------------

BROKEN_CASES = [
    # file, procedure code named in the message, text that locates the problem
    ("bad-json.json", "", "at line "),
    ("unknown-field-kind.json", "9.000002", "at steps[1](child).fields[0](child_name).kind"),
    ("show-if-later-field.json", "9.000003", "at steps[1](child).fields[3](witness_name).show_if"),
    ("select-without-options.json", "9.000004", "at steps[1](child).fields[2](birth_order)"),
    ("duplicate-field-id.json", "9.000005", "at steps[1](child).fields[3](child_name).id"),
    ("wrong-code-pattern.json", "1.1193-H26", "at code"),
    ("tiers-without-unit.json", "9.000006", "at fees.items[0]"),  # "from page 3 on" needs its unit
]


@pytest.mark.parametrize(("name", "code", "location"), BROKEN_CASES, ids=[c[0] for c in BROKEN_CASES])
def test_broken_definition_is_reported_with_file_code_and_location(name: str, code: str, location: str) -> None:
    path = BROKEN / name
    with pytest.raises(CatalogError) as caught:
        load_procedure_file(path)
    message = str(caught.value)
    assert str(path) in message
    assert location in message
    if code:
        assert f"[{code}]" in message
    else:  # unreadable JSON has no code to name
        assert "not valid JSON" in message


@pytest.mark.parametrize(("name", "location"), [
    ("show-if-later-field.json", "steps[1](child).fields[3](witness_name).show_if"),
    ("duplicate-field-id.json", "steps[1](child).fields[3](child_name).id"),
])
def test_procedure_wide_problem_names_the_field_path(name: str, location: str) -> None:
    with pytest.raises(CatalogError) as caught:
        load_procedure_file(BROKEN / name)
    assert location in str(caught.value)


def test_catalog_lists_every_broken_file() -> None:
    with pytest.raises(CatalogError) as caught:
        load_catalog(BROKEN)
    named = {Path(p.file).name for p in caught.value.problems}
    assert named == {c[0] for c in BROKEN_CASES}


# --- search and texts as data ------------------------------------------------------------------


@pytest.mark.parametrize("query", ["dang ky ket hon", "Đăng ký KẾT HÔN", "ket hon"])
def test_search_finds_marriage_first(query: str) -> None:
    results = load_catalog(PROCEDURES).search(query)
    assert results, query
    assert results[0].name.vi == "Đăng ký kết hôn"


def test_search_finds_by_code_and_unaccented_keyword() -> None:
    catalog = load_catalog(PROCEDURES)
    assert catalog.search("1.004873")[0].name.vi == "Cấp Giấy xác nhận tình trạng hôn nhân"
    assert catalog.search("sao y ban chinh")[0].name.vi == "Chứng thực bản sao từ bản chính"


def test_html_in_a_name_stays_literal_text(tmp_path: Path) -> None:
    data = json.loads((PROCEDURES / "1.000894-dang-ky-ket-hon.json").read_text(encoding="utf-8"))
    html = "<b>Đăng ký</b> kết hôn &amp; <script>alert(1)</script>"
    data["name"]["vi"] = html
    path = tmp_path / "1.000894-html.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    assert load_procedure_file(path).name.vi == html


# --- answering every procedure -----------------------------------------------------------------


def _id_number(gender: str | None) -> str:
    # Hà Nội (001), born in 1960 (digits 4-6), 4th digit: 0 male / 1 female in the 1900s.
    return "0011600" + "12345" if gender == "nu" else "0010600" + "12345"


def _candidates(spec: FormField, gender: str | None, variant: int) -> list[str]:
    """Plausible answers for a field, most natural first; the first valid one is used."""
    kind = spec.kind
    if kind in CHOICE_KINDS:
        return [spec.options[variant % len(spec.options)].value]
    rules = spec.validation
    youngest = rules.min_age_years or 0
    by_kind: dict[FieldKind, list[str]] = {
        FieldKind.CHECKBOX: ["yes"],
        FieldKind.PERSON_NAME: ["Nguyễn Văn An"],
        FieldKind.DATE: [
            "05/09/1960",
            format_date(date(TODAY.year - youngest - 1, 1, 1)),
            format_date(TODAY - timedelta(days=1)),
        ],
        FieldKind.PHONE: ["0912345678"],
        FieldKind.EMAIL: ["an.nguyen@example.com"],
        FieldKind.ID_NUMBER: [_id_number(gender)],
        FieldKind.NUMBER: ["1", "2", *([] if rules.min_value is None else [str(int(rules.min_value))])],
        FieldKind.ADDRESS: ["Số 12 phố Huế, phường Hai Bà Trưng, Hà Nội"],
        FieldKind.TEXT: ["Bệnh viện Bạch Mai, Hà Nội"],
        FieldKind.LONG_TEXT: ["Năm sinh trên giấy bị ghi sai.\nĐề nghị ghi lại theo học bạ."],
    }
    return by_kind[kind]


def _answer_all(procedure: Procedure, variant: int, fill_optional: bool) -> tuple[set[str], set[str]]:
    """Answer every visible field validly; assert each step validates. Returns the fields and steps shown."""
    answers: dict[str, str] = {}
    shown_fields: set[str] = set()
    shown_steps: set[str] = set()
    for step in procedure.steps:
        if step.show_if is not None and not is_visible(step.show_if.field, step.show_if.any_of, answers):
            continue
        shown_steps.add(step.id)
        gender_field = next((f for f in step.fields if f.prefill_from_id_card is IdCardPart.GENDER), None)
        for spec in step.fields:
            if spec.show_if is not None and not is_visible(spec.show_if.field, spec.show_if.any_of, answers):
                continue
            shown_fields.add(spec.id)
            if not spec.required and not fill_optional:
                continue
            gender = answers.get(gender_field.id) if gender_field is not None else None
            valid = [
                value for value in _candidates(spec, gender, variant)
                if validate_field(spec, value, answers, TODAY) is None
            ]
            assert valid, f"{procedure.code}: no valid answer found for field {spec.id}"
            answers[spec.id] = valid[0]
        issues = validate_step(step, answers, TODAY)
        assert issues == {}, f"{procedure.code} step {step.id} (variant {variant}): {issues}"
    return shown_fields, shown_steps


@pytest.mark.parametrize("path", FILES, ids=_ids(FILES))
def test_every_step_accepts_a_complete_set_of_valid_answers(
    path: Path, catalog_procedures: dict[str, Procedure]
) -> None:
    procedure = catalog_procedures[path.name]
    variants = max([len(f.options) for f in procedure.fields() if f.kind in CHOICE_KINDS] or [1])
    seen_fields: set[str] = set()
    seen_steps: set[str] = set()
    for variant in range(variants):
        for fill_optional in (True, False):
            shown_fields, shown_steps = _answer_all(procedure, variant, fill_optional)
            seen_fields |= shown_fields
            seen_steps |= shown_steps
    never_shown = [f.id for f in procedure.fields() if f.id not in seen_fields]
    assert never_shown == [], f"{path.name}: fields no answer makes visible: {never_shown}"
    assert seen_steps == {s.id for s in procedure.steps}
