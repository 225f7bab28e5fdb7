"""Page texts in Simplified Chinese (default) and English; ``t(key)`` picks the session's language."""
from __future__ import annotations

import re

from flask import request, session

LANGUAGES = ("zh-CN", "en")

MESSAGES: dict[str, dict[str, str]] = {
    "app_name": {"zh-CN": "创新性工作评比", "en": "Innovation Work Appraisal"},
    "login": {"zh-CN": "登录", "en": "Log in"},
    "logout": {"zh-CN": "退出", "en": "Log out"},
    "username": {"zh-CN": "用户名", "en": "Username"},
    "password": {"zh-CN": "密码", "en": "Password"},
    "bad_login": {"zh-CN": "用户名或密码错误", "en": "Wrong username or password"},
    "too_many": {"zh-CN": "尝试次数过多，请一分钟后再试", "en": "Too many attempts; try again in a minute"},
    "csrf_failed": {"zh-CN": "页面已过期，请刷新后重试", "en": "The page expired; reload and try again"},
    "change_password": {"zh-CN": "修改密码", "en": "Change password"},
    "current_password": {"zh-CN": "当前密码", "en": "Current password"},
    "new_password": {"zh-CN": "新密码", "en": "New password"},
    "repeat_password": {"zh-CN": "再次输入新密码", "en": "New password again"},
    "passwords_differ": {"zh-CN": "两次输入的新密码不一致", "en": "The two new passwords differ"},
    "password_changed": {"zh-CN": "密码已修改。您在其他浏览器和设备上的登录及 API 令牌均已失效，本次登录继续有效。",
                         "en": "Password changed. Your logins in other browsers and devices and your API tokens no "
                               "longer work; this login continues."},
    "inbox": {"zh-CN": "待办事项", "en": "Task inbox"},
    "notifications": {"zh-CN": "消息通知", "en": "Notifications"},
    "dashboard": {"zh-CN": "评比看板", "en": "Campaign dashboard"},
    "processes": {"zh-CN": "流程管理", "en": "Processes"},
    "forms_admin": {"zh-CN": "表单管理", "en": "Forms"},
    "form_schema": {"zh-CN": "表单定义（JSON Schema）", "en": "Form definition (JSON Schema)"},
    "deploy_form": {"zh-CN": "发布新版本", "en": "Deploy a new version"},
    "form_deployed": {"zh-CN": "表单已发布", "en": "Form deployed"},
    "not_json": {"zh-CN": "不是有效的 JSON", "en": "Not valid JSON"},
    "my_applications": {"zh-CN": "本单位申报", "en": "My unit's applications"},
    "new_application": {"zh-CN": "新建申报", "en": "New application"},
    "scoring_sheet": {"zh-CN": "评分表", "en": "Scoring sheet"},
    "open_tasks": {"zh-CN": "待办任务", "en": "Open tasks"},
    "overdue": {"zh-CN": "已逾期", "en": "Overdue"},
    "due": {"zh-CN": "截止", "en": "Due"},
    "no_due": {"zh-CN": "无期限", "en": "No due date"},
    "task": {"zh-CN": "任务", "en": "Task"},
    "application": {"zh-CN": "申报项目", "en": "Application"},
    "unit": {"zh-CN": "单位", "en": "Unit"},
    "stage": {"zh-CN": "阶段", "en": "Stage"},
    "status": {"zh-CN": "状态", "en": "Status"},
    "open": {"zh-CN": "办理", "en": "Open"},
    "no_tasks": {"zh-CN": "暂无待办事项", "en": "Nothing to do right now"},
    "count": {"zh-CN": "数量", "en": "Count"},
    "save_draft": {"zh-CN": "保存草稿", "en": "Save draft"},
    "submit_application": {"zh-CN": "提交主要领导签字", "en": "Submit for the leader's sign-off"},
    "submit": {"zh-CN": "提交", "en": "Submit"},
    "saved": {"zh-CN": "已保存", "en": "Saved"},
    "submitted": {"zh-CN": "已提交", "en": "Submitted"},
    "missing": {"zh-CN": "尚缺内容", "en": "Still missing"},
    "nothing_missing": {"zh-CN": "必填内容已齐全，可以提交", "en": "Everything required is filled in"},
    "attachments": {"zh-CN": "附件", "en": "Attachments"},
    "upload": {"zh-CN": "上传", "en": "Upload"},
    "attachment_rules": {"zh-CN": "支持 PDF、PNG、JPEG、Word，单个文件不超过 {mb} MB",
                         "en": "PDF, PNG, JPEG or Word; at most {mb} MB per file"},
    "uploaded": {"zh-CN": "附件已上传", "en": "Attachment uploaded"},
    "form_errors": {"zh-CN": "请修改标出的内容", "en": "Please correct the marked fields"},
    "required": {"zh-CN": "必填", "en": "Required"},
    "yes": {"zh-CN": "是", "en": "Yes"},
    "no": {"zh-CN": "否", "en": "No"},
    "add_row": {"zh-CN": "添加一行", "en": "Add a row"},
    "print": {"zh-CN": "打印申报表（一式两份）", "en": "Print the form (two copies)"},
    "copy": {"zh-CN": "第 {n} 份", "en": "Copy {n}"},
    "signature": {"zh-CN": "主要领导签字", "en": "Principal leader's signature"},
    "timeline": {"zh-CN": "办理记录", "en": "Timeline"},
    "who": {"zh-CN": "办理人", "en": "Who"},
    "when": {"zh-CN": "时间", "en": "When"},
    "what": {"zh-CN": "事项", "en": "What"},
    "process_view": {"zh-CN": "流程图", "en": "Process diagram"},
    "completed": {"zh-CN": "已完成", "en": "Completed"},
    "active": {"zh-CN": "进行中", "en": "Active"},
    "pending": {"zh-CN": "未开始", "en": "Pending"},
    "version": {"zh-CN": "版本", "en": "Version"},
    "ranking": {"zh-CN": "排名", "en": "Ranking"},
    "final_score": {"zh-CN": "最终得分", "en": "Final score"},
    "grade": {"zh-CN": "等次", "en": "Grade"},
    "calculation": {"zh-CN": "计算过程", "en": "Calculation"},
    "distribution": {"zh-CN": "评分分布", "en": "Score distribution"},
    "scorer": {"zh-CN": "评分人", "en": "Scorer"},
    "total": {"zh-CN": "合计", "en": "Total"},
    "dropped": {"zh-CN": "去掉", "en": "Dropped"},
    "method_trimmed_mean": {"zh-CN": "去掉一个最高分和一个最低分后取平均", "en": "Mean after dropping the highest and lowest"},
    "method_mean": {"zh-CN": "算术平均", "en": "Mean"},
    "recused": {"zh-CN": "回避", "en": "Recused"},
    "recusals": {"zh-CN": "回避情况", "en": "Recusals"},
    "running_total": {"zh-CN": "加权合计", "en": "Weighted total"},
    "submit_scores": {"zh-CN": "提交全部评分（提交后不可修改）", "en": "Submit all scores (final)"},
    "no_scoring": {"zh-CN": "没有待评分的项目", "en": "No items to score"},
    "max": {"zh-CN": "满分", "en": "max"},
    "weight": {"zh-CN": "权重", "en": "weight"},
    "comment": {"zh-CN": "评语", "en": "Comment"},
    "claim": {"zh-CN": "认领", "en": "Claim"},
    "claimed_by_you": {"zh-CN": "已由您认领", "en": "Claimed by you"},
    "claimed_by_other": {"zh-CN": "已由他人认领", "en": "Claimed by someone else"},
    "done": {"zh-CN": "已办理完毕", "en": "Done"},
    "per_stage": {"zh-CN": "各阶段申报数", "en": "Applications per stage"},
    "per_unit": {"zh-CN": "各单位申报数", "en": "Applications per unit"},
    "not_applied": {"zh-CN": "尚未申报的单位", "en": "Units that have not applied"},
    "overdue_tasks": {"zh-CN": "逾期任务", "en": "Overdue tasks"},
    "reminders": {"zh-CN": "提醒发送情况", "en": "Reminders sent"},
    "channel": {"zh-CN": "渠道", "en": "Channel"},
    "recipient": {"zh-CN": "接收人", "en": "Recipient"},
    "export_scores": {"zh-CN": "导出评分表 (Excel)", "en": "Export score sheet (Excel)"},
    "export_results": {"zh-CN": "导出评比结果 (Excel)", "en": "Export results (Excel)"},
    "commendation_list_pdf": {"zh-CN": "表彰名单 (PDF)", "en": "Commendation list (PDF)"},
    "certificates_pdf": {"zh-CN": "全部荣誉证书 (PDF)", "en": "All certificates (PDF)"},
    "certificate": {"zh-CN": "荣誉证书", "en": "Certificate"},
    "applications": {"zh-CN": "申报项目", "en": "Applications"},
    "none": {"zh-CN": "无", "en": "None"},
    "mark_all_read": {"zh-CN": "全部标为已读", "en": "Mark all read"},
    "unread": {"zh-CN": "未读", "en": "Unread"},
    "no_messages": {"zh-CN": "暂无消息", "en": "No messages"},
    "modeler": {"zh-CN": "流程设计器", "en": "BPMN modeler"},
    "validate": {"zh-CN": "校验", "en": "Validate"},
    "download_xml": {"zh-CN": "下载 BPMN", "en": "Download BPMN"},
    "deploy": {"zh-CN": "部署为新版本", "en": "Deploy as a new version"},
    "valid": {"zh-CN": "校验通过", "en": "Valid"},
    "invalid": {"zh-CN": "校验未通过", "en": "Not valid"},
    "deployed": {"zh-CN": "已部署版本", "en": "Deployed version"},
    "deployed_by": {"zh-CN": "部署人", "en": "Deployed by"},
    "deployed_at": {"zh-CN": "部署时间", "en": "Deployed at"},
    "edit": {"zh-CN": "编辑", "en": "Edit"},
    "diff": {"zh-CN": "对比", "en": "Diff"},
    "diff_prev": {"zh-CN": "与上一版本对比", "en": "Diff with previous"},
    "versions": {"zh-CN": "版本列表", "en": "Versions"},
    "properties": {"zh-CN": "属性", "en": "Properties"},
    "element": {"zh-CN": "元素", "en": "Element"},
    "select_element": {"zh-CN": "选择流程元素", "en": "Choose an element"},
    "form_key": {"zh-CN": "表单 (formKey)", "en": "Form (formKey)"},
    "due_in": {"zh-CN": "办理期限 (dueIn, 如 P7D)", "en": "Due in (dueIn, e.g. P7D)"},
    "assignee_variable": {"zh-CN": "办理人变量 (assigneeVariable)", "en": "Assignee variable"},
    "lane_role": {"zh-CN": "泳道 = 角色", "en": "Lane = role"},
    "handler": {"zh-CN": "处理函数名", "en": "Handler name"},
    "timer": {"zh-CN": "定时器表达式", "en": "Timer expression"},
    "name": {"zh-CN": "名称", "en": "Name"},
    "deploy_comment": {"zh-CN": "版本说明", "en": "Version comment"},
    "user_task_changes": {"zh-CN": "用户任务属性变化", "en": "User task changes"},
    "xml_diff": {"zh-CN": "XML 差异", "en": "XML diff"},
    "no_changes": {"zh-CN": "无变化", "en": "No changes"},
    "language": {"zh-CN": "English", "en": "中文"},
    "back": {"zh-CN": "返回", "en": "Back"},
    "decision_basis": {"zh-CN": "集体研究依据", "en": "Basis for the decision"},
    "award_result": {"zh-CN": "评比结果", "en": "Result"},
    "not_found": {"zh-CN": "未找到", "en": "Not found"},
    "forbidden": {"zh-CN": "无权访问", "en": "Not allowed"},
    "error": {"zh-CN": "出错了", "en": "Something went wrong"},
    "unstorable_text": {"zh-CN": "“{field}”含有无法保存的字符 {char}（空字符或不成对的代理项），请删除后重试",
                        "en": "“{field}” contains {char}, which cannot be stored (NUL or an unpaired surrogate); remove it and try again"},
    "json_too_deep": {"zh-CN": "“{field}”的 JSON 嵌套超过 {limit} 层", "en": "“{field}”: JSON nested deeper than {limit} levels"},
    "not_in_window": {"zh-CN": "当前不在申报时间内", "en": "The submission window is not open"},
    "submitted_at": {"zh-CN": "提交时间", "en": "Submitted at"},
    "file": {"zh-CN": "文件", "en": "File"},
    "size": {"zh-CN": "大小", "en": "Size"},
    "all_tasks": {"zh-CN": "全部待办", "en": "All my tasks"},
    "supervision": {"zh-CN": "督办：全部待办", "en": "Supervision: everyone's open tasks"},
    "overdue_only": {"zh-CN": "只看已逾期", "en": "Overdue only"},
    "all_stages": {"zh-CN": "全部阶段", "en": "All stages"},
    "all_statuses": {"zh-CN": "全部状态", "en": "All statuses"},
    "all_units": {"zh-CN": "全部单位", "en": "All units"},
    "all_campaigns": {"zh-CN": "全部评比", "en": "All campaigns"},
    "filter": {"zh-CN": "筛选", "en": "Filter"},
    "campaign": {"zh-CN": "评比", "en": "Campaign"},
    "handled_by": {"zh-CN": "承办人", "en": "Handled by"},
    "unclaimed_pool": {"zh-CN": "{role}（待认领，{n}人）", "en": "{role} (unclaimed; {n} may claim it)"},
    "lapsed_applications": {"zh-CN": "逾期失效的申报", "en": "Lapsed applications"},
    "incidents": {"zh-CN": "流程异常", "en": "Incidents"},
    "incidents_help": {"zh-CN": "流程在以下环节执行失败并停在该处。请先修正原因（如在评比活动中补充评分成员），再点“重试”。",
                       "en": "The process failed at these elements and waits there. Fix the cause (e.g. add scorers to "
                             "the campaign), then retry."},
    "incident_element": {"zh-CN": "异常环节", "en": "Failed element"},
    "incident_error": {"zh-CN": "错误信息", "en": "Error"},
    "incident_failed_at": {"zh-CN": "最近失败时间", "en": "Last failed"},
    "incident_attempts": {"zh-CN": "失败次数", "en": "Failures"},
    "retry": {"zh-CN": "重试", "en": "Retry"},
    "retry_resolved": {"zh-CN": "重试成功，流程已继续", "en": "Retried: the process has moved on"},
    "retry_failed": {"zh-CN": "重试仍然失败：{error}", "en": "The retry failed again: {error}"},
    "lapsed_at": {"zh-CN": "失效时间", "en": "Lapsed at"},
    "stopped_at": {"zh-CN": "截止时停留环节", "en": "Waiting at"},
    "unit_told": {"zh-CN": "已通知本单位", "en": "Unit told"},
    "not_told": {"zh-CN": "未通知", "en": "Not told"},
    "open_count": {"zh-CN": "待办任务：{n}", "en": "Open tasks: {n}"},
    "next_step": {"zh-CN": "下一步", "en": "Next step"},
    "your_turn": {"zh-CN": "待您办理：{name}", "en": "Your turn: {name}"},
    "waiting_for": {"zh-CN": "待{role}办理：{name}", "en": "Waiting for {role}: {name}"},
    "in_progress": {"zh-CN": "系统处理中", "en": "Being processed"},
    "result_final": {"zh-CN": "评比已结束", "en": "Finished"},
    "lapsed_note": {"zh-CN": "申报截止时尚未完成提交和签字，已作失效处理，不再进入后续评审。",
                    "en": "It was not submitted and signed off before the window closed; it lapsed and is not reviewed."},
    "feedback_returned": {"zh-CN": "退回修改意见", "en": "Why it was returned"},
    "feedback_rejected": {"zh-CN": "未通过审核的理由", "en": "Why it was not accepted"},
    "feedback_not_shortlisted": {"zh-CN": "未入选的理由", "en": "Why it was not shortlisted"},
    "feedback_from": {"zh-CN": "{step} · {at}", "en": "{step} · {at}"},
    "presentation_invited_note": {"zh-CN": "已列入初步入选名单：邀请本单位参加公开讲述，时间、地点和顺序由评比办公室安排。",
                                  "en": "On the initial shortlist: your unit is invited to present; the office arranges the date, place and order."},
    "result_awarded": {"zh-CN": "评比结果：获评{grade}。", "en": "Result: awarded {grade}."},
    "result_not_awarded": {"zh-CN": "评比结果：未获本年度表彰。", "en": "Result: no award this year."},
    "window_open_until": {"zh-CN": "“{name}”正在申报，截止时间 {closes}", "en": "“{name}” is open for applications until {closes}"},
    "window_closed": {"zh-CN": "当前没有正在进行的申报", "en": "No submission window is open now"},
    "unit_limit_reached": {"zh-CN": "本单位本次评比已申报 {n} 项，达到上限", "en": "Your unit has {n} applications in this campaign, the limit"},
    "no_applications": {"zh-CN": "暂无申报项目", "en": "No applications"},
    "act": {"zh-CN": "办理", "en": "Act"},
    "view": {"zh-CN": "查看", "en": "View"},
    "sign_off": {"zh-CN": "签批", "en": "Sign off"},
    "edit_application": {"zh-CN": "修改申报表", "en": "Edit the application"},
    "act_on": {"zh-CN": "办理：{name}", "en": "Act: {name}"},
    "nothing_for_you": {"zh-CN": "该申报目前没有需要您办理的事项（当前状态：{status}）",
                        "en": "There is nothing for you to do on this application now (status: {status})"},
    "read_only_task": {"zh-CN": "督办查看：您不是此任务的办理人，以下信息只读。",
                       "en": "Supervision view: you do not handle this task; read only."},
    "overdue_by": {"zh-CN": "已逾期{d}", "en": "{d} overdue"},
    "contact": {"zh-CN": "联系方式", "en": "Contact"},
    "created_at": {"zh-CN": "开始时间", "en": "Started"},
    "urge": {"zh-CN": "催办", "en": "Urge"},
    "urge_help": {"zh-CN": "向承办人发送催办通知（每人每天一次）", "en": "Send the handlers a reminder (once a day)"},
    "urged": {"zh-CN": "已向 {n} 人发送催办通知", "en": "Reminder sent to {n} people"},
    "urged_already": {"zh-CN": "今天已经催办过，通知未重复发送", "en": "Already urged today; not sent again"},
    "page_prev": {"zh-CN": "上一页", "en": "Previous"},
    "page_next": {"zh-CN": "下一页", "en": "Next"},
    "page_of": {"zh-CN": "第 {page} 页，共 {total} 项", "en": "Page {page}, {total} in all"},
    "error_400": {"zh-CN": "请求有误，请返回后重试。", "en": "The request was not understood; go back and try again."},
    "error_403": {"zh-CN": "您没有办理或查看此事项的权限。", "en": "You are not allowed to see or do this."},
    "error_404": {"zh-CN": "您要找的页面或事项不存在，或您无权查看。", "en": "The page or item does not exist, or you may not see it."},
    "error_405": {"zh-CN": "不支持此操作。", "en": "This operation is not supported here."},
    "error_409": {"zh-CN": "此事项的状态已经变化，当前不能进行该操作，请刷新后查看。",
                  "en": "This item has changed and the operation is not possible now; reload to see its state."},
    "error_422": {"zh-CN": "提交的内容有误，请修改后重试。", "en": "Some of what was submitted is not valid."},
    "error_429": {"zh-CN": "操作过于频繁，请稍后再试。", "en": "Too many requests; try again shortly."},
    "error_500": {"zh-CN": "系统出现错误，请稍后再试。", "en": "Something went wrong; please try again later."},
}

DELIVERY = {
    "pending": ("待发送", "pending"), "sending": ("发送中", "sending"), "sent": ("已发送", "sent"),
    "failed": ("发送失败", "failed"), "dead": ("已放弃发送", "given up"),
}
ROLES = {
    "unit_submitter": ("单位填报人", "unit submitter"), "unit_leader": ("单位主要领导", "unit leader"),
    "vetter": ("主管工会", "supervising union"), "leading_group": ("评比领导小组", "leading group"),
    "office": ("评比办公室", "appraisal office"), "scorer": ("评审组成员", "appraisal group member"),
    "group_leader": ("领导小组组长", "group leader"), "chair_office": ("主席办公会", "chair's office"),
    "process_admin": ("流程管理员", "process administrator"),
}
# The button that opens a task of this form from its application's page (default: "办理：<task name>").
FORM_ACTIONS = {"leader_signoff": "sign_off", "application": "edit_application"}

STAGES = {
    "submit": ("申报", "Submission"), "vetting": ("主管工会初审", "Vetting"), "preliminary": ("初评", "Preliminary review"),
    "presentation": ("公开讲述", "Presentation"), "scoring": ("民主测评", "Scoring"), "decision": ("集体研究", "Decision"),
    "confirmation": ("主席办公会确认", "Confirmation"),
}
ACTIONS = {
    "create": ("创建申报", "Created"), "update_draft": ("保存草稿", "Saved draft"), "attach": ("上传附件", "Attached a file"),
    "complete": ("办理", "Completed"), "claim": ("认领", "Claimed"), "unclaim": ("释放", "Released"),
    "urge": ("催办", "Urged"),
    "reassign": ("改派", "Reassigned"), "delegate": ("转交", "Delegated"),
    "incident": ("流程异常", "Incident"), "retry_incident": ("重试异常环节", "Retried a failed step"),
    "element": ("流程节点", "Process step"),
}
STATUSES = {
    "draft": ("草稿", "Draft"), "returned": ("已退回", "Returned"), "awaiting_signoff": ("待领导签字", "Awaiting sign-off"),
    "in_review": ("评审中", "In review"), "awarded": ("已获奖", "Awarded"), "not_awarded": ("未获奖", "Not awarded"),
    "rejected": ("未通过审核", "Rejected"), "not_shortlisted": ("未入选", "Not shortlisted"), "lapsed": ("逾期未报", "Lapsed"),
    "withdrawn": ("已撤回", "Withdrawn"),
}


def lang() -> str:
    chosen = session.get("lang")
    if chosen in LANGUAGES:
        return chosen
    best = request.accept_languages.best_match(["zh-CN", "zh", "en"]) if request else None
    return "en" if best == "en" else "zh-CN"


def t(key: str, **kw: object) -> str:
    entry = MESSAGES.get(key)
    text = (entry.get(lang()) or entry["zh-CN"]) if entry else key
    return text.format(**kw) if kw else text


def label(table: dict[str, tuple[str, str]], key: str | None) -> str:
    if not key:
        return ""
    pair = table.get(key)
    return (pair[1] if lang() == "en" else pair[0]) if pair else key


def pick(message: str) -> str:
    """The page language's half of a bilingual "中文 / English" message."""
    if " / " not in message:
        return message
    zh, _, en = message.partition(" / ")
    return en if lang() == "en" else zh


def title_of(schema: dict) -> str:
    """A schema node's title in the page language."""
    return (schema.get("x-title-en") if lang() == "en" else None) or schema.get("title") or ""


def enum_label(schema: dict, value: str) -> str:
    labels = schema.get("x-enum-labels-en" if lang() == "en" else "x-enum-labels") or schema.get("x-enum-labels") or {}
    return labels.get(value, value)


def task_action(form_key: str, name: str) -> str:
    """The label of the button that opens a task from its application's page: "签批", or "办理：<task>"."""
    key = FORM_ACTIONS.get(form_key)
    return t(key) if key else t("act_on", name=name)


_CJK = re.compile(r"[\u3400-\u9fff]")


def error_text(status: int, detail: str | None) -> str:
    """What an error page says: the service's own words when they are in the page's language, else a
    sentence for the status (service errors are written for the API, mostly in English)."""
    if detail:
        chosen = pick(detail)
        if (lang() == "en") != bool(_CJK.search(chosen)):
            return chosen
    key = f"error_{status}"
    return t(key if key in MESSAGES else "error_500")


# Organisation and accounts (issue 13.1): the office's unit, people and workbook pages, the password pages.
MESSAGES.update({
    "org": {"zh-CN": "组织机构", "en": "Organisation"},
    "org_units": {"zh-CN": "单位", "en": "Units"},
    "org_people": {"zh-CN": "人员与账号", "en": "People and accounts"},
    "org_import": {"zh-CN": "Excel 导入", "en": "Excel import"},
    "org_export": {"zh-CN": "导出 Excel", "en": "Export to Excel"},
    "org_template": {"zh-CN": "下载导入模板", "en": "Download the template"},
    "org_new_unit": {"zh-CN": "新增单位", "en": "New unit"},
    "org_new_person": {"zh-CN": "新增人员", "en": "New person"},
    "org_create": {"zh-CN": "新增单位", "en": "Create the unit"},
    "org_create_person": {"zh-CN": "新增并发送设置密码链接", "en": "Create and send the password link"},
    "org_save": {"zh-CN": "保存", "en": "Save"},
    "org_saved": {"zh-CN": "已保存：{name}", "en": "Saved: {name}"},
    "org_person_created": {"zh-CN": "已新增 {name}，设置密码的一次性链接已通过{channels}发送",
                           "en": "{name} was created; a one-time link to set the password went by {channels}"},
    "org_reset_sent": {"zh-CN": "密码已重置，原密码失效；新的一次性链接已通过{channels}发送",
                       "en": "The password was reset and the old one no longer works; a new one-time link went by {channels}"},
    "channel_email": {"zh-CN": "电子邮件", "en": "e-mail"},
    "channel_sms": {"zh-CN": "短信", "en": "SMS"},
    "channel_inapp": {"zh-CN": "站内消息", "en": "in-app message"},
    "org_active": {"zh-CN": "启用", "en": "Active"},
    "org_inactive": {"zh-CN": "停用", "en": "Deactivated"},
    "org_deactivate": {"zh-CN": "停用单位", "en": "Deactivate the unit"},
    "org_activate": {"zh-CN": "重新启用", "en": "Reactivate"},
    "org_deactivate_person": {"zh-CN": "停用账号", "en": "Deactivate the account"},
    "org_deactivate_note": {"zh-CN": "停用后立即不能登录，已登录的会话和接口令牌失效；其已认领的待办退回所在角色的待办池，并通知池中人员。",
                            "en": "A deactivated person can no longer log in and their tokens stop working; the tasks "
                                  "they had claimed go back to their role's pool, whose members are told."},
    "org_reset_password": {"zh-CN": "重置密码（发送一次性链接）", "en": "Reset the password (send a one-time link)"},
    "org_no_password_yet": {"zh-CN": "尚未设置密码", "en": "no password set yet"},
    "org_people_of_unit": {"zh-CN": "本单位人员", "en": "People of this unit"},
    "org_roles": {"zh-CN": "角色", "en": "Roles"},
    "org_search": {"zh-CN": "用户名、姓名、手机号或邮箱", "en": "Username, name, phone or e-mail"},
    "org_all_units": {"zh-CN": "全部单位", "en": "All units"},
    "org_show_inactive": {"zh-CN": "含已停用", "en": "Include deactivated"},
    "org_filter": {"zh-CN": "筛选", "en": "Filter"},
    "org_field_code": {"zh-CN": "单位代码", "en": "Code"},
    "org_field_name": {"zh-CN": "单位名称", "en": "Name"},
    "org_field_name_en": {"zh-CN": "英文名称", "en": "English name"},
    "org_field_type": {"zh-CN": "单位类型", "en": "Type"},
    "org_field_parent_id": {"zh-CN": "上级单位（主管工会）", "en": "Parent (supervising union)"},
    "org_field_is_active": {"zh-CN": "状态", "en": "Status"},
    "org_field_username": {"zh-CN": "用户名", "en": "Username"},
    "org_field_display_name": {"zh-CN": "姓名", "en": "Name"},
    "org_field_unit_id": {"zh-CN": "所属单位", "en": "Unit"},
    "org_field_roles": {"zh-CN": "角色", "en": "Roles"},
    "org_field_phone": {"zh-CN": "手机号", "en": "Phone"},
    "org_field_email": {"zh-CN": "电子邮箱", "en": "E-mail"},
    "org_import_help": {"zh-CN": "上传填好的 Excel（.xlsx）。先检查：逐行显示将新建、更新或不变，以及每个错误所在的工作表、行和列；没有错误时才能导入，导入要么全部成功，要么什么也不改。再次导入同一份表格不会改变任何内容。",
                        "en": "Upload the filled-in workbook (.xlsx). The check shows every row's result (create, update, "
                              "unchanged) and every error by sheet, row and column; only a workbook without errors can be "
                              "imported, all or nothing. Importing the same workbook again changes nothing."},
    "org_choose_file": {"zh-CN": "请选择要导入的 .xlsx 文件", "en": "Choose the .xlsx file to import"},
    "org_check": {"zh-CN": "检查", "en": "Check"},
    "org_check_result": {"zh-CN": "检查结果", "en": "Check result"},
    "org_errors_found": {"zh-CN": "发现 {n} 处错误，请在 Excel 中修改后重新上传检查；在此之前不会导入任何内容。",
                         "en": "{n} errors found: correct them in the workbook and upload it again; nothing is imported until then."},
    "org_import_now": {"zh-CN": "确认导入", "en": "Import"},
    "org_imported": {"zh-CN": "导入完成。单位：{units}；人员：{people}", "en": "Imported. Units: {units}; people: {people}"},
    "org_sheet": {"zh-CN": "工作表", "en": "Sheet"},
    "org_row": {"zh-CN": "行", "en": "Row"},
    "org_column": {"zh-CN": "列", "en": "Column"},
    "org_problem": {"zh-CN": "问题", "en": "Problem"},
    "org_rows": {"zh-CN": "逐行结果", "en": "Every row"},
    "org_key": {"zh-CN": "代码 / 用户名", "en": "Code / username"},
    "org_result": {"zh-CN": "结果", "en": "Result"},
    "org_result_create": {"zh-CN": "新建", "en": "create"},
    "org_result_update": {"zh-CN": "更新", "en": "update"},
    "org_result_unchanged": {"zh-CN": "不变", "en": "unchanged"},
    "org_result_error": {"zh-CN": "有错误", "en": "error"},
    "password_set": {"zh-CN": "设置密码", "en": "Set your password"},
    "password_new": {"zh-CN": "新密码", "en": "New password"},
    "password_confirm": {"zh-CN": "再次输入新密码", "en": "New password again"},
    "password_rule": {"zh-CN": "至少 10 个字符，不能全是数字或全是字母。", "en": "At least 10 characters, not only digits or only letters."},
    "password_mismatch": {"zh-CN": "两次输入的密码不一致", "en": "The two passwords differ"},
    "password_set_done": {"zh-CN": "密码已设置，请登录", "en": "Your password is set; log in"},
    "password_link_invalid": {"zh-CN": "此链接无效、已使用或已过期。请联系评比办公室重新发送。",
                              "en": "This link is invalid, used or expired. Ask the appraisal office for a new one."},
})
ORG_FIELD_NAMES = frozenset(k for k in MESSAGES if k.startswith("org_field_"))
