"""The form editor (issue 15.5): a form built in form-js's editor is deployed, a process uses it, a person fills it in.

Runs under the pages' Content-Security-Policy (no inline script or style): any violation is a console error.
"""
from __future__ import annotations

from typing import Any

import pytest

from service.config import ROOT
from tests.api_client import Api
from tests.browser.test_security_policy import watch

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.xdist_group("browser")]


def _drag(page: Any, source: str, target: str) -> None:
    """Drag with the mouse in small steps, as a person does (the editor's drag and drop follows mouse moves)."""
    start = page.locator(source).first.bounding_box()
    end = page.locator(target).first.bounding_box()
    page.mouse.move(start["x"] + start["width"] / 2, start["y"] + start["height"] / 2)
    page.mouse.down()
    page.mouse.move(start["x"] + 30, start["y"] + 30, steps=5)
    page.mouse.move(end["x"] + end["width"] / 2, end["y"] + 40, steps=15)
    page.mouse.up()


def test_a_form_built_in_the_editor_is_deployed_and_filled_in(person: Any, live_app: Any) -> None:
    admin = person("process_admin")
    violations = watch(admin)
    page = admin.go("/admin/forms")
    page.fill("#new-key", "venue_check")
    page.click("#new-form button")
    page.wait_for_selector("#editor-status:has-text('已载入')")
    _drag(page, ".fjs-palette-field[data-field-type='textfield']", ".fjs-drop-container-vertical")
    page.wait_for_selector(".fjs-properties-panel[data-field^='Field_']")  # the new field is selected
    general = page.locator("[data-group-id='group-general'] .bio-properties-panel-group-header")
    assert general.inner_text() == "基本"  # the editor speaks the page's language (test_form_editor_chinese.py)
    if "open" not in (general.get_attribute("class") or ""):
        general.click()
    label = page.locator("#bio-properties-panel-label")
    label.fill("会场名称")
    key = page.locator("#bio-properties-panel-key")
    key.fill("venue")
    page.locator("#bio-properties-panel-key").press("Tab")
    page.locator("[data-group-id='group-validation'] .bio-properties-panel-group-header").click()
    page.locator("#bio-properties-panel-required").check()
    page.wait_for_selector("#form-preview label:has-text('会场名称')")  # the live preview follows the edit
    admin.shot("form-editor-built")
    page.click("#editor-save")
    page.wait_for_selector("#editor-status:has-text('已发布为第 1 版')")
    admin.shot("form-editor-saved")
    assert not violations, violations

    api = Api(live_app)
    schema = api.get("/api/forms/venue_check", "process_admin")["schema"]
    assert schema["properties"]["venue"]["title"] == "会场名称" and schema["required"] == ["venue"]
    bpmn = (ROOT / "tests" / "fixtures" / "bpmn" / "spiffarena_presentation_check.bpmn").read_text(encoding="utf-8")
    bpmn = bpmn.replace("presentation-schema.json", "venue-check-schema.json").replace(
        "spiff_presentation_check", "venue_check_process")
    deployed = api.call("POST", "/api/process-definitions?comment=venue", "process_admin", expect=201,
                        data=bpmn.encode("utf-8"), content_type="application/xml").get_json()
    assert deployed["user_tasks"]["Activity_record_spiff"]["form_key"] == "venue_check"
    inst = api.post("/api/process-definitions/key/venue_check_process/start", "res_office1", expect=201,
                    json={"business_key": "venue-1", "variables": {}})
    [task] = [t for t in api.tasks("res_office1") if t["process_instance_id"] == inst["id"]]

    office = person("res_office1")
    page = office.go(f"/tasks/{task['id']}")
    assert page.locator("#instructions strong").inner_text() == "逐项核对"
    page.get_by_label("会场名称").fill("一号会议室")
    office.shot("form-editor-filled")
    page.locator("form.task-form button[type=submit]").last.click()
    page.wait_for_load_state("networkidle")
    assert api.get(f"/api/process-instances/{inst['id']}", "res_office1")["status"] == "completed"


def test_a_form_saved_unchanged_from_the_editor_is_the_same_schema(person: Any, live_app: Any) -> None:
    """The type information each field carries (its x-schema attribute) survives form-js's import and export, and
    the properties panel does not show it (no custom property to edit or delete it by)."""
    import json

    admin = person("process_admin")
    page = admin.go("/admin/forms/presentation/editor")
    page.wait_for_selector("#editor-status:has-text('已载入')")
    page.locator(".fjs-form-container .fjs-form-field-textfield").first.click()
    page.wait_for_selector(".fjs-properties-panel[data-field^='Field_'] .bio-properties-panel-header-type")
    assert page.locator("[data-group-id='group-custom-values']").count() == 0
    assert "x-schema" not in page.locator("#form-properties").inner_text()
    page.click("#editor-save")
    page.wait_for_selector("#editor-status:has-text('已发布为第 1 版')")
    schema = Api(live_app).get("/api/forms/presentation", "process_admin")["schema"]
    assert schema == json.loads((ROOT / "processes" / "forms" / "presentation.json").read_text(encoding="utf-8"))


def test_a_field_dropped_beside_another_is_refused_as_the_form_keeps_one_field_per_line(person: Any) -> None:
    """A form is kept as JSON Schema, whose task pages show one field per line: the editor does not let a field be
    put beside another (from the palette or moved), nor widened, so what it shows is what is saved."""
    admin = person("process_admin")
    page = admin.go("/admin/forms")
    page.fill("#new-key", "row_check")
    page.click("#new-form button")
    page.wait_for_selector("#editor-status:has-text('已载入')")
    _drag(page, ".fjs-palette-field[data-field-type='textfield']", ".fjs-drop-container-vertical")
    page.wait_for_selector(".fjs-form-container .fjs-form-field-textfield")
    fields = ".fjs-form-container .fjs-form-field:not(.fjs-powered-by)"
    rows = """els => els.map(r => r.querySelectorAll('.fjs-form-field').length)"""
    assert page.locator(".fjs-form-container .fjs-field-resize-handle:visible").count() == 0  # no width to set

    def beside(source: str) -> None:
        start = page.locator(source).first.bounding_box()
        row = page.locator(".fjs-form-container .fjs-layout-row").first
        end = row.bounding_box()
        page.mouse.move(start["x"] + start["width"] / 2, start["y"] + start["height"] / 2)
        page.mouse.down()
        page.mouse.move(start["x"] + 30, start["y"] + 30, steps=5)
        page.mouse.move(end["x"] + end["width"] - 30, end["y"] + end["height"] / 2, steps=15)
        page.wait_for_selector(".fjs-form-container .fjs-layout-row.fjs-error-drop")  # shown as refused
        admin.shot("form-editor-row-refused")
        page.mouse.up()

    beside(".fjs-palette-field[data-field-type='number']")
    page.wait_for_timeout(300)
    assert page.locator(fields).count() == 1
    start = page.locator(".fjs-palette-field[data-field-type='number']").bounding_box()
    end = page.locator(".fjs-form-container .fjs-drop-container-vertical").first.bounding_box()
    page.mouse.move(start["x"] + start["width"] / 2, start["y"] + start["height"] / 2)
    page.mouse.down()
    page.mouse.move(start["x"] + 30, start["y"] + 30, steps=5)
    page.mouse.move(end["x"] + 40, end["y"] + end["height"] - 12, steps=15)  # below the first field: a new line
    page.mouse.up()
    page.wait_for_function(f"() => document.querySelectorAll('{fields}').length === 2")
    beside(".fjs-form-container .fjs-form-field-number")  # moving the second field up beside the first
    page.wait_for_timeout(300)
    assert page.eval_on_selector_all(".fjs-form-container .fjs-layout-row", rows) == [1, 1]
    page.click("#editor-save")
    page.wait_for_selector("#editor-status:has-text('已发布为第 1 版')")
