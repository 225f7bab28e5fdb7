"""The office's campaign set-up in Chromium: copy last year's, edit the scorers, readiness fails then passes,
open the window (screenshots kept in test-artifacts/browser/)."""
from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import select

from service.models import AuditRecord, Campaign

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.xdist_group("browser")]


def set_up_last_years_copy(office: Any, live_app: Any) -> int:
    """Through the pages: copy last year's campaign, see the readiness check fail, add scorers with a reason
    (previewed first), see it pass and open the window. Returns the new campaign's id."""
    page = office.visit("/office/campaigns", shot="campaign-01-list")
    page.click("#copy-campaign")
    page.wait_for_url(re.compile(r".*/office/campaigns/\d+/setup$"))
    campaign_id = int(re.search(r"/campaigns/(\d+)/setup", page.url).group(1))
    with live_app.extensions["appraisal.sessions"]() as db:
        copy = db.get(Campaign, campaign_id)
        assert copy.copied_from_id is not None and copy.opened_at is None

    # last year's group was four members: too few once each unit's own (or its union's) member steps aside
    assert page.get_attribute("#readiness-state", "data-ready") == "0"
    assert page.is_visible('#readiness li[data-code="too_few_scorers"] a[href$="#scorers"]')
    assert "回避后只剩" in page.inner_text("#readiness")
    office.shot("campaign-02-readiness-fails")

    # the office adds every member of the appraisal group, says why, and previews first
    boxes = page.locator('#scorers input[name="scorer_ids"]')
    for i in range(boxes.count()):
        boxes.nth(i).check()
    page.fill('#scorers input[name="reason"]', "评审组扩充至九人")
    page.click('#scorers button[value="preview"]')
    page.wait_for_selector('#scorers .effects li[data-field="scorer_ids"]')
    assert "增加 5 人" in page.inner_text("#scorers .effects")
    office.shot("campaign-03-scorers-preview")
    boxes = page.locator('#scorers input[name="scorer_ids"]')
    for i in range(boxes.count()):
        boxes.nth(i).check()
    page.fill('#scorers input[name="reason"]', "评审组扩充至九人")
    page.click('#scorers button[value="save"]')
    page.wait_for_selector(".flash")
    assert page.get_attribute("#readiness-state", "data-ready") == "1", page.inner_text("#readiness")
    office.shot("campaign-04-readiness-passes")

    # the scoring rules are shown as scorers will see them
    assert "去掉1个最高分和1个最低分" in page.inner_text("#rules-text")

    page.click("#open-window")
    page.wait_for_selector("#window-state")
    assert "申报窗口已开启" in page.inner_text("#window-state")
    office.shot("campaign-05-window-open")
    with live_app.extensions["appraisal.sessions"]() as db:
        assert db.get(Campaign, campaign_id).opened_at is not None
        actions = [r.action for r in db.scalars(select(AuditRecord).where(
            AuditRecord.object_type == "campaign", AuditRecord.object_id == str(campaign_id)).order_by(AuditRecord.id))]
    assert actions == ["copy_campaign", "edit_campaign", "open_window"]
    return campaign_id


def test_the_office_copies_last_years_campaign_fixes_its_scorers_and_opens_the_window(
        person: Any, live_app: Any) -> None:
    office = person("res_office1")
    campaign_id = set_up_last_years_copy(office, live_app)
    # the dashboard shows the same check
    page = office.go(f"/office/campaigns/{campaign_id}")
    assert page.get_attribute("#readiness-state", "data-ready") == "1"
    office.shot("campaign-06-dashboard")
