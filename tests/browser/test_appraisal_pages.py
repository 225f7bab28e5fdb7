"""The whole appraisal through the pages, and a new process version made in the modeler."""
from __future__ import annotations

import re
from io import BytesIO
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import select

from tests.api_client import Api
from service import clock
from tests.browser.conftest import DECEMBER, DESKTOP, PHONE
from tests.integration import flows

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.xdist_group("browser")]

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def open_task(p: Any, element: str, shot: str | None = None) -> Any:
    """From the inbox, open the task for ``element`` (its row carries data-task)."""
    page = p.go("/")
    if shot:
        p.shot(shot)
    page.click(f'tr[data-task="{element}"] a.button')
    page.wait_for_selector("form.task-form, #application-form, #scoring-form, #candidates-form, #shortlist-form, "
                           "#decision-form, #chair-form")
    return page


def submit_task(page: Any) -> None:
    """Submit the task form and wait for the page to confirm it."""
    page.click("form.task-form button[type=submit]")
    page.wait_for_selector(".flash.ok")


def field_error(page: Any, name: str) -> str:
    return page.inner_text(f'[data-field="{name}"] .field-error')


def test_unit_to_award_through_the_pages(person: Any, live_app: Any) -> None:
    # --- the enterprise's submitter drafts, sees what is missing, attaches files and submits
    sub = person("hy_submitter", shot="01-login")
    page = sub.go("/applications/new")
    page.fill("#f-theme", flows.GOOD_APPLICATION["theme"])
    page.click("#save-draft")
    page.wait_for_url(re.compile(r"/applications/\d+/edit"))
    app_id = int(re.search(r"/applications/(\d+)/edit", page.url).group(1))
    missing = page.locator("#missing li").all_inner_texts()
    assert len(missing) == 10 and any("详细内容" in m for m in missing) and any("联系电话" in m for m in missing)
    sub.shot("02-application-draft-missing")
    with sub.expecting(422, rf"/applications/{app_id}/edit"):
        page.click("#submit-application")  # incomplete: every error next to its field
        page.wait_for_selector('[data-field="content"] .field-error')
    assert "必填" in field_error(page, "content")
    assert "六类" in field_error(page, "category")
    assert "条件" in field_error(page, "conditions")
    sub.shot("03-application-errors")
    g = flows.GOOD_APPLICATION
    page.check('input[name="applicant_type"][value="collective"]')  # 申报者：集体或个人
    for name in ("applicant_name", "contact_person", "contact_phone", "content", "proposer", "refinement", "effects"):
        page.fill(f"#f-{name}", g[name])
    page.check('input[name="category"][value="4"]')
    for c in g["conditions"]:
        page.check(f'input[name="conditions"][value="{c}"]')
    page.select_option("#f-recognitions\\.0\\.level", "municipal")
    page.fill("#f-recognitions\\.0\\.department", "保定市委组织部")
    page.fill("#f-recognitions\\.0\\.date", "2026-09-10")
    page.click("#save-draft")
    page.wait_for_selector("#missing .ok")
    page.set_input_files("#f-file", files=[{"name": "说明.txt", "mimeType": "text/plain", "buffer": b"plain text"}])
    with sub.expecting(422, rf"/applications/{app_id}/attachments"):
        page.click("#upload")
        assert "PDF" in field_error(page, "file")
    page.set_input_files("#f-file", files=[{"name": "成效证明.pdf", "mimeType": "application/pdf", "buffer": PDF}])
    page.click("#upload")
    page.wait_for_selector("ul.files li >> text=成效证明.pdf")
    sub.shot("04-application-complete")
    page.click("#submit-application")
    page.wait_for_url(re.compile(rf"/applications/{app_id}$"))
    assert "待领导签字" in page.inner_text("#app-status")
    sub.shot("05-application-submitted")

    # --- its main leader signs off (an error first, shown next to the field)
    leader = person("hy_leader")
    page = open_task(leader, "leader_signoff", shot="06-inbox-leader")
    page.check('input[name="signoff_decision"][value="return"]')
    with leader.expecting(422, r"/tasks/\d+"):
        page.click("form.task-form button[type=submit]")
        assert "必填" in field_error(page, "signoff_comment")  # returning needs a reason
    assert page.locator("#f-leader_name").count() == 0  # the signing leader is the account, not typed
    page.check('input[name="signoff_decision"][value="approve"]')
    leader.shot("07-leader-signoff")
    submit_task(page)

    # --- the supervising union vets, then forwards its approved items as one batch with its cover opinion
    vetter = person("jx_vetter", viewport=PHONE)
    page = open_task(vetter, "county_vetting")
    page.check('input[name="vetting_decision"][value="approve"]')
    vetter.shot("08-vetting-phone")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"] + 1
    submit_task(page)
    page = vetter.go("/meetings/forwarding")
    page.wait_for_selector(f'#forward-form li[data-application="{app_id}"]')
    page.fill("#opinion", "经竞秀区总工会审核，同意推荐。")
    vetter.shot("08b-forwarding-phone")
    page.click("#forward-batch")
    page.wait_for_selector(".flash.ok")

    # --- the leading group's shortlist meeting: the office lists the candidates, two members give their views,
    # the group leader closes the list; the office records the presentation
    office = person("res_office1")
    page = open_task(office, "prepare_shortlist")
    assert page.locator(f'#candidates-form tr[data-application="{app_id}"] input[type=checkbox]').is_checked()
    office.shot("09a-shortlist-candidates")
    page.click("#submit-candidates")
    page.wait_for_selector(".flash.ok")
    for member in ("lg_member1", "lg_member2"):
        lg = person(member)
        page = lg.go("/meetings/shortlist")
        page.check(f'input[name="view_{app_id}"][value="in"]')
        page.fill(f"#note_{app_id}", "创新性突出" if member == "lg_member1" else "成效明显")
        if member == "lg_member1":
            lg.shot("09b-shortlist-member-views")
        page.click("#record-views")
        page.wait_for_selector(".flash.ok")
    leader_g = person("group_leader")
    page = leader_g.go("/meetings/shortlist")
    assert "2" in page.inner_text("#quorum") and page.locator(".views li").count() == 2
    page.check(f'input[name="shortlisted_{app_id}"][value="yes"]')
    page.fill(f"#review_reasons_{app_id}", "创新性突出，成效明显")
    leader_g.shot("09c-shortlist-close")
    page.click("#close-list")
    page.wait_for_selector(".flash.ok")
    page = open_task(office, "record_presentation")
    page.fill("#f-presentation_date", "2027-01-08")
    page.fill("#f-presenter", "刘晓燕")
    page.fill("#f-presentation_notes", "陈述15分钟，答辩5分钟")
    office.shot("10-presentation")
    submit_task(page)

    # --- three members score on the scoring sheet; the supervising union's member is recused
    recused = person("scorer_jx")
    page = recused.go("/scoring")
    assert "回避" in page.inner_text("#recusals") and page.locator("#no-scoring").count() == 1
    recused.shot("11-scoring-recused")
    for i, username in enumerate(("scorer_org", "scorer_rights", "scorer_women")):
        scorer = person(username, viewport=PHONE if username == "scorer_women" else DESKTOP)
        page = scorer.go("/scoring")
        item = page.locator(f'.score-item[data-application="{app_id}"]')
        inputs = item.locator("input.score-input")
        assert inputs.count() == 5
        if i == 0:  # leave one blank: the error sits next to that criterion, nothing is submitted
            for k in range(4):
                inputs.nth(k).fill("90")
            with scorer.expecting(422, r"/scoring"):
                page.click("#submit-scores")
                assert page.locator(".score-item .field-error").count() == 1
            item = page.locator(f'.score-item[data-application="{app_id}"]')
            inputs = item.locator("input.score-input")
        for k in range(5):
            inputs.nth(k).fill(str(80 + 5 * i))
        assert item.locator("output.total").inner_text() == f"{80 + 5 * i:.2f}"
        scorer.shot(f"12-scoring-{username}")
        assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"] + 1
        page.click("#submit-scores")  # the confirmation step: the totals as stored, then the irreversible submit
        page.wait_for_selector("#confirm-scores")
        assert f"{80 + 5 * i:.2f}" in page.inner_text("#confirm-scores")
        page.click("#confirm-submit")
        page.wait_for_selector("#no-scoring")

    # --- the group decides: the office proposes with the ranking in view, the group leader sets the grade
    # (the item's 办公室提出建议等次 and the leader's meeting task both open the ranked list: the whole list at once)
    page = open_task(office, "propose_grade")
    assert page.locator(f'table.ranking tr[data-application="{app_id}"] .score').inner_text() == "85.00"
    page.click(f'table.ranking tr[data-application="{app_id}"] summary')
    assert page.locator(f'table.ranking tr[data-application="{app_id}"] figure.chart svg rect').count() == 3
    page.select_option(f"#grade_{app_id}", "一等奖")
    page.fill(f"#reasons_{app_id}", "得分第一")
    office.shot("13-group-decision-ranking")
    page.click("#decision-submit")
    page.wait_for_selector(".flash.ok")
    page = open_task(leader_g, "group_decision")
    assert page.locator(f"#grade_{app_id}").input_value() == "一等奖"  # the office's proposal, preselected
    leader_g.shot("14-group-decision-list")
    page.click("#decision-submit")
    page.wait_for_selector(".flash.ok")

    # --- the chair's office confirms the list (a send-back without reasons is refused next to the item)
    chair = person("chair_office")
    page = open_task(chair, "chair_confirmation_meeting")
    page.check(f"#send_back_{app_id}")
    with chair.expecting(422, r"/campaigns/\d+/chair-confirmation"):
        page.click("#confirm-list")
        assert "必填" in page.inner_text(f'tr[data-application="{app_id}"] .field-error')
    page.uncheck(f"#send_back_{app_id}")
    assert page.inner_text(f'tr[data-application="{app_id}"] .grade') == "一等奖"
    chair.shot("15-chair-confirmation")
    page.click("#confirm-list")
    page.wait_for_selector(".flash.ok")
    # the confirmed list's public notice (公示) runs its period with no objection: the result is final
    flows.finalise(Api(live_app), app_id)

    # --- the unit sees its award
    page = sub.go("/")
    row = page.locator(f'tr[data-application="{app_id}"]')
    assert "已获奖" in row.locator(".status").inner_text() and row.locator(".grade").inner_text() == "一等奖"
    sub.shot("16-unit-inbox-award")
    page = sub.go(f"/applications/{app_id}")
    assert page.inner_text("#app-grade") == "一等奖"
    assert page.locator(".timeline li").count() >= 8
    sub.shot("17-application-awarded-timeline")
    deliver_notifications(live_app)
    page = chair.go("/notifications")  # the in-app copy of "task assigned"
    assert page.locator("ul.messages li.unread").count() >= 1
    chair.shot("18-notifications")
    page.click("ul.messages li a")
    page.wait_for_url(re.compile(r"/tasks/\d+$"))
    page = sub.go(f"/applications/{app_id}/print")
    assert page.locator("article.copy").count() == 2
    assert page.locator("tr.forward-opinion >> text=经竞秀区总工会审核，同意推荐。").count() == 2
    sub.shot("19-print-two-copies")

    # --- the office's dashboard and exports
    page = office.go("/office")
    assert page.locator(f'tr[data-application="{app_id}"]').count() == 1
    assert page.evaluate("document.documentElement.scrollWidth") <= 1366
    office.shot("20-dashboard")
    with page.expect_download() as download:
        page.click("#export-scores")
    assert download.value.suggested_filename.endswith("评分表.xlsx")
    with page.expect_download() as download:
        page.click("#export-results")
    assert download.value.suggested_filename.endswith("评比结果.xlsx")
    results = load_workbook(BytesIO(download.value.path().read_bytes())).active
    assert results.freeze_panes == "A3" and results["A1"].value.endswith("评比结果")
    assert [row[4] for row in results.iter_rows(min_row=3, values_only=True) if row[1] == app_id] == ["已获奖"]
    # the award documents: the commendation list and the certificate, opened and read
    page.locator("#commendation-list").scroll_into_view_if_needed()
    office.shot("20b-dashboard-documents")
    with page.expect_download(timeout=90000) as download:  # typesetting takes seconds on a busy machine
        page.click("#commendation-list", no_wait_after=True)
    assert download.value.suggested_filename.endswith("表彰名单.pdf")
    listed = "".join(p.extract_text() for p in PdfReader(download.value.path()).pages)
    assert "表彰名单" in listed and "一等奖" in listed and "网格化服务" in re.sub(r"\s+", "", listed)
    with page.expect_download(timeout=90000) as download:
        page.click(f'tr[data-application="{app_id}"] a.certificate', no_wait_after=True)
    certificate = re.sub(r"\s+", "", PdfReader(download.value.path()).pages[0].extract_text())
    assert "荣誉证书" in certificate and "被评为一等奖" in certificate
    page = office.go(f"/instances/{live_app_instance(live_app, app_id)}")
    page.wait_for_selector("#viewer[data-ready='1']")
    assert page.locator(".el-completed").count() > 5
    office.shot("21-instance-viewer-completed")

    # --- phone width: inbox, a task form and the scoring sheet stay usable
    phone = person("hy_submitter", viewport=PHONE)
    page = phone.go("/applications/new")
    with phone.expecting(422, r"/applications/new"):
        page.click("#submit-application")
        assert "必填" in field_error(page, "theme")
    phone.shot("22-phone-application-errors")
    page = phone.go("/")
    phone.shot("23-phone-inbox")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"] + 1
    page.click("a.lang")  # English is one click away
    assert page.inner_text("h1") == "Task inbox"
    page = phone.go(f"/applications/{app_id}")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"] + 1
    phone.shot("24-phone-application-english")


def deliver_notifications(app: Any) -> None:
    """Run the outbox once, as the background worker would, so in-app messages reach the inbox."""
    from service.workflows import outbox

    sessions = app.extensions["appraisal.sessions"]
    with sessions() as db:
        ids = outbox.claim_due(db, now=clock.now(), limit=1000, lease=timedelta(seconds=1))
        db.commit()
    for message_id in ids:
        with sessions() as db:
            outbox.deliver(session=db, message_id=message_id, make_dispatcher=outbox.dispatcher_factory({}))


def live_app_instance(app: Any, application_id: int) -> int:
    from service.models import Application

    with app.extensions["appraisal.sessions"]() as db:
        return db.get(Application, application_id).instance_id


def _definition_xml(app: Any, version: int) -> str:
    from service.models import ProcessDefinition

    with app.extensions["appraisal.sessions"]() as db:
        return db.scalar(select(ProcessDefinition.xml).where(ProcessDefinition.key == "innovation_appraisal",
                                                             ProcessDefinition.version == version))


def _task_due(app: Any, application_id: int, element: str) -> Any:
    from service.models import Task

    with app.extensions["appraisal.sessions"]() as db:
        task = db.scalar(select(Task).where(Task.application_id == application_id, Task.element_id == element))
        return task.due_at - task.created_at


def test_modeler_changes_a_due_date_and_deploys_version_2(person: Any, live_app: Any) -> None:
    api = Api(live_app)
    old = flows.create(api, "hc_submitter")["id"]  # started on version 1
    flows.submit(api, old, "hc_submitter", "hc_leader")

    admin = person("process_admin")
    page = admin.go("/admin/processes")
    admin.shot("30-process-versions")
    page.click('tr[data-key="innovation_appraisal"][data-version="1"] a.button')
    page.wait_for_selector("#modeler[data-ready='1']")
    page.wait_for_selector("#result.ok")  # checked against the deploy rules as it opens
    page.select_option("#element-picker", "record_presentation")
    assert page.input_value("#bio-properties-panel-dueIn") == "10 天"  # stored P10D, shown as people say it
    assert page.input_value("#bio-properties-panel-formKey") == "presentation"
    page.select_option("#element-picker", "aggregate_scores_task")
    assert page.input_value("#bio-properties-panel-handler") == "aggregate_scores"
    page.select_option("#element-picker", "submission_window_closed")
    assert page.input_value("#bio-properties-panel-timerEventDefinitionValue") == "window_closes_at"
    page.select_option("#element-picker", "record_presentation")
    with admin.expecting(422, r"/api/durations"):
        page.fill("#bio-properties-panel-dueIn", "两周左右")
        page.wait_for_selector("[data-entry-id='dueIn'] .bio-properties-panel-error")
    assert "工作日" in page.inner_text("[data-entry-id='dueIn'] .bio-properties-panel-error")
    admin.shot("31-modeler-problem-on-diagram")
    page.fill("#bio-properties-panel-dueIn", "14 天")
    page.wait_for_function("() => !document.querySelector(\"[data-entry-id='dueIn'] .bio-properties-panel-error\")")
    page.wait_for_timeout(1000)
    page.wait_for_selector("#result.ok")
    page.fill("#deploy-comment", "讲述记录期限延长至14天")
    page.click("#deploy")
    page.wait_for_selector("#deployed-version")
    assert page.inner_text("#deployed-version").endswith("v2")
    assert page.locator(".bpmn-problem:not(.warning)").count() == 0  # warnings (fake_join) stay shown
    admin.shot("32-modeler-deployed-v2")
    page = admin.go("/admin/processes")
    assert page.locator('tr[data-key="innovation_appraisal"][data-version="2"]').inner_text().count("讲述记录期限延长至14天") == 1
    page.click('tr[data-key="innovation_appraisal"][data-version="2"] >> text=与上一版本对比')
    assert "P14D" in page.inner_text("#task-changes") and "P10D" in page.inner_text("#task-changes")
    admin.shot("33-version-diff")

    v1, v2 = _definition_xml(live_app, 1), _definition_xml(live_app, 2)
    for marker in ("<spiffworkflow:parameter ", "<spiffworkflow:serviceTaskOperator ", "<bpmn:timeDate",
                   "<bpmn:loopDataInputRef>", "<bpmn:lane ", "<bpmndi:BPMNShape ", "<bpmn:dataInput "):
        assert v1.count(marker) == v2.count(marker), marker  # the modeler keeps what it does not edit
    new = flows.create(api, "hc_submitter", theme="新版本流程中的申报")["id"]
    flows.submit(api, new, "hc_submitter", "hc_leader")
    api.shortlist_sitting([old, new])  # one sitting lists both
    api.post(f"/api/campaigns/{flows.campaign_id(api)}/shortlist/close", "group_leader", json={"decisions": [
        {"application_id": a, "shortlisted": True, "review_reasons": "入选"} for a in (old, new)]})
    assert _task_due(live_app, new, "record_presentation") == timedelta(days=14)
    assert _task_due(live_app, old, "record_presentation") == timedelta(days=10)
    api.complete("res_office1", "record_presentation", old, {
        "presentation_date": "2027-01-08", "presenter": "刘晓燕", "presentation_notes": "旧版本继续"})
    page = admin.go(f"/instances/{live_app_instance(live_app, old)}")
    page.wait_for_selector("#viewer[data-ready='1']")
    assert page.inner_text("#instance-version").endswith("1")
    assert page.locator(".el-active").count() >= 1
    admin.shot("34-instance-old-on-v1")
    page = admin.go(f"/instances/{live_app_instance(live_app, new)}")
    page.wait_for_selector("#viewer[data-ready='1']")
    assert page.inner_text("#instance-version").endswith("2")
    admin.shot("35-instance-new-on-v2")

    # fifteen days on, the new application's presentation record is overdue: highlighted in the inbox and on the dashboard
    clock.set_offset(DECEMBER + timedelta(days=15) - datetime.now(timezone.utc))
    recorder = person("res_office2")
    page = recorder.go("/")
    assert page.locator(f'tr.overdue[data-application="{new}"]').count() == 1
    assert int(page.inner_text("#overdue-count")) >= 1
    recorder.shot("36-inbox-overdue")
    office = person("res_office1")
    page = office.go("/office")
    assert page.locator("tr.overdue").count() >= 1
    office.shot("37-dashboard-overdue")
