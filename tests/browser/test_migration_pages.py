"""Instance migration and modification, reassignment and delegation, in Chromium.

A version 2 renames the unit leader's sign-off. The administrator opens the migration page pre-filled
(the modeler's deploy confirmation links to it with ``?source=&target=``), runs the dry run for the
campaign (the instance at the renamed step cannot move, and the page says why), maps the renamed step,
runs the dry run again, gives a reason and migrates: the campaign's open instances are on version 2.
The office then moves one instance back to the application form from its instance page. An office
member delegates a task to a colleague from the task page, and the office takes it back from the
instance page's list of open tasks (改派, with a reason); an overdue task is reassigned from the dashboard's
overdue list, and the new assignee finds it in their inbox.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from service import clock
from tests.api_client import Api
from tests.integration import flows
from tests.integration.test_migration import RENAMED

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.xdist_group("browser")]


def test_bulk_migration_dry_run_then_run_moves_a_campaigns_open_instances(person: Any, live_app: Any) -> None:
    api = Api(live_app)
    campaign = flows.campaign_id(api)
    drafting = flows.create(api, "hc_submitter")
    signing = flows.create(api, "hy_submitter")
    api.complete("hy_submitter", "fill_application", signing["id"], {})
    v1 = api.get(f"/api/process-instances/{signing['process_instance_id']}", "res_office1")["definition_id"]
    v2 = api.post("/api/process-definitions?comment=%E7%AD%BE%E5%AD%97%E7%8E%AF%E8%8A%82%E6%94%B9%E5%90%8D&confirm_removed=true",
                  "process_admin", expect=201, data=RENAMED, content_type="application/xml")["id"]

    admin = person("process_admin")
    page = admin.go(f"/admin/migrations?source={v1}&target={v2}&campaign={campaign}")
    assert page.input_value("#source") == str(v1) and page.input_value("#target") == str(v2)
    assert page.input_value("#campaign") == str(campaign)
    admin.shot("migration-01-plan")
    with page.expect_navigation():
        page.click("#dry-run")
    blocked = page.locator(f'tr[data-instance="{signing["process_instance_id"]}"]')
    if page.locator('tr.unmapped[data-source="leader_signoff"]').count():
        assert "不能迁移" in blocked.inner_text()
        assert "办理中的环节“主要领导签字”在目标版本中不存在" in blocked.inner_text()
        admin.shot("migration-02-dry-run-blocked")
        page.select_option('select[name="map_leader_signoff"]', "signoff_by_leader")
        with page.expect_navigation():
            page.click("#dry-run")
    summary = page.inner_text("#summary")
    assert "2 个可以迁移" in summary and "0 个不能迁移" in summary, summary
    assert "“主要领导签字”移到目标版本的“单位主要领导签字”" in page.inner_text(
        f'tr[data-instance="{signing["process_instance_id"]}"]')
    admin.shot("migration-03-dry-run-ok")
    page.fill('textarea[name="reason"]', "签字环节改名，本次评比进行中的申报统一迁移")
    with page.expect_navigation():
        page.click("#run")
    assert "已迁移 2 个实例，0 个未迁移" in page.inner_text(".flash.ok")
    assert page.locator("tr[data-instance] >> text=已迁移").count() == 2
    admin.shot("migration-04-done")
    for item in (drafting, signing):
        assert api.get(f"/api/process-instances/{item['process_instance_id']}",
                       "res_office1")["definition_version"] == 2
    assert api.task_for("hy_leader", "signoff_by_leader", signing["id"])

    # the office moves the signed-off item back to the form from its instance page
    office = person("res_office1")
    page = office.go(f"/instances/{signing['process_instance_id']}")
    page.click("#modification summary")
    page.select_option('#modification select[name="cancel"]', "signoff_by_leader")
    page.select_option('#modification select[name="start_before"]', "fill_application")
    page.fill('#modification textarea[name="reason"]', "申报表附件缺失，退回补充")
    office.shot("migration-05-modification-form")
    with page.expect_navigation():
        page.click('#modification button[type="submit"]')
    assert "已调整流程进度" in page.inner_text(".flash.ok")
    office.shot("migration-06-modified")
    assert api.task_for("hy_submitter", "fill_application", signing["id"])



def test_an_assignee_delegates_and_the_office_reassigns_from_the_task_page(person: Any, live_app: Any) -> None:
    api = Api(live_app)
    item = flows.create(api, "hc_submitter", theme="改派测试项目")
    api.complete("hc_submitter", "fill_application", item["id"], {})
    [signoff] = api.tasks("hc_leader", application_id=item["id"])  # the sign-off, whichever version it runs
    api.post(f"/api/tasks/{signoff['id']}/complete", "hc_leader",
             json={"signoff_decision": "approve", "leader_name": "主要领导"})
    flows.shortlist(api, item["id"])
    task = api.task_for("res_office1", "record_presentation", item["id"])

    office = person("res_office1")
    page = office.go(f"/tasks/{task['id']}")
    with page.expect_navigation():
        page.click("#claim")
    page.wait_for_selector("#delegate")
    options = page.locator('#delegate select[name="user_id"] option').all_inner_texts()
    assert len(options) >= 2, options  # "请选择" and at least one colleague of the office
    page.select_option('#delegate select[name="user_id"]', index=1)
    page.fill('#delegate textarea[name="reason"]', "本周出差，请同事代办")
    office.shot("handover-01-delegate")
    with page.expect_navigation():
        page.click('#delegate button[type="submit"]')
    assert "双方都已收到通知" in page.inner_text(".flash.ok")
    office.shot("handover-02-delegated")
    holder = api.get(f"/api/tasks/{task['id']}", "res_office1")["assignee_id"]
    assert holder and holder != api.get("/api/me", "res_office1")["id"]

    # the office takes it back from the instance page's list of open tasks, with a reason
    page = office.go(f"/instances/{item['process_instance_id']}")
    with page.expect_navigation():
        page.click(f'#open-tasks tr[data-task="{task["id"]}"] [data-action="reassign"]')
    page.wait_for_selector("#reassign")
    page.select_option('#reassign select[name="user_id"]', value=str(api.get("/api/me", "res_office1")["id"]))
    page.fill('#reassign textarea[name="reason"]', "同事临时请假，收回由本人办理")
    office.shot("handover-03-reassign")
    with page.expect_navigation():
        page.click('#reassign button[type="submit"]')
    assert "双方都已收到通知" in page.inner_text(".flash.ok")
    assert api.get(f"/api/tasks/{task['id']}", "res_office1")["assignee_id"] == api.get("/api/me", "res_office1")["id"]


def test_the_office_reassigns_an_overdue_task_from_the_dashboard_and_the_new_assignee_has_it(
        person: Any, live_app: Any) -> None:
    """The dashboard's overdue list leads to the task's 改派 form; the office hands the task to a colleague with a
    reason, and the colleague finds it in their inbox."""
    api = Api(live_app)
    item = flows.create(api, "econ_submitter", theme="逾期改派项目")
    api.complete("econ_submitter", "fill_application", item["id"], {})
    [signoff] = api.tasks("econ_leader", application_id=item["id"])  # the sign-off, whichever version it runs
    api.post(f"/api/tasks/{signoff['id']}/complete", "econ_leader",
             json={"signoff_decision": "approve", "leader_name": "主要领导"})
    flows.shortlist(api, item["id"])
    task = api.task_for("res_office1", "record_presentation", item["id"])
    colleague = api.get("/api/me", "res_office2")["id"]
    campaign = flows.campaign_id(api)
    clock.set_offset(clock.parse_iso(task["due_at"]) + timedelta(days=1) - datetime.now(timezone.utc))  # overdue
    api = Api(live_app)  # tokens of the day

    office = person("res_office1")
    page = office.go(f"/office/campaigns/{campaign}")
    row = page.locator(f'tr.overdue[data-task="{task["id"]}"]')
    assert row.count() == 1 and "逾期改派项目" in row.inner_text()  # the task by its application's title
    office.shot("handover-04-dashboard-overdue")
    with page.expect_navigation():
        row.locator('[data-action="reassign"]').click()
    assert page.url.endswith(f"/tasks/{task['id']}#handover"), page.url
    page.wait_for_selector("#reassign")
    page.select_option('#reassign select[name="user_id"]', value=str(colleague))
    page.fill('#reassign textarea[name="reason"]', "原办理人逾期未记录，改由同事办理")
    office.shot("handover-05-reassign-overdue")
    with page.expect_navigation():
        page.click('#reassign button[type="submit"]')
    assert "双方都已收到通知" in page.inner_text(".flash.ok")
    assert api.get(f"/api/tasks/{task['id']}", "res_office1")["assignee_id"] == colleague

    new = person("res_office2")
    page = new.go("/")
    mine = page.locator(f'tr[data-task-id="{task["id"]}"]')
    assert mine.count() == 1 and "逾期改派项目" in mine.inner_text()
    new.shot("handover-06-new-assignee-inbox")
