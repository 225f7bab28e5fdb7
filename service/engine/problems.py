"""Every problem a BPMN document can have: its code, severity, what it checks, and its message.

This table is the one definition of the rule set. The server's validation reports problems by
code; the browser modeler (issue 15, bpmnlint) is to mirror the same codes, so each rule names the
bpmnlint rule it corresponds to where there is one. Messages are Chinese first, English second,
both ``str.format`` templates over the problem's parameters, so a later gettext catalogue can take
them over key by key.

Severity ``error`` refuses a deployment; ``warning`` is reported and the document still deploys.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

ERROR, WARNING = "error", "warning"


@dataclass(frozen=True)
class Rule:
    """One problem code: what it checks, how bad it is, and what a person is told."""

    severity: str
    description: str
    zh: str
    en: str
    bpmnlint: str | None = None


RULES: dict[str, Rule] = {
    # -- the document ------------------------------------------------------------------------
    "too_large": Rule(ERROR, "the document is larger than the upload limit",
                      "文档大小为 {size} 字节，超过上限 {limit} 字节",
                      "the document is {size} bytes; the limit is {limit}"),
    "not_xml": Rule(ERROR, "the document is empty or not well-formed XML",
                    "不是格式正确的 XML：{detail}", "not well-formed XML: {detail}"),
    "unsupported_encoding": Rule(ERROR, "the XML declaration names an encoding the service cannot read",
                                 "不支持的字符编码 {encoding}：请以 UTF-8（或 UTF-16、GB18030 等标准编码）保存",
                                 "unsupported character encoding {encoding}: save the file as UTF-8 "
                                 "(or another standard encoding such as UTF-16 or GB18030)"),
    "bad_encoding": Rule(ERROR, "the bytes are not valid in the encoding the document declares",
                         "文档声明的字符编码为 {encoding}，但内容不是有效的 {encoding}（第 {offset} 字节）",
                         "the document declares the encoding {encoding} but is not valid {encoding} "
                         "(at byte {offset})"),
    "forbidden_xml": Rule(ERROR, "DTDs, entities and external references are refused (XXE, entity expansion)",
                          "不允许使用 DTD 和实体声明（{kind}）", "DTDs and entities are not allowed ({kind})"),
    "not_bpmn": Rule(ERROR, "the root element is not bpmn:definitions in the BPMN 2.0 namespace",
                     "根元素必须是 BPMN 2.0 命名空间中的 bpmn:definitions，实际为 {tag}",
                     "the root element must be bpmn:definitions in the BPMN 2.0 namespace, found {tag}"),
    "no_process": Rule(ERROR, "the document has no executable process (of the requested id)",
                       "文档中没有可执行的流程{which}（请设置 isExecutable=\"true\"）",
                       "no executable bpmn:process{which} (set isExecutable=\"true\")"),
    "schema": Rule(ERROR, "the BPMN 2.0 schema or the engine's parser refuses the document",
                   "不符合 BPMN 2.0 规范：{detail}", "not valid BPMN 2.0: {detail}"),
    "parse": Rule(ERROR, "the engine cannot build a runnable process from the document",
                  "流程引擎无法解析该流程：{detail}", "the engine cannot parse the process: {detail}"),
    # -- what may run ------------------------------------------------------------------------
    "script": Rule(ERROR, "scripts of any kind (script tasks, pre/post scripts, inline scripts) cannot run here",
                   "不允许使用脚本（{what}）：请改用调用已注册处理程序的服务任务",
                   "scripts are not allowed ({what}): use a service task calling a registered handler"),
    "unknown_element": Rule(ERROR, "an element that BPMN 2.0 does not define",
                            "bpmn:{name} 不是 BPMN 2.0 元素", "bpmn:{name} is not a BPMN 2.0 element"),
    "forbidden_element": Rule(ERROR, "script, business rule tasks and call activities cannot run here",
                              "本服务不支持 {label}（bpmn:{name}）：{advice}",
                              "{label_en} (bpmn:{name}) is not supported by this service: {advice_en}"),
    "unsupported_element": Rule(ERROR, "a BPMN element this service cannot run (nobody could complete it)",
                                "本服务无法运行 bpmn:{name}：{advice}",
                                "this service cannot run bpmn:{name}: {advice_en}"),
    "unsupported_event": Rule(ERROR, "an event definition other than timer (and terminate on end events)",
                              "本服务不支持 {name} 事件：只支持定时事件（结束事件还可以是终止事件）",
                              "{name} events are not supported: only timer events (and terminate end events) can run"),
    # -- user and service tasks --------------------------------------------------------------
    "missing_lane": Rule(ERROR, "a user task outside every lane (its lane names the role that does it)",
                         "用户任务不在任何泳道中：泳道决定由哪个角色办理",
                         "the user task is not in any lane; its lane names the role that does it"),
    "unknown_role": Rule(ERROR, "a user task's lane is not a known role",
                         "泳道 {lane} 不是已知角色（可用：{known}）",
                         "lane {lane!r} is not a known role ({known})"),
    "missing_form": Rule(ERROR, "a user task without a formKey property",
                         "用户任务没有指定表单（formKey 属性）", "the user task has no formKey property"),
    "unknown_form": Rule(ERROR, "a user task names a form that is neither bundled nor deployed",
                         "表单 {form} 不存在：请先在“表单管理”中发布它",
                         "form {form!r} does not exist: deploy it first"),
    "bad_duration": Rule(ERROR, "a dueIn the runtime cannot evaluate",
                         "期限 dueIn 的值 {value} 无效：{reason}", "dueIn {value!r} is not valid: {reason_en}"),
    "missing_handler": Rule(ERROR, "a service task that names no handler",
                            "服务任务没有指定处理程序（spiffworkflow:serviceTaskOperator）",
                            "the service task names no handler (spiffworkflow:serviceTaskOperator)"),
    "unknown_handler": Rule(ERROR, "a service task names a handler that is not registered",
                            "处理程序 {handler} 未注册（可用：{known}）",
                            "handler {handler!r} is not registered (known: {known})"),
    "bad_expression": Rule(ERROR, "an expression outside the safe subset",
                           "{where}中的表达式 {expression} 不被允许：{reason}",
                           "{where_en}: {reason_en} in {expression!r}"),
    "bad_timer": Rule(ERROR, "a timer value the runtime cannot evaluate",
                      "{kind}的值 {value} 无效：{reason}", "{kind_en} {value!r} is not valid: {reason_en}"),
}


# Parts of messages, in the same two languages: where an expression sits, why it was refused,
# which timer, and what to use instead of a forbidden element.
WHERE: dict[str, tuple[str, str]] = {
    "conditionExpression": ("条件", "condition"),
    "completionCondition": ("多实例完成条件", "completion condition"),
    "loopCardinality": ("多实例次数", "loop cardinality"),
    "timeDate": ("定时日期", "timeDate"),
    "timeDuration": ("定时时长", "timeDuration"),
    "timeCycle": ("循环定时", "timeCycle"),
    "parameter": ("参数 {name} ", "parameter {name}"),
}
EXPRESSION_REASONS: dict[str, tuple[str, str]] = {
    "empty": ("表达式为空", "empty expression"),
    "too_long": ("表达式超过 {subject} 个字符", "expression longer than {subject} characters"),
    "syntax": ("语法错误（{subject}）", "syntax error: {subject}"),
    "node": ("不允许使用 {subject} 语法", "{subject} is not allowed"),
    "name": ("不允许使用名称 {subject}", "name {subject!r} is not allowed"),
    "attribute": ("不允许使用属性 {subject}", "attribute {subject!r} is not allowed"),
    "keywords": ("不允许使用关键字参数", "keyword arguments are not allowed"),
    "function": ("不允许调用函数 {subject}", "function {subject!r} is not allowed"),
    "call": ("只能调用允许的函数", "only named functions may be called"),
    "literal": ("不允许使用字节串或复数字面量", "bytes and complex literals are not allowed"),
    "runtime": ("无法求值（{subject}）", "cannot be evaluated: {subject}"),
}
FORBIDDEN: dict[str, tuple[str, str, str, str]] = {
    "scriptTask": ("脚本任务", "script task", "请改用调用已注册处理程序的服务任务",
                   "use a service task with a registered handler"),
    "businessRuleTask": ("业务规则任务", "business rule task", "请改用网关条件或服务任务",
                         "use gateway conditions or a service task"),
    "callActivity": ("调用活动", "call activity", "请把被调用的流程画成内嵌子流程",
                     "model the called process as an embedded sub-process"),
}


def where(what: str, name: str = "") -> dict[str, str]:
    """Message parameters naming where an expression sits (``conditionExpression``, ``parameter`` …)."""
    zh, en = WHERE.get(what, (what, what))
    return {"where": zh.format(name=name), "where_en": en.format(name=name)}


def expression_reason(kind: str, subject: str = "") -> dict[str, str]:
    """Message parameters saying why an expression was refused, in both languages."""
    zh, en = EXPRESSION_REASONS.get(kind, EXPRESSION_REASONS["runtime"])
    return {"reason": zh.format(subject=subject), "reason_en": en.format(subject=subject)}


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a BPMN document, tied to the element it concerns.

    ``params`` fill the code's message templates; messages are rendered when asked for, so the
    same problem can be shown in Chinese or English.
    """

    element_id: str | None
    code: str
    params: Mapping[str, Any] = field(default_factory=dict, hash=False, compare=False)

    @property
    def rule(self) -> Rule:
        return RULES[self.code]

    @property
    def severity(self) -> str:
        return self.rule.severity

    @property
    def message(self) -> str:
        """The Chinese message (what people see by default)."""
        return self.rule.zh.format(**self.params)

    @property
    def message_en(self) -> str:
        return self.rule.en.format(**self.params)

    def as_dict(self) -> dict[str, str | None]:
        return {"element": self.element_id, "code": self.code, "severity": self.severity,
                "message": self.message, "message_en": self.message_en}


def rule_table() -> list[dict[str, str | None]]:
    """The rule set as data (code, severity, description, bpmnlint equivalent) for mirroring and the README."""
    return [{"code": code, "severity": rule.severity, "description": rule.description, "bpmnlint": rule.bpmnlint}
            for code, rule in RULES.items()]
