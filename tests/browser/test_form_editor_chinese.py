"""The form editor speaks the page's language (issue 15.5): in Chinese no English word is left in form-js's
palette, canvas or properties panel (empty states, each field type offered, error messages); in English the
editor is form-js's own English. The palette offers the field types the server converts, and no others.

Screenshots: test-artifacts/browser/formeditor-zh-*.png and formeditor-en-*.png.
"""
from __future__ import annotations

import re
from typing import Any

import pytest


pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.xdist_group("browser")]

# What service/workflows/formjs.py turns into JSON Schema, in the palette's order (service/web/src/formjs/editor.js).
OFFERED = ["textfield", "textarea", "number", "datetime", "radio", "select", "checkbox"]
ENGLISH = re.compile(r"[A-Za-z]{3,}")
# Real identifiers and names that stay as they are in Chinese text: field keys and ids (snake_case, as the form's
# own id Form_KEY), JSON and the like.
IDENTIFIER = re.compile(r"\b[A-Za-z][A-Za-z0-9]*[_-][A-Za-z0-9_-]+\b")
IDENTIFIERS = {"JSON", "FEEL", "UTC", "Schema", "Markdown"}
EDITOR = ".fjs-palette, .fjs-form-container, #form-properties"
FEEL_TOGGLE = "#form-properties .bio-properties-panel-feel-icon, #form-properties .bio-properties-panel-feel-indicator"
VISIBLE_FIELDS = "els => els.filter(e => e.offsetParent !== null).map(e => e.dataset.fieldType)"


def _english_words(page: Any, selector: str = EDITOR) -> list[str]:
    """Runs of 3+ ASCII letters in the visible text, placeholders and tooltips of the editor's containers.

    bpmn.io's watermark ("Powered by bpmn.io", its link's title) is left as it is: its license requires it.
    """
    texts = page.eval_on_selector_all(selector, """els => els.flatMap(el => [el.innerText,
        ...[...el.querySelectorAll('[placeholder]')].map(e => e.getAttribute('placeholder')),
        ...[...el.querySelectorAll('[title]:not(.fjs-powered-by-link)')].map(e => e.getAttribute('title'))])""")
    words = [(w, t.strip()[:80]) for t in texts for w in ENGLISH.findall(IDENTIFIER.sub("", t or ""))]
    return sorted({f"{w} (in {t!r})" for w, t in words if w not in IDENTIFIERS})


def _add(page: Any, kind: str) -> None:
    """Drag a field of type ``kind`` from the palette to a new row at the end of the form, as a person does."""
    start = page.locator(f".fjs-palette-field[data-field-type='{kind}']").bounding_box()
    end = page.locator(".fjs-form-container .fjs-drop-container-vertical").first.bounding_box()
    page.mouse.move(start["x"] + start["width"] / 2, start["y"] + start["height"] / 2)
    page.mouse.down()
    page.mouse.move(start["x"] + 30, start["y"] + 30, steps=5)
    page.mouse.move(end["x"] + 40, end["y"] + end["height"] - 12, steps=15)
    page.mouse.up()


def _offered_but_refused(page: Any) -> list[str]:
    """The panel's groups and entries (their ids) of the settings the form cannot keep (formjs.SETTINGS)."""
    from service.workflows.formjs import hidden_panel_entries

    hidden = hidden_panel_entries()
    shown = page.eval_on_selector_all("#form-properties [data-group-id], #form-properties [data-entry-id]",
                                      "els => els.map(e => e.dataset.entryId || e.dataset.groupId.replace(/^group-/, ''))")
    return sorted({i for i in shown for h in hidden if i == h or (h.startswith("*") and i.endswith(h[1:]))})


def _tooltips(page: Any) -> list[str]:
    """The words of each tooltip of the properties panel (a tooltip shows while its wrapper has the focus)."""
    texts = []
    wrappers = page.locator("#form-properties .bio-properties-panel-tooltip-wrapper")
    for n in range(wrappers.count()):
        wrappers.nth(n).focus()
        tip = page.locator(".bio-properties-panel-tooltip-content")
        tip.first.wait_for(state="attached", timeout=3000)
        texts.append(tip.first.inner_text())
        wrappers.nth(n).blur()
    return texts


def _open_all_groups(page: Any) -> None:
    """Open every closed group and list item of the properties panel (their entries are rendered only when open),
    then scroll the panel back to its top."""
    for closed in ("#form-properties .bio-properties-panel-group-header:not(.open)",
                   "#form-properties .bio-properties-panel-collapsible-entry:not(.open) > .bio-properties-panel-collapsible-entry-header"):
        for _ in range(20):
            if page.locator(closed).count() == 0:
                break
            page.locator(closed).first.click()
    page.eval_on_selector("#form-properties", "el => el.scrollTo(0, 0)")


def _new_form(admin: Any, key: str) -> Any:
    page = admin.go("/admin/forms")
    page.fill("#new-key", key)
    page.click("#new-form button")
    page.wait_for_selector("#editor-status.ok, #editor-status:not(.error):not(:empty)")
    page.wait_for_selector(".fjs-palette-field")
    return page


def test_the_editor_speaks_chinese_and_offers_the_fields_the_server_converts(person: Any) -> None:
    admin = person("process_admin")
    page = _new_form(admin, "zh_editor_check")
    offered = page.eval_on_selector_all(".fjs-palette-field", VISIBLE_FIELDS)
    assert offered == OFFERED
    assert page.locator(".fjs-palette-group-title:visible").all_inner_texts() == ["填写", "选择"]
    page.wait_for_selector(".fjs-empty-editor-card h2:has-text('设计表单')")
    admin.shot("formeditor-zh-01-empty")
    assert _english_words(page) == []
    assert page.locator(".bio-properties-panel-header-type").inner_text() == "表单"

    page.fill(".fjs-palette-search", "zzz")
    page.wait_for_selector(".fjs-palette-no-entries:has-text('没有找到字段')")
    assert _english_words(page, ".fjs-palette") == []
    page.fill(".fjs-palette-search", "日期")
    page.wait_for_selector(".fjs-palette-field[data-field-type='datetime']")
    assert page.eval_on_selector_all(".fjs-palette-field", VISIBLE_FIELDS) == ["datetime"]
    page.click(".fjs-palette-search-clear")

    leftovers: dict[str, list[str]] = {}
    for n, kind in enumerate(OFFERED, start=2):
        _add(page, kind)
        page.wait_for_function("n => document.querySelectorAll('.fjs-form-container .fjs-form-field').length >= n",
                               arg=n - 1)
        selected = page.locator(".fjs-properties-panel").get_attribute("data-field")
        page.wait_for_selector(f".fjs-properties-panel[data-field='{selected}'] .bio-properties-panel-header-type")
        _open_all_groups(page)
        name = page.locator(f".fjs-palette-field[data-field-type='{kind}'] .fjs-palette-field-text").inner_text()
        assert page.locator(".bio-properties-panel-header-type").inner_text() == name  # the panel names its type
        assert _offered_but_refused(page) == [], kind  # a setting the form cannot keep is not offered
        assert page.locator(FEEL_TOGGLE).count() == 0, kind  # no "fx": the form keeps plain values only
        if kind == "textfield":  # a new text field has no format requirement, and says so
            fmt = page.locator("#bio-properties-panel-validationType")
            assert fmt.input_value() == "" and fmt.locator("option:checked").inner_text() == "不限"
        admin.shot(f"formeditor-zh-{n:02d}-{kind}")
        tips = _tooltips(page)
        assert tips, kind
        leftovers[kind] = _english_words(page) + sorted({w for t in tips for w in ENGLISH.findall(t)} - IDENTIFIERS)

    # The panel's checks speak Chinese too: an empty key, then one another field has.
    key = page.locator("#bio-properties-panel-key")
    key.fill("")
    page.wait_for_selector(".bio-properties-panel-error:has-text('不能为空')")
    page.locator(".fjs-form-container .fjs-form-field-textfield").first.click()
    first_key = page.locator("#bio-properties-panel-key").input_value()
    page.locator(".fjs-form-container .fjs-form-field-checkbox").first.click()
    page.locator("#bio-properties-panel-key").fill(first_key)
    page.wait_for_selector(".bio-properties-panel-error:has-text('不能与其他字段的标识或路径冲突')")
    admin.shot(f"formeditor-zh-{len(OFFERED) + 2:02d}-errors")
    leftovers["errors"] = _english_words(page)
    assert not any(leftovers.values()), "\n".join(f"{k}: {w}" for k, ws in leftovers.items() for w in ws)
    page.locator("#bio-properties-panel-key").fill("agreed")

    page.locator(".fjs-form-container .fjs-form-field-textfield").first.click()
    assert page.locator(".fjs-form-container .fjs-context-pad-item").first.get_attribute("title") == "删除“单行文本”"

    # 格式 reads 自定义 once a pattern of one's own is written (form-js keeps both as the same empty choice).
    fmt = page.locator("#bio-properties-panel-validationType")
    assert fmt.locator("option:checked").inner_text() == "不限"
    page.locator("#bio-properties-panel-pattern").fill("^[0-9]{6}$")
    page.wait_for_function(
        "() => document.querySelector('#bio-properties-panel-validationType option:checked').textContent === '自定义'")
    page.locator("#bio-properties-panel-pattern").fill("")
    page.wait_for_function(
        "() => document.querySelector('#bio-properties-panel-validationType option:checked').textContent === '不限'")

    # A date field asking for a time: the server cannot keep it, and says so in Chinese, naming the field.
    page.locator(".fjs-form-container .fjs-form-field-datetime").first.click()
    page.select_option("#bio-properties-panel-subtype", "datetime")
    with admin.expecting(422, "/api/forms/zh_editor_check/formjs"):
        page.click("#editor-save")
        page.wait_for_selector("#editor-problems li:has-text('“日期”只能填日期')")
    admin.shot(f"formeditor-zh-{len(OFFERED) + 3:02d}-refused")
    page.select_option("#bio-properties-panel-subtype", "date")
    page.click("#editor-save")
    page.wait_for_selector("#editor-status:has-text('已发布为第 1 版')")


def test_a_form_in_use_opens_in_chinese_its_title_and_fields_too(person: Any) -> None:
    admin = person("process_admin")
    page = admin.go("/admin/forms/presentation/editor")
    page.wait_for_selector("#editor-status:has-text('已载入')")
    fields = page.locator(".fjs-form-container .fjs-form-field:not(.fjs-powered-by)")
    leftovers = {}
    for n in range(fields.count()):
        fields.nth(n).click()
        _open_all_groups(page)
        kind = page.locator(".bio-properties-panel-header-type").inner_text()
        assert _offered_but_refused(page) == [], kind
        assert page.locator(FEEL_TOGGLE).count() == 0, kind
        assert "x-schema" not in page.locator("#form-properties").inner_text()  # the type information: no entry
        tips = _tooltips(page)
        leftovers[f"{n} {kind}"] = _english_words(page) + sorted(
            {w for t in tips for w in ENGLISH.findall(t)} - IDENTIFIERS)
        if n == 0:
            assert kind == "标题文字"
            admin.shot("formeditor-zh-11-title")
    assert not any(leftovers.values()), "\n".join(f"{k}: {w}" for k, ws in leftovers.items() for w in ws)

    # The preview checks as form-js's viewer does, in Chinese: a required field left empty, a text too long.
    presenter = page.locator("#form-preview").get_by_label("讲述人")
    presenter.fill("张")
    presenter.fill("")
    presenter.blur()
    page.wait_for_selector("#form-preview .fjs-form-field-error:has-text('此项必填。')")
    presenter.fill("张" * 101)
    presenter.blur()
    page.wait_for_selector("#form-preview .fjs-form-field-error:has-text('最多填写 100 个字。')")
    admin.shot("formeditor-zh-12-preview-checks")
    assert _english_words(page, "#form-preview") == []


def test_in_english_the_editor_is_form_js_english(person: Any) -> None:
    admin = person("process_admin")
    admin.go("/lang/en?next=/admin/forms")
    page = _new_form(admin, "en_editor_check")
    offered = page.eval_on_selector_all(".fjs-palette-field", VISIBLE_FIELDS)
    assert offered == OFFERED
    assert page.locator(".fjs-palette-group-title:visible").all_inner_texts() == ["Input", "Selection"]
    assert page.locator(".fjs-palette-field-text").all_inner_texts()[:2] == ["Text field", "Text area"]
    assert page.get_attribute(".fjs-palette-search", "placeholder") == "Search components"
    _add(page, "textfield")
    page.wait_for_selector(".fjs-properties-panel[data-field^='Field_'], .fjs-properties-panel[data-field^='Textfield_']")
    page.wait_for_selector("#form-properties .bio-properties-panel-group-header:has-text('General')")
    _open_all_groups(page)
    page.wait_for_selector("#form-properties label:has-text('Field label')")
    admin.shot("formeditor-en-01-textfield")
    assert page.locator(FEEL_TOGGLE).count() == 0
    assert page.locator("#bio-properties-panel-validationType option:checked").inner_text() == "No format"
    shown = page.locator(EDITOR).all_inner_texts()
    assert not re.search(r"[\u4e00-\u9fff]", "".join(shown)), shown
