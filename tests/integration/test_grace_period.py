"""A return after the window's close: the re-entered task gets the campaign's grace period, never a silent lapse.

On SQLite and PostgreSQL, with the real engine, sweeps and outbox (the clock moved as in test_deadlines.py).
"""
from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select

from service import timekeeping
from service.models import Campaign, Task, Timer
from service.workflows import calendars
from tests.integration import flows
from tests.integration.deadline_support import shanghai
from tests.integration.test_deadlines import make_api, outbox_rows, runtime, travel, user_id

RETURN = {"vetting_decision": "return", "vetting_reasons": "成效数据需补充来源"}
AFTER_CLOSE = shanghai(2027, 1, 5, 10, 0)  # a Tuesday after the New Year holiday


def _set_grace(app: Any, days: Any) -> None:
    with app.extensions["appraisal.sessions"]() as s:
        campaign = s.scalars(select(Campaign)).first()
        campaign.reminders = {**(campaign.reminders or {}), "grace_working_days": days}
        s.commit()


def _open(app: Any, application_id: int, element: str) -> Task | None:
    with app.extensions["appraisal.sessions"]() as s:
        return s.scalar(select(Task).where(Task.application_id == application_id, Task.element_id == element,
                                           Task.state == "open"))


def _grace_deadline(app: Any, at: Any, days: int) -> Any:
    with app.extensions["appraisal.sessions"]() as s:
        campaign = s.scalars(select(Campaign)).first()
        return timekeeping.add(at, timekeeping.parse(f"P{days}WD"), calendars.for_campaign(campaign))


def _vetted_before_the_close(app: Any) -> tuple[Any, int]:
    api = make_api(app)
    app_id = flows.create(api, "hy_submitter")["id"]
    flows.submit(api, app_id, "hy_submitter", "hy_leader")
    return api, app_id


def test_a_return_after_the_close_gets_the_grace_period_and_the_unit_is_told_its_new_due_date(app: Any) -> None:
    api, app_id = _vetted_before_the_close(app)
    rt = runtime(app)
    travel(AFTER_CLOSE)
    api.complete("jx_vetter", "county_vetting", app_id, RETURN)
    due = _grace_deadline(app, AFTER_CLOSE, 5)  # the default rule: five working days
    assert clock_day(due) == "2027-01-12"
    fill = _open(app, app_id, "fill_application")
    assert fill is not None and fill.due_at == due
    assert rt.sweep_timers().fired == []  # the closed window does not lapse it
    assert api.get(f"/api/applications/{app_id}", "res_office1")["status"] == "returned"
    with app.extensions["appraisal.sessions"]() as s:
        [timer] = s.scalars(select(Timer).where(Timer.instance_id == fill.instance_id, Timer.state == "waiting"))
        assert timer.element_id == "submission_window_closed" and timer.due_at == due
    [notice] = outbox_rows(app, template="deadline_extended", channel="inapp")
    assert notice.recipient_user_id == user_id(app, "hy_submitter")
    assert notice.context["working_days"] == 5 and notice.context["due_at"] == due.isoformat()
    assert notice.context["link"] == f"/tasks/{fill.id}"
    assert not outbox_rows(app, template="task_assigned", recipient_user_id=user_id(app, "hy_submitter"))

    # resubmitted within the grace period: the leader's sign-off is re-entered after the close too
    travel(AFTER_CLOSE + timedelta(days=1))
    api.complete("hy_submitter", "fill_application", app_id, {})
    signoff = _open(app, app_id, "leader_signoff")
    assert signoff.due_at == _grace_deadline(app, AFTER_CLOSE + timedelta(days=1), 5)
    assert [n.recipient_user_id for n in outbox_rows(app, template="deadline_extended", channel="inapp")] == [
        user_id(app, "hy_submitter"), user_id(app, "hy_leader")]
    api.complete("hy_leader", "leader_signoff", app_id, {"signoff_decision": "approve", "leader_name": "主要领导"})
    assert api.get(f"/api/applications/{app_id}", "res_office1")["stage"] == "vetting"
    assert rt.sweep_timers().fired == []


def test_the_grace_period_ends_in_a_lapse_the_unit_is_told_about(app: Any) -> None:
    api, app_id = _vetted_before_the_close(app)
    rt = runtime(app)
    _set_grace(app, 2)
    travel(AFTER_CLOSE)
    api.complete("jx_vetter", "county_vetting", app_id, RETURN)
    due = _grace_deadline(app, AFTER_CLOSE, 2)
    travel(due - timedelta(seconds=1))
    assert rt.sweep_timers().fired == []
    travel(due + timedelta(seconds=1))
    assert rt.sweep_timers().fired
    assert api.get(f"/api/applications/{app_id}", "res_office1")["status"] == "lapsed"
    told = {n.recipient_user_id for n in outbox_rows(app, template="application_lapsed")}
    assert told == {user_id(app, "hy_submitter"), user_id(app, "hy_leader")}


def test_without_a_grace_period_the_return_lapses_at_once_and_says_so(app: Any) -> None:
    api, app_id = _vetted_before_the_close(app)
    rt = runtime(app)
    _set_grace(app, 0)
    travel(AFTER_CLOSE)
    api.complete("jx_vetter", "county_vetting", app_id, RETURN)
    assert not outbox_rows(app, template="deadline_extended")
    rt.sweep_timers()
    assert api.get(f"/api/applications/{app_id}", "res_office1")["status"] == "lapsed"
    told = {n.recipient_user_id for n in outbox_rows(app, template="application_lapsed")}
    assert told == {user_id(app, "hy_submitter"), user_id(app, "hy_leader")}


def test_a_first_entry_before_the_close_keeps_the_window_as_its_deadline(app: Any) -> None:
    api, app_id = _vetted_before_the_close(app)
    api.complete("jx_vetter", "county_vetting", app_id, RETURN)  # 26 December: the window is still open
    fill = _open(app, app_id, "fill_application")
    assert fill.due_at == shanghai(2026, 12, 31, 23, 59, 59) and not outbox_rows(app, template="deadline_extended")
    with app.extensions["appraisal.sessions"]() as s:
        [timer] = s.scalars(select(Timer).where(Timer.instance_id == fill.instance_id, Timer.state == "waiting"))
        assert timer.due_at == shanghai(2026, 12, 31, 23, 59, 59)


def clock_day(at: Any) -> str:
    from service import clock

    return clock.local(at).date().isoformat()
