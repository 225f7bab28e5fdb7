"""The pages' language helpers over the catalogue (``service/catalogue``): the page language, a form
schema's words, the task button and the error pages' sentences. Text itself is ``_("中文")``."""
from __future__ import annotations

import re

from service import work_kinds
from service.catalogue import N_, _, current_locale, html_lang, translated
from service.catalogue import web as _catalogue_web  # noqa: F401  (requests choose the locale)

LANGUAGES = ("zh-CN", "en")

# The button that opens a task of this form from its application's page (default: "办理：<task name>").
FORM_ACTIONS = {work_kinds.LEADER_SIGNOFF: N_("签批"), work_kinds.APPLICATION: N_("修改申报表")}
# What an error page says for a status when the service's own words are not in the page's language.
ERROR_PAGES = {
    400: N_("请求有误，请返回后重试。"), 403: N_("您没有办理或查看此事项的权限。"),
    404: N_("您要找的页面或事项不存在，或您无权查看。"), 405: N_("不支持此操作。"),
    409: N_("此事项的状态已经变化，当前不能进行该操作，请刷新后查看。"), 422: N_("提交的内容有误，请修改后重试。"),
    429: N_("操作过于频繁，请稍后再试。"), 500: N_("系统出现错误，请稍后再试。"),
}
# The request decoding's errors carry a code (service/decoding.py); a page says them in words.
DECODING_ERRORS = {
    "unstorable_text": N_("“{field}”含有无法保存的字符 {char}（空字符或不成对的代理项），请删除后重试"),
    "json_too_deep": N_("“{field}”的 JSON 嵌套超过 {limit} 层"),
}


def lang() -> str:
    """The page language as the session and ``<html lang>`` spell it (``zh-CN`` / ``en``)."""
    return html_lang(current_locale())


def title_of(schema: dict) -> str:
    """A schema node's title (a Chinese msgid) in the page language."""
    return translated(schema.get("title") or "")


def enum_label(schema: dict, value: str) -> str:
    labels = schema.get("x-enum-labels") or {}
    return translated(labels.get(value, value))


def task_action(form_key: str, name: str) -> str:
    """The label of the button that opens a task from its application's page: "签批", or "办理：<task>"."""
    msgid = FORM_ACTIONS.get(form_key)
    return _(msgid) if msgid else _("办理：{name}", name=name)


_CJK = re.compile(r"[\u3400-\u9fff]")


def error_text(status: int, detail: str | None) -> str:
    """What an error page says: the service's own words when they are in the page's language, else a
    sentence for the status."""
    if detail and (lang() == "en") != bool(_CJK.search(detail)):
        return detail
    return _(ERROR_PAGES.get(status, ERROR_PAGES[500]))
