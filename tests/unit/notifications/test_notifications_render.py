"""Every template renders in both locales, escapes HTML, and enforces its context."""
from __future__ import annotations

import re

import pytest

from notifications import (
    TemplateContextError,
    TemplateNotFound,
    normalise_locale,
    render,
    template_names,
)

# The context keys each template is documented to take (the contract with the service).
CONTRACT: dict[str, set[str]] = {
    "window_open": {"campaign_name", "year", "opens_at", "closes_at", "link"},
    "submission_due_soon": {"campaign_name", "closes_at", "days_left", "has_draft", "link"},
    "signoff_pending": {"campaign_name", "application_theme", "closes_at", "link"},
    "task_assigned": {"task_name", "application_theme", "due_at", "link"},
    "task_due_soon": {"task_name", "application_theme", "due_at", "link"},
    "task_overdue": {"task_name", "application_theme", "due_at", "assignee_name", "link"},
    "task_escalated": {"task_name", "application_theme", "due_at", "assignee_name", "overdue_hours", "link"},
    "task_urged": {"task_name", "application_theme", "due_at", "urged_by", "overdue_hours", "link"},
    "deadline_extended": {"task_name", "application_theme", "due_at", "working_days", "link"},
    "task_reassigned": {"task_name", "application_theme", "due_at", "reason", "kind", "link"},
    "task_handed_over": {"task_name", "application_theme", "reason", "kind", "link"},
    "office_digest": {"date", "items", "link"},
    "application_returned": {"application_theme", "stage_name", "reasons", "link"},
    "application_result": {"application_theme", "outcome", "grade", "link"},
    "consultation_due_soon": {"closes_at", "days_left", "link"},
    "application_lapsed": {"application_theme", "campaign_name", "closes_at", "lapse", "link"},
    "presentation_invited": {"application_theme", "campaign_name", "link"},
    "account_invite": {"username", "expires_at", "link"},
    "password_reset": {"username", "expires_at", "link"},
    "task_released": {"task_name", "released_from", "due_at", "link"},
    "objection_filed": {"reference", "application_theme", "unit_name", "link"},
    "notice_published": {"application_theme", "grade", "notice_end", "link"},
}
DIGEST_ITEM_KEYS = ["task_name", "application_theme", "assignee_name", "due_at", "overdue_hours"]
LOCALES = ["zh-CN", "en"]
TEMPLATES = sorted(CONTRACT)
XSS = '<script>alert("x")</script>'
HAN = re.compile(r"[\u4e00-\u9fff]")


def test_template_set_matches_contract() -> None:
    assert template_names() == TEMPLATES


def test_samples_cover_contract(sample_context) -> None:
    for template, keys in CONTRACT.items():
        assert set(sample_context(template)) == keys, template


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("template", TEMPLATES)
def test_every_template_renders(template: str, locale: str, sample_context) -> None:
    context = sample_context(template)
    rendered = render(template, context, locale)

    assert rendered.subject and "\n" not in rendered.subject
    assert rendered.subject == rendered.subject.strip()
    assert rendered.text.strip() and rendered.html.startswith("<!DOCTYPE html>")
    assert context["link"] in rendered.text
    assert f'href="{context["link"]}"' in rendered.html
    assert rendered.link == context["link"]
    for part in (rendered.subject, rendered.text, rendered.html):
        assert "None" not in part and "Undefined" not in part and "{{" not in part and "{%" not in part
    assert "\n\n\n" not in rendered.text
    if locale == "en":
        # Only user data (names, themes) may be Chinese in the English version.
        assert not HAN.search(_strip_values(rendered.text, context))
        assert not HAN.search(_strip_values(rendered.subject, context))
        assert 'lang="en"' in rendered.html
    else:
        assert 'lang="zh-CN"' in rendered.html
        assert "请勿直接回复" in rendered.text


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("template", TEMPLATES)
def test_each_documented_key_is_required(template: str, locale: str, sample_context) -> None:
    for key in sorted(CONTRACT[template]):
        context = sample_context(template)
        del context[key]
        with pytest.raises(TemplateContextError) as excinfo:
            render(template, context, locale)
        assert excinfo.value.key == key
        assert key in str(excinfo.value) and template in str(excinfo.value)


@pytest.mark.parametrize("key", DIGEST_ITEM_KEYS)
def test_digest_items_need_every_key(key: str, sample_context) -> None:
    context = sample_context("office_digest")
    del context["items"][0][key]
    with pytest.raises(TemplateContextError) as excinfo:
        render("office_digest", context)
    assert excinfo.value.key == key


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("template", [t for t in TEMPLATES if "application_theme" in CONTRACT[t]])
def test_html_escapes_application_theme(template: str, locale: str, sample_context) -> None:
    context = sample_context(template)
    context["application_theme"] = XSS
    rendered = render(template, context, locale)
    assert "<script>" not in rendered.html
    assert "&lt;script&gt;" in rendered.html
    # Plain text and subject are not HTML: no entities there.
    assert XSS in rendered.text or "&lt;" not in rendered.text
    assert "&lt;" not in rendered.subject


@pytest.mark.parametrize("locale", LOCALES)
def test_html_escapes_digest_items_and_link(locale: str, sample_context) -> None:
    context = sample_context("office_digest")
    context["items"][0]["application_theme"] = XSS
    context["items"][0]["assignee_name"] = "<b>王五</b>"
    context["link"] = 'https://x.example/?a=1&b="2"'
    html = render("office_digest", context, locale).html
    assert "<script>" not in html and "<b>" not in html
    assert 'href="https://x.example/?a=1&amp;b=&#34;2&#34;"' in html


def test_unknown_template() -> None:
    for name in ("no_such_template", "../zh-CN/window_open", "_layout", "Window_Open", ""):
        with pytest.raises(TemplateNotFound):
            render(name, {})


@pytest.mark.parametrize(
    ("requested", "expected"),
    [("zh-CN", "zh-CN"), ("zh_CN", "zh-CN"), ("zh", "zh-CN"), ("zh-TW", "zh-CN"), ("fr", "zh-CN"),
     ("", "zh-CN"), (None, "zh-CN"), ("en", "en"), ("en-US", "en"), ("EN_gb", "en"), ("eng", "zh-CN")],
)
def test_normalise_locale(requested, expected) -> None:
    assert normalise_locale(requested) == expected


def test_unknown_locale_falls_back_to_chinese(sample_context) -> None:
    context = sample_context("task_assigned")
    assert render("task_assigned", context, "fr-FR") == render("task_assigned", context, "zh-CN")
    assert render("task_assigned", context, "en-GB") == render("task_assigned", context, "en")


def test_dates_rendered_in_shanghai_time(sample_context) -> None:
    zh = render("task_due_soon", sample_context("task_due_soon"), "zh-CN")
    en = render("task_due_soon", sample_context("task_due_soon"), "en")
    assert "2026年12月31日 23:59" in zh.text and "2026年12月31日 23:59" in zh.html
    assert "2026-12-31 23:59 (UTC+8)" in en.text


def test_none_datetime_is_a_context_error(sample_context) -> None:
    context = sample_context("task_due_soon")
    context["due_at"] = None
    with pytest.raises(TemplateContextError, match="None"):
        render("task_due_soon", context)


def test_task_without_deadline(sample_context) -> None:
    context = sample_context("task_assigned")
    context["due_at"] = None
    assert "办理期限：未设定" in render("task_assigned", context).text
    assert "Due: no deadline" in render("task_assigned", context, "en").text


def test_greeting_uses_recipient_name_when_given(sample_context) -> None:
    context = sample_context("task_assigned")
    assert render("task_assigned", context).text.startswith("您好！")
    context["recipient_name"] = "张三"
    assert render("task_assigned", context).text.startswith("尊敬的张三：")
    assert render("task_assigned", context, "en").text.startswith("Dear 张三,")


def test_submission_due_soon_varies_with_draft_and_days(sample_context) -> None:
    context = sample_context("submission_due_soon")
    with_draft = render("submission_due_soon", context).text
    context["has_draft"] = False
    without_draft = render("submission_due_soon", context).text
    assert "草稿" in with_draft and "草稿" not in without_draft
    assert "3天后截止" in render("submission_due_soon", context).subject
    context["days_left"] = 0
    assert "今日截止" in render("submission_due_soon", context).subject
    context["days_left"] = 1
    assert render("submission_due_soon", context, "en").subject.endswith("close in 1 day")


def test_window_open_does_not_repeat_year(sample_context) -> None:
    context = sample_context("window_open")
    assert "2026年度“职工创新性工作评比”" in render("window_open", context).text
    context["campaign_name"] = "2026年度职工创新性工作评比"
    text = render("window_open", context).text
    assert "2026年度“2026年度" not in text and "“2026年度职工创新性工作评比”" in text


@pytest.mark.parametrize("locale", LOCALES)
def test_every_outcome_has_its_own_wording(locale: str, sample_context) -> None:
    texts = {}
    for outcome in ("awarded", "not_awarded", "rejected", "not_shortlisted", "lapsed"):
        context = sample_context("application_result")
        context.update(outcome=outcome, grade=None if outcome != "awarded" else "二等奖")
        texts[outcome] = render("application_result", context, locale).text
    assert len(set(texts.values())) == 5
    assert "二等奖" in texts["awarded"]


def test_awarded_without_grade(sample_context) -> None:
    context = sample_context("application_result")
    context["grade"] = None
    assert "获得表彰" in render("application_result", context).text


def test_unknown_outcome_is_rejected(sample_context) -> None:
    context = sample_context("application_result")
    context["outcome"] = "promoted"
    with pytest.raises(TemplateContextError, match="promoted") as excinfo:
        render("application_result", context)
    assert excinfo.value.key == "outcome"


@pytest.mark.parametrize(
    ("reasons", "expected"),
    [
        (["材料不全", "缺少盖章"], ["1. 材料不全", "2. 缺少盖章"]),
        ("佐证材料不完整。\n请补充。", ["佐证材料不完整。\n请补充。"]),
        ([], ["（未填写具体意见）"]),
        ("  ", ["（未填写具体意见）"]),
    ],
)
def test_returned_reasons_list_or_text(reasons, expected, sample_context) -> None:
    context = sample_context("application_returned")
    context["reasons"] = reasons
    rendered = render("application_returned", context)
    for fragment in expected:
        assert fragment in rendered.text
    assert "资格审查" in rendered.text


def test_empty_digest(sample_context) -> None:
    context = sample_context("office_digest")
    context["items"] = []
    rendered = render("office_digest", context)
    assert "共0项" in rendered.subject and "暂无需要督办" in rendered.text
    assert "<table style=\"border-collapse:collapse;width:100%" not in rendered.html


def test_digest_lists_items_in_order(sample_context) -> None:
    rendered = render("office_digest", sample_context("office_digest"))
    assert "【督办汇总】2027年1月3日待办事项汇总（共2项）" == rendered.subject
    first, second = rendered.text.index("1. 复审评分"), rendered.text.index("2. 单位签批")
    assert first < second
    assert "已逾期3天" in rendered.text and "已逾期5小时" in rendered.text


@pytest.mark.parametrize("locale", LOCALES)
def test_digest_and_escalation_never_call_an_overdue_task_not_overdue(locale: str, sample_context) -> None:
    """The digest lists only overdue tasks: under a day late reads in hours, under an hour says so."""
    words = {"zh-CN": ("不足1小时", "1小时", "23小时", "1天", "2天"),
             "en": ("less than an hour", "1 hour", "23 hours", "1 day", "2 days")}[locale]
    for hours, expected in zip((0, 1, 23, 24, 71), words):
        digest = sample_context("office_digest")
        for item in digest["items"]:
            item["overdue_hours"] = hours
        escalated = sample_context("task_escalated") | {"overdue_hours": hours}
        for name, context in (("office_digest", digest), ("task_escalated", escalated)):
            rendered = render(name, context, locale)
            for part in (rendered.text, rendered.html):
                assert expected in part and "尚未逾期" not in part and "not yet overdue" not in part, (name, hours)
                assert "0天" not in part and "0 days" not in part
        assert expected in render("task_escalated", escalated, locale).subject


def test_subject_cannot_contain_line_breaks(sample_context) -> None:
    context = sample_context("task_assigned")
    context["task_name"] = "初审\r\nBcc: victim@example.com"
    subject = render("task_assigned", context).subject
    assert "\r" not in subject and "\n" not in subject


def _strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def _strip_values(text: str, context: dict) -> str:
    for value in sorted(_strings(context), key=len, reverse=True):
        text = text.replace(value, "")
    return text


@pytest.mark.parametrize("locale", LOCALES)
def test_lapse_notice_says_why_and_copes_with_an_untitled_draft(locale: str, sample_context) -> None:
    words = {"zh-CN": {"not_submitted": "仍未提交主要领导签字", "not_signed": "尚未经主要领导审核签字"},
             "en": {"not_submitted": "had not been submitted", "not_signed": "had not been signed off"}}[locale]
    for lapse, expected in words.items():
        context = sample_context("application_lapsed") | {"lapse": lapse}
        rendered = render("application_lapsed", context, locale)
        assert expected in rendered.text and expected in rendered.html
        assert ("2026年12月31日 23:59" if locale == "zh-CN" else "2026-12-31 23:59") in rendered.text
    untitled = render("application_lapsed", sample_context("application_lapsed") | {"application_theme": ""}, locale)
    assert ("尚未填写主题" if locale == "zh-CN" else "no title yet") in untitled.text + untitled.subject
    assert "“”" not in untitled.text + untitled.subject
    with pytest.raises(TemplateContextError):
        render("application_lapsed", sample_context("application_lapsed") | {"lapse": "withdrawn"}, locale)


@pytest.mark.parametrize("locale", LOCALES)
def test_a_result_gives_the_unit_its_reasons_when_there_are_some(locale: str, sample_context) -> None:
    context = sample_context("application_result") | {"outcome": "not_shortlisted", "grade": None}
    plain = render("application_result", context, locale)
    told = render("application_result", context | {"reasons": "与往年项目<重复>"}, locale)
    assert "与往年项目<重复>" in told.text and "与往年项目&lt;重复&gt;" in told.html
    assert "<重复>" not in plain.text and ("理由" not in plain.text if locale == "zh-CN" else "reasons" not in plain.text)


@pytest.mark.parametrize("locale", LOCALES)
def test_an_invitation_names_the_session_when_one_is_scheduled(locale: str, sample_context) -> None:
    context = sample_context("presentation_invited")
    unscheduled = render("presentation_invited", context, locale).text
    scheduled = render("presentation_invited", context | {"session_date": "2027-01-08 09:00", "session_place": "市总工会三楼会议室",
                                                           "session_order": 3}, locale).text
    assert "2027-01-08 09:00" in scheduled and "市总工会三楼会议室" in scheduled and "3" in scheduled
    assert "2027-01-08" not in unscheduled
    assert ("请留意后续通知" in unscheduled) if locale == "zh-CN" else ("watch for its notice" in unscheduled)
