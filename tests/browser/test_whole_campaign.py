"""A whole campaign through its meetings, in Chromium (issue 14, "Done when").

Twelve applications from five units are created and submitted through the API (the units' own pages are walked
by test_appraisal_pages); every meeting's decision is then made in the browser by its role, in Chinese: the
supervising unions vet and forward in batches (one enterprise is returned, sees the reason on its form and
resubmits), the leading group gives views and its leader closes the shortlist at the quorum, the office records
the presentation session, four scorers score, the office's proposal is refused by a grade quota, the group leader
sets the ranked list's grades (a tie shown as 并列), the chair's office sends a named item back, the group decides
it again, the list is confirmed and published (公示); of a citizen's two objections one is dismissed and one
upheld, which sends its item back to the group decision, the chair's office and a notice of its own; the periods
end and the results are final. The office then downloads the commendation list, the certificates, the results and the score
sheets, which the test opens: Chinese names, awards, and totals equal to the stored calculation.
Screenshots: test-artifacts/browser/w*.png.
"""
from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal
from io import BytesIO
from typing import Any

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from service import clock
from service.demo.baoding import DEFAULT_CRITERIA
from tests.api_client import Api
from tests.browser.conftest import BROWSER_SCORERS, PHONE, Person
from tests.integration import flows
from tests.integration.deadline_support import travel
from tests.integration.test_deadlines import runtime

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.xdist_group("browser")]

# (key, submitter, leader, theme, base score): the base is every criterion's score before the per-criterion and
# per-scorer offsets below, which cancel out; two items share a base (a tie), one is not shortlisted (None).
ITEMS = [
    ("hy1", "hy_submitter", "hy_leader", "数控车间“师带徒”技能传承工作法", 92),
    ("hy2", "hy_submitter", "hy_leader", "职工创新工作室“揭榜挂帅”机制", 86),
    ("hy3", "hy_submitter", "hy_leader", "一线班组安全积分管理", 81),
    ("rz1", "rz_submitter", "rz_leader", "医疗器械质检岗位练兵比武", 85),
    ("rz2", "rz_submitter", "rz_leader", "女职工“两癌”筛查全覆盖", 90),
    ("hc1", "hc_submitter", "hc_leader", "汽车零部件“工匠学院”", 90),
    ("hc2", "hc_submitter", "hc_leader", "集团职工心理关爱驿站", 88),
    ("hc3", "hc_submitter", "hc_leader", "产改“技能等级”薪酬挂钩", 84),
    ("ec1", "econ_submitter", "econ_leader", "劳动和技能竞赛数字化平台", 83),
    ("ec2", "econ_submitter", "econ_leader", "合理化建议“金点子”评选", None),
    ("ht1", "htz_submitter", "htz_leader", "园区“暖心驿站”户外劳动者服务", 82),
    ("ht2", "htz_submitter", "htz_leader", "新就业形态劳动者入会“集中行动”", 80),
]
CRITERION_OFFSET = {"innovation": 2, "effectiveness": 0, "promotion": -2, "recognition": 1, "standardization": -1}
SCORER_OFFSET = {"scorer_jx": 0, "scorer_org": -1, "scorer_rights": 1, "scorer_women": 0}  # jx recuses for hy
GRADES = {"hy1": "一等奖", "rz2": "二等奖", "hc1": "二等奖", "hc2": "二等奖", "hy2": "三等奖", "rz1": "三等奖",
          "hc3": "三等奖", "ec1": "三等奖", "ht1": "不授奖", "hy3": "不授奖", "ht2": "不授奖"}
RETURN_REASON = "请补充筛查覆盖人数的统计口径和医院出具的证明材料"
NOT_SHORTLISTED = "与本单位2025年度已获奖项目内容重复"


def _applicant_name(submitter: str) -> str:
    return {"hy": "恒岳精工工会", "rz": "仁泽医疗工会", "hc": "鸿川集团工会", "econ": "市总经济技术部",
            "htz": "开发区工会"}[submitter.split("_")[0]] + "工作专班"


def _create_and_submit(api: Api) -> dict[str, int]:
    ids = {}
    for key, submitter, leader, theme, _base in ITEMS:
        ids[key] = flows.create(api, submitter, theme=theme, applicant_name=_applicant_name(submitter))["id"]
        flows.submit(api, ids[key], submitter, leader)
    return ids


def _ok(page: Any) -> str:
    page.wait_for_selector(".flash.ok")
    return page.inner_text(".flash.ok")


def test_a_whole_campaign_through_its_meetings(person: Any, live_app: Any, browser: Any, server: str) -> None:
    api = Api(live_app)
    campaign = flows.campaign_id(api)
    ids = _create_and_submit(api)
    key_of = {v: k for k, v in ids.items()}
    draft = flows.create(api, "hc_submitter", theme="尚未提交的草稿")["id"]  # never in the exports
    withdrawn = flows.create(api, "econ_submitter", theme="单位撤回的申报")["id"]
    flows.submit(api, withdrawn, "econ_submitter", "econ_leader")
    api.post(f"/api/applications/{withdrawn}/withdraw", "econ_submitter", json={"reason": "材料不全，主动撤回"})

    # --- 竞秀区总工会 vets its enterprise's three items and forwards them as one batch with its opinion
    vetter = person("jx_vetter")
    page = vetter.go("/")
    page.click("#nav-forwarding")
    page.wait_for_selector("#vetting-form")
    for key in ("hy1", "hy2", "hy3"):
        page.check(f'#vetting-form tr[data-application="{ids[key]}"] input[value="approve"]')
    vetter.shot("w01-jx-vetting")
    page.click("#submit-vetting")
    assert "3" in _ok(page)
    assert page.locator("#forward-form li").count() == 3
    page.fill("#opinion", "经竞秀区总工会审核，三项工作均属实，同意推荐。")
    vetter.shot("w02-jx-forward-batch")
    page.click("#forward-batch")
    _ok(page)
    vetter.shot("w03-jx-forwarded")

    # --- 市卫生健康工会 approves one and returns the other with its reasons
    health = person("health_vetter")
    page = health.go("/meetings/forwarding")
    page.check(f'#vetting-form tr[data-application="{ids["rz1"]}"] input[value="approve"]')
    page.check(f'#vetting-form tr[data-application="{ids["rz2"]}"] input[value="return"]')
    page.fill(f'#vetting-form tr[data-application="{ids["rz2"]}"] input[name^="reasons_"]', RETURN_REASON)
    health.shot("w04-health-vetting-return")
    page.click("#submit-vetting")
    _ok(page)

    # --- the enterprise sees the reason on its form, completes it and submits again; its leader signs off
    unit = person("rz_submitter")
    page = unit.go("/")
    unit.shot("w05-unit-inbox-returned")
    page = unit.go(f"/applications/{ids['rz2']}")
    assert RETURN_REASON in page.inner_text("main")
    unit.shot("w06-unit-returned-reason")
    page = unit.go(f"/applications/{ids['rz2']}/edit")
    assert RETURN_REASON in page.inner_text("main")
    page.fill("#f-effects", "覆盖女职工1,860人（按在册人数统计），筛查率100%，证明材料见附件。")
    page.click("#submit-application")
    page.wait_for_url(re.compile(rf"/applications/{ids['rz2']}$"))
    unit.shot("w07-unit-resubmitted")
    api.complete("rz_leader", "leader_signoff", ids["rz2"], {"signoff_decision": "approve", "leader_name": "钱振华"})

    # --- the union vets the resubmitted item and forwards both in one batch
    page = health.go("/meetings/forwarding")
    page.check(f'#vetting-form tr[data-application="{ids["rz2"]}"] input[value="approve"]')
    page.click("#submit-vetting")
    _ok(page)
    assert page.locator("#forward-form li").count() == 2
    page.fill("#opinion", "同意推荐。退回补充的材料已核实。")
    health.shot("w08-health-forward-batch")
    page.click("#forward-batch")
    _ok(page)
    for key in ids:
        assert api.get(f"/api/applications/{ids[key]}", "res_office1")["stage"] == "preliminary", key

    # --- the window closes (the beat's timer sweep): the draft nobody submitted lapses
    travel(clock.parse_iso(api.get(f"/api/campaigns/{campaign}", "res_office1")["closes_at"]) + timedelta(days=3))
    runtime(live_app).sweep_timers()
    api.tokens.clear()  # API tokens expire over the days travelled; the pages' sessions are renewed as used
    assert api.get(f"/api/applications/{draft}", "res_office1")["status"] == "lapsed"

    # --- the leading group's shortlist: the office lists the candidates, two members give views, the leader closes
    office = person("res_office1")
    page = office.go("/")
    office.shot("w09-office-inbox")
    page.click('tr[data-task="prepare_shortlist"] a.button')
    page.wait_for_selector("#candidates-form")
    for key in ids:
        assert page.locator(f'#candidates-form tr[data-application="{ids[key]}"] input').is_checked()
    page.click("#submit-candidates")
    _ok(page)
    office.shot("w10-shortlist-candidates-sent")
    for member in ("lg_member1", "lg_member2"):
        lg = person(member)
        page = lg.go("/meetings/shortlist")
        for key, *_rest, base in ITEMS:
            page.check(f'input[name="view_{ids[key]}"][value="{"out" if base is None else "in"}"]')
        page.fill(f"#note_{ids['ec2']}", "与去年获奖项目基本相同")
        page.click("#record-views")
        _ok(page)
        if member == "lg_member1":
            lg.shot("w11-shortlist-member-views")
    leader = person("group_leader")
    page = leader.go("/meetings/shortlist")
    assert page.locator(f'.shortlist-item[data-application="{ids["ec2"]}"] .views li').count() == 2
    for key, *_rest, base in ITEMS:
        page.check(f'input[name="shortlisted_{ids[key]}"][value="{"no" if base is None else "yes"}"]')
        page.fill(f"#review_reasons_{ids[key]}", "创新性突出，成效明显" if base else "与往年获奖项目重复")
    page.fill(f"#unit_reasons_{ids['ec2']}", NOT_SHORTLISTED)
    leader.shot("w12-shortlist-close")
    page.click("#close-list")
    _ok(page)
    leader.shot("w13-shortlist-closed")
    shortlisted = [k for k, *_rest, base in ITEMS if base is not None]
    page = person("econ_submitter").go(f"/applications/{ids['ec2']}")
    assert NOT_SHORTLISTED in page.inner_text("main")

    # --- the office schedules the presentation session and records every item on one page
    page = office.go(f"/office/campaigns/{campaign}")
    page.click("#presentation-sessions")
    page.wait_for_selector("#schedule-form")
    page.fill("#starts_at", "2027-01-08T09:00")
    page.fill("#place", "市总工会职工服务中心报告厅")
    for n, key in enumerate(shortlisted, start=1):
        page.check(f"#include_{ids[key]}")
        page.fill(f"#order_{ids[key]}", str(n))
    office.shot("w14-session-schedule")
    page.click("#schedule-submit")
    page.wait_for_selector("#record-form")
    for key in shortlisted:
        page.check(f'input[name="attended_{ids[key]}"][value="yes"]')
        page.fill(f"#presenter_{ids[key]}", "项目负责人")
        page.fill(f"#notes_{ids[key]}", "讲述12分钟，答辩3分钟")
    page.click("#record-submit")
    page.wait_for_selector("#recorded")
    office.shot("w15-session-recorded")

    # --- four scorers each score their whole sheet (竞秀区's member is recused for its enterprise)
    base_of = {k: base for k, *_rest, base in ITEMS}
    for username in BROWSER_SCORERS:
        scorer = person(username)
        page = scorer.go("/scoring")
        items = page.locator(".score-item")
        for n in range(items.count()):
            item = items.nth(n)
            key = key_of[int(item.get_attribute("data-application"))]
            for code, offset in CRITERION_OFFSET.items():
                item.locator(f'input[name$="_{code}"]').fill(str(base_of[key] + offset + SCORER_OFFSET[username]))
        scored = {key_of[int(a)] for a in items.evaluate_all("els => els.map(e => e.dataset.application)")}
        assert scored == (set(shortlisted) - {"hy1", "hy2", "hy3"} if username == "scorer_jx" else set(shortlisted))
        if username == "scorer_org":
            scorer.shot("w16-scoring-sheet")
        page.click("#submit-scores")
        page.wait_for_selector("#confirm-scores")
        page.click("#confirm-submit")
        page.wait_for_selector(".flash.ok")
    expected = {k: Decimal(base_of[k]) + Decimal("0.25") for k in shortlisted}  # the criteria offsets, weighted
    for key in shortlisted:
        body = api.get(f"/api/applications/{ids[key]}", "res_office1")
        assert Decimal(str(body["final_score"])) == expected[key] and body["stage"] == "decision", (key, body)

    # --- the office sets a quota (一等奖 at most 2) and proposes the ranked list: three first prizes are refused
    page = office.go(f"/office/campaigns/{campaign}/setup")
    form = page.locator("#quotas form")
    form.locator('input[name="quota_一等奖"]').fill("2")
    form.locator('input[name="reason"]').fill("领导小组会议：一等奖不超过2项")
    form.locator('button[value="save"]').click()
    _ok(page)
    page = office.go("/")  # eleven items wait for a proposal: any of them opens the whole ranked list
    office.shot("w16b-office-inbox-proposals")
    page.locator('tr[data-task="propose_grade"] a.button').first.click()
    page.wait_for_selector("#decision-form")
    tie = [page.inner_text(f'tr[data-application="{ids[k]}"] .rank') for k in ("rz2", "hc1")]
    assert all(t.startswith("2") and "并列" in t for t in tie), tie
    for key in shortlisted:
        page.select_option(f"#grade_{ids[key]}", "一等奖" if key in ("hy1", "rz2", "hc1") else GRADES[key])
        page.fill(f"#reasons_{ids[key]}", "按得分排序")
    with office.expecting(422, rf"/office/campaigns/{campaign}/decision"):
        page.click("#decision-submit")
        page.wait_for_selector("#decision-errors")
    refusal = page.inner_text("#decision-errors")
    assert "「一等奖」超出名额" in refusal and "至多 2 项" in refusal
    office.shot("w17-decision-quota-refused")
    for key in ("rz2", "hc1"):
        page.select_option(f"#grade_{ids[key]}", "二等奖")
        page.fill(f"#reasons_{ids[key]}", "得分并列第二，名额所限列二等奖")
    page.click("#decision-submit")
    _ok(page)
    office.shot("w18-decision-proposed")

    # --- the group leader sets every grade in one decision (the proposals preselected)
    page = leader.go("/")
    leader.shot("w18b-group-leader-inbox")
    page.click('tr[data-task="group_decision"] a.button')
    page.wait_for_selector("#decision-form")
    assert page.locator(f"#grade_{ids['hy1']}").input_value() == "一等奖"
    leader.shot("w19-group-leader-decides")
    page.click("#decision-submit")
    _ok(page)

    # --- the chair's office sends one named item back with its reasons; the rest wait on the list
    chair = person("chair_office")
    page = chair.go("/")
    page.click("#nav-chair")
    page.wait_for_selector("#chair-form")
    page.check(f"#send_back_{ids['hc2']}")
    page.fill(f"#reasons_{ids['hc2']}", "心理关爱驿站的覆盖面有待核实，请领导小组重议等次")
    chair.shot("w20-chair-send-back")
    page.click("#confirm-list")
    _ok(page)
    assert page.locator(f'tr[data-application="{ids["hc2"]}"]').count() == 0
    assert page.locator(f'#at-group-decision li[data-application="{ids["hc2"]}"]').count() == 1  # where it went
    chair.shot("w21-chair-rest-waits")

    # --- the group decides the item again, the chair's office confirms the whole list
    page = leader.go("/")
    page.click('tr[data-task="group_decision"] a.button')
    page.wait_for_selector("#decision-form")
    page.select_option(f"#grade_{ids['hc2']}", "三等奖")
    page.fill(f"#reasons_{ids['hc2']}", "按主席办公会意见重议，调整为三等奖")
    leader.shot("w22-group-leader-redecides")
    page.click("#decision-submit")
    _ok(page)
    GRADES["hc2"] = "三等奖"
    page = chair.go("/meetings/chair_confirmation")
    assert page.inner_text(f'tr[data-application="{ids["hc2"]}"] .grade') == "三等奖"
    page.click("#confirm-list")
    _ok(page)
    chair.shot("w23-chair-confirmed")

    # --- 公示: the office publishes; a citizen files two objections without logging in; the office dismisses one
    # and upholds the other, which sends its item back to the group decision
    page = office.go(f"/office/campaigns/{campaign}/objections")
    awarded = [k for k in shortlisted if GRADES[k] != "不授奖"]
    assert f"已确认待公示 {len(shortlisted)} 项" in page.inner_text("#confirmed-list")
    office.shot("w24-notice-confirmed-list")
    page.click("#publish-notice")
    assert "公示已发布" in _ok(page)
    citizen = Person(browser, server, "citizen", PHONE)
    references = {}
    try:
        page = citizen.go(f"/notice/{campaign}")
        table = page.inner_text("table.notice-items")
        assert all(_theme(k) in table for k in awarded) and _theme("ht2") not in table
        citizen.shot("w25-public-notice")
        for key, name, reason in (
                ("rz2", "李文博", "筛查覆盖人数与医院统计不一致，请核实。"),
                ("hc1", "张海燕", "该项目的“工匠学院”2024年已挂牌运行，不属于本年度新创工作，请核实。")):
            page = citizen.go(f"/notice/{campaign}")
            option = page.locator('select[name="item"] option', has_text=_theme(key))
            page.select_option('select[name="item"]', value=option.get_attribute("value"))
            page.fill('input[name="name"]', name)
            page.fill('input[name="contact"]', "13800001234")
            page.fill('textarea[name="reason"]', reason)
            page.click("#file-objection")
            page.wait_for_selector("#objection-received")
            references[key] = page.inner_text("#objection-reference")
        citizen.shot("w26-objection-filed")
        page = office.go(f"/office/campaigns/{campaign}/objections")
        article = page.locator(f'article[data-reference="{references["rz2"]}"]')
        article.locator('select[name="finding"]').select_option("dismissed")
        article.locator('textarea[name="reasons"]').fill("经核实，覆盖人数按在册女职工统计，与医院证明一致，异议不成立。")
        office.shot("w27-objection-finding")
        article.locator("button[type=submit]").click()
        assert "异议不成立" in _ok(page)
        article = page.locator(f'article[data-reference="{references["hc1"]}"]')
        article.locator('select[name="finding"]').select_option("upheld")
        article.locator('textarea[name="reasons"]').fill("经核实，工匠学院于2024年挂牌，本年度为延续性工作，异议成立，退回领导小组重新确定等次。")
        article.locator("button[type=submit]").click()
        _ok(page)
        office.shot("w27b-objection-upheld")
        page = citizen.go(f"/notice/objection?reference={references['rz2']}")
        assert page.inner_text("#objection-state") == "异议不成立"
        page = citizen.go(f"/notice/{campaign}")
        assert "异议成立，重新审议中" in page.inner_text(f'table.notice-items tr[data-application="{ids["hc1"]}"]')
        citizen.shot("w27c-public-reexamining")
        citizen.finish()
    finally:
        citizen.context.close()

    # --- the upheld item: the group decides it again on the ranked list, the chair's office confirms, a new notice
    page = leader.go("/")
    page.click('tr[data-task="group_decision"] a.button')
    page.wait_for_selector("#decision-form")
    page.select_option(f"#grade_{ids['hc1']}", "三等奖")
    page.fill(f"#reasons_{ids['hc1']}", "公示期间异议成立：属延续性工作，调整为三等奖")
    leader.shot("w28a-group-leader-after-objection")
    page.click("#decision-submit")
    _ok(page)
    GRADES["hc1"] = "三等奖"
    page = chair.go("/meetings/chair_confirmation")
    assert [int(a) for a in page.locator("#chair-form tr[data-application]").evaluate_all(
        "rows => rows.map(r => r.dataset.application)")] == [ids["hc1"]]
    page.click("#confirm-list")
    _ok(page)
    page = office.go(f"/office/campaigns/{campaign}/objections")
    assert "已确认待公示 1 项" in page.inner_text("#confirmed-list")
    page.click("#publish-notice")
    assert "公示已发布" in _ok(page)
    office.shot("w28b-second-notice")

    # --- both periods end (the beat's sweep): the results are final, the unit sees its award
    ends = max(clock.parse_iso(n["ends_at"]) for n in api.get("/api/public/notices")["items"])
    flows.sweep_notices(api, ends + timedelta(seconds=1))
    page = office.go(f"/notice/{campaign}")
    assert page.locator(".notice-status", has_text="公示结束，结果生效").count() == 2
    assert page.locator("table.notice-items .not-public").count() == 3  # the office sees what the public does not
    office.shot("w28-notice-final")
    for key in shortlisted:
        body = api.get(f"/api/applications/{ids[key]}", "res_office1")
        assert body["grade"] == GRADES[key], (key, body["grade"])
        assert body["status"] == ("awarded" if GRADES[key] != "不授奖" else "not_awarded"), (key, body["status"])
    unit = person("rz_submitter")  # a new day's login (the walk has travelled past the window)
    page = unit.go(f"/applications/{ids['rz2']}")
    assert page.inner_text("#app-grade") == GRADES["rz2"]
    unit.shot("w29-unit-award")
    regraded = person("hc_submitter")
    page = regraded.go(f"/applications/{ids['hc1']}")
    assert page.inner_text("#app-grade") == "三等奖"
    assert not re.search(r"[a-z]+_[a-z_]+", page.inner_text(".timeline"))  # no step read by its id
    regraded.shot("w29b-unit-regraded")
    page = office.go(f"/applications/{ids['hc1']}")
    assert "公示期间异议成立" in page.inner_text(".timeline")

    # --- the documents, downloaded from the dashboard and opened
    page = office.go(f"/office/campaigns/{campaign}")
    office.shot("w30-dashboard")
    stored = {k: api.get(f"/api/applications/{ids[k]}", "res_office1") for k in shortlisted}
    with page.expect_download() as download:
        page.click("#export-results")
    results = load_workbook(BytesIO(download.value.path().read_bytes())).active
    assert results.freeze_panes == "A3" and results["A1"].value.endswith("评比结果")
    header = [c.value for c in results[2]]
    rows = {r[header.index("申报编号")]: dict(zip(header, r)) for r in results.iter_rows(min_row=3, values_only=True)}
    assert draft not in rows and withdrawn not in rows
    for key in shortlisted:
        row = rows[ids[key]]
        assert Decimal(str(row["最终得分"])) == Decimal(str(stored[key]["final_score"])) == expected[key], key
        assert row["等次"] == GRADES[key] and row["申报主题"] == _theme(key)
    assert rows[ids["rz2"]]["排名"] == rows[ids["hc1"]]["排名"] == 2  # the tie: equal ranks
    assert rows[ids["ec2"]]["状态"] == "未入选" and rows[ids["ec2"]]["最终得分"] is None
    with page.expect_download() as download:
        page.click("#export-scores")
    sheets = load_workbook(BytesIO(download.value.path().read_bytes())).active
    header = [c.value for c in sheets[2]]
    by_item: dict[int, list[Decimal]] = {}
    for r in sheets.iter_rows(min_row=3, values_only=True):
        by_item.setdefault(r[0], []).append(Decimal(str(r[header.index("加权合计")])))
    assert draft not in by_item and withdrawn not in by_item
    for key in shortlisted:
        calculation = stored[key]["calculation"]
        per_scorer = sorted(Decimal(str(p["total"])) for p in calculation["per_scorer"])
        assert sorted(by_item[ids[key]]) == per_scorer, key
        assert len(per_scorer) == (3 if key.startswith("hy") else 4)  # 竞秀区's member recused for its enterprise
        assert sum(per_scorer) / len(per_scorer) == Decimal(str(calculation["final"])) == expected[key]
    with page.expect_download(timeout=90000) as download:  # typesetting takes seconds on a busy machine
        page.click("#commendation-list", no_wait_after=True)
    listed = re.sub(r"\s+", "", "".join(p.extract_text() for p in PdfReader(download.value.path()).pages))
    assert "表彰名单" in listed
    for key in awarded:
        assert _theme(key) in listed and GRADES[key] in listed, key
    assert _theme("ht2") not in listed and _theme("ec2") not in listed
    with page.expect_download(timeout=90000) as download:
        page.click("#certificates", no_wait_after=True)
    certificates = PdfReader(download.value.path()).pages
    assert len(certificates) == len(awarded)
    text = re.sub(r"\s+", "", "".join(p.extract_text() for p in certificates))
    assert "荣誉证书" in text and all(_theme(k) in text for k in awarded)


def _theme(key: str) -> str:
    return next(theme for k, _s, _l, theme, _b in ITEMS if k == key)
