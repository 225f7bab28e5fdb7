"""The application timeline as sentences ("孙丽华 保存了草稿：修改了 具体成效、完善过程"): one sentence
template of the catalogue per audit action, fields by their form titles, values by their labels; never
``key=value``, a dict dump or a hash."""
from __future__ import annotations

from typing import Any, Callable, Mapping

from service.catalogue import N_, _, locale, name_of
from service.catalogue.codes import ACTION

# One sentence per action; {actor} is who, {task} the task's name. Actions without one read
# "{actor} <the action's name>" (every action shown has a name in codes.ACTION).
SENTENCES: dict[str, str] = {
    "create": N_("{actor} 创建了申报"),
    "update_draft": N_("{actor} 保存了草稿：修改了 {fields}"),
    "attach": N_("{actor} 上传了附件“{filename}”"),
    "withdraw": N_("{actor} 撤回了申报：{reason}"),
    "complete": N_("{actor} 办理了“{task}”"),
    "claim": N_("{actor} 认领了“{task}”"),
    "unclaim": N_("{actor} 释放了“{task}”，退回待认领"),
    "urge": N_("{actor} 催办了“{task}”"),
    "reassign": N_("{actor} 将“{task}”改派给 {to}"),
    "delegate": N_("{actor} 将“{task}”转交给 {to}"),
    "release_task": N_("{actor} 的“{task}”退回待认领"),
    "incident": N_("流程在“{element}”出现异常"),
    "retry_incident": N_("{actor} 重试了异常环节“{element}”"),
    "element": N_("流程经过“{what}”"),
    "paper_score_sheet": N_("{actor} 代为录入了“{task}”的纸质评分表"),
    "replace_scorer": N_("{actor} 将“{task}”改由 {to} 评分"),
    "close_sheet": N_("{actor} 关闭了未提交的“{task}”"),
    "close_scoring": N_("{actor} 结束了民主测评"),
    "decide": N_("{what}（{actor}）"),
    "migrate_instance": N_("{actor} 将流程迁移到新版本：{reason}"),
    "modify_instance": N_("{actor} 取消了“{element}”，改从另一环节重新办理：{reason}"),
    # the public notice's records (service/workflows/public_notice.py): the sentence is made here, from the
    # record's detail, in the reader's language; the record keeps only the facts
    "publish_notice": N_("{actor} 发布公示：{count} 个项目，公示期 {starts_at} 至 {ends_at}（{working_days} 个工作日）"),
    "notice_held": N_("公示期已满，尚有 {pending} 件异议待处理，结果待处理结论作出后生效"),
    "finalise_notice": N_("公示期满，无待处理异议：{count} 个项目的评比结果生效"),
    "file_objection": N_("{name} 对“{theme}”提出实名异议（编号 {reference}）"),
    "record_finding": N_("{actor} 对异议 {reference} 作出处理结论：{finding}；理由：{reasons}"),
}
BACK_TO_DECISION = N_("{sentence}；项目退回领导小组重新确定等次")
SAVED_DRAFT = N_("{actor} 保存了草稿")
WITHDREW = N_("{actor} 撤回了申报")
ACTED = N_("{actor} {action}")


def sentence(row: Mapping[str, Any], detail: Mapping[str, Any] | None, names: Mapping[int, str],
             title: Callable[[str], str]) -> str:
    action, d = row["action"], detail or {}
    kw = {"actor": row["actor"], "task": row.get("what") or "", "what": row.get("what") or ""}
    if action == "update_draft":
        fields = [title(f) for f in d.get("fields") or []]
        return _(SENTENCES[action], fields="、".join(fields), **kw) if fields else _(SAVED_DRAFT, **kw)
    if action == "withdraw" and not d.get("reason"):
        return _(WITHDREW, **kw)
    if action in ("reassign", "delegate", "replace_scorer"):
        kw["to"] = names.get(d.get("to") or 0, "—")
    if action in SENTENCES:
        text = _(SENTENCES[action], filename=d.get("filename", ""), reason=d.get("reason", ""),
                 element=d.get("element_name") or d.get("element", ""), **{"to": kw.pop("to", "")},
                 **_facts(d), **kw)
        return _(BACK_TO_DECISION, sentence=text) if action == "record_finding" and d.get("back_to_decision") else text
    if action not in ACTION:
        name_of("action", action)  # reported: an action a person sees needs a name
    return _(ACTED, action=name_of("action", action) if action in ACTION else action, actor=kw["actor"])


def _facts(d: Mapping[str, Any]) -> dict[str, Any]:
    """A record's facts as a sentence names them: counts, Beijing times to the minute, codes by their names."""
    facts: dict[str, Any] = {k: d.get(k, "") for k in ("working_days", "pending", "name", "theme", "reference",
                                                      "reasons")}
    facts["count"] = len(d.get("application_ids") or [])
    for key in ("starts_at", "ends_at"):
        facts[key] = str(d.get(key) or "")[:16].replace("T", " ")
    facts["finding"] = name_of("finding", d["finding"]) if d.get("finding") else ""
    return facts


def items(data: Any, title: Callable[[str], str], label: Callable[[str, Any], str]) -> list[tuple[str, str]]:
    """What a completed task entered, as (field title, value in words); empty values and what the system
    added (keys no form names, e.g. the signing leader's id) left out."""
    if not isinstance(data, Mapping):
        return []
    out = []
    for key, value in data.items():
        shown = _value(key, value, title, label) if title(key) != key else ""
        if shown:
            out.append((title(key), shown))
    return out


def _value(key: str, value: Any, title: Callable[[str], str], label: Callable[[str, Any], str]) -> str:
    if value is None or value == "" or value == [] or value == {}:
        return ""
    if isinstance(value, bool):
        return _("是") if value else _("否")
    if isinstance(value, Mapping):
        parts = [f"{title(k)}：{_value(k, v, title, label)}" for k, v in value.items() if _value(k, v, title, label)]
        return "；".join(parts)
    if isinstance(value, (list, tuple)):
        return "、".join(s for s in (_value(key, v, title, label) for v in value) if s)
    return label(key, value)


__all__ = ["SENTENCES", "sentence", "items", "locale"]
