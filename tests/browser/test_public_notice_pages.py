"""The public notice (公示) through the pages: the office publishes the confirmed list, a citizen without a
login reads it and files a real-name objection, the office records its finding, and the citizen's reference
shows it; at the period's end the result is final."""
from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest

from service import clock
from tests.api_client import Api
from tests.browser.conftest import PHONE, Person
from tests.integration import flows

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.xdist_group("browser")]


def confirmed(api: Api, theme: str, grade: str) -> int:
    app_id = flows.create(api, "hc_submitter", theme=theme)["id"]
    flows.submit(api, app_id, "hc_submitter", "hc_leader")
    flows.review_to_scoring(api, app_id)
    flows.score_all(api, app_id)
    flows.decide(api, app_id, grade)
    flows.confirm(api, app_id)
    return app_id


def test_office_publishes_a_citizen_objects_without_login_and_the_office_finds(
        person: Any, live_app: Any, browser: Any, server: str) -> None:
    api = Api(live_app)
    first = confirmed(api, "职工之家网格化服务", "一等奖")
    second = confirmed(api, "班组创新工作室联建", "二等奖")
    campaign = flows.campaign_id(api)

    # --- the office sees the confirmed list and publishes it
    office = person("res_office1")
    page = office.go("/office/campaigns")
    page.click(f'tr[data-campaign="{campaign}"] a[data-action="notice"]')
    page.wait_for_selector("#confirmed-list")
    assert "已确认待公示 2 项" in page.inner_text("#confirmed-list")
    office.shot("notice-01-office-confirmed-list")
    page.click("#publish-notice")
    page.wait_for_selector(".flash.ok")
    assert "公示已发布" in page.inner_text(".flash.ok")
    rows = page.locator("table.notice-items tbody tr")
    assert rows.count() == 2 and "公示中" in rows.first.inner_text()
    office.shot("notice-02-office-published")

    # --- a citizen, not logged in, reads the notice and files an objection
    citizen = Person(browser, server, "citizen", PHONE)
    try:
        page = citizen.go("/notice")
        assert "评比结果公示" in page.inner_text("h1") and "公示中" in page.inner_text(".notice-status")
        citizen.shot("notice-03-public-index")
        page.click(f'a[href="/notice/{campaign}"] >> nth=0')
        page.wait_for_selector("table.notice-items")
        table = page.inner_text("table.notice-items")
        assert "职工之家网格化服务" in table and "一等奖" in table and "二等奖" in table
        assert not re.search(r"\d+\.\d\d", table)  # no scores on the public page
        assert "北京时间" in page.inner_text(".notice-period")
        citizen.shot("notice-04-public-list")
        option = page.locator('select[name="item"] option', has_text="班组创新工作室联建")
        page.select_option('select[name="item"]', value=option.get_attribute("value"))
        page.fill('input[name="name"]', "王建国")
        page.fill('input[name="contact"]', "not a phone")
        page.fill('textarea[name="reason"]', "该项目的推广范围与申报材料不符，请予核实。")
        with citizen.expecting(422, rf"/notice/{campaign}/objections"):
            page.click("#file-objection")
            page.wait_for_selector('ul.errors [data-field="contact"]')
        assert "手机号码或电子邮箱" in page.inner_text("ul.errors")
        citizen.shot("notice-05-objection-error")
        page.fill('input[name="contact"]', "13912345678")
        page.click("#file-objection")
        page.wait_for_selector("#objection-received")
        reference = page.inner_text("#objection-reference")
        assert re.fullmatch(r"GS2026-\d{6}", reference) and page.inner_text("#objection-state") == "待处理"
        citizen.shot("notice-06-objection-received")

        # --- the office records its finding: dismissed, with reasons
        page = office.go(f"/office/campaigns/{campaign}/objections")
        article = page.locator(f'article[data-reference="{reference}"]')
        assert "王建国" in article.inner_text() and "13912345678" in article.inner_text()
        office.shot("notice-07-office-objection")
        article.locator('select[name="finding"]').select_option("dismissed")
        article.locator('textarea[name="reasons"]').fill("经核实，推广范围与申报材料一致，异议不成立。")
        article.locator("button[type=submit]").click()
        page.wait_for_selector(".flash.ok")
        assert "异议不成立" in page.inner_text(".flash.ok")
        office.shot("notice-08-office-finding")

        # --- the citizen's reference shows the finding
        page = citizen.go("/notice")
        page.fill('input[name="reference"]', reference)
        page.click("#objection-lookup button[type=submit]")
        page.wait_for_selector("#objection-state")
        assert page.inner_text("#objection-state") == "异议不成立"
        assert "异议不成立" in page.inner_text("#finding-reasons")
        citizen.shot("notice-09-objection-finding")
        citizen.finish()
    finally:
        citizen.context.close()

    # --- the period ends (the beat's sweep): the results are final and the unit sees its award
    notice = api.get("/api/public/notices")["items"][0]
    flows.sweep_notices(api, clock.parse_iso(notice["ends_at"]) + timedelta(seconds=1))
    assert {api.get(f"/api/applications/{i}", "res_office1")["status"] for i in (first, second)} == {"awarded"}
    page = office.go(f"/notice/{campaign}")
    assert "公示结束，结果生效" in page.inner_text(".notice-status")
    assert page.locator("#objections-closed").count() == 1
    office.shot("notice-10-final")
