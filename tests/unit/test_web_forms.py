"""Task forms come from the JSON Schema a user task names: any new schema renders and parses."""
from __future__ import annotations

import pytest
from flask import Flask
from werkzeug.datastructures import MultiDict

from service.web import forms

SCHEMA = {
    "type": "object",
    "title": "现场核查",
    "properties": {
        "visited_on": {"type": "string", "format": "date", "title": "日期"},
        "passed": {"type": "boolean", "title": "是否通过"},
        "rating": {"type": "integer", "title": "评级"},
        "level": {"type": "string", "enum": ["a", "b"], "x-enum-labels": {"a": "国家级", "b": "乙"}, "title": "等级"},
        "notes": {"type": "string", "maxLength": 5000, "title": "备注"},
        "tags": {"type": "array", "items": {"type": "string", "enum": ["x", "y"]}, "title": "标签"},
    },
    "required": ["visited_on", "passed"],
}


def _ctx(lang: str = "zh-CN"):  # type: ignore[no-untyped-def]
    app = Flask(__name__)
    app.secret_key = "test"
    ctx = app.test_request_context(headers={"Accept-Language": lang})
    return ctx


def test_fields_follow_the_schema_in_the_page_language() -> None:
    with _ctx():
        fields = {f.name: f for f in forms.fields_for(SCHEMA)}
        assert [fields[n].kind for n in SCHEMA["properties"]] == ["date", "boolean", "number", "radio", "textarea", "checkboxes"]
        assert fields["visited_on"].required and not fields["notes"].required
        assert fields["level"].options == [("a", "国家级"), ("b", "乙")]
    with _ctx("en"):  # English from the catalogue; words it lacks (a deployed form's own) stay as written
        fields = {f.name: f for f in forms.fields_for(SCHEMA)}
        assert fields["visited_on"].label == "Date" and fields["rating"].label == "评级"
        assert fields["level"].options == [("a", "National"), ("b", "乙")]


def test_posted_forms_become_typed_data_and_blank_fields_stay_out() -> None:
    with _ctx():
        data, errors = forms.parse(SCHEMA, MultiDict([("visited_on", "2027-01-05"), ("passed", "false"),
                                                      ("rating", "3"), ("notes", ""), ("tags", "x"), ("tags", "y")]))
        assert errors == [] and data == {"visited_on": "2027-01-05", "passed": False, "rating": 3, "tags": ["x", "y"]}
        data, errors = forms.parse(SCHEMA, MultiDict([("rating", "three")]))
        assert errors[0]["field"] == "rating" and "rating" not in data
        by_field, general = forms.errors_by_field([{"field": "passed", "message": "'passed' is a required property"},
                                                   {"field": "$", "message": "必填"}])
        assert by_field == {"passed": ["必填"]} and general == ["必填"]


def test_a_fresh_form_starts_from_the_defaults_and_follows_the_editors_widget() -> None:
    schema = {"type": "object", "properties": {
        "venue": {"type": "string", "title": "会场", "default": "一号会议室", "x-editor-type": "textarea"},
        "room": {"type": "string", "title": "会议室", "enum": ["1", "2"], "x-editor-type": "select", "default": "2"}}}
    with Flask(__name__).test_request_context():
        fresh = {f.name: f for f in forms.fields_for(schema)}
        assert (fresh["venue"].kind, fresh["venue"].value) == ("textarea", "一号会议室")
        assert (fresh["room"].kind, fresh["room"].value) == ("select", "2")
        posted = {f.name: f for f in forms.fields_for(schema, {"room": "1"})}
        assert posted["venue"].value is None and posted["room"].value == "1"  # what was posted, not the default


PAGE_KIND = {"textfield": "text", "textarea": "textarea", "radio": "radio", "select": "select"}


@pytest.mark.parametrize("component", [
    {"type": "textfield"}, {"type": "textfield", "validate": {"maxLength": 250}},
    {"type": "textfield", "validate": {"maxLength": 1000}}, {"type": "textarea"},
    {"type": "textarea", "validate": {"maxLength": 50}}, {"type": "textarea", "validate": {"maxLength": 250}},
    *({"type": kind, "values": [{"label": f"选项{i}", "value": str(i)} for i in range(n)]}
      for kind in ("radio", "select") for n in (2, 5, 9)),
])
def test_a_field_shows_on_the_task_page_as_it_was_built_in_the_editor(component: dict) -> None:
    """The class of the editor/page mismatch: every offered widget, across the length and option-count thresholds."""
    from service.workflows.formjs import from_formjs, to_formjs

    form = {"type": "default", "components": [{"key": "f", "label": "字段", **component}]}
    schema = from_formjs(form)
    with Flask(__name__).test_request_context():
        [field] = forms.fields_for(schema)
    assert field.kind == PAGE_KIND[component["type"]]
    assert to_formjs("k", schema)["components"][-1]["type"] == component["type"]  # and it reopens as it was built


@pytest.mark.parametrize("prop", [{"type": "string"}, {"type": "string", "maxLength": 250},
                                  {"type": "string", "maxLength": 100}, {"type": "string", "maxLength": 400},
                                  *({"type": "string", "enum": [str(i) for i in range(n)]} for n in (2, 5, 8, 9))])
def test_a_form_opens_in_the_editor_as_its_task_page_shows_it(prop: dict) -> None:
    from service.workflows.formjs import to_formjs

    with Flask(__name__).test_request_context():
        [field] = forms.fields_for({"type": "object", "properties": {"f": prop}})
    [component] = [c for c in to_formjs("k", {"type": "object", "properties": {"f": prop}})["components"]
                   if c.get("key") == "f"]
    assert PAGE_KIND[component["type"]] == field.kind
