"""The procedure definition format (schema version 1).

A procedure definition is a JSON document that the portal team can produce. These pydantic models are
the single source of truth; `config/schema/procedure.schema.json` is generated from them.

Longer than most modules on purpose: the whole format with the checks across its fields, in one place, as the
generated schema and the catalog's authors read it.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

SCHEMA_VERSION = 1


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Text(_Model):
    """A text in Vietnamese and English. Shown as plain text, never as rich text."""

    vi: str = Field(min_length=1, description="Vietnamese, with full diacritics")
    en: str = Field(min_length=1, description="English")

    def get(self, lang: str) -> str:
        return self.en if lang == "en" else self.vi


class Category(StrEnum):
    CIVIL_STATUS = "ho_tich"
    CERTIFICATION = "chung_thuc"
    RESIDENCE = "cu_tru"
    SOCIAL = "bao_tro_xa_hoi"
    OTHER = "khac"


class FieldKind(StrEnum):
    TEXT = "text"
    PERSON_NAME = "person_name"
    DATE = "date"
    PHONE = "phone"
    EMAIL = "email"
    ID_NUMBER = "id_number"
    SELECT = "select"
    RADIO = "radio"
    CHECKBOX = "checkbox"
    NUMBER = "number"
    ADDRESS = "address"
    LONG_TEXT = "long_text"


PERSONAL_KINDS = frozenset(
    {FieldKind.PERSON_NAME, FieldKind.PHONE, FieldKind.EMAIL, FieldKind.ID_NUMBER, FieldKind.ADDRESS}
)
CHOICE_KINDS = frozenset({FieldKind.SELECT, FieldKind.RADIO})


class IdCardPart(StrEnum):
    """A part of the chip ID card's QR that can prefill a field."""

    ID_NUMBER = "id_number"
    FULL_NAME = "full_name"
    DATE_OF_BIRTH = "date_of_birth"
    GENDER = "gender"
    ADDRESS = "address"


class Condition(_Model):
    """Show a field or step only when an earlier field's answer is one of `any_of`."""

    field: str = Field(description="id of an earlier field")
    any_of: list[str] = Field(min_length=1, description="answers that make the condition true")


class PrefillFrom(_Model):
    """Fill a question in from an earlier answer (the applicant who is the mother: her name is the mother's)."""

    field: str = Field(description="id of an earlier field of the same kind")
    when: Condition | None = Field(default=None, description="only for these answers, e.g. the relationship")


class Option(_Model):
    value: str = Field(min_length=1, max_length=64)
    label: Text


class AgeByAnswer(_Model):
    """A least age that depends on another answer of the form (marriage: men 20, women 18)."""

    field: str = Field(description="id of a choice field of the same procedure, e.g. the person's gender")
    years: dict[str, int] = Field(min_length=1, description="least age in completed years, by that field's answer")


class Validation(_Model):
    min_length: int | None = Field(default=None, ge=0)
    max_length: int | None = Field(default=None, ge=1)
    pattern: str | None = Field(default=None, description="regular expression the whole answer must match")
    pattern_message: Text | None = None
    min_value: float | None = None
    max_value: float | None = None
    min_age_years: int | None = Field(default=None, ge=0, description="dates: at least this many years ago")
    max_age_years: int | None = Field(default=None, ge=0, description="dates: at most this many years ago")
    min_age_by_answer: AgeByAnswer | None = Field(
        default=None, description="dates of birth: least age by another answer, else min_age_years"
    )
    allow_future: bool = Field(default=False, description="dates: accept dates after today")


class FormField(_Model):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=48)
    kind: FieldKind
    label: Text
    help: Text | None = None
    placeholder: Text | None = None
    required: bool = True
    options: list[Option] = Field(default_factory=list)
    validation: Validation = Field(default_factory=Validation)
    show_if: Condition | None = None
    prefill_from_id_card: IdCardPart | None = None
    prefill_from: PrefillFrom | None = Field(
        default=None, description="start from an earlier answer (the resident can change it)")
    role: Literal["applicant_name", "applicant_id", "applicant_phone", "applicant_email",
                  "applicant_address", "quantity", "delivery", "none"] = Field(
        default="none", description="what the receipt and the portal take this answer as; a 'delivery' "
                                    "choice takes its options from the procedure's `delivery`"
    )

    @property
    def personal(self) -> bool:
        return self.kind in PERSONAL_KINDS or self.role.startswith("applicant_")

    @model_validator(mode="after")
    def _options_fit_kind(self) -> FormField:
        if self.kind in CHOICE_KINDS and not self.options:
            raise ValueError(f"field '{self.id}' of kind {self.kind.value} needs options")
        if self.kind not in CHOICE_KINDS and self.options:
            raise ValueError(f"field '{self.id}' of kind {self.kind.value} takes no options")
        values = [o.value for o in self.options]
        if len(values) != len(set(values)):
            raise ValueError(f"field '{self.id}' has duplicate option values")
        return self


class Step(_Model):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=48)
    title: Text
    help: Text | None = None
    identity: bool = Field(default=False, description="this step accepts the chip ID card's QR")
    show_if: Condition | None = None
    fields: list[FormField] = Field(min_length=1)


class PaperForm(StrEnum):
    ORIGINAL = "original"
    COPY = "copy"
    CERTIFIED_COPY = "certified_copy"
    ORIGINAL_TO_SHOW = "original_to_show"


class PaperScan(_Model):
    """A paper the resident may scan at the kiosk instead of bringing it: a copy of it is accepted online."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=48, description="names the paper's PDF in the dossier")
    source: Source | None = Field(
        default=None, description="where it says a scanned copy is accepted; without a verified_on date the kiosk "
        "says the officer may still ask for the paper")


class Paper(_Model):
    name: Text
    form: PaperForm
    sets: int = Field(default=1, ge=1, le=20)
    required: bool = True
    note: Text | None = None
    scan: PaperScan | None = Field(default=None, description="set when the kiosk may scan this paper")


class Source(_Model):
    """Where a fact comes from: a legal document (and article) or the national portal's record."""

    document: str = Field(min_length=1, description="e.g. 'Thông tư 226/2016/TT-BTC' or 'Cổng Dịch vụ công quốc gia'")
    article: str | None = Field(default=None, description="article, clause or table row, e.g. 'Điều 4'")
    record: str | None = Field(default=None, description="the national portal's record code of the procedure")
    url: str | None = None
    verified_on: date | None = Field(
        default=None, description="when the text was last checked against this source; empty = not verified")

    def cite(self) -> str:
        """The source as one line ('Thông tư 226/2016/TT-BTC, Điều 4')."""
        return ", ".join(part for part in (self.document, self.article, self.record) if part)


class FeeKind(StrEnum):
    """A 'phí' pays for a service (e.g. an extract from the database); a 'lệ phí' is an administrative
    charge (Luật Phí và lệ phí 2015). Exemptions of civil-status law waive lệ phí only."""

    PHI = "phi"
    LE_PHI = "le_phi"


class FeeTier(_Model):
    from_unit: int = Field(ge=2, description="this rate applies from this unit (e.g. page 3) on")
    amount_vnd: int = Field(ge=0)


class FeeItem(_Model):
    label: Text = Field(description="what is charged, e.g. 'Phí chứng thực bản sao'")
    kind: FeeKind = FeeKind.LE_PHI
    amount_vnd: int | None = Field(
        default=None, ge=0,
        description="amount per unit; empty = not published or not verified: the officer tells the amount")
    per: Text | None = Field(default=None, description="unit, e.g. per page")
    condition: Text | None = Field(default=None, description="when the item is charged, in words")
    quantity_field: str | None = Field(default=None, description="number field giving how many units (e.g. pages)")
    tiers: list[FeeTier] = Field(default_factory=list, description="other rates from a given unit on")
    cap_vnd: int | None = Field(default=None, ge=0, description="at most this much for one set (e.g. per copy)")
    sets_field: str | None = Field(default=None,
                                   description="number field multiplying the capped amount (e.g. copies)")
    applies_if: Condition | None = Field(default=None, description="charge this item only for these answers")
    alternative: str | None = Field(
        default=None, description="items sharing this group are alternatives: exactly one applies, by answer")
    source: Source | None = None

    @model_validator(mode="after")
    def _tiers_count_units(self) -> FeeItem:
        if self.tiers and self.per is None:
            raise ValueError(f"fee item '{self.label.vi}' has rates from a given unit on but no unit (per)")
        return self


class OnTime(_Model):
    """A registration counts as on time when the date answered is at most `days` days before today."""

    field: str = Field(description="id of a date field, e.g. the date of birth")
    days: int = Field(ge=0)


class Exemption(_Model):
    """A case where the law waives the lệ phí items of this procedure."""

    label: Text
    when: Condition | None = Field(default=None, description="applies for these answers")
    on_time: OnTime | None = Field(default=None, description="applies when registered on time")
    officer_checks: bool = Field(
        default=False, description="the kiosk cannot tell (e.g. priority groups): the officer checks the papers")
    source: Source | None = None

    @property
    def always(self) -> bool:
        return self.when is None and self.on_time is None and not self.officer_checks


class Fees(_Model):
    items: list[FeeItem] = Field(default_factory=list)
    exemptions: list[Exemption] = Field(default_factory=list)
    note: Text | None = None


class TimeUnit(StrEnum):
    SAME_DAY = "same_day"
    WORKING_HOURS = "working_hours"
    WORKING_DAYS = "working_days"


class ProcessingTime(_Model):
    unit: TimeUnit
    amount: int = Field(default=0, ge=0)
    cutoff: str | None = Field(default=None, pattern=r"^([01]\d|2[0-3]):[0-5]\d$",
                               description="received after this time counts from the next working day")
    note: Text | None = None


class Delivery(StrEnum):
    COUNTER = "counter"
    POST = "post"
    ONLINE = "online"


DELIVERY_LABELS = {
    Delivery.COUNTER: Text(vi="Nhận tại Trung tâm Phục vụ hành chính công",
                           en="At the Public Administrative Service Centre"),
    Delivery.POST: Text(vi="Nhận qua bưu điện", en="By post"),
    Delivery.ONLINE: Text(vi="Nhận bản điện tử trực tuyến", en="Online, as an electronic copy"),
}


def delivery_options(delivery: list[Delivery]) -> list[Option]:
    """The answers of a 'delivery' question: the procedure's ways of receiving the result, in its order."""
    return [Option(value=way.value, label=DELIVERY_LABELS[way]) for way in delivery]


def _with_delivery_options(spec: object, ways: list[Any], options: list[dict[str, Any]]) -> object:
    """A question of role 'delivery' with the options made from the procedure's `delivery` (a copy); any other
    question as it is."""
    if not isinstance(spec, dict) or spec.get("role") != "delivery":
        return spec
    given = spec.get("options")
    if given and [o.get("value") if isinstance(o, dict) else o for o in given] != list(ways):
        raise ValueError(f"field '{spec.get('id')}' (role delivery) takes its options from the "
                         "procedure's 'delivery'; remove its 'options'")
    return {**spec, "options": options}


class Procedure(_Model):
    schema_version: Literal[1] = 1
    code: str = Field(pattern=r"^[0-9]\.[0-9]{6}(\.[0-9A-Z.]+)?$", description="national procedure code")
    name: Text
    summary: Text
    category: Category
    level: Literal["toan_trinh", "mot_phan"] = Field(
        description="online service: wholly online (toàn trình) or partly online (một phần), NĐ 42/2022/NĐ-CP")
    authority: Text = Field(description="kind of receiving authority; the concrete one is site configuration")
    applicants: Text
    legal_basis: list[str] = Field(default_factory=list)
    sources: list[Source] = Field(default_factory=list,
                                  description="legal documents and the national portal's record of this procedure")
    verified_on: date | None = Field(default=None, description="when the facts of this file were last checked")
    papers: list[Paper] = Field(min_length=1)
    fees: Fees
    processing_time: ProcessingTime
    delivery: list[Delivery] = Field(min_length=1)
    popular: bool = False
    keywords: list[str] = Field(default_factory=list)
    steps: list[Step] = Field(min_length=1)

    @model_validator(mode="before")
    @classmethod
    def _delivery_question_follows_delivery(cls, data: object) -> object:
        """A question with role 'delivery' offers the ways listed in `delivery` (one list for the overview and
        the form): its options are made from that list; options written in it must be those ways, in order (a
        procedure served back as JSON carries them)."""
        if not isinstance(data, dict) or not isinstance(data.get("steps"), list):
            return data
        ways = data.get("delivery")
        if not isinstance(ways, list):
            return data  # the field `delivery` reports it
        try:
            options = [o.model_dump() for o in delivery_options([Delivery(w) for w in ways])]
        except ValueError:
            return data  # an unknown way: the field `delivery` reports it
        steps = []
        for step in data["steps"]:  # copies of what changes: the caller's document stays as written
            fields = step.get("fields") if isinstance(step, dict) else None
            if isinstance(fields, list):
                steps.append({**step, "fields": [_with_delivery_options(spec, ways, options) for spec in fields]})
            else:
                steps.append(step)
        data = {**data, "steps": steps}
        return data

    def scannable_papers(self) -> list[Paper]:
        """The papers the resident may scan at the kiosk, in the catalog's order."""
        return [paper for paper in self.papers if paper.scan is not None]

    @model_validator(mode="after")
    def _scan_ids_unique(self) -> Procedure:
        ids = [paper.scan.id for paper in self.papers if paper.scan is not None]
        if len(ids) != len(set(ids)):
            _fail("papers", "duplicate scan id")
        return self

    @model_validator(mode="after")
    def _references_resolve(self) -> Procedure:
        seen: dict[str, FormField] = {}
        field_paths: dict[str, str] = {}
        step_ids: set[str] = set()
        for s_index, step in enumerate(self.steps):
            step_path = f"steps[{s_index}]({step.id})"
            if step.id in step_ids:
                _fail(f"{step_path}.id", f"duplicate step id '{step.id}'")
            step_ids.add(step.id)
            if step.show_if is not None:
                _check_condition(step.show_if, seen, f"{step_path}.show_if")
            for f_index, field in enumerate(step.fields):
                field_path = f"{step_path}.fields[{f_index}]({field.id})"
                if field.id in seen:
                    _fail(f"{field_path}.id", f"duplicate field id '{field.id}'")
                if field.show_if is not None:
                    _check_condition(field.show_if, seen, f"{field_path}.show_if")
                if field.prefill_from is not None:
                    _check_prefill(field, field.prefill_from, seen, f"{field_path}.prefill_from")
                seen[field.id] = field
                field_paths[field.id] = field_path
        for field_id, field_path in field_paths.items():
            by_answer = seen[field_id].validation.min_age_by_answer
            if by_answer is not None:  # any field of the procedure: the gender may follow the date of birth
                _check_condition(Condition(field=by_answer.field, any_of=list(by_answer.years)), seen,
                                 f"{field_path}.validation.min_age_by_answer")
        self._fee_references_resolve(seen)
        return self

    def _fee_references_resolve(self, seen: dict[str, FormField]) -> None:
        groups: dict[str, list[Condition | None]] = {}
        for i_index, item in enumerate(self.fees.items):
            where = f"fees.items[{i_index}]"
            for name in ("quantity_field", "sets_field"):
                target_id = getattr(item, name)
                target = seen.get(target_id) if target_id is not None else None
                if target_id is not None and (target is None or target.kind is not FieldKind.NUMBER):
                    _fail(f"{where}.{name}", f"'{target_id}' is not a number field")
            if item.applies_if is not None:
                _check_condition(item.applies_if, seen, f"{where}.applies_if")
            if item.alternative is not None:
                groups.setdefault(item.alternative, []).append(item.applies_if)
        for group, conditions in groups.items():
            fields = {c.field for c in conditions if c is not None}
            values = [v for c in conditions if c is not None for v in c.any_of]
            if len(conditions) < 2 or None in conditions or len(fields) != 1 or len(values) != len(set(values)):
                _fail("fees.items", f"alternatives '{group}' need two or more items chosen by one field's "
                                    "distinct answers (applies_if)")
        for e_index, exemption in enumerate(self.fees.exemptions):
            where = f"fees.exemptions[{e_index}]"
            if exemption.when is not None:
                _check_condition(exemption.when, seen, f"{where}.when")
            if exemption.on_time is not None:
                target = seen.get(exemption.on_time.field)
                if target is None or target.kind is not FieldKind.DATE:
                    _fail(f"{where}.on_time.field", f"'{exemption.on_time.field}' is not a date field")

    def fields(self) -> list[FormField]:
        return [f for s in self.steps for f in s.fields]

    def field(self, field_id: str) -> FormField:
        for f in self.fields():
            if f.id == field_id:
                return f
        raise KeyError(field_id)


LOCATION_MARK = "@"


def _fail(path: str, message: str) -> None:
    """Raise a procedure-wide error that still names where it is (the loader reads the path back)."""
    raise ValueError(f"{LOCATION_MARK}{path}: {message}")


def _check_prefill(spec: FormField, rule: PrefillFrom, earlier: dict[str, FormField], where: str) -> None:
    source = earlier.get(rule.field)
    if source is None or source.kind is not spec.kind:
        _fail(f"{where}.field", f"'{rule.field}' is not an earlier field of kind {spec.kind.value}")
    if rule.when is not None:
        _check_condition(rule.when, earlier, f"{where}.when")


def _check_condition(cond: Condition, earlier: dict[str, FormField], where: str) -> None:
    target = earlier.get(cond.field)
    if target is None:
        _fail(where, f"refers to '{cond.field}', which is not an earlier field")
        return
    if target.kind in CHOICE_KINDS:
        allowed = {o.value for o in target.options}
        unknown = [v for v in cond.any_of if v not in allowed]
        if unknown:
            _fail(where, f"values {unknown} are not options of '{cond.field}'")
    elif target.kind is FieldKind.CHECKBOX and any(v not in ("yes", "") for v in cond.any_of):
        _fail(where, "a checkbox condition takes 'yes' or ''")
