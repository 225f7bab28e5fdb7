"""Each meeting's page (issue 14): the whole list with an input per item, its rule refused on the page."""
from __future__ import annotations

import re

from typing import Any

import pytest

from tests.api_client import Api
from tests.integration import flows

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.xdist_group("browser")]


def _status(api: Api, app_id: int) -> str:
    return api.get(f"/api/applications/{app_id}", "res_office1")["status"]


def test_the_shortlist_meeting_page(person: Any, live_app: Any) -> None:
    api = Api(live_app)
    a = flows.create(api, "hc_submitter", theme="初评页面甲")["id"]
    b = flows.create(api, "econ_submitter", theme="初评页面乙")["id"]
    flows.submit(api, a, "hc_submitter", "hc_leader")
    flows.submit(api, b, "econ_submitter", "econ_leader")
    office = person("res_office1")
    page = office.go("/meetings/shortlist")
    for app_id in (a, b):
        assert page.locator(f'#candidates-form tr[data-application="{app_id}"] input').is_checked()
    office.shot("m01-shortlist-office-candidates")
    page.click("#submit-candidates")
    page.wait_for_selector(".flash.ok")
    leader = person("group_leader")
    page = leader.go("/meetings/shortlist")
    page.check(f'input[name="shortlisted_{a}"][value="yes"]')
    page.fill(f"#review_reasons_{a}", "创新性突出")
    page.check(f'input[name="shortlisted_{b}"][value="no"]')
    page.fill(f"#review_reasons_{b}", "与往年项目重复（内部）")
    with leader.expecting(409, r"/campaigns/\d+/shortlist"):  # nobody has given a view yet: no quorum
        page.click("#close-list")
        page.wait_for_selector(".form-errors")
    assert "法定人数" in page.inner_text(".form-errors")
    leader.shot("m02-shortlist-no-quorum")
    member = person("lg_member1")
    page = member.go("/meetings/shortlist")
    page.check(f'input[name="view_{a}"][value="in"]')
    with member.expecting(422, r"/campaigns/\d+/shortlist"):  # a view on every candidate
        page.click("#record-views")
        page.wait_for_selector(f'.shortlist-item[data-application="{b}"] .field-error')
    page.check(f'input[name="view_{b}"][value="out"]')
    page.fill(f"#note_{b}", "与往年重复")
    page.click("#record-views")
    page.wait_for_selector(".flash.ok")
    member.shot("m03-shortlist-member-views")
    api.post(f"/api/campaigns/{flows.campaign_id(api)}/shortlist/views", "lg_member2",
             json={"views": [{"application_id": a, "view": "in"}, {"application_id": b, "view": "abstain"}]})
    page = leader.go("/meetings/shortlist")
    assert page.locator(f'.shortlist-item[data-application="{b}"] .views li').count() == 2
    page.check(f'input[name="shortlisted_{a}"][value="yes"]')
    page.fill(f"#review_reasons_{a}", "创新性突出")
    page.check(f'input[name="shortlisted_{b}"][value="no"]')
    page.fill(f"#review_reasons_{b}", "与往年项目重复（内部）")
    with leader.expecting(422, r"/campaigns/\d+/shortlist"):  # the unit must be told why
        page.click("#close-list")
        page.wait_for_selector(f'.shortlist-item[data-application="{b}"] .field-error')
    leader.shot("m04-shortlist-unit-reason-required")
    page.fill(f"#unit_reasons_{b}", "申报内容与往年获奖项目重复")
    page.click("#close-list")
    page.wait_for_selector(".flash.ok")
    leader.shot("m05-shortlist-closed")
    assert _status(api, b) == "not_shortlisted" and api.get(f"/api/applications/{a}", "res_office1")["stage"] == \
        "presentation"
    unit = person("econ_submitter")
    page = unit.go(f"/applications/{b}")
    assert "申报内容与往年获奖项目重复" in page.content() and "（内部）" not in page.content()
    unit.shot("m06-shortlist-unit-told")


def _at_group_decision(api: Api, submitter: str, leader: str, theme: str) -> int:
    app_id = flows.create(api, submitter, theme=theme)["id"]
    flows.submit(api, app_id, submitter, leader)
    flows.review_to_scoring(api, app_id)
    flows.score_all(api, app_id)
    api.complete("res_office1", "propose_grade", app_id, {"proposed_grade": "一等奖", "proposal_reasons": "得分高"})
    return app_id


def test_the_group_decision_and_chair_confirmation_pages(person: Any, live_app: Any) -> None:
    api = Api(live_app)
    a = _at_group_decision(api, "hc_submitter", "hc_leader", "确认页面甲")
    b = _at_group_decision(api, "econ_submitter", "econ_leader", "确认页面乙")
    leader = person("group_leader")
    page = leader.go("/meetings/group_decision")  # the header's meeting link: the ranked list (集体研究名单)
    assert re.search(r"/office/campaigns/\d+/decision$", page.url), page.url
    page.select_option(f"#grade_{a}", "一等奖")
    page.select_option(f"#grade_{b}", "")
    with leader.expecting(422, r"/office/campaigns/\d+/decision"):  # the whole list, in one decision
        page.click("#decision-submit")
        page.wait_for_selector(f'tr[data-application="{b}"] .field-error')
    assert page.inner_text(f'tr[data-application="{b}"] .field-error') == "请选择等次"
    page.select_option(f"#grade_{a}", "一等奖")
    page.select_option(f"#grade_{b}", "二等奖")
    leader.shot("m07-group-decision")
    page.click("#decision-submit")
    page.wait_for_selector(".flash.ok")
    chair = person("chair_office")
    page = chair.go("/meetings/chair_confirmation")
    assert page.inner_text(f'tr[data-application="{b}"] .grade') == "二等奖"
    page.check(f"#send_back_{b}")
    page.fill(f"#reasons_{b}", "请结合公开讲述情况再议")
    chair.shot("m08-chair-send-back")
    page.click("#confirm-list")
    page.wait_for_selector(".flash.ok")
    assert page.locator(f'tr[data-application="{a}"]').count() == 1  # the rest wait on the list
    assert page.locator(f'tr[data-application="{b}"]').count() == 0
    chair.shot("m09-chair-rest-waits")
    page = leader.go("/meetings/group_decision")
    page.select_option(f"#grade_{b}", "三等奖")
    page.fill(f"#reasons_{b}", "按办公会意见再议")
    page.click("#decision-submit")
    page.wait_for_selector(".flash.ok")
    page = chair.go("/meetings/chair_confirmation")
    page.click("#confirm-list")
    page.wait_for_selector(".flash.ok")
    confirmed = [api.get(f"/api/applications/{x}", "res_office1") for x in (a, b)]
    assert [(x["status"], x["stage"]) for x in confirmed] == [("in_review", "notice")] * 2  # the public notice next
    assert confirmed[1]["grade"] == "三等奖"
    chair.shot("m10-chair-confirmed")


def test_the_vetting_and_forwarding_page(person: Any, live_app: Any) -> None:
    api = Api(live_app)
    app_id = flows.create(api, "hy_submitter", theme="上报页面")["id"]
    flows.submit(api, app_id, "hy_submitter", "hy_leader")
    vetter = person("jx_vetter")
    page = vetter.go("/meetings/forwarding")
    row = page.locator(f'#vetting-form tr[data-application="{app_id}"]')
    row.locator('input[value="return"]').check()
    with vetter.expecting(422, r"/campaigns/\d+/forwarding"):  # a return needs the union's reasons
        page.click("#submit-vetting")
        page.wait_for_selector(f'#vetting-form tr[data-application="{app_id}"] .field-error')
    vetter.shot("m11-vetting-reason-required")
    page.locator(f'#vetting-form tr[data-application="{app_id}"] input[value="approve"]').check()
    page.click("#submit-vetting")
    page.wait_for_selector(".flash.ok")
    assert page.locator(f'#forward-form li[data-application="{app_id}"]').count() == 1
    with vetter.expecting(422, r"/campaigns/\d+/forwarding"):  # the batch goes with the union's cover opinion
        page.click("#forward-batch")
        page.wait_for_selector(".form-errors")
    page.fill("#opinion", "同意推荐，材料属实。")
    vetter.shot("m12-forwarding-batch")
    page.click("#forward-batch")
    page.wait_for_selector(".flash.ok")
    assert api.get(f"/api/applications/{app_id}", "res_office1")["stage"] == "preliminary"
    unit = person("hy_submitter")
    page = unit.go(f"/applications/{app_id}/print")
    assert page.locator("tr.forward-opinion >> text=同意推荐，材料属实。").count() == 2
    unit.shot("m13-print-with-opinion")
