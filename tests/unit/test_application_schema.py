"""The application's rules are defined once: the draft, the submit check and the page's form schema agree.

(The HTTP-level agreement of the API, the page, the task completion, the OpenAPI
document and the export is tests/integration/test_one_definition.py.)
"""
from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from jsonschema import Draft202012Validator, FormatChecker

from service.config import ROOT
from service.schemas.applications import REQUIRED_AT_SUBMIT, form_schema
from service.workflows.application_rules import field_errors
from service.workflows.forms import CODE_DEFINED, FormRegistry, code_defined_text, schema_errors
from tests import application_values as values

FORM = Draft202012Validator(form_schema(), format_checker=FormatChecker())


def test_the_form_files_are_the_generated_schemas() -> None:
    """processes/forms/application.json is written by `appraisal write-forms`, never by hand."""
    for key in CODE_DEFINED:
        path = ROOT / "processes" / "forms" / f"{key}.json"
        assert path.read_text(encoding="utf-8") == code_defined_text(key), \
            f"{path} differs from service/schemas: run `python -m service.cli write-forms`"


def test_the_registry_serves_the_generated_schema_and_refuses_to_replace_it() -> None:
    registry = FormRegistry(ROOT / "processes" / "forms")
    assert registry.schema("application") == form_schema()
    assert [e["field"] for e in schema_errors("application", form_schema())] == ["key"]


def test_required_at_submit_is_what_the_page_marks_required() -> None:
    assert form_schema()["required"] == list(REQUIRED_AT_SUBMIT)


@settings(max_examples=400, deadline=None)
@given(values.application())
def test_draft_submit_and_form_schema_accept_the_same_values(probe: tuple[dict[str, Any], str]) -> None:
    data, name = probe
    given_values = {k: v for k, v in data.items() if v is not None and v != ""}  # empty = not filled in
    form_ok = FORM.is_valid(given_values)
    submit_errors = field_errors(data, complete=True)
    draft_errors = field_errors(data, complete=False)
    assert form_ok == (not submit_errors), (data, submit_errors, list(FORM.iter_errors(given_values)))
    if form_ok:
        assert not draft_errors, (data, draft_errors)
    # a value the draft refuses is refused by the submit check, naming the same field
    for e in draft_errors:
        assert any(s["field"] == e["field"] for s in submit_errors), (e, submit_errors)
    assert {e["field"].split(".")[0] for e in submit_errors} <= {name}, (name, submit_errors)
