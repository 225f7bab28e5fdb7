"""Every form's JSON Schema survives the trip through form-js and back unchanged (issue 15.5)."""
from __future__ import annotations

import json
import re

import pytest

from service.config import ROOT
from service.workflows.formjs import CONVERTED, from_formjs, to_formjs, unconverted

FORMS = sorted((ROOT / "processes" / "forms").glob("*.json"))


@pytest.mark.parametrize("path", FORMS, ids=[p.stem for p in FORMS])
def test_round_trip_is_lossless(path) -> None:  # type: ignore[no-untyped-def]
    schema = json.loads(path.read_text(encoding="utf-8"))
    form = to_formjs(path.stem, schema)
    assert json.loads(json.dumps(from_formjs(form))) == schema


def test_the_editor_sees_labels_rules_and_options_as_controls() -> None:
    presentation = json.loads((ROOT / "processes" / "forms" / "presentation.json").read_text(encoding="utf-8"))
    components = {c.get("key"): c for c in to_formjs("presentation", presentation)["components"]}
    assert components["presenter"]["type"] == "textfield" and components["presenter"]["label"] == "讲述人"
    assert components["presenter"]["validate"] == {"required": True, "minLength": 1, "maxLength": 100}
    assert components["presentation_notes"]["type"] == "textarea"
    assert components["presentation_date"]["type"] == "datetime" and components["presentation_date"]["subtype"] == "date"


def test_an_edit_in_the_editor_changes_the_servers_validation() -> None:
    presentation = json.loads((ROOT / "processes" / "forms" / "presentation.json").read_text(encoding="utf-8"))
    form = to_formjs("presentation", presentation)
    presenter = next(c for c in form["components"] if c.get("key") == "presenter")
    presenter["label"], presenter["validate"]["maxLength"] = "讲述人姓名", 20
    form["components"].append({"type": "select", "key": "venue", "label": "会场", "validate": {"required": True},
                               "values": [{"label": "一号会议室", "value": "room1"}, {"label": "线上", "value": "online"}]})
    schema = from_formjs(form)
    assert schema["properties"]["presenter"]["title"] == "讲述人姓名"
    assert schema["properties"]["presenter"]["maxLength"] == 20
    assert schema["properties"]["venue"] == {"type": "string", "title": "会场", "enum": ["room1", "online"],
                                             "x-enum-labels": {"room1": "一号会议室", "online": "线上"},
                                             "x-editor-type": "select"}  # two options: a drop-down all the same
    assert "venue" in schema["required"]


def test_the_editors_palette_offers_what_the_server_converts() -> None:
    source = (ROOT / "service" / "web" / "src" / "formjs" / "editor.js").read_text(encoding="utf-8")
    offered = re.search(r"export const OFFERED = \[([^\]]*)\]", source)
    assert offered, "editor.js no longer names the palette's offer as OFFERED"
    assert set(re.findall(r"'(\w+)'", offered.group(1))) == set(CONVERTED) - {"text"}  # text: the title only


def test_what_the_server_cannot_keep_is_named() -> None:
    form = {"type": "default", "components": [
        {"type": "text", "text": "# 会场检查"},
        {"type": "textfield", "key": "venue", "label": "会场"},
        {"type": "checklist", "key": "rooms", "label": "会议室", "values": [{"label": "一号", "value": "1"}]},
        {"type": "datetime", "key": "start", "dateLabel": "日期", "subtype": "datetime"},
        {"type": "datetime", "key": "day", "dateLabel": "日期", "subtype": "date"},
        {"type": "group", "label": "分组", "components": [{"type": "textfield", "key": "inner"}]}]}
    assert [(c.get("key") or c["type"], why) for c, why in unconverted(form)] == [
        ("rooms", "type"), ("start", "subtype"), ("group", "type")]


# Every property form-js 1.23's properties panel can set on each field type the palette offers, by field type:
# read from node_modules/@bpmn-io/form-js-editor/dist/index.es.js, the groups its PropertiesProvider builds
# (GeneralGroup, SerializationGroup, ConstraintsGroup, ValidationGroup, OptionsGroups, AppearanceGroup,
# LayoutGroup, ConditionGroup, CustomPropertiesGroup) and each entry's path and isDefaultVisible; the time
# settings of a date-time field (timeLabel, use24h, timeInterval, timeSerializingFormat) come with a time
# subtype, refused as a whole (test_what_the_server_cannot_keep_is_named).
_EVERY_INPUT = ["id", "key", "description", "validate.required", "disabled", "readonly", "conditional.hide",
                "layout.row", "layout.columns", "properties"]
PANEL = {
    "textfield": _EVERY_INPUT + ["label", "defaultValue", "validate.validationType", "validate.minLength",
                                 "validate.maxLength", "validate.pattern", "validate.patternErrorMessage",
                                 "appearance.prefixAdorner", "appearance.suffixAdorner"],
    "textarea": _EVERY_INPUT + ["label", "defaultValue", "validate.minLength", "validate.maxLength"],
    "number": _EVERY_INPUT + ["label", "defaultValue", "decimalDigits", "increment", "serializeToString",
                              "validate.min", "validate.max", "appearance.prefixAdorner", "appearance.suffixAdorner"],
    "datetime": _EVERY_INPUT + ["subtype", "dateLabel", "disallowPassedDates"],
    "radio": _EVERY_INPUT + ["label", "defaultValue", "values", "valuesKey", "valuesExpression"],
    "select": _EVERY_INPUT + ["label", "defaultValue", "values", "valuesKey", "valuesExpression", "searchable"],
    "checkbox": _EVERY_INPUT + ["label", "defaultValue"],
    "text": ["id", "text", "conditional.hide", "layout.row", "layout.columns"],
}
SAMPLE = {  # a value an administrator could set, for each kept setting
    "label": "会场", "dateLabel": "日期", "description": "说明", "validate.required": True, "subtype": "date",
    "validate.minLength": 2, "validate.maxLength": 50, "validate.pattern": "^[A-Z]{2}\\d+$",
    "validate.validationType": "phone", "validate.patternErrorMessage": "请按 AB123 的格式填写",
    "validate.min": 1, "validate.max": 9, "values": [{"label": "一号", "value": "1"}, {"label": "二号", "value": "2"}],
    "layout.row": "Row_1", "text": "# 会场检查",
}


def _put(component: dict, path: str, value: object) -> None:
    head, _, tail = path.partition(".")
    if tail:
        component.setdefault(head, {})[tail] = value
    else:
        component[head] = value


def _base(kind: str) -> dict:
    if kind == "text":
        return {"type": "text", "id": "Title_f", "text": "# 会场检查"}
    component = {"type": kind, "id": "Field_venue", "key": "venue"}
    if kind == "datetime":
        component.update(subtype="date", dateLabel="日期")
    else:
        component["label"] = "会场"
    if kind in ("radio", "select"):
        component["values"] = SAMPLE["values"]
    return component


def _default_of(kind: str) -> object:
    return {"number": 3, "checkbox": True, "radio": "2", "select": "2"}.get(kind, "一号会议室")


@pytest.mark.parametrize("kind", sorted(PANEL))
def test_every_setting_of_the_panel_is_kept_or_refused(kind: str) -> None:
    from service.workflows.formjs import SETTINGS

    for path in PANEL[kind]:
        assert path in SETTINGS and kind in SETTINGS[path].types, f"{kind}.{path}: not in formjs.SETTINGS"
        component = _base(kind)
        if SETTINGS[path].kept:
            if path in ("id", "key", "layout.row"):
                continue  # bookkeeping: the field's identity and its row, which the editor assigns
            value = _default_of(kind) if path == "defaultValue" else SAMPLE[path]
            if path == "validate.patternErrorMessage":
                _put(component, "validate.pattern", SAMPLE["validate.pattern"])
            _put(component, path, value)
            form = {"type": "default", "components": [component]}
            assert unconverted(form) == [], f"{kind}.{path}"
            back = to_formjs("f", from_formjs(form))["components"]
            again = next(c for c in back if c["type"] == kind)
            head, _, tail = path.partition(".")
            assert (again.get(head) or {}).get(tail) == value if tail else again.get(head) == value, f"{kind}.{path}"
        else:
            _put(component, path, {"x": "y"} if path == "properties" else "=x" if "." in path or path.startswith(
                "values") else True)
            found = unconverted({"type": "default", "components": [component]})
            assert [why for _c, why in found] == ["setting:" + path], f"{kind}.{path}: dropped, not refused"


def test_a_setting_unknown_to_the_table_is_refused_not_dropped() -> None:
    form = {"type": "default", "components": [{"type": "textfield", "key": "a", "label": "甲", "placeholder": "x"}]}
    assert [why for _c, why in unconverted(form)] == ["setting:placeholder"]


def test_unset_settings_as_form_js_leaves_them_are_not_refused() -> None:
    form = {"type": "default", "components": [
        {"type": "number", "key": "n", "label": "数", "readonly": False, "disabled": "", "decimalDigits": None,
         "layout": {"row": "Row_1", "columns": None}, "validate": {}, "properties": {}, "conditional": {"hide": ""}}]}
    assert unconverted(form) == []


def test_the_kept_patterns_and_defaults_are_json_schema_the_server_enforces() -> None:
    from jsonschema import Draft202012Validator

    form = {"type": "default", "components": [
        {"type": "textfield", "key": "mail", "label": "邮箱", "validate": {"validationType": "email"}},
        {"type": "textfield", "key": "phone", "label": "电话", "validate": {"validationType": "phone"}},
        {"type": "textfield", "key": "code", "label": "编号", "defaultValue": "AB1",
         "validate": {"pattern": "^[A-Z]{2}\\d+$", "patternErrorMessage": "请按 AB123 的格式填写"}}]}
    schema = from_formjs(form)
    assert schema["properties"]["code"] == {"type": "string", "title": "编号", "pattern": "^[A-Z]{2}\\d+$",
                                            "x-pattern-message": "请按 AB123 的格式填写", "default": "AB1",
                                            "x-editor-type": "textfield"}  # no length limit: a page's box otherwise
    validator = Draft202012Validator(schema)
    bad = {e.path[0] for e in validator.iter_errors({"mail": "a@", "phone": "138 1234", "code": "ab1"})}
    assert bad == {"mail", "phone", "code"}
    assert not list(validator.iter_errors({"mail": "a@b.cn", "phone": "+8613812345678", "code": "AB12"}))
    back = to_formjs("f", schema)["components"]
    assert [{k: v for k, v in c.items() if k not in ("id", "x-schema")} for c in back] == form["components"]


def test_the_type_information_is_not_a_custom_property_the_panel_shows() -> None:
    presentation = json.loads((ROOT / "processes" / "forms" / "presentation.json").read_text(encoding="utf-8"))
    form = to_formjs("presentation", presentation)
    assert all("properties" not in c for c in form["components"])
    assert all("x-schema" in c for c in form["components"] if c["type"] != "text")
    assert from_formjs(json.loads(json.dumps(form))) == presentation


def test_a_text_other_than_the_title_and_a_limit_written_as_an_expression_are_refused() -> None:
    form = {"type": "default", "components": [
        {"type": "text", "text": "会场检查"},  # the "# " taken away: the title would be lost
        {"type": "text", "text": "# 第二个标题"},
        {"type": "number", "key": "seats", "label": "座位数", "validate": {"min": "=minimum", "max": 300}},
        {"type": "textfield", "key": "venue", "label": "会场", "validate": {"maxLength": 100}}]}
    assert [(c.get("key") or c["text"], why) for c, why in unconverted(form)] == [
        ("会场检查", "text"), ("# 第二个标题", "text"), ("seats", "expression:validate.min")]
    assert unconverted({"type": "default", "components": [{"type": "text", "text": "# 会场检查"}]}) == []


def test_a_field_beside_another_is_refused_not_put_on_its_own_line() -> None:
    """Two fields in one row (an editor page opened before it kept one field per line, or a hand-made save) would
    be shown one per line: refused, naming the second; a form saved from the editor has one field per row."""
    form = {"type": "default", "components": [
        {"type": "text", "text": "# 会场检查", "layout": {"row": "Row_1"}},
        {"type": "textfield", "key": "venue", "label": "会场", "layout": {"row": "Row_2", "columns": None}},
        {"type": "number", "key": "seats", "label": "座位数", "layout": {"row": "Row_2", "columns": None}}]}
    assert [(c.get("key") or c["text"], why) for c, why in unconverted(form)] == [("seats", "row")]
    form["components"][2]["layout"]["row"] = "Row_3"
    assert unconverted(form) == []
