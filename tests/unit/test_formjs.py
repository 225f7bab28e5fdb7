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
                                             "x-enum-labels": {"room1": "一号会议室", "online": "线上"}}
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
