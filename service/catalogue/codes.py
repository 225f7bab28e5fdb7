"""The Chinese name of every code a person may see, one table per kind (``name_of(kind, code)``).

The names are msgids of the catalogue: the English is in ``translations/en/.../messages.po``. A code
shown on a page, in an export or in a message is named here, never printed as it is.
"""
from __future__ import annotations

from service.catalogue import N_

STATUS = {
    "draft": N_("草稿"), "returned": N_("已退回"), "awaiting_signoff": N_("待领导签字"), "in_review": N_("评审中"),
    "awarded": N_("已获奖"), "not_awarded": N_("未获奖"), "rejected": N_("未通过审核"), "not_shortlisted": N_("未入选"),
    "lapsed": N_("逾期未报"), "withdrawn": N_("已撤回"), "completed": N_("已结束"),
}
STAGE = {
    "submit": N_("申报"), "vetting": N_("主管工会初审"), "preliminary": N_("初评"), "presentation": N_("公开讲述"),
    "scoring": N_("民主测评"), "decision": N_("集体研究"), "confirmation": N_("主席办公会确认"),
    "notice": N_("公示"), "consultation": N_("征求意见"),
}
ACTION = {
    "create": N_("创建申报"), "update_draft": N_("修改草稿"), "attach": N_("上传附件"), "complete": N_("办理完成"),
    "claim": N_("认领任务"), "unclaim": N_("释放"), "urge": N_("发出催办"), "reassign": N_("改派"), "delegate": N_("转交"),
    "incident": N_("流程出现异常"), "retry_incident": N_("重试异常环节"), "element": N_("流程节点"),
    "withdraw": N_("撤回申报"), "release_task": N_("退回待认领"), "paper_score_sheet": N_("录入纸质评分表"),
    "replace_scorer": N_("更换评分人"), "close_sheet": N_("关闭评分表"), "close_scoring": N_("结束民主测评"),
    "publish_notice": N_("发布公示"), "notice_held": N_("公示期满，待异议处理后生效"), "finalise_notice": N_("公示期满，结果生效"),
    "file_objection": N_("收到实名异议"), "record_finding": N_("记录异议处理结论"),
    "schedule_session": N_("安排公开讲述会"), "record_session": N_("记录公开讲述会"),
    "propose_grades": N_("办公室提出名单建议等次"), "decide_grades": N_("领导小组确定名单等次"),
    "decide": N_("会议决定"), "shortlist_view": N_("发表初评意见"), "forward": N_("统一上报"),
    "migrate_instance": N_("迁移流程版本"), "modify_instance": N_("调整流程进度"),
}
VIEW = {"in": N_("入选"), "out": N_("不入选"), "abstain": N_("弃权")}
"""A leading-group member's view on a shortlist candidate."""
ROLE = {
    "unit_submitter": N_("单位填报人"), "unit_leader": N_("单位主要领导"), "vetter": N_("主管工会"),
    "leading_group": N_("评比领导小组"), "office": N_("评比办公室"), "scorer": N_("评审组成员"),
    "group_leader": N_("领导小组组长"), "chair_office": N_("主席办公会"), "process_admin": N_("流程管理员"),
}
DELIVERY = {
    "pending": N_("待发送"), "sending": N_("发送中"), "sent": N_("已发送"), "failed": N_("发送失败"),
    "dead": N_("已放弃发送"),
}
CHANNEL = {"email": N_("电子邮件"), "sms": N_("短信"), "inapp": N_("站内消息")}
UNIT_TYPE = {
    "federation": N_("市总工会"), "federation_department": N_("市总工会部门"), "county_union": N_("县（市、区）总工会"),
    "development_zone_union": N_("开发区总工会"), "industry_union": N_("产业工会"), "bureau_union": N_("局（委）工会"),
    "direct_grassroots_union": N_("直属基层工会"), "enterprise": N_("企业工会"),
}
METHOD = {"trimmed_mean": N_("去掉一个最高分和一个最低分后取平均"), "mean": N_("算术平均")}
ROUNDING = {"half_up": N_("四舍五入"), "half_even": N_("四舍六入五成双")}
DROPPED = {"highest": N_("最高分"), "lowest": N_("最低分")}
TASK_STATE = {"completed": N_("已完成"), "active": N_("进行中"), "pending": N_("未开始"), "open": N_("待办理"),
              "waiting": N_("等待会议决定"), "cancelled": N_("已取消")}
INCIDENT_STATE = {"open": N_("待处理"), "resolved": N_("已解决")}
INSTANCE_STATE = {"active": N_("进行中"), "completed": N_("已完成")}
IMPORT_RESULT = {"create": N_("新建"), "update": N_("更新"), "unchanged": N_("不变"), "error": N_("有错误")}
NOTIFICATION = {
    "account_invite": N_("账号开通"), "application_lapsed": N_("申报逾期失效"), "application_result": N_("评比结果"),
    "application_returned": N_("申报被退回"), "consultation_due_soon": N_("征求意见即将截止"),
    "deadline_extended": N_("办理期限延长"), "office_digest": N_("评比办公室每日汇总"), "password_reset": N_("密码重置"),
    "presentation_invited": N_("邀请公开讲述"), "signoff_pending": N_("待领导签字"),
    "submission_due_soon": N_("申报即将截止"), "task_assigned": N_("新的待办任务"), "task_due_soon": N_("待办即将到期"),
    "task_escalated": N_("逾期待办上报"), "task_handed_over": N_("待办已转交"), "task_overdue": N_("待办已逾期"),
    "task_reassigned": N_("待办已改派"), "task_released": N_("待办退回待认领"), "task_urged": N_("催办通知"),
    "window_open": N_("申报开始"), "objection_filed": N_("公示异议"),
    "notice_published": N_("评比结果公示"),
}
# The heading over the reasons a unit is given, by the application's status.
FEEDBACK = {"returned": N_("退回修改意见"), "rejected": N_("未通过审核的理由"), "not_shortlisted": N_("未入选的理由")}
# The office's unit and person forms: a field's name in its error messages.
ORG_FIELD = {
    "code": N_("单位代码"), "name": N_("单位名称"), "name_en": N_("英文名称"), "type": N_("单位类型"),
    "parent_id": N_("上级单位（主管工会）"), "is_active": N_("状态"), "username": N_("用户名"), "display_name": N_("姓名"),
    "unit_id": N_("所属单位"), "roles": N_("角色"), "phone": N_("手机号"), "email": N_("电子邮箱"),
}

# the public notice (公示, service/workflows/public_notice.py): a notice, an item of it, an objection, a finding
NOTICE_STATUS = {"open": N_("公示中"), "awaiting_findings": N_("公示期满，待处理异议"), "final": N_("公示结束，结果生效")}
NOTICE_ITEM_STATUS = {"listed": N_("公示中"), "reexamining": N_("异议成立，重新审议中"), "final": N_("结果生效")}
OBJECTION_STATUS = {"pending": N_("待处理"), "upheld": N_("异议成立"), "dismissed": N_("异议不成立")}
FINDING = {"upheld": N_("异议成立"), "dismissed": N_("异议不成立")}
# why a scorer stepped aside (handlers/scoring.py): the recusal's reason code
RECUSAL = {"same_unit": N_("评分成员与申报单位为同一单位，依规回避"),
           "supervising_union": N_("评分成员所在单位为申报单位的主管工会（负责审核把关），依规回避")}

CODES: dict[str, dict[str, str]] = {
    "status": STATUS, "stage": STAGE, "action": ACTION, "role": ROLE, "delivery": DELIVERY, "channel": CHANNEL,
    "unit_type": UNIT_TYPE, "method": METHOD, "rounding": ROUNDING, "dropped": DROPPED, "task_state": TASK_STATE, "incident_state": INCIDENT_STATE, "instance_state": INSTANCE_STATE,
    "import_result": IMPORT_RESULT, "notification": NOTIFICATION, "feedback": FEEDBACK, "org_field": ORG_FIELD,
    "notice_status": NOTICE_STATUS, "notice_item_status": NOTICE_ITEM_STATUS, "objection_status": OBJECTION_STATUS,
    "finding": FINDING, "view": VIEW, "recusal": RECUSAL,
}
