"""The meeting pages in Chromium (issue 14.4–14.6): the office schedules a presentation session and records every
item on one page; a scorer sees the running total by the campaign's own rounding rule (here 1 decimal, half to
even: not the page's old half-up), never an out-of-range value in it, and confirms before the irreversible submit;
the office proposes the grades of the ranked list and the group leader sets them all in one decision, with ties
shown as 并列 and a quota refused by name. Screenshots in test-artifacts/browser/."""
from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from handlers.scoring import weighted_total
from service.demo.baoding import DEFAULT_CRITERIA
from tests.api_client import Api
from tests.integration import flows

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.xdist_group("browser")]

RULES = {"trim_min_count": 5, "trim_each_side": 1, "decimals": 1, "rounding": "half_even"}
TIE = {"innovation": 70, "effectiveness": 73, "promotion": 80, "recognition": 80, "standardization": 80}
SCORERS = ("scorer_jx", "scorer_org", "scorer_rights", "scorer_women")  # tests/browser/conftest.BROWSER_SCORERS


def _api(live_app: Any) -> Api:
    api = Api(live_app)
    campaign = flows.campaign_id(api)
    if api.get(f"/api/campaigns/{campaign}", "res_office1")["scoring_rules"] != RULES:
        api.call("PATCH", f"/api/campaigns/{campaign}", "res_office1", 200,
                 json={"scoring_rules": RULES, "reason": "本年度按四舍六入五成双保留一位小数"})
    return api


def _shortlisted(api: Api, theme: str) -> int:
    app_id = flows.create(api, "hc_submitter", theme=theme)["id"]
    flows.submit(api, app_id, "hc_submitter", "hc_leader")
    flows.shortlist(api, app_id)
    return app_id


def _present(api: Api, app_id: int) -> None:
    api.complete("res_office1", "record_presentation", app_id, {
        "presentation_date": "2027-01-08", "presenter": "陈思远", "presentation_notes": "讲述15分钟"})


def test_the_office_schedules_a_session_and_records_every_item_on_one_page(person: Any, live_app: Any) -> None:
    api = _api(live_app)
    campaign = flows.campaign_id(api)
    first, second = _shortlisted(api, "职工之家网格化服务"), _shortlisted(api, "班组创新工作室")
    office = person("res_office1")
    page = office.go(f"/office/campaigns/{campaign}")
    page.click("#presentation-sessions")
    page.wait_for_selector("#schedule-form")
    page.fill("#starts_at", "2027-01-08T09:30")
    page.fill("#place", "市总工会三楼会议室")
    page.check(f"#include_{first}")
    page.check(f"#include_{second}")
    page.fill(f"#order_{first}", "2")
    page.fill(f"#order_{second}", "1")
    page.fill(f'input[name="presenter_{first}"]', "陈思远")
    office.shot("meeting-01-schedule-session")
    page.click("#schedule-submit")
    page.wait_for_selector("#record-form")
    assert "已通知各申报单位" in page.inner_text(".flash.ok")
    slots = page.locator("section.slot h2").all_inner_texts()
    assert slots[0].startswith("第1位") and "班组创新工作室" in slots[0] and "职工之家网格化服务" in slots[1]
    # one item left undecided: refused, the error next to it, nothing recorded
    page.check(f'input[name="attended_{first}"][value="yes"]')
    page.fill(f"#notes_{first}", "讲述15分钟，答辩5分钟")
    with office.expecting(422, r"/office/sessions/\d+"):
        page.click("#record-submit")
        page.wait_for_selector(f'section.slot[data-application="{second}"] .field-error')
    assert "是否出席" in page.inner_text(f'section.slot[data-application="{second}"] .field-error')
    page.check(f'input[name="attended_{second}"][value="no"]')
    office.shot("meeting-02-record-session")
    page.click("#record-submit")
    page.wait_for_selector("#recorded")
    office.shot("meeting-03-session-recorded")
    assert api.get(f"/api/applications/{first}", "res_office1")["stage"] == "scoring"
    assert api.get(f"/api/applications/{second}", "res_office1")["stage"] == "presentation"
    page = office.go(f"/office/campaigns/{campaign}/sessions")
    assert "上次讲述缺席" in page.inner_text(f'tr[data-application="{second}"]')
    office.finish()


def test_the_running_total_uses_the_campaigns_rounding_and_the_scorer_confirms(person: Any, live_app: Any) -> None:
    api = _api(live_app)
    app_id = _shortlisted(api, "劳模工匠创新工作室")
    _present(api, app_id)
    expected = weighted_total(DEFAULT_CRITERIA, TIE, RULES)
    assert expected == Decimal("75.2") and weighted_total(DEFAULT_CRITERIA, TIE) == Decimal("75.25")
    scorer = person("scorer_org")
    page = scorer.go("/scoring")
    others = page.locator(f'.score-item:not([data-application="{app_id}"]) input.score-input')
    for k in range(others.count()):  # the sheet holds every item the scorer has open: one submit for all
        others.nth(k).fill("80")
    item = page.locator(f'.score-item[data-application="{app_id}"]')
    assert item.get_attribute("data-rounding") == "half_even" and item.get_attribute("data-decimals") == "1"
    for code, value in TIE.items():
        item.locator(f'input[name$="_{code}"]').fill("120" if code == "innovation" else str(value))
    assert item.locator("output.total").inner_text() == "—"  # an out-of-range value never shows in the total
    assert item.locator(".out-of-range").is_visible()
    assert item.locator('input[name$="_innovation"]').get_attribute("aria-invalid") == "true"
    scorer.shot("meeting-04-scoring-out-of-range")
    item.locator('input[name$="_innovation"]').fill(str(TIE["innovation"]))
    assert item.locator("output.total").inner_text() == "75.2"  # half to even at 1 decimal (half up: 75.3)
    assert not item.locator(".out-of-range").is_visible()
    page.click("#submit-scores")
    page.wait_for_selector("#confirm-scores")
    assert item.locator(".confirm-total strong").inner_text() == "75.2"
    scorer.shot("meeting-05-scoring-confirm")
    page.click("#confirm-submit")
    page.wait_for_selector(".flash.ok")
    stored = [t for t in api.tasks("scorer_org", application_id=app_id) if t["element_id"] == "democratic_scoring"]
    assert stored == []
    scorer.finish()


def test_the_office_proposes_and_the_group_leader_decides_the_ranked_list(person: Any, live_app: Any) -> None:
    api = _api(live_app)
    campaign = flows.campaign_id(api)
    values = {"社区服务站": 90, "困难职工帮扶": 80, "女职工关爱": 80}
    ids = {}
    for theme, value in values.items():
        app_id = _shortlisted(api, theme)
        _present(api, app_id)
        for user in SCORERS:
            found = [t for t in api.tasks(user, application_id=app_id) if t["element_id"] == "democratic_scoring"]
            if found:
                api.post(f"/api/tasks/{found[0]['id']}/score-sheet", user,
                         json={"criteria": {c["code"]: value for c in DEFAULT_CRITERIA}, "confirm": True})
        ids[theme] = app_id
    grades = api.get(f"/api/campaigns/{campaign}", "res_office1")["grades"]
    api.call("PATCH", f"/api/campaigns/{campaign}", "res_office1", 200,
             json={"grade_quotas": {grades[0]: {"max": 1}}, "reason": "一等奖至多1项"})
    office = person("res_office1")
    page = office.go(f"/office/campaigns/{campaign}")
    page.click("#list-decision")
    page.wait_for_selector("#decision-form")
    assert "下一步" in page.inner_text("#next-step")
    ties = page.locator(f'tr[data-application="{ids["困难职工帮扶"]}"] .rank').inner_text()
    assert ties.startswith("2") and "并列" in ties
    assert "并列" in page.inner_text(f'tr[data-application="{ids["女职工关爱"]}"] .rank')
    assert page.locator("#score-chart svg rect").count() >= 3
    for theme, grade in (("社区服务站", grades[0]), ("困难职工帮扶", grades[0]), ("女职工关爱", grades[1])):
        page.select_option(f"#grade_{ids[theme]}", grade)
        page.fill(f"#reasons_{ids[theme]}", "按得分排序")
    with office.expecting(422, rf"/office/campaigns/{campaign}/decision"):
        page.click("#decision-submit")
        page.wait_for_selector("#decision-errors")
    assert f"「{grades[0]}」超出名额" in page.inner_text("#decision-errors") and "至多 1 项" in page.inner_text("#decision-errors")
    office.shot("meeting-06-decision-quota-refused")
    page.select_option(f"#grade_{ids['困难职工帮扶']}", grades[1])
    page.click("#decision-submit")
    page.wait_for_selector(".flash.ok")
    office.finish()

    leader = person("group_leader")
    page = leader.go(f"/office/campaigns/{campaign}/decision")
    assert page.locator(f"#grade_{ids['社区服务站']}").input_value() == grades[0]  # the proposal, preselected
    assert "按得分排序" in page.inner_text(f'tr[data-application="{ids["社区服务站"]}"]')
    page.click(f'tr[data-application="{ids["社区服务站"]}"] summary')
    assert page.locator(f'tr[data-application="{ids["社区服务站"]}"] figure.chart svg rect').count() >= 3
    page.select_option(f"#grade_{ids['女职工关爱']}", grades[2])
    leader.shot("meeting-07-group-leader-decides")
    page.click("#decision-submit")
    page.wait_for_selector(".flash.ok")
    leader.shot("meeting-08-list-decided")
    for theme, grade in (("社区服务站", grades[0]), ("困难职工帮扶", grades[1]), ("女职工关爱", grades[2])):
        body = api.get(f"/api/applications/{ids[theme]}", "res_office1")
        assert body["grade"] == grade and body["stage"] == "confirmation"
    leader.finish()


def test_the_office_enters_a_paper_sheet_and_closes_scoring_at_the_quorum(person: Any, live_app: Any) -> None:
    api = _api(live_app)
    campaign = flows.campaign_id(api)
    api.call("PATCH", f"/api/campaigns/{campaign}", "res_office1", 200,
             json={"scoring_quorum": 2, "reason": "评审组会议：两份评分即可结束"})
    app_id = _shortlisted(api, "一线职工创新成果转化")
    _present(api, app_id)
    office = person("res_office1")
    page = office.go(f"/office/applications/{app_id}/scoring")
    assert "已提交 0 份，待提交 4 份" in page.inner_text("#scoring-counts")
    page.select_option("#paper-task", label="许文静")
    for c in DEFAULT_CRITERIA:
        page.fill(f"#paper-{c['code']}", "82")
    page.check("#paper-confirm")
    office.shot("meeting-09-paper-sheet")
    page.click("#paper-submit")
    page.wait_for_selector(".flash.ok")
    assert "纸质评分表录入" in page.inner_text("#scoring-status")
    page.fill("#close-reason", "两位成员缺席")
    with office.expecting(409, rf"/office/applications/{app_id}/scoring"):
        page.click("#close-submit")
        page.wait_for_selector(".form-errors")
    assert "未达到法定人数 2 份" in page.inner_text(".form-errors")
    sheet = [t for t in api.tasks("scorer_org", application_id=app_id) if t["element_id"] == "democratic_scoring"][0]
    api.post(f"/api/tasks/{sheet['id']}/score-sheet", "scorer_org",
             json={"criteria": {c["code"]: 78 for c in DEFAULT_CRITERIA}, "confirm": True})
    page = office.go(f"/office/applications/{app_id}/scoring")
    page.fill("#close-reason", "两位成员缺席，已达法定人数")
    page.click("#close-submit")
    page.wait_for_selector(".flash.ok")
    office.shot("meeting-10-scoring-closed")
    assert page.locator("#scoring-status").inner_text().count("结束评分时未评分") == 2
    body = api.get(f"/api/applications/{app_id}", "res_office1")
    assert body["stage"] == "decision" and body["calculation"]["count"] == 2
    office.finish()
