"""The pages notifications lead to, in Chromium: applications list, sign-off entry, 督办 and 催办, error pages."""
from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from service.models import Application, Task
from tests.api_client import Api
from tests.browser.conftest import ARTIFACTS, PHONE
from tests.integration import flows
from tests.integration.deadline_support import travel
from tests.integration.test_deadlines import runtime

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.xdist_group("browser")]


def test_what_a_notification_opens_in_the_browser(person: Any, live_app: Any) -> None:
    api = Api(live_app)
    draft = flows.create(api, "hc_submitter")["id"]
    signing = flows.create(api, "hy_submitter")["id"]
    api.complete("hy_submitter", "fill_application", signing, {})
    vetted = flows.create(api, "rz_submitter")["id"]
    flows.submit(api, vetted, "rz_submitter", "rz_leader")

    # window_open / submission_due_soon → the applications list: the draft to finish, or a new one
    submitter = person("hc_submitter")
    page = submitter.go("/applications")
    assert page.is_visible('[data-action="new-application"]')
    assert page.inner_text(f'tr[data-application="{draft}"] td.next') == "修改申报表"
    submitter.shot("links-01-applications-submitter")
    page.click(f'tr[data-application="{draft}"] [data-action="edit-application"]')
    page.wait_for_selector("#application-form")

    # signoff_pending → "my task on this application": the main leader's sign-off form, also from the page
    leader = person("hy_leader")
    page = leader.go(f"/applications/{signing}/task")
    page.wait_for_selector('form.task-form [name="signoff_decision"]')
    leader.shot("links-02-signoff-from-reminder")
    page = leader.go(f"/applications/{signing}")
    page.click('[data-action="open-task"]')
    page.wait_for_selector('form.task-form [name="signoff_decision"]')
    phone = person("hy_leader", viewport=PHONE)
    phone.go("/applications")
    phone.shot("links-03-applications-leader-phone")

    # the office's federation-wide list with filters
    office = person("res_office1")
    page = office.go("/applications?status=awaiting_signoff")
    assert page.locator("tr[data-application]").count() == 1
    office.shot("links-04-applications-office-filtered")

    # task_escalated → the group leader's read-only view of the overdue vetting, with 催办
    with live_app.extensions["appraisal.sessions"]() as s:
        vetting = s.scalar(select(Task).where(Task.application_id == vetted, Task.element_id == "county_vetting"))
    travel(vetting.due_at + timedelta(hours=26))
    assert len(runtime(live_app).sweep_timers().fired) == 2  # the window closed: the draft and the unsigned lapse
    group_leader = person("group_leader")
    page = group_leader.go("/tasks?scope=all&overdue=1")
    assert "已逾期1天" in page.inner_text(f'tr[data-task-id="{vetting.id}"]')
    group_leader.shot("links-05-supervision-overdue")
    page.click(f'tr[data-task-id="{vetting.id}"] [data-action="supervise"]')
    page.wait_for_selector("#urge")
    assert "赵" not in page.inner_text("#handlers")  # the health union's vetter, not Jingxiu's
    assert "吴静" in page.inner_text("#handlers")
    group_leader.shot("links-06-supervision-task")
    page.click("#urge")
    assert "已向 1 人发送催办通知" in page.inner_text(".flash.ok")
    group_leader.shot("links-07-urged")

    # the office digest → everyone's overdue tasks; errors are pages in Chinese, and in English after the switch
    with group_leader.expecting(404, r"/tasks/999999"):
        page = group_leader.go("/tasks/999999")
    assert "不存在" in page.inner_text("p.error")
    group_leader.shot("links-08-error-zh")
    page = group_leader.go("/lang/en?next=/tasks%3Fscope%3Dall")
    assert "Supervision" in page.inner_text("h1")
    group_leader.shot("links-09-supervision-en")
    with group_leader.expecting(404, r"/no/such/page"):
        page = group_leader.go("/no/such/page")
    assert "does not exist" in page.inner_text("p.error")

    # application_lapsed → the application says it lapsed; the office's dashboard lists it and who was told
    submitter = person("hc_submitter")
    page = submitter.go(f"/applications/{draft}")
    assert "已作失效处理" in page.inner_text("#lapsed-note")
    submitter.shot("links-10-lapsed-application")
    office = person("res_office1")
    page = office.go("/office")
    assert page.locator("#lapsed tr[data-application]").count() == 2
    assert "填写申报表" in page.inner_text(f'#lapsed tr[data-application="{draft}"]')
    page.locator("#lapsed").screenshot(path=str(ARTIFACTS / "links-11-dashboard-lapsed.png"))
    # the lapse path is in the diagram: boundary timer → notify task → end, coloured as completed
    with live_app.extensions["appraisal.sessions"]() as s:
        instance_id = s.get(Application, draft).instance_id
    page = office.go(f"/instances/{instance_id}")
    page.wait_for_selector("#viewer[data-ready='1']")
    for element in ("submission_window_closed", "notify_lapsed_unsubmitted", "end_lapsed"):
        assert page.locator(f'[data-element-id="{element}"].el-completed').count() == 1, element
    assert page.locator('[data-element-id="notify_lapsed_unsigned"].el-pending').count() == 1
    office.shot("links-12-lapsed-path-in-the-diagram")
