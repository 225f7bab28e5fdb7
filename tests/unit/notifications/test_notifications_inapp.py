"""The in-app channel hands rows to the service's sink and nothing else."""
from __future__ import annotations

import pytest

from notifications import InAppChannel, PermanentDeliveryError, Recipient, Rendered

RENDERED = Rendered(subject="【待办】初审", text="您有一项新的待办任务。", html="<p>…</p>", link="https://x.example/t/1")


def test_sink_receives_plain_text_and_link() -> None:
    calls = []

    def sink(user_id, subject, text, link, dedupe_key):
        calls.append((user_id, subject, text, link, dedupe_key))
        return 501

    receipt = InAppChannel(sink).send(Recipient(7, "张三"), RENDERED, dedupe_key="task_assigned:12:7")
    assert calls == [(7, "【待办】初审", "您有一项新的待办任务。", "https://x.example/t/1", "task_assigned:12:7")]
    assert (receipt.channel, receipt.provider_id) == ("inapp", "501")


def test_link_may_be_absent() -> None:
    seen = []
    InAppChannel(lambda *args: seen.append(args[3]) or "1").send(
        Recipient(7, "张三"), Rendered("s", "t", "h"), dedupe_key="k"
    )
    assert seen == [None]


def test_recipient_without_account_is_permanent_failure() -> None:
    def sink(*args):
        raise AssertionError("sink must not be called")

    with pytest.raises(PermanentDeliveryError, match="no user account"):
        InAppChannel(sink).send(Recipient(None, "外部专家", email="x@example.cn"), RENDERED, dedupe_key="k")


def test_sink_errors_propagate_unchanged() -> None:
    class DatabaseDown(Exception):
        pass

    def sink(*args):
        raise DatabaseDown("db")

    with pytest.raises(DatabaseDown):
        InAppChannel(sink).send(Recipient(7, "张三"), RENDERED, dedupe_key="k")
