"""The award documents (PDF) and the results and score sheets (Excel), opened and read back.

One campaign: two awards with equal scores (并列) and one item without an award, beside items that
were never entered (a draft, one returned to its unit, one waiting for its leader's signature, and —
once the window closes — the same lapsed). The PDFs are read with pypdf: their text finds the
Chinese names, and every font they use is an embedded CJK font (Noto CJK), so they print the same on
a machine without it. The Excel files are read with openpyxl: title row, frozen header, Chinese
statuses, and totals equal to the stored calculation. SQLite and PostgreSQL.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from io import BytesIO
from typing import Any

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from tests.api_client import Api
from tests.integration import flows
from tests.web_client import logged_in

DECIDERS = ("res_office1", "lg_member1", "group_leader", "chair_office")
OTHERS = ("hc_submitter", "jx_leader", "jx_vetter", "scorer_org", "process_admin")


@dataclass
class Campaign:
    id: int
    name: str
    awarded: dict[int, dict[str, Any]]   # application id -> its API record (office's view)
    not_awarded: int
    never_entered: dict[str, int]        # why -> application id


def _walk(api: Api, submitter: str, leader: str, theme: str, score: int, grade: str) -> int:
    app_id = flows.create(api, submitter, theme=theme)["id"]
    flows.submit(api, app_id, submitter, leader)
    flows.review_to_scoring(api, app_id)
    flows.score_all(api, app_id, value=score)
    flows.decide(api, app_id, grade)
    if api.get(f"/api/applications/{app_id}", "res_office1")["status"] == "in_review":
        flows.confirm(api, app_id)
        flows.finalise(api, app_id)  # its public notice ends: the result is final
    return app_id


def campaign(api: Api) -> Campaign:
    first = _walk(api, "jx_submitter", "jx_leader", "社区职工服务站“15分钟服务圈”", 80, "一等奖")
    second = _walk(api, "hc_submitter", "hc_leader", "医护职工心理关爱“暖心驿站”", 80, "二等奖")  # a tie: 并列
    none = _walk(api, "econ_submitter", "econ_leader", "开发区劳模工作室联盟", 60, "不授奖")
    draft = flows.create(api, "hc_submitter", theme="尚未提交的草稿")["id"]
    returned = flows.create(api, "hy_submitter", theme="退回修改的申报")["id"]
    flows.submit(api, returned, "hy_submitter", "hy_leader")
    api.complete("jx_vetter", "county_vetting", returned, {"vetting_decision": "return", "vetting_reasons": "请补充成效数据"})
    unsigned = flows.create(api, "htz_submitter", theme="等待签字的申报")["id"]
    api.complete("htz_submitter", "fill_application", unsigned, {})
    withdrawn = flows.create(api, "rz_submitter", theme="单位撤回的申报")["id"]
    flows.submit(api, withdrawn, "rz_submitter", "rz_leader")
    api.post(f"/api/applications/{withdrawn}/withdraw", "rz_submitter", json={"reason": "主动撤回"})
    awarded = {i: api.get(f"/api/applications/{i}", "res_office1") for i in (first, second)}
    assert [a["status"] for a in awarded.values()] == ["awarded", "awarded"]
    assert api.get(f"/api/applications/{none}", "res_office1")["status"] == "not_awarded"
    statuses = {i: api.get(f"/api/applications/{i}", "res_office1")["status"]
                for i in (draft, returned, unsigned, withdrawn)}
    assert statuses == {draft: "draft", returned: "returned", unsigned: "awaiting_signoff", withdrawn: "withdrawn"}
    found = api.get("/api/campaigns", "res_office1")["items"][0]
    return Campaign(found["id"], found["name"], awarded, none,
                    {"draft": draft, "returned": returned, "awaiting_signoff": unsigned, "withdrawn": withdrawn})


# ---------------------------------------------------------------- PDF


def pdf_pages(data: bytes) -> list[str]:
    """Each page's text, without the line breaks and spaces of the layout (a table cell wraps long names)."""
    return [re.sub(r"\s+", "", page.extract_text()) for page in PdfReader(BytesIO(data)).pages]


def flat(text: str) -> str:
    return re.sub(r"\s+", "", text)


def pdf_fonts(data: bytes) -> dict[str, bool]:
    """Every font the PDF's pages use: its name -> whether the font program is embedded in the file."""
    found = {}
    for page in PdfReader(BytesIO(data)).pages:
        for font in (page["/Resources"].get_object().get("/Font") or {}).values():
            font = font.get_object()
            descendants = font.get("/DescendantFonts")
            described = descendants[0].get_object() if descendants else font
            descriptor = described.get("/FontDescriptor")
            descriptor = descriptor.get_object() if descriptor else {}
            found[str(font["/BaseFont"])] = any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3"))
    return found


def assert_cjk_fonts_embedded(data: bytes) -> None:
    fonts = pdf_fonts(data)
    assert fonts, "the PDF uses no font"
    for name, embedded in fonts.items():
        assert embedded, f"{name} is not embedded"
        assert re.search(r"CJK", name), f"{name} is not a CJK font (is fonts-noto-cjk installed? `make system-deps`)"


def test_the_commendation_list_and_certificates_are_pdfs_with_the_chinese_names_in_embedded_cjk_fonts(app: Any) -> None:
    api = Api(app)
    c = campaign(api)
    r = api.call("GET", f"/api/campaigns/{c.id}/commendation-list.pdf", "res_office1")
    assert r.status_code == 200 and r.mimetype == "application/pdf"
    assert r.headers["Content-Disposition"].startswith("attachment;") and r.headers["X-Content-Type-Options"] == "nosniff"
    assert_cjk_fonts_embedded(r.data)  # first: without a CJK font the text below is boxes
    text = "".join(pdf_pages(r.data))
    assert f"{c.name}表彰名单" in text
    for award in c.awarded.values():
        assert flat(award["theme"]) in text and flat(award["unit_name"]) in text, award["theme"]
    assert "一等奖（1项）" in text and "二等奖（1项）" in text and "三等奖" not in text and "不授奖" not in text
    assert "保定市总工会" in text and "以下2项创新性工作" in text
    for other in ("开发区劳模工作室联盟", "尚未提交的草稿", "退回修改的申报", "等待签字的申报"):
        assert flat(other) not in text

    everything = api.call("GET", f"/api/campaigns/{c.id}/certificates.pdf", "chair_office")
    assert everything.status_code == 200
    pages = pdf_pages(everything.data)
    assert len(pages) == len(c.awarded)
    for page, award in zip(pages, c.awarded.values()):
        assert "荣誉证书" in page and flat(award["theme"]) in page and flat(award["unit_name"]) in page
        assert f"被评为{award['grade']}" in page and "保定市总工会" in page and "特发此证" in page
        assert f"证书编号：{c.name[:4]}-{award['id']:04d}" in page
    assert_cjk_fonts_embedded(everything.data)

    for app_id, award in c.awarded.items():
        one = api.call("GET", f"/api/applications/{app_id}/certificate.pdf", "group_leader")
        assert one.status_code == 200 and len(pdf_pages(one.data)) == 1
        assert flat(award["unit_name"]) in pdf_pages(one.data)[0]
        assert_cjk_fonts_embedded(one.data)
    # no certificate without a confirmed award; only the office and the deciding roles print them
    for app_id in (c.not_awarded, *c.never_entered.values()):
        assert api.call("GET", f"/api/applications/{app_id}/certificate.pdf", "res_office1").status_code == 409
    for user in DECIDERS:
        assert api.call("GET", f"/api/campaigns/{c.id}/commendation-list.pdf", user).status_code == 200
    first = next(iter(c.awarded))
    for user in OTHERS:
        assert api.call("GET", f"/api/campaigns/{c.id}/commendation-list.pdf", user).status_code == 403, user
        assert api.call("GET", f"/api/campaigns/{c.id}/certificates.pdf", user).status_code == 403, user
        assert api.call("GET", f"/api/applications/{first}/certificate.pdf", user).status_code == 403, user


# ---------------------------------------------------------------- Excel


def workbook(client: Any, url: str) -> Any:
    r = client.get(url)
    assert r.status_code == 200, (url, r.status_code)
    return load_workbook(BytesIO(r.data)).active


def table(ws: Any) -> tuple[list[str], list[dict[str, Any]]]:
    """The header (row 2, under the title) and the rows as dicts."""
    rows = list(ws.iter_rows(values_only=True))
    header = list(rows[1])
    return header, [dict(zip(header, r)) for r in rows[2:]]


def check_layout(ws: Any, title: str) -> None:
    assert ws["A1"].value == title and ws["A1"].font.bold
    assert any(str(m) .startswith("A1:") for m in ws.merged_cells.ranges), "the title spans the table"
    assert ws.freeze_panes == "A3", "title and header stay in view"
    assert all(cell.font.bold for cell in ws[2])
    theme = next(cell.column_letter for cell in ws[2] if cell.value == "申报主题")
    assert ws.column_dimensions[theme].width >= 20 and ws.column_dimensions["A"].width >= 8


def test_results_and_score_sheets_have_a_title_chinese_statuses_a_frozen_header_and_the_stored_totals(app: Any) -> None:
    api = Api(app)
    c = campaign(api)
    entered = {*c.awarded, c.not_awarded}

    def check(never_entered: set[int]) -> None:
        api, (office, _) = Api(app), logged_in(app, "res_office1")  # fresh logins (the clock moves below)
        ws = workbook(office, f"/office/campaigns/{c.id}/results.xlsx")
        check_layout(ws, f"{c.name}评比结果")
        header, rows = table(ws)
        assert header == ["排名", "申报编号", "申报单位", "申报主题", "状态", "最终得分", "计算方法", "有效评分数",
                          "去掉的分数", "等次"]
        by_id = {r["申报编号"]: r for r in rows}
        assert set(by_id) == entered and not never_entered & set(by_id)  # drafts, returned, unsigned, lapsed, withdrawn
        for app_id in entered:
            stored = api.get(f"/api/applications/{app_id}", "res_office1")
            row = by_id[app_id]
            assert Decimal(str(row["最终得分"])) == Decimal(str(stored["final_score"]))
            assert Decimal(str(row["最终得分"])) == Decimal(str(stored["calculation"]["final"]))
            assert row["状态"] == {"awarded": "已获奖", "not_awarded": "未获奖"}[stored["status"]]
            assert row["计算方法"] == "去掉一个最高分和一个最低分后取平均"
            assert row["有效评分数"] == len(stored["calculation"]["kept"]) >= 6
            assert row["等次"] == stored["grade"]
        assert [by_id[i]["排名"] for i in c.awarded] == [1, 1] and by_id[c.not_awarded]["排名"] == 3  # 并列第一
        assert ws.cell(row=3, column=header.index("最终得分") + 1).number_format == "0.00"

        ws = workbook(office, f"/office/campaigns/{c.id}/scores.xlsx")
        check_layout(ws, f"{c.name}评分表")
        header, rows = table(ws)
        assert {r["申报编号"] for r in rows} == entered
        assert {r["状态"] for r in rows} == {"已获奖", "未获奖"}
        for app_id in entered:
            calc = api.get(f"/api/applications/{app_id}", "res_office1")["calculation"]
            stored = sorted(Decimal(str(p["total"])) for p in calc["per_scorer"])
            exported = sorted(Decimal(str(r["加权合计"])) for r in rows if r["申报编号"] == app_id)
            assert exported == stored and len(exported) >= 8

    check(set(c.never_entered.values()))
    # the window closes: what was never entered lapses (withdrawn), and stays out
    from tests.integration.deadline_support import travel
    from tests.integration.test_deadlines import runtime

    with app.extensions["appraisal.sessions"]() as s:
        from service.models import Campaign as CampaignRow

        closes_at = s.get(CampaignRow, c.id).closes_at
    travel(closes_at + timedelta(minutes=5))
    runtime(app).sweep_timers()
    api = Api(app)
    assert {why: api.get(f"/api/applications/{i}", "res_office1")["status"] for why, i in c.never_entered.items()} == \
        {"draft": "lapsed", "returned": "lapsed", "awaiting_signoff": "lapsed", "withdrawn": "withdrawn"}
    check(set(c.never_entered.values()))


@pytest.mark.parametrize("user", OTHERS[:2])
def test_the_unit_side_gets_no_results_sheet(sqlite_app: Any, user: str) -> None:
    client, _ = logged_in(sqlite_app, user)
    assert client.get("/office/campaigns/1/results.xlsx").status_code == 403
    assert client.get("/office/campaigns/1/scores.xlsx").status_code == 403
