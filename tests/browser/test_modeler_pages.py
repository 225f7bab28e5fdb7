"""The modeler catches a process administrator's mistakes before they run (issue 15, item 4): a task deleted
with one key press shows the problem on the diagram before any deploy; a version that takes a task away
from running instances asks first and offers their migration; deadlines are typed as people say them."""
from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select

from tests.api_client import Api
from tests.integration import flows

VALIDATE = r"/api/process-definitions/validate"


def _open_modeler(admin: Any) -> Any:
    page = admin.go("/admin/processes")
    page.click('tr[data-key="innovation_appraisal"][data-version="1"] a.button')
    page.wait_for_selector("#modeler[data-ready='1']")
    page.wait_for_selector("#result.ok")  # checked once on opening: the bundled version passes
    return page


def test_the_modeler_opens_readable_with_the_lanes_clear_of_the_palette(person: Any, live_app: Any) -> None:
    admin = person("process_admin")
    page = _open_modeler(admin)
    scale = page.evaluate("document.querySelector('#canvas .viewport').transform.baseVal.consolidate().matrix.a")
    assert scale >= 0.8, scale  # not fitted to a thumbnail
    palette = page.locator("#canvas .djs-palette").bounding_box()
    lane_labels = page.locator("#canvas .djs-element[data-element-id='unit_submitter']").bounding_box()
    start = page.locator("#canvas .djs-element[data-element-id='start']").bounding_box()
    assert lane_labels["x"] >= palette["x"] + palette["width"], (lane_labels, palette)
    canvas = page.locator("#canvas").bounding_box()
    assert canvas["y"] <= start["y"] <= canvas["y"] + canvas["height"], (start, canvas)  # the start is in view
    admin.shot("40-modeler-opens-readable")


def test_deleting_a_task_shows_the_problem_on_the_diagram_before_deploy(person: Any, live_app: Any) -> None:
    admin = person("process_admin")
    page = _open_modeler(admin)
    assert page.locator(".bpmn-problem:not(.warning)").count() == 0
    page.click("#canvas .djs-element[data-element-id='leader_signoff'] .djs-hit")
    with admin.expecting(400, VALIDATE):
        page.keyboard.press("Delete")  # one key press: bpmn-js joins the arrows around the task
        page.wait_for_selector("#problems li[data-code='unset_variable']:has-text('signoff_decision')")
    assert page.locator("#canvas .djs-element[data-element-id='leader_signoff']").count() == 0
    joined = page.evaluate("""() => document.querySelectorAll(
        "#canvas .djs-connection").length""")
    assert joined > 0
    problem = page.locator("#problems li[data-code='unset_variable']", has_text="signoff_decision").first
    element = problem.get_attribute("data-element")
    assert "变量 signoff_decision" in problem.inner_text() and "[" not in problem.inner_text()  # Chinese, no codes
    assert page.locator(f"#canvas .djs-element.has-problem[data-element-id='{element}']").count() == 1
    assert page.locator(".bpmn-problem:not(.warning)").count() >= 1  # drawn on the diagram
    admin.shot("41-modeler-deleted-task-problem-on-diagram")
    problem.locator("button").click()  # the problem selects its element
    page.wait_for_selector(f"#canvas .djs-element.selected[data-element-id='{element}']")
    admin.shot("42-modeler-problem-selects-its-element")
    with admin.expecting(400, r"/api/process-definitions"):
        page.fill("#deploy-comment", "删除领导签字")
        page.click("#deploy")
        page.wait_for_selector("#result.error")
    assert _versions(live_app) == [1]  # nothing deployed


def test_a_deploy_that_removes_a_task_with_open_instances_asks_and_offers_migration(person: Any, live_app: Any) -> None:
    api = Api(live_app)
    app_id = flows.create(api, "hc_submitter")["id"]
    flows.submit(api, app_id, "hc_submitter", "hc_leader")  # an instance running on version 1
    admin = person("process_admin")
    page = _open_modeler(admin)
    page.select_option("#element-picker", "record_presentation")
    assert page.input_value("#bio-properties-panel-dueIn") == "10 天"  # shown as people say it (stored P10D)
    assert page.input_value("#bio-properties-panel-formKey") == "presentation"
    with admin.expecting(422, r"/api/durations"):
        page.fill("#bio-properties-panel-dueIn", "十天上下")
        page.wait_for_selector("[data-entry-id='dueIn'] .bio-properties-panel-error")
    admin.shot("43-modeler-duration-not-understood")
    page.fill("#bio-properties-panel-dueIn", "12 个工作日")
    page.wait_for_function("() => !document.querySelector(\"[data-entry-id='dueIn'] .bio-properties-panel-error\")")
    page.click("[data-group-id='group-general'] .bio-properties-panel-group-header")  # 常规: the id
    page.fill("#bio-properties-panel-id", "record_talk")  # renamed: v1's instances cannot follow it
    page.press("#bio-properties-panel-id", "Tab")
    page.wait_for_selector("#canvas .djs-element[data-element-id='record_talk']")
    page.wait_for_timeout(1200)
    page.wait_for_selector("#result.ok")
    with admin.expecting(400, r"/api/process-definitions"):
        page.click("#deploy")  # no comment
        page.wait_for_selector("#deploy-comment-error:not(:empty)")
    assert "版本说明" in page.inner_text("#deploy-comment-error")
    admin.shot("44-modeler-comment-required")
    page.fill("#deploy-comment", "讲述记录改名并改为 12 个工作日")
    with admin.expecting(409, r"/api/process-definitions"):
        page.click("#deploy")
        page.wait_for_selector("#confirm-removal:not([hidden])")
    assert "1 个运行中的实例" in page.inner_text("#confirm-detail")
    assert "record_presentation" in page.inner_text("#confirm-tasks")
    assert _versions(live_app) == [1]
    admin.shot("45-modeler-confirm-removal")
    page.click("#confirm-deploy")
    page.wait_for_selector("#deployed-version")
    assert page.inner_text("#deployed-version").endswith("v2")
    link = page.get_attribute("#migrate-link", "href")
    source, target = _definition_ids(live_app)
    assert link == f"/admin/migrations?source={source}&target={target}"
    admin.shot("46-modeler-deployed-offers-migration")
    xml = _xml(live_app, 2)
    assert 'name="dueIn" value="P12WD"' in xml and 'id="record_talk"' in xml


def test_an_end_event_without_an_outcome_is_a_problem_until_its_result_is_picked(person: Any, live_app: Any) -> None:
    """The application's status is the outcome of the end event it reaches: a new end event of the appraisal shows
    missing_outcome on the diagram until 结果 is picked in the panel (from the server's list, by name)."""
    admin = person("process_admin")
    page = _open_modeler(admin)
    page.select_option("#element-picker", "end_rejected")  # selected, in view, with its context pad
    with admin.expecting(400, VALIDATE):
        page.click(".djs-context-pad .entry[data-action='delete']")  # redrawn: the rejection loses its end event
        page.wait_for_selector("#problems li[data-code='implicit_end']")
    page.select_option("#element-picker", "notify_rejected")  # in view, and selected
    with admin.expecting(400, VALIDATE):
        page.click(".djs-context-pad .entry[data-action='append.end-event']")
        page.keyboard.press("Escape")  # leave the new event's label as it is
        page.wait_for_selector("#problems li[data-code='missing_outcome']")
    problem = page.locator("#problems li[data-code='missing_outcome']")
    assert problem.count() == 1 and page.locator("#problems li[data-code='implicit_end']").count() == 0
    element = problem.get_attribute("data-element")
    assert element.startswith("Event_")
    assert "没有设置结果" in problem.inner_text() and "未通过审核、未入选" in problem.inner_text()
    assert page.locator(f"#canvas .djs-element.has-problem[data-element-id='{element}']").count() == 1
    badge = page.locator(f"#canvas .djs-overlays[data-container-id='{element}'] .bpmn-problem")
    assert badge.count() == 1 and badge.inner_text() == "有问题"  # drawn on the diagram: the error, not the warning
    page.wait_for_selector(f"#canvas .djs-element.selected[data-element-id='{element}']")
    assert page.input_value("#element-picker") == element  # the picker shows the new event, by its kind
    assert page.evaluate("() => document.querySelector('#element-picker').selectedOptions[0].textContent") == "未命名的结束事件"
    select = page.locator("#bio-properties-panel-outcome")
    labels = select.locator("option").all_inner_texts()
    assert labels == ["—", "已获奖", "未获奖", "未通过审核", "未入选", "逾期未报"], labels
    select.scroll_into_view_if_needed()
    admin.shot("47-modeler-end-event-without-outcome")
    select.select_option(label="未通过审核")
    page.wait_for_selector("#result.ok")
    assert page.locator("#problems li:not(.warning)").count() == 0, page.inner_text("#problems")
    codes = page.evaluate("() => [...document.querySelectorAll('#problems li')].map(l => l.dataset.code)")
    assert set(codes) == {"fake_join", "label_required"}, codes  # the bundled version's, and the new event's name
    assert page.locator(f"#canvas .djs-element.has-problem[data-element-id='{element}']").count() == 0
    assert badge.inner_text() == "请注意"  # only the new event's missing name is left (a warning)
    admin.shot("48-modeler-end-event-outcome-picked")
    page.click("#canvas .djs-element[data-element-id='notify_rejected'] .djs-hit")  # a task: no 结果 entry
    page.wait_for_selector("[data-entry-id='handler']")
    assert page.locator("#bio-properties-panel-outcome").count() == 0
    with page.expect_download() as download:  # what would be deployed: the property, with the code as its value
        page.click("#download")
    xml = open(download.value.path(), encoding="utf-8").read()
    assert f'id="{element}"' in xml and re.search(r'<spiffworkflow:property name="outcome" value="rejected"\s*/>', xml)


def test_the_element_picker_follows_the_canvas_and_a_click_selects(person: Any, live_app: Any) -> None:
    """选择流程元素 shows what is selected on the canvas, after every edit, by the elements' names; an element chosen
    there and then clicked on the canvas stays selected (diagram-js deselected it: a click toggled the selection)."""
    admin = person("process_admin")
    page = _open_modeler(admin)
    page.select_option("#element-picker", "record_presentation")
    page.click("#canvas .djs-element[data-element-id='record_presentation'] .djs-hit")
    page.wait_for_selector("#canvas .djs-element.selected[data-element-id='record_presentation']")
    page.wait_for_timeout(300)  # a deselect would come with the click
    assert _selected(page) == ["record_presentation"]
    assert page.input_value("#bio-properties-panel-formKey") == "presentation"  # the panel shows it
    assert page.input_value("#element-picker") == "record_presentation"
    page.click("#canvas .djs-element[data-element-id='record_presentation'] .djs-hit")  # clicked again: still it
    page.wait_for_timeout(300)
    assert _selected(page) == ["record_presentation"] and page.input_value("#element-picker") == "record_presentation"
    page.click("[data-group-id='group-general'] .bio-properties-panel-group-header")  # 常规: the name
    checked = page.get_attribute("#modeler", "data-checked")
    page.fill("#bio-properties-panel-name", "讲述与记录")
    page.press("#bio-properties-panel-name", "Tab")
    page.wait_for_function("() => document.querySelector('#element-picker').selectedOptions[0].textContent === '讲述与记录'")
    assert page.input_value("#element-picker") == "record_presentation"
    page.wait_for_function(f"() => document.querySelector('#modeler').dataset.checked !== '{checked}'")
    page.wait_for_selector("#result.ok")  # checked again: the problems list is redrawn before the screenshot
    admin.shot("49-modeler-picker-renamed-element")
    with admin.expecting(400, VALIDATE):  # the new task leads nowhere: a problem until it is connected
        page.click(".djs-context-pad .entry[data-action='append.append-task']")
        page.keyboard.press("Escape")  # leave the new task's label as it is
        page.wait_for_selector("#result.error")
    new = _selected(page)
    assert len(new) == 1 and new[0] != "record_presentation", new
    assert page.input_value("#element-picker") == new[0]
    assert page.evaluate("() => document.querySelector('#element-picker').selectedOptions[0].textContent") == "未命名的任务"
    admin.shot("50-modeler-picker-appended-task")
    page.click("#canvas .djs-element[data-element-id='record_presentation'] .djs-hit")
    page.wait_for_selector("#canvas .djs-element.selected[data-element-id='record_presentation']")
    assert page.input_value("#element-picker") == "record_presentation"
    page.click(f"#canvas .djs-element[data-element-id='{new[0]}'] .djs-hit")
    page.wait_for_selector(f"#canvas .djs-element.selected[data-element-id='{new[0]}']")
    page.keyboard.press("Delete")  # the selected element is gone: the picker shows none, and no longer lists it
    page.wait_for_function("() => document.querySelector('#element-picker').value === ''")
    assert page.locator(f"#element-picker option[value='{new[0]}']").count() == 0
    page.wait_for_selector("#result.ok")
    with admin.expecting(400, VALIDATE):
        page.keyboard.press("Control+z")  # undone: back, and selected on the canvas and in the picker alike
        page.wait_for_selector(f"#canvas .djs-element[data-element-id='{new[0]}']")
        page.wait_for_selector("#result.error")
    assert page.input_value("#element-picker") == (_selected(page) + [""])[0]
    labels = page.locator("#element-picker option").all_inner_texts()
    assert "讲述与记录" in labels and "未命名的任务" in labels and not any(re.match(r"(Event|Activity)_", x) for x in labels)


def _selected(page: Any) -> list[str]:
    return page.evaluate("""() => [...document.querySelectorAll('#canvas .djs-element.selected')]
        .map(e => e.dataset.elementId)""")


def _versions(app: Any) -> list[int]:
    from service.models import ProcessDefinition

    with app.extensions["appraisal.sessions"]() as db:
        return list(db.scalars(select(ProcessDefinition.version).where(ProcessDefinition.key == "innovation_appraisal")
                               .order_by(ProcessDefinition.version)))


def _definition_ids(app: Any) -> tuple[int, int]:
    from service.models import ProcessDefinition

    with app.extensions["appraisal.sessions"]() as db:
        ids = list(db.scalars(select(ProcessDefinition.id).where(ProcessDefinition.key == "innovation_appraisal")
                              .order_by(ProcessDefinition.version)))
    return ids[0], ids[-1]


def _xml(app: Any, version: int) -> str:
    from service.models import ProcessDefinition

    with app.extensions["appraisal.sessions"]() as db:
        return db.scalar(select(ProcessDefinition.xml).where(ProcessDefinition.key == "innovation_appraisal",
                                                             ProcessDefinition.version == version))
