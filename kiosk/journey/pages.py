"""The form one question at a time: a catalog step is shown as pages of one question each.

A catalog step groups the questions of one topic (the applicant, the child, the mother); on a touch
screen with the keyboard open only one question fits, so the resident answers them one page at a time
(the way GOV.UK forms do). Which pages a step has depends on the answers: a question shown only for
some answers (`show_if`) becomes a page of its own once it applies. The review lists every answer.

Answers already given can fill in later questions (`prefill_from`): the applicant who said she is the
mother finds the mother's name and ID number already written, and can still change them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from kiosk.answers.validation import Issue, is_visible, validate_step, visible_fields, visible_steps
from kiosk.catalog.models import FormField, Procedure, Step


@dataclass(frozen=True)
class Page:
    """One page of the form: the questions shown together and where the page stands in its step."""

    step: Step
    fields: tuple[FormField, ...]
    index: int  # within the step, from 0
    count: int  # pages of the step

    @property
    def field_ids(self) -> frozenset[str]:
        return frozenset(f.id for f in self.fields)


def step_pages(step: Step, answers: Mapping[str, str]) -> list[Page]:
    """The pages of `step` for these answers: one per question shown."""
    shown = visible_fields(step, answers)
    return [Page(step, (spec,), index, len(shown)) for index, spec in enumerate(shown)]


def page_of_field(step: Step, answers: Mapping[str, str], field_id: str | None) -> int:
    """The index of the page asking `field_id` (0 when it is not shown or not given)."""
    for page in step_pages(step, answers):
        if field_id in page.field_ids:
            return page.index
    return 0


def page_issues(page_fields: frozenset[str], step: Step, answers: Mapping[str, str],
                today: date | None = None) -> dict[str, Issue]:
    """The problems of the questions `page_fields` of `step` (cross-checks with earlier answers included)."""
    return {key: issue for key, issue in validate_step(step, answers, today).items() if key in page_fields}


def first_problem(procedure: Procedure, answers: Mapping[str, str],
                  today: date | None = None) -> tuple[int, int, dict[str, Issue]] | None:
    """(step index, page index, issues) of the first page with a wrong or missing answer, or None."""
    for s_index, step in enumerate(visible_steps(procedure, answers)):
        issues = validate_step(step, answers, today)
        if issues:
            for page in step_pages(step, answers):
                found = {key: issue for key, issue in issues.items() if key in page.field_ids}
                if found:
                    return s_index, page.index, found
    return None


def prefill(page: Page, answers: dict[str, str]) -> list[str]:
    """Fill the page's empty questions from earlier answers (`prefill_from`); returns the ids filled."""
    filled = []
    for spec in page.fields:
        rule = spec.prefill_from
        if rule is None or answers.get(spec.id):
            continue
        if rule.when is not None and not is_visible(rule.when.field, rule.when.any_of, answers):
            continue
        value = answers.get(rule.field, "")
        if value:
            answers[spec.id] = value
            filled.append(spec.id)
    return filled
