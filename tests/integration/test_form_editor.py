"""The form editor's server side (issue 15.5): a form opened as form-js, edited, saved, validated, pinned."""
from __future__ import annotations

from typing import Any

from tests.api_client import Api


def test_a_form_saved_from_the_editor_is_a_new_version_the_server_validates_with(app: Any) -> None:
    api = Api(app)
    opened = api.get("/api/forms/presentation/formjs", "process_admin")
    assert opened["version"] == 0 and opened["formjs"]["type"] == "default"
    presenter = next(c for c in opened["formjs"]["components"] if c.get("key") == "presenter")
    presenter["label"], presenter["validate"]["maxLength"] = "讲述人姓名", 8
    saved = api.call("PUT", "/api/forms/presentation/formjs", "process_admin", expect=201,
                     json={"formjs": opened["formjs"]}).get_json()
    assert saved["version"] == 1
    schema = api.get("/api/forms/presentation", "process_admin")["schema"]
    assert schema["properties"]["presenter"]["title"] == "讲述人姓名"
    assert schema["properties"]["presenter"]["maxLength"] == 8 and schema["required"] == [
        "presentation_date", "presenter", "presentation_notes"]
    again = api.get("/api/forms/presentation/formjs", "process_admin")
    assert again["version"] == 1
    new = api.call("PUT", "/api/forms/venue_check/formjs", "process_admin", expect=201, json={"formjs": {
        "type": "default", "components": [
            {"type": "text", "text": "# 会场检查"},
            {"type": "select", "key": "venue", "label": "会场", "validate": {"required": True},
             "values": [{"label": "一号会议室", "value": "room1"}, {"label": "线上", "value": "online"}]}]}}).get_json()
    assert new["version"] == 1
    built = api.get("/api/forms/venue_check", "process_admin")["schema"]
    assert built["title"] == "会场检查" and built["required"] == ["venue"]
    bad = api.call("PUT", "/api/forms/application/formjs", "process_admin", expect=422,
                   json={"formjs": {"type": "default", "components": []}}).get_json()
    assert bad["errors"][0]["field"] == "key"
    api.call("GET", "/api/forms/presentation/formjs", "res_office1", expect=403)


def test_a_field_the_form_cannot_keep_is_refused_by_name(app: Any) -> None:
    api = Api(app)
    refused = api.call("PUT", "/api/forms/venue_check/formjs", "process_admin", expect=422, json={"formjs": {
        "type": "default", "components": [
            {"type": "textfield", "key": "venue", "label": "会场"},
            {"type": "checklist", "key": "rooms", "label": "可用会议室", "values": [{"label": "一号", "value": "1"}]},
            {"type": "datetime", "key": "start", "dateLabel": "开始时间", "subtype": "datetime"}]}}).get_json()
    assert [e["field"] for e in refused["errors"]] == ["rooms", "start"]
    assert refused["errors"][0]["message"].startswith("“可用会议室”是表单不支持的字段（checklist）")
    assert refused["errors"][1]["message"].startswith("“开始时间”只能填日期")
    api.call("GET", "/api/forms/venue_check", "process_admin", expect=404)  # nothing was deployed


def test_a_running_instance_keeps_the_form_version_its_process_version_was_deployed_with(app: Any) -> None:
    from service.config import ROOT

    api = Api(app)
    v1 = {"type": "default", "components": [
        {"type": "textfield", "key": "venue", "label": "会场", "validate": {"required": True}}]}
    api.call("PUT", "/api/forms/venue_check/formjs", "process_admin", expect=201, json={"formjs": v1})
    bpmn = (ROOT / "tests" / "fixtures" / "bpmn" / "spiffarena_presentation_check.bpmn").read_text(encoding="utf-8")
    bpmn = bpmn.replace("presentation-schema.json", "venue-check-schema.json").replace(
        "spiff_presentation_check", "venue_pins")

    def deploy_and_start(name: str) -> dict[str, Any]:
        api.call("POST", "/api/process-definitions?comment=pins", "process_admin", expect=201,
                 data=bpmn.encode("utf-8"), content_type="application/xml")
        inst = api.post("/api/process-definitions/key/venue_pins/start", "res_office1", expect=201,
                        json={"business_key": name, "variables": {}})
        [task] = [t for t in api.tasks("res_office1") if t["process_instance_id"] == inst["id"]]
        return task

    old = deploy_and_start("pins-old")
    v2 = {"type": "default", "components": v1["components"] + [
        {"type": "textfield", "key": "seats", "label": "座位数", "validate": {"required": True}}]}
    assert api.call("PUT", "/api/forms/venue_check/formjs", "process_admin", expect=201,
                    json={"formjs": v2}).get_json()["version"] == 2
    new = deploy_and_start("pins-new")  # the next process version takes the form in force now
    api.call("POST", f"/api/tasks/{new['id']}/complete", "res_office1", expect=422, json={"venue": "一号会议室"})
    api.post(f"/api/tasks/{new['id']}/complete", "res_office1", json={"venue": "一号会议室", "seats": "40"})
    api.post(f"/api/tasks/{old['id']}/complete", "res_office1", json={"venue": "一号会议室"})  # still version 1


def test_a_setting_the_form_cannot_keep_is_refused_by_field_and_setting(app: Any) -> None:
    api = Api(app)
    refused = api.call("PUT", "/api/forms/venue_check/formjs", "process_admin", expect=422, json={"formjs": {
        "type": "default", "components": [
            {"type": "textfield", "key": "venue", "label": "会场", "conditional": {"hide": "=seats > 10"}},
            {"type": "number", "key": "seats", "label": "座位数", "decimalDigits": 0, "layout": {"columns": 8}},
            {"type": "select", "key": "room", "label": "会议室", "valuesKey": "rooms"},
            {"type": "number", "key": "floor", "label": "楼层", "validate": {"max": "=top"}}]}}).get_json()
    assert [(e["field"], e["message"]) for e in refused["errors"]] == [
        ("venue", "“会场”的设置“隐藏条件”无法保存在表单中，请清除它"),
        ("seats", "“座位数”的设置“小数位数”无法保存在表单中，请清除它"),
        ("seats", "“座位数”的设置“列宽”无法保存在表单中，请清除它"),
        ("room", "“会议室”的设置“选项来源：流程数据”无法保存在表单中，请清除它"),
        ("floor", "“楼层”的“最大值”须为数字，表单不保存表达式")]
    api.call("GET", "/api/forms/venue_check", "process_admin", expect=404)  # nothing was deployed


def test_the_patterns_set_in_the_editor_are_enforced_with_a_message_naming_the_field(app: Any) -> None:
    from service.config import ROOT

    api = Api(app)
    api.call("PUT", "/api/forms/venue_check/formjs", "process_admin", expect=201, json={"formjs": {
        "type": "default", "components": [
            {"type": "textfield", "key": "venue", "label": "会场", "defaultValue": "一号会议室"},
            {"type": "textfield", "key": "phone", "label": "联系电话", "validate": {"validationType": "phone"}},
            {"type": "textfield", "key": "mail", "label": "邮箱", "validate": {"validationType": "email"}},
            {"type": "textfield", "key": "code", "label": "编号",
             "validate": {"pattern": "^[A-Z]{2}\\d+$", "patternErrorMessage": "请按 AB123 的格式填写"}}]}})
    schema = api.get("/api/forms/venue_check", "process_admin")["schema"]
    assert schema["properties"]["venue"]["default"] == "一号会议室"
    assert schema["properties"]["phone"]["x-validation-type"] == "phone"
    bpmn = (ROOT / "tests" / "fixtures" / "bpmn" / "spiffarena_presentation_check.bpmn").read_text(encoding="utf-8")
    bpmn = bpmn.replace("presentation-schema.json", "venue-check-schema.json").replace(
        "spiff_presentation_check", "venue_patterns")
    api.call("POST", "/api/process-definitions?comment=patterns", "process_admin", expect=201,
             data=bpmn.encode("utf-8"), content_type="application/xml")
    inst = api.post("/api/process-definitions/key/venue_patterns/start", "res_office1", expect=201,
                    json={"business_key": "patterns", "variables": {}})
    [task] = [t for t in api.tasks("res_office1") if t["process_instance_id"] == inst["id"]]
    bad = api.call("POST", f"/api/tasks/{task['id']}/complete", "res_office1", expect=422,
                   json={"phone": "138 1234 5678", "mail": "name@", "code": "ab1"}).get_json()
    assert {e["field"]: e["message"] for e in bad["errors"]} == {
        "phone": "请填写有效的电话号码：以 + 和国家代码开头，不含空格，如 +8613812345678",
        "mail": "请填写有效的电子邮件地址，如 name@example.com", "code": "请按 AB123 的格式填写"}
    api.post(f"/api/tasks/{task['id']}/complete", "res_office1",
             json={"phone": "+8613812345678", "mail": "name@example.com", "code": "AB12"})
