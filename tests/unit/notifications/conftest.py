"""Fixtures for the notifications tests: sample template contexts and a real
SMTP server (aiosmtpd) listening on loopback."""
from __future__ import annotations

import copy
import socket
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Callable, Iterator

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, Envelope, LoginPassword

_DUE = datetime(2026, 12, 31, 15, 59, tzinfo=timezone.utc)  # 2026-12-31 23:59 in Shanghai
_SAMPLES: dict[str, dict[str, Any]] = {
    "window_open": {
        "campaign_name": "职工创新性工作评比",
        "year": 2026,
        "opens_at": "2026-03-01T00:00:00+08:00",
        "closes_at": _DUE,
        "link": "https://appraisal.example.cn/campaigns/3",
    },
    "submission_due_soon": {
        "campaign_name": "2026年度职工创新性工作评比",
        "closes_at": _DUE,
        "days_left": 3,
        "has_draft": True,
        "link": "https://appraisal.example.cn/applications/new",
    },
    "signoff_pending": {
        "campaign_name": "2026年度职工创新性工作评比",
        "application_theme": "智能巡检机器人在变电站运维中的应用",
        "closes_at": "2026-12-31T23:59:00+08:00",
        "link": "https://appraisal.example.cn/tasks/11",
    },
    "task_assigned": {
        "task_name": "初审",
        "application_theme": "智能巡检机器人在变电站运维中的应用",
        "due_at": _DUE,
        "link": "https://appraisal.example.cn/tasks/12",
    },
    "task_due_soon": {
        "task_name": "复审评分",
        "application_theme": "智能巡检机器人在变电站运维中的应用",
        "due_at": _DUE,
        "link": "https://appraisal.example.cn/tasks/13",
    },
    "task_overdue": {
        "task_name": "复审评分",
        "application_theme": "智能巡检机器人在变电站运维中的应用",
        "due_at": _DUE,
        "assignee_name": "王五",
        "link": "https://appraisal.example.cn/tasks/14",
    },
    "task_escalated": {
        "task_name": "复审评分",
        "application_theme": "智能巡检机器人在变电站运维中的应用",
        "due_at": _DUE,
        "assignee_name": "王五",
        "overdue_hours": 72,
        "link": "https://appraisal.example.cn/tasks/15",
    },
    "office_digest": {
        "date": "2027-01-03",
        "items": [
            {
                "task_name": "复审评分",
                "application_theme": "智能巡检机器人在变电站运维中的应用",
                "assignee_name": "王五",
                "due_at": _DUE,
                "overdue_hours": 75,
            },
            {
                "task_name": "单位签批",
                "application_theme": "班组安全积分管理办法",
                "assignee_name": "赵六",
                "due_at": "2027-01-03T03:00:00+08:00",
                "overdue_hours": 5,
            },
        ],
        "link": "https://appraisal.example.cn/office/tasks",
    },
    "application_returned": {
        "application_theme": "智能巡检机器人在变电站运维中的应用",
        "stage_name": "资格审查",
        "reasons": ["佐证材料不完整，请补充应用成效证明。", "申报表缺少单位盖章。"],
        "link": "https://appraisal.example.cn/applications/9",
    },
    "application_result": {
        "application_theme": "智能巡检机器人在变电站运维中的应用",
        "outcome": "awarded",
        "grade": "一等奖",
        "link": "https://appraisal.example.cn/applications/9",
    },
    "task_urged": {
        "task_name": "复审评分",
        "application_theme": "智能巡检机器人在变电站运维中的应用",
        "due_at": _DUE,
        "urged_by": "孟庆华",
        "overdue_hours": 30,
        "link": "https://appraisal.example.cn/tasks/16",
    },
    "deadline_extended": {
        "task_name": "填写申报表",
        "application_theme": "智能巡检机器人在变电站运维中的应用",
        "due_at": _DUE,
        "working_days": 5,
        "link": "https://appraisal.example.cn/tasks/16",
    },
    "task_reassigned": {
        "task_name": "民主测评",
        "application_theme": "智能巡检机器人在变电站运维中的应用",
        "due_at": _DUE,
        "reason": "原评分成员出差",
        "kind": "reassign",
        "link": "https://appraisal.example.cn/tasks/16",
    },
    "task_handed_over": {
        "task_name": "民主测评",
        "application_theme": "智能巡检机器人在变电站运维中的应用",
        "reason": "原评分成员出差",
        "kind": "delegate",
        "link": "https://appraisal.example.cn/tasks",
    },
    "application_lapsed": {
        "application_theme": "智能巡检机器人在变电站运维中的应用",
        "campaign_name": "2026年度职工创新性工作评比",
        "closes_at": _DUE,
        "lapse": "not_signed",
        "link": "https://appraisal.example.cn/applications/9",
    },
    "presentation_invited": {
        "application_theme": "智能巡检机器人在变电站运维中的应用",
        "campaign_name": "2026年度职工创新性工作评比",
        "link": "https://appraisal.example.cn/applications/9",
    },
    "consultation_due_soon": {
        "closes_at": _DUE,
        "days_left": 2,
        "link": "https://appraisal.example.cn/consultation",
    },
    "account_invite": {
        "username": "new_leader",
        "expires_at": _DUE,
        "link": "https://appraisal.example.cn/password/one-time-token",
    },
    "password_reset": {
        "username": "new_leader",
        "expires_at": _DUE,
        "link": "https://appraisal.example.cn/password/one-time-token",
    },
    "task_released": {
        "task_name": "初评",
        "released_from": "张三",
        "due_at": _DUE,
        "link": "https://appraisal.example.cn/tasks/16",
    },
    "notice_published": {
        "application_theme": "职工之家网格化服务",
        "grade": "一等奖",
        "notice_end": "2027-01-07 23:59",
        "link": "https://appraisal.example.cn/notice/1",
    },
    "objection_filed": {
        "reference": "GS2026-000123",
        "application_theme": "职工之家网格化服务",
        "unit_name": "鸿川集团工会",
        "link": "https://appraisal.example.cn/office/campaigns/1/objections",
    },
}


@pytest.fixture
def sample_context() -> Callable[[str], dict[str, Any]]:
    """``sample_context(template)`` → a fresh, complete context for that template."""
    return lambda template: copy.deepcopy(_SAMPLES[template])


def free_port() -> int:
    """A loopback TCP port nobody is listening on (right now)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def unused_port() -> int:
    """A loopback port with nothing listening, for connection-refused tests."""
    return free_port()


@dataclass
class SmtpRecorder:
    """aiosmtpd handler: accepts and records mail unless told to reply otherwise."""

    rcpt_reply: str | None = None
    data_reply: str | None = None
    envelopes: list[Envelope] = field(default_factory=list)
    logins: list[str] = field(default_factory=list)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        if self.rcpt_reply:
            return self.rcpt_reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        if self.data_reply:
            return self.data_reply
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"

    def authenticate(self, server, session, envelope, mechanism, auth_data) -> AuthResult:
        ok = isinstance(auth_data, LoginPassword) and auth_data == (b"mailer", b"s3cret")
        if ok:
            self.logins.append(auth_data.login.decode())
        return AuthResult(success=ok, handled=False)


@dataclass
class SmtpServer:
    host: str
    port: int
    recorder: SmtpRecorder


@pytest.fixture(scope="module")
def _smtp_controller() -> Iterator[tuple[Controller, SmtpRecorder]]:
    recorder = SmtpRecorder()
    controller = Controller(
        recorder,
        hostname="127.0.0.1",
        port=free_port(),
        authenticator=recorder.authenticate,
        auth_require_tls=False,
        ready_timeout=5,
    )
    controller.start()
    try:
        yield controller, recorder
    finally:
        controller.stop()


@pytest.fixture
def smtp_server(_smtp_controller: tuple[Controller, SmtpRecorder]) -> SmtpServer:
    """A real SMTP server on 127.0.0.1 with a freshly reset recorder."""
    controller, recorder = _smtp_controller
    recorder.rcpt_reply = recorder.data_reply = None
    recorder.envelopes.clear()
    recorder.logins.clear()
    return SmtpServer(controller.hostname, controller.port, recorder)
