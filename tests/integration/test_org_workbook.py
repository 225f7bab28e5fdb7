"""The organisation workbook: template, dry run by sheet/row/column, all-or-nothing import, idempotence, round trip."""
from __future__ import annotations

from io import BytesIO
from typing import Any

from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from service.models import AuditRecord, OrgUnit, OutboxMessage, User
from tests.api_client import Api

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
UNIT_HEADERS = ["单位代码", "单位名称", "单位类型", "上级单位代码", "英文名称", "状态"]
PEOPLE_HEADERS = ["用户名", "姓名", "手机号", "电子邮箱", "所属单位代码", "角色", "状态"]


def workbook(units: list[list[Any]], people: list[list[Any]], *, unit_headers: list[str] = UNIT_HEADERS,
             people_headers: list[str] = PEOPLE_HEADERS) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "单位"
    ws.append(unit_headers)
    for row in units:
        ws.append(row)
    ws = wb.create_sheet("人员")
    ws.append(people_headers)
    for row in people:
        ws.append(row)
    buffer = BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def upload(api: Api, data: bytes, *, dry_run: bool = True, expect: int = 200) -> Any:
    r = api.call("POST", f"/api/org-workbook?dry_run={'true' if dry_run else 'false'}", "res_office1", expect,
                 data=data, headers={"Content-Type": XLSX})
    return r.get_json()


def counts(app: Any) -> tuple[int, int, int, int]:
    with app.extensions["appraisal.sessions"]() as s:
        return (s.scalar(select(func.count()).select_from(OrgUnit)), s.scalar(select(func.count()).select_from(User)),
                s.scalar(select(func.count()).select_from(AuditRecord)),
                s.scalar(select(func.count()).select_from(OutboxMessage)))


GOOD_UNITS = [
    ["JX-W01", "万和电器有限公司工会", "企业工会", "BD-JX", "", "启用"],
    ["JX-W02", "万和物流有限公司工会", "enterprise", "BD-JX", "Wanhe Logistics", ""],
    ["QX-UNION", "清新产业工会", "产业工会", "BD", "", "启用"],
    ["QX-W01", "清新纺织厂工会", "企业工会", "QX-UNION", "", "启用"],  # its parent is a new unit in the same sheet
]
GOOD_PEOPLE = [
    ["wh_submitter", "王和", "13700000001", "wh@example.com", "JX-W01", "单位填报人", "启用"],
    ["wh_leader", "万里", 13700000002, "", "JX-W01", "单位主要领导", ""],  # a phone Excel stored as a number
    ["", "钱新", "13700000003", "qx@example.com", "QX-W01", "单位填报人、单位主要领导", "启用"],  # keyed by phone
    ["qx_vetter", "邱审", "", "qxv@example.com", "QX-UNION", "主管工会", "启用"],
]


def test_the_template_has_chinese_headers_an_example_row_and_notes(sqlite_app: Any) -> None:
    api = Api(sqlite_app)
    r = api.call("GET", "/api/org-workbook/template", "res_office1", 200)
    assert r.mimetype == XLSX
    wb = load_workbook(BytesIO(r.data))
    assert wb.sheetnames == ["单位", "人员", "填写说明"]
    assert [c.value for c in wb["单位"][1]] == UNIT_HEADERS
    assert [c.value for c in wb["人员"][1]] == PEOPLE_HEADERS
    assert str(wb["单位"]["A2"].value).startswith("【示例】") and str(wb["人员"]["A2"].value).startswith("【示例】")
    notes = " ".join(str(c.value) for row in wb["填写说明"].iter_rows() for c in row)
    assert "单位代码是单位的唯一标识" in notes and "一次性设置密码的链接" in notes
    # the template as it is imports nothing (its example rows are skipped)
    report = upload(api, r.data)
    assert report["errors"] == [] and report["rows"] == []


def test_dry_run_shows_every_rows_result_and_every_error_by_sheet_row_and_column(app: Any) -> None:
    api = Api(app)
    before = counts(app)
    units = [
        *GOOD_UNITS,
        ["BD-JX", "竞秀区总工会", "县（市、区）总工会", "BD", "Jingxiu District Federation of Trade Unions", "启用"],
        ["JX-W01", "重复的代码", "企业工会", "BD-JX", "", ""],           # row 7: repeats row 2
        ["JX-W03", "", "乡镇工会", "BD-NOWHERE", "", "暂停"],            # row 8: name, type, status (parent too)
        ["JX-W04", "自己的上级", "企业工会", "JX-W04", "", ""],          # row 9: under itself
    ]
    people = [
        *GOOD_PEOPLE,
        ["wh_submitter", "重名", "13700000009", "", "JX-W01", "", ""],   # row 6: repeats row 2
        ["bad name", "格式", "phone?", "not-an-address", "JX-W99", "校长", ""],  # row 7
        ["", "无联系", "", "", "JX-W01", "", ""],                         # row 8: no username and no phone
    ]
    report = upload(api, workbook(units, people))
    assert counts(app) == before  # a dry run writes nothing
    errors = {(e["sheet"], e["row"], e["column"]) for e in report["errors"]}
    assert errors == {
        ("单位", 7, "单位代码"), ("单位", 8, "单位名称"), ("单位", 8, "单位类型"), ("单位", 8, "状态"),
        ("单位", 9, "上级单位代码"),
        ("人员", 6, "用户名"), ("人员", 7, "用户名"), ("人员", 7, "手机号"), ("人员", 7, "电子邮箱"),
        ("人员", 7, "所属单位代码"), ("人员", 7, "角色"), ("人员", 8, "用户名"), ("人员", 8, "电子邮箱"),
    }, report["errors"]
    cells = {e["field"] for e in report["errors"]}
    assert "单位!A7" in cells and "人员!F7" in cells  # the cell, as the office finds it in Excel
    results = {(r["sheet"], r["row"]): r["result"] for r in report["rows"]}
    assert results[("单位", 2)] == "create" and results[("单位", 6)] == "unchanged"
    assert results[("单位", 7)] == "error" and results[("人员", 4)] == "create"
    assert report["counts"]["单位"] == {"create": 4, "unchanged": 1, "error": 3}
    # the real import of this workbook: a 422 naming every cell, and nothing written
    problem = upload(api, workbook(units, people), dry_run=False, expect=422)
    assert {(e["sheet"], e["row"], e["column"]) for e in problem["errors"]} == errors
    assert counts(app) == before


def test_import_is_all_or_nothing_and_a_second_import_changes_nothing(app: Any) -> None:
    api = Api(app)
    data = workbook(GOOD_UNITS, GOOD_PEOPLE)
    units0, people0, _, _ = counts(app)
    report = upload(api, data, dry_run=False)
    assert report["imported"] is True and report["errors"] == []
    assert report["counts"] == {"单位": {"create": 4}, "人员": {"create": 4}}
    units1, people1, audit1, outbox1 = counts(app)
    assert (units1 - units0, people1 - people0) == (4, 4)
    made = {u["code"]: u for u in api.get("/api/org-units", "res_office1")["items"]}
    assert made["QX-W01"]["parent_id"] == made["QX-UNION"]["id"]
    assert made["JX-W01"]["supervising_union_id"] == made["BD-JX"]["id"]
    assert made["JX-W02"]["name_en"] == "Wanhe Logistics"
    qian = api.get("/api/users?q=13700000003", "res_office1")["items"][0]
    assert qian["username"] == "13700000003" and qian["roles"] == ["unit_leader", "unit_submitter"]
    assert api.get("/api/users?q=wh_leader", "res_office1")["items"][0]["phone"] == "13700000002"
    with app.extensions["appraisal.sessions"]() as s:
        invites = s.execute(select(OutboxMessage.channel, OutboxMessage.recipient).where(
            OutboxMessage.template == "account_invite")).all()
        record = s.scalars(select(AuditRecord).where(AuditRecord.action == "import_org")).one()
    # every new person is sent their link: e-mail where they have one, else SMS
    assert sorted((c, r["name"]) for c, r in invites) == sorted(
        [("email", "王和"), ("sms", "万里"), ("email", "钱新"), ("email", "邱审")])
    assert record.detail["counts"] == report["counts"] and record.detail["units"]["QX-UNION"] == "create"

    # the same workbook again: every row unchanged, nothing written (no audit record, no notification)
    again = upload(api, data, dry_run=False)
    assert again["counts"] == {"单位": {"unchanged": 4}, "人员": {"unchanged": 4}}
    assert counts(app) == (units1, people1, audit1, outbox1)

    # a workbook with one bad cell among good changes imports nothing of it
    changed = [list(r) for r in GOOD_UNITS]
    changed[0][1] = "万和电器集团工会"
    bad_people = [*GOOD_PEOPLE, ["late", "迟到", "", "late@example.com", "NOWHERE", "", ""]]
    upload(api, workbook(changed, bad_people), dry_run=False, expect=422)
    assert counts(app) == (units1, people1, audit1, outbox1)
    assert api.get(f"/api/org-units/{made['JX-W01']['id']}", "res_office1")["name"] == "万和电器有限公司工会"
    # without the bad row: one update
    fixed = upload(api, workbook(changed, GOOD_PEOPLE), dry_run=False)
    assert fixed["counts"]["单位"] == {"update": 1, "unchanged": 3}
    assert api.get(f"/api/org-units/{made['JX-W01']['id']}", "res_office1")["name"] == "万和电器集团工会"


def test_export_round_trips_and_changes_made_in_it_import(app: Any) -> None:
    api = Api(app)
    upload(api, workbook(GOOD_UNITS, GOOD_PEOPLE), dry_run=False)
    exported = api.call("GET", "/api/org-workbook", "res_office1", 200).data
    report = upload(api, exported)
    assert report["errors"] == []
    assert set(report["counts"]["单位"]) == {"unchanged"} and set(report["counts"]["人员"]) == {"unchanged"}
    # the office edits the export: a new name, a person moved and given a role, a person deactivated
    wb = load_workbook(BytesIO(exported))
    units, people = wb["单位"], wb["人员"]
    for row in units.iter_rows(min_row=2):
        if row[0].value == "JX-W02":
            row[1].value = "万和供应链有限公司工会"
    for row in people.iter_rows(min_row=2):
        if row[0].value == "wh_leader":
            row[4].value, row[5].value = "JX-W02", "单位主要领导、单位填报人"
        if row[0].value == "qx_vetter":
            row[6].value = "停用"
    buffer = BytesIO()
    wb.save(buffer)
    edited = upload(api, buffer.getvalue(), dry_run=False)
    assert edited["counts"]["单位"].get("update") == 1 and edited["counts"]["人员"].get("update") == 2
    leader = api.get("/api/users?q=wh_leader", "res_office1")["items"][0]
    assert leader["unit_code"] == "JX-W02" and leader["roles"] == ["unit_leader", "unit_submitter"]
    vetter = api.get("/api/users?q=qx_vetter&include_inactive=true", "res_office1")["items"][0]
    assert vetter["is_active"] is False
    # and the new export imports as unchanged again
    again = upload(api, api.call("GET", "/api/org-workbook", "res_office1", 200).data)
    assert {k for c in again["counts"].values() for k in c} == {"unchanged"}


def test_a_workbook_that_is_not_one_is_an_error_not_a_crash(app: Any) -> None:
    api = Api(app)
    report = upload(api, b"PK\x03\x04 not really a zip")
    assert report["errors"] and report["rows"] == []
    problem = upload(api, b"plain text", dry_run=False, expect=422)
    assert problem["errors"][0]["message"].startswith("不是有效的 .xlsx 文件")
    missing = upload(api, workbook([], [], unit_headers=["单位名称"], people_headers=["姓名"]))
    assert {(e["sheet"], e["row"]) for e in missing["errors"]} == {("单位", 1), ("人员", 1)}
