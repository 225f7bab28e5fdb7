"""Every problem a BPMN document can have: its code, severity, what it checks, and its message.

This table is the one definition of the rule set. The server's validation reports problems by
code; the browser modeler (issue 15, bpmnlint) is to mirror the same codes, so each rule names the
bpmnlint rule it corresponds to where there is one. Messages are Chinese msgids of the catalogue
(service/catalogue, which holds the English), ``str.format`` templates over the problem's parameters.

Severity ``error`` refuses a deployment; ``warning`` is reported and the document still deploys.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

from service.catalogue import N_, _, _l

ERROR, WARNING = "error", "warning"


@dataclass(frozen=True)
class Rule:
    """One problem code: what it checks, how bad it is, and what a person is told."""

    severity: str
    description: str
    zh: str  # a msgid of the catalogue (service/catalogue): the English is in its .po file
    bpmnlint: str | None = None


RULES: dict[str, Rule] = {
    # -- the document ------------------------------------------------------------------------
    "too_large": Rule(ERROR, "the document is larger than the upload limit",
                      N_("文档大小为 {size} 字节，超过上限 {limit} 字节")),
    "not_xml": Rule(ERROR, "the document is empty or not well-formed XML",
                    N_("不是格式正确的 XML：{detail}")),
    "unsupported_encoding": Rule(ERROR, "the XML declaration names an encoding the service cannot read",
                                 N_("不支持的字符编码 {encoding}：请以 UTF-8（或 UTF-16、GB18030 等标准编码）保存")),
    "bad_encoding": Rule(ERROR, "the bytes are not valid in the encoding the document declares",
                         N_("文档声明的字符编码为 {encoding}，但内容不是有效的 {encoding}（第 {offset} 字节）")),
    "forbidden_xml": Rule(ERROR, "DTDs, entities and external references are refused (XXE, entity expansion)",
                          N_("不允许使用 DTD 和实体声明（{kind}）")),
    "not_bpmn": Rule(ERROR, "the root element is not bpmn:definitions in the BPMN 2.0 namespace",
                     N_("根元素必须是 BPMN 2.0 命名空间中的 bpmn:definitions，实际为 {tag}")),
    "no_process": Rule(ERROR, "the document has no executable process (of the requested id)",
                       N_("文档中没有可执行的流程{which}（请设置 isExecutable=\"true\"）")),
    "schema": Rule(ERROR, "the BPMN 2.0 schema or the engine's parser refuses the document",
                   N_("不符合 BPMN 2.0 规范：{detail}")),
    "parse": Rule(ERROR, "the engine cannot build a runnable process from the document",
                  N_("流程引擎无法解析该流程：{detail}")),
    # -- what may run ------------------------------------------------------------------------
    "script": Rule(ERROR, "scripts of any kind (script tasks, pre/post scripts, inline scripts) cannot run here",
                   N_("不允许使用脚本（{what}）：请改用调用已注册处理程序的服务任务")),
    "unknown_element": Rule(ERROR, "an element that BPMN 2.0 does not define",
                            N_("bpmn:{name} 不是 BPMN 2.0 元素")),
    "forbidden_element": Rule(ERROR, "script, business rule tasks and call activities cannot run here",
                              N_("本服务不支持 {label}（bpmn:{name}）：{advice}")),
    "unsupported_element": Rule(ERROR, "a BPMN element this service cannot run (nobody could complete it)",
                                N_("本服务无法运行 bpmn:{name}：{advice}")),
    "unsupported_event": Rule(ERROR, "an event definition other than timer (terminate on end events, message on "
                                     "intermediate catch events)",
                              N_("本服务不支持 {name} 事件：只支持定时事件（结束事件还可以是终止事件，中间捕获事件还可以是消息事件）")),
    "unknown_message": Rule(ERROR, "a message catch event whose messageRef names no bpmn:message with a name",
                            N_("消息捕获事件引用的消息 {ref} 不存在或没有名称：会议的决定按消息名称送达")),
    # -- user and service tasks --------------------------------------------------------------
    "missing_lane": Rule(ERROR, "a user task outside every lane (its lane names the role that does it)",
                         N_("用户任务不在任何泳道中：泳道决定由哪个角色办理")),
    "unknown_role": Rule(ERROR, "a user task's lane maps to no known role (by id, role property or name)",
                         N_("泳道 {lane} 不对应任何角色：请把泳道名称写成角色名（{known}），或给泳道加 role 属性")),
    "missing_form": Rule(ERROR, "a user task without a formKey property",
                         N_("用户任务没有指定表单（formKey 属性）")),
    "unknown_form": Rule(ERROR, "a user task names a form that is neither bundled nor deployed",
                         N_("表单 {form} 不存在：请先在“表单管理”中发布它")),
    "bad_duration": Rule(ERROR, "a dueIn the runtime cannot evaluate",
                         N_("期限 dueIn 的值 {value} 无效：{reason}")),
    "missing_handler": Rule(ERROR, "a service task that names no handler",
                            N_("服务任务没有指定处理程序（spiffworkflow:serviceTaskOperator）")),
    "unknown_handler": Rule(ERROR, "a service task names a handler that is not registered",
                            N_("处理程序 {handler} 未注册（可用：{known}）")),
    "bad_expression": Rule(ERROR, "an expression outside the safe subset",
                           N_("{where}中的表达式 {expression} 不被允许：{reason}")),
    "bad_timer": Rule(ERROR, "a timer value the runtime cannot evaluate",
                      N_("{kind}的值 {value} 无效：{reason}")),
    # -- other modelers' dialects (service/engine/dialects.py) ---------------------------------
    "converted": Rule(WARNING, "a foreign dialect's construct rewritten into this service's equivalent",
                      N_("已把 {what} 转换为本服务的 {to} 属性")),
    "ignored_extension": Rule(WARNING, "a foreign engine hint that means nothing here (ignored)",
                              N_("{what} 对本服务没有作用，已忽略")),
    "foreign_extension": Rule(ERROR, "a foreign dialect's construct this service cannot run",
                              N_("本服务无法运行 {what}：{advice}")),
    "unknown_extension": Rule(ERROR, "an extension element of an unknown kind (nothing here would run it)",
                              N_("不认识的扩展 {what}：{advice}")),
    "foreign_implementation": Rule(ERROR, "a task implemented by a Java class, expression or external worker",
                                   N_("{what}=“{value}” 在本服务中无法运行：请改用调用已注册处理程序的服务任务"
                                      "（spiffworkflow:serviceTaskOperator，可用：{known}）")),
    "foreign_implementation_handler": Rule(ERROR, "a foreign implementation a registered handler replaces",
                                           N_("{what}=“{value}” 在本服务中无法运行：请改用调用已注册处理程序 "
                                              "{handler} 的服务任务（spiffworkflow:serviceTaskOperator id=\"{handler}\"）")),
    "juel_expression": Rule(ERROR, "a Camunda (JUEL) expression; conditions here are Python expressions",
                            N_("条件 {expression} 是 Camunda 表达式：请改写为 Python 表达式，例如 {python}")),
    "spiff_form_file": Rule(ERROR, "a SpiffArena form file with no deployed form of the same name",
                            N_("表单文件 {file} 不能直接使用：请在“表单管理”中把它发布为表单 {key}，"
                               "任务会自动使用它（或设置 formKey 属性）")),
    # -- the kinds of work the service's code finds by form key (service/work_kinds.py) ---------
    "missing_kind": Rule(ERROR, "the appraisal (or its meetings' process) lacks a kind of work the service finds by "
                                "its form key",
                         N_("流程 {process} 缺少“{title}”这一步：本服务按表单 {form} 找到这一步的工作，"
                            "请保留一个表单为 {form} 的用户任务或消息事件")),
    "duplicate_kind": Rule(ERROR, "two elements of the appraisal (or its meetings' process) use a form the service "
                                  "needs exactly one of",
                           N_("{elements} 都使用表单 {form}：本服务按表单找到“{title}”这一步的工作，"
                              "流程中只能有一个这样的环节")),
    "missing_outcome": Rule(ERROR, "an end event that ends an application of the appraisal names no outcome",
                            N_("结束事件 {element} 没有设置结果：申报在这里结束时，本服务据此显示申报的结果，"
                               "请在“本系统的设置”中选择结果（{allowed}）")),
    "unknown_outcome": Rule(ERROR, "an end event of the appraisal names an outcome the service does not know",
                            N_("结束事件 {element} 的结果 {value} 不是本服务的结果：请在“本系统的设置”中选择"
                               "（{allowed}）")),
    # -- the graph (bpmnlint's rules where it has one) -----------------------------------------
    "duplicate_id": Rule(ERROR, "an id used by more than one element",
                         N_("标识 {name} 被 {count} 个元素使用：每个元素的 id 必须唯一")),
    "flow_source_missing": Rule(ERROR, "a sequence flow whose source is not a flow node of the same (sub-)process",
                                N_("顺序流的起点 {ref} 不存在（或不在同一流程/子流程中）")),
    "flow_target_missing": Rule(ERROR, "a sequence flow whose target is not a flow node of the same (sub-)process",
                                N_("顺序流指向的 {ref} 不存在（或不在同一流程/子流程中）")),
    "flow_ref_mismatch": Rule(WARNING, "an element's incoming/outgoing names a flow that does not start or end there",
                              N_("{name} 的 {tag} 列出的顺序流 {ref} 并不与它相连")),
    "boundary_not_attached": Rule(ERROR, "a boundary event not attached to an activity of its process",
                                  N_("边界事件 {name} 没有附着在本流程的任务或子流程上（attachedToRef={ref}）")),
    "start_event_required": Rule(ERROR, "a process or sub-process without a start event",
                                 N_("流程或子流程 {name} 缺少开始事件"),
                                 "start-event-required"),
    "end_event_required": Rule(ERROR, "a process or sub-process without an end event",
                               N_("流程或子流程 {name} 缺少结束事件"),
                               "end-event-required"),
    "single_blank_start_event": Rule(ERROR, "more than one blank start event in one scope",
                                     N_("{name} 中有 {count} 个空白开始事件：只能有一个"),
                                     "single-blank-start-event"),
    "sub_process_blank_start_event": Rule(ERROR, "a start event with a trigger inside an ordinary sub-process",
                                          N_("子流程中的开始事件 {name} 必须是空白开始事件"),
                                          "sub-process-blank-start-event"),
    "event_sub_process_typed_start_event": Rule(ERROR, "an event sub-process whose start event has no trigger",
                                                N_("事件子流程的开始事件 {name} 必须有触发条件（如定时）"), "event-sub-process-typed-start-event"),
    "single_event_definition": Rule(ERROR, "an event with more than one event definition",
                                    N_("事件 {name} 只能有一个事件定义"),
                                    "single-event-definition"),
    "disconnected": Rule(ERROR, "an element with no incoming and no outgoing flow",
                         N_("{name} 没有与任何顺序流相连"),
                         "no-disconnected"),
    "implicit_start": Rule(ERROR, "an element other than a start or boundary event that nothing flows into",
                           N_("{name} 没有流入的顺序流：流程只能从开始事件开始"),
                           "no-implicit-start"),
    "implicit_end": Rule(ERROR, "an element other than an end event with no outgoing flow",
                         N_("{name} 没有流出的顺序流：请连接到下一步或结束事件"),
                         "no-implicit-end"),
    "gateway_no_outgoing": Rule(ERROR, "a gateway with no outgoing flow",
                                N_("网关 {name} 没有流出的顺序流")),
    "unreachable": Rule(ERROR, "an element no path from a start event reaches",
                        N_("从开始事件出发无法到达 {name}")),
    "no_path_to_end": Rule(ERROR, "an element from which no path reaches an end event",
                           N_("从 {name} 出发无法到达任何结束事件（流程会卡在这里）")),
    "implicit_split": Rule(ERROR, "an activity or event with several unconditional outgoing flows",
                           N_("{name} 有多条无条件的流出顺序流：请用并行网关明确分支"),
                           "no-implicit-split"),
    "conditional_flows": Rule(ERROR, "an outgoing flow of a conditional fork that is neither conditional nor default",
                              N_("顺序流 {name}（来自 {node}）既没有条件也不是默认流"),
                              "conditional-flows"),
    "gateway_default_required": Rule(ERROR, "an exclusive or inclusive fork without a default flow "
                                            "(no condition true would stop the instance)",
                                     N_("网关 {name} 分出多条路径但没有默认流：所有条件都不满足时流程会出错")),
    "bad_default_flow": Rule(ERROR, "a default flow that is not one of the element's outgoing flows",
                             N_("{name} 的默认流 {flow} 不是它的流出顺序流")),
    "default_flow_condition": Rule(ERROR, "a default flow that carries a condition",
                                   N_("默认流 {name}（来自 {node}）不能带条件")),
    "event_based_gateway": Rule(ERROR, "an event-based gateway with fewer than two outgoing flows",
                                N_("事件网关 {name} 至少需要两条流出顺序流（现有 {count} 条）"),
                                "event-based-gateway"),
    "event_based_gateway_flow": Rule(ERROR, "an event-based gateway flow with a condition or not to a catching event",
                                     N_("事件网关 {node} 的顺序流 {name} 不能带条件，且必须指向中间捕获事件"), "event-based-gateway"),
    "gateway_join_fork": Rule(ERROR, "a gateway that joins and forks at once",
                              N_("网关 {name} 同时汇合和分支：请拆成两个网关"), "no-gateway-join-fork"),
    "fake_join": Rule(WARNING, "an activity or event with several incoming flows (they do not wait for each other)",
                      N_("{name} 有 {count} 条流入顺序流，它们不会互相等待；如需汇合请用网关"),
                      "fake-join"),
    "superfluous_gateway": Rule(WARNING, "a gateway with exactly one incoming and one outgoing flow",
                                N_("网关 {name} 只有一条流入和一条流出顺序流，是多余的"),
                                "superfluous-gateway"),
    "duplicate_flow": Rule(ERROR, "two sequence flows with the same source, target and condition",
                           N_("顺序流 {name} 与 {other} 重复（起点、终点和条件都相同）"),
                           "no-duplicate-sequence-flows"),
    "user_task_label_required": Rule(ERROR, "a user task without a name (people see it in their inbox)",
                                     N_("用户任务 {name} 没有名称：办理人会在待办中看到它"), "label-required"),
    "label_required": Rule(WARNING, "a flow node or conditional flow without a label",
                           N_("{name} 没有名称"), "label-required"),
    "no_bpmndi": Rule(WARNING, "an element the diagram does not draw (the modeler cannot show it)",
                      N_("{name} 没有图形信息（BPMN DI），建模器中看不到它"), "no-bpmndi"),
    # -- process data ------------------------------------------------------------------------
    "unset_variable": Rule(ERROR, "an expression reads a variable that no start data, form or handler upstream sets",
                           N_("{where}读取的变量 {variable} 在此之前没有任何启动数据、表单或处理程序会设置"
                           "（此处可用：{known}）")),
}


# Parts of messages (msgids of the catalogue): where an expression sits, why it was refused, which
# event, and what to use instead of a forbidden element. A problem's parameters hold them lazily
# (``_l``), so the message is in the language of whoever reads it.
WHERE: dict[str, str] = {
    "conditionExpression": N_("条件"),
    "completionCondition": N_("多实例完成条件"),
    "loopCardinality": N_("多实例次数"),
    "timeDate": N_("定时日期"),
    "timeDuration": N_("定时时长"),
    "timeCycle": N_("循环定时"),
    "parameter": N_("参数 {name} "),
    "assigneeVariable": N_("办理人变量 assigneeVariable "),
    "dueAtVariable": N_("办理期限变量 dueAtVariable "),
    "loopDataInputRef": N_("多实例集合 loopDataInputRef "),
}
EXPRESSION_REASONS: dict[str, str] = {
    "empty": N_("表达式为空"),
    "too_long": N_("表达式超过 {subject} 个字符"),
    "syntax": N_("语法错误（{subject}）"),
    "node": N_("不允许使用 {subject} 语法"),
    "name": N_("不允许使用名称 {subject}"),
    "attribute": N_("不允许使用属性 {subject}"),
    "keywords": N_("不允许使用关键字参数"),
    "function": N_("不允许调用函数 {subject}"),
    "call": N_("只能调用允许的函数"),
    "literal": N_("不允许使用字节串或复数字面量"),
    "runtime": N_("无法求值（{subject}）"),
}
FORBIDDEN: dict[str, tuple[str, str]] = {
    "scriptTask": (N_("脚本任务"), N_("请改用调用已注册处理程序的服务任务")),
    "businessRuleTask": (N_("业务规则任务"), N_("请改用网关条件或服务任务")),
    "callActivity": (N_("调用活动"), N_("请把被调用的流程画成内嵌子流程")),
}
"""A forbidden element: its name and what to use instead (both msgids)."""


EVENT_NAMES: dict[str, str] = {
    "messageEventDefinition": N_("消息"), "signalEventDefinition": N_("信号"),
    "errorEventDefinition": N_("错误"), "escalationEventDefinition": N_("升级"),
    "compensateEventDefinition": N_("补偿"), "conditionalEventDefinition": N_("条件"),
    "linkEventDefinition": N_("链接"), "cancelEventDefinition": N_("取消"),
    "terminateEventDefinition": N_("终止"), "timerEventDefinition": N_("定时"),
}
UNSUPPORTED: dict[str, str] = {
    "manualTask": N_("请改用用户任务，放在办理角色的泳道中并指定表单"),
    "sendTask": N_("本服务不收发 BPMN 消息：请改用调用 notify 处理程序的服务任务"),
    "receiveTask": N_("本服务不收发 BPMN 消息：请改用用户任务或定时事件"),
    "complexGateway": N_("请改用排他、并行或包容网关"),
    "transaction": N_("请改用普通子流程"),
    "adHocSubProcess": N_("请改用普通子流程"),
}


class CodeNames:
    """Codes by their names (``codes.py``) joined in the reader's language, worded when the message is shown."""

    __slots__ = ("kind", "codes")

    def __init__(self, kind: str, codes: tuple[str, ...]) -> None:
        self.kind, self.codes = kind, codes

    def __str__(self) -> str:
        from service.catalogue import name_of

        return _("、").join(name_of(self.kind, c) for c in self.codes)

    def __format__(self, spec: str) -> str:
        return format(str(self), spec)


def phrase(msgid: str, **kw: Any) -> Any:
    """A part of a message, translated when the message is shown (a lazy msgid of the catalogue)."""
    return _l(msgid, **kw)


def where(what: str, name: str = "") -> dict[str, Any]:
    """Message parameters naming where an expression sits (``conditionExpression``, ``parameter`` …)."""
    msgid = WHERE.get(what)
    return {"where": phrase(msgid, name=name) if msgid else what}


def expression_reason(kind: str, subject: str = "") -> dict[str, Any]:
    """Message parameters saying why an expression was refused (in the reader's language)."""
    return {"reason": phrase(EXPRESSION_REASONS.get(kind, EXPRESSION_REASONS["runtime"]), subject=subject)}


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
        """The message in the reader's language (the request's, or a ``with locale(...)`` block's)."""
        return _(self.rule.zh, **self.params)

    def as_dict(self) -> dict[str, str | None]:
        return {"element": self.element_id, "code": self.code, "severity": self.severity, "message": self.message}


def rule_table() -> list[dict[str, str | None]]:
    """The rule set as data (code, severity, description, bpmnlint equivalent) for mirroring and the README."""
    return [{"code": code, "severity": rule.severity, "description": rule.description, "bpmnlint": rule.bpmnlint}
            for code, rule in RULES.items()]
