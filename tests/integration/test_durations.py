"""Deadlines written as calendar months or working days run end to end (validation, due dates, reminders).

``P1M`` used to pass validation and then fail in the middle of a completion; working days
(``PnWD``) count the campaign's calendar, override rows included.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from service import clock, timekeeping
from service.clock import SHANGHAI
from service.config import ROOT
from service.models import Campaign, Task
from service.workflows import reminders
from tests.api_client import Api
from tests.integration import flows

BPMN = (ROOT / "processes" / "innovation_appraisal.bpmn").read_bytes()


def test_month_and_working_day_deadlines_run_with_the_campaign_calendar(app: Any) -> None:
    api = Api(app)
    changed = (BPMN.replace(b'name="dueIn" value="P5D"', b'name="dueIn" value="P10WD"', 1)
               .replace(b'<spiffworkflow:property name="dueAtVariable" value="vetting_due_at"/>', b'', 1)
               .replace(b'name="dueIn" value="P10D"', b'name="dueIn" value="P1M"', 1))
    deployed = api.post("/api/process-definitions?comment=deadlines", "process_admin", expect=201, data=changed,
                        content_type="application/xml")
    assert deployed["user_tasks"]["county_vetting"]["due_in"] == "P10WD"
    with app.extensions["appraisal.sessions"]() as s:
        campaign = s.scalars(select(Campaign)).first()
        # 2027 is beyond the calendar package: the office enters New Year's Day as a holiday.
        campaign.reminders = {**(campaign.reminders or {}), "calendar_overrides": {"2027-01-01": False}}
        s.commit()
    app_id = flows.create(api, "hy_submitter")["id"]
    flows.submit(api, app_id, "hy_submitter", "hy_leader")
    vetting = api.task_for("jx_vetter", "county_vetting", app_id)
    # Saturday 26 Dec 2026 + 10 working days: 28–31 Dec, then 4–8 and 11 Jan (1 Jan is off by override).
    assert clock.parse_iso(vetting["due_at"]) == datetime(2027, 1, 11, 23, 59, 59, tzinfo=SHANGHAI)
    api.complete("jx_vetter", "county_vetting", app_id, {"vetting_decision": "approve", "vetting_reasons": "符合条件"})
    api.complete("group_leader", "preliminary_review", app_id, {"shortlisted": True, "review_reasons": "创新性突出"})
    review = api.task_for("res_office1", "record_presentation", app_id)
    expected = timekeeping.add(clock.now(), timekeeping.parse("P1M"))
    assert abs(clock.parse_iso(review["due_at"]) - expected) < timedelta(minutes=1)
    assert clock.local(clock.parse_iso(review["due_at"])).date().isoformat() == "2027-01-26"
    with app.extensions["appraisal.sessions"]() as s:
        row = s.get(Task, review["id"])
        assert row is not None and row.due_at is not None


def test_reminder_offsets_count_the_same_calendar(app: Any) -> None:
    """The sweep's working-day offsets come from the same module and the same override rows."""
    with app.extensions["appraisal.sessions"]() as s:
        campaign = s.scalars(select(Campaign)).first()
        cfg = {**reminders.settings_for(campaign), "working_days": True, "submission_days_before": [3],
               "calendar_overrides": {"2026-12-30": False}}
        [(days, at)] = reminders.offset_times(cfg, campaign.closes_at, "submission_days_before")
        expected = timekeeping.from_overrides({"2026-12-30": False}).add_working_days(
            clock.local(campaign.closes_at).date(), -3)
        assert days == 3 and clock.local(at).date() == expected == datetime(2026, 12, 25).date()
