"""Filling in and signing off are due at the window's close (issue 13.5): on the task lists, the API and the
pages; the main leader is told when a sign-off waits, with a link that opens the sign-off form; the generic
task reminders leave these tasks to the window's own reminders."""
from __future__ import annotations

from typing import Any

from service.workflows import reminders
from tests.integration import flows
from tests.integration.deadline_support import shanghai
from tests.integration.test_deadlines import make_api, outbox_rows, travel, user_id
from tests.web_client import logged_in

CLOSE = shanghai(2026, 12, 31, 23, 59, 59)


def test_fill_and_signoff_are_due_at_the_close_and_the_leader_is_told(app: Any) -> None:
    api = make_api(app)
    app_id = flows.create(api, "hc_submitter")["id"]
    fill = api.task_for("hc_submitter", "fill_application", app_id)
    assert fill["due_at"] is not None and shanghai(2026, 12, 31, 23, 59, 59) == _at(fill["due_at"])
    # the submitter started it: nobody is told of their own draft
    assert not outbox_rows(app, template="task_assigned")
    api.complete("hc_submitter", "fill_application", app_id, {})
    signoff = api.task_for("hc_leader", "leader_signoff", app_id)
    assert _at(signoff["due_at"]) == CLOSE
    told = outbox_rows(app, template="task_assigned")
    assert {row.recipient_user_id for row in told} == {user_id(app, "hc_leader")}
    assert {row.channel for row in told} >= {"email", "inapp"}
    assert all(row.context["link"] == f"/applications/{app_id}/task" and row.context["task_name"] == "主要领导签字"
               and _at(row.context["due_at"]) == CLOSE for row in told)
    leader, _ = logged_in(app, "hc_leader")
    page = leader.get(f"/applications/{app_id}/task", follow_redirects=True).get_data(as_text=True)
    assert "主要领导签字" in page and "signoff_decision" in page  # the link opens the sign-off form
    inbox = leader.get("/").get_data(as_text=True)
    assert "2026-12-31 23:59" in inbox  # the task list shows the close as its due date
    # a return by the leader tells the submitter once (the return's own message, with the reasons)
    api.complete("hc_leader", "leader_signoff", app_id, {"signoff_decision": "return", "signoff_comment": "补充"})
    assert not [r for r in outbox_rows(app, template="task_assigned")
                if r.recipient_user_id == user_id(app, "hc_submitter")]
    assert outbox_rows(app, template="application_returned", recipient_user_id=user_id(app, "hc_submitter"))


def test_the_task_reminders_leave_window_tasks_to_the_window_reminders(app: Any) -> None:
    api = make_api(app)
    app_id = flows.create(api, "hc_submitter")["id"]
    api.complete("hc_submitter", "fill_application", app_id, {})
    travel(shanghai(2026, 12, 31, 9, 30))
    with app.extensions["appraisal.sessions"]() as s:
        report = reminders.sweep(session=s)
    assert "task_due_soon" not in report.queued and "task_escalated" not in report.queued
    assert report.queued.get("signoff_pending")
    assert outbox_rows(app, template="signoff_pending", recipient_user_id=user_id(app, "hc_leader"))


def _at(value: str) -> Any:
    from service import clock

    return clock.parse_iso(value)
