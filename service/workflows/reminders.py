"""The reminder sweep: what is due now, written to the outbox with deterministic keys.

Everything is computed from indexed columns (campaign windows, ``tasks`` by
(state, due_at), applications by status), never by loading workflows. Each
reminder has a dedupe key such as ``reminder:task_overdue:{task}:{user}``, so
running the sweep twice, or in two beats at once, queues it once.

Per-campaign settings live in ``campaigns.reminders`` (JSON); anything missing
takes the value in :data:`DEFAULTS`:

==========================  ==============  ===================================================
key                         default         meaning
==========================  ==============  ===================================================
window_open                 true            notice to every unit submitter when the window opens
submission_days_before      [3, 1]          reminders to units with a draft or no application
signoff_days_before         [3, 1]          reminders to main leaders with a pending sign-off
working_days                false           count those offsets in Chinese working days
calendar_overrides          {}              {"2027-01-01": false, ...} for years the calendar lacks
send_hour                   9               local hour (Asia/Shanghai) day-offset reminders go out
task_due_soon_hours         24              reviewer reminder this long before a task's due time
task_overdue                true            reviewer reminder when the due time passes
escalate_after_hours        24              then tell the group leader (null: never)
office_digest_hour          8               daily digest of overdue work to the office (null: off)
channels                    [email, inapp]  add "sms" to also text users with a phone number
==========================  ==============  ===================================================
"""
from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from service.catalogue import _
from service import clock
from service.auth import policies
from service.models import Application, Campaign, Task
from service.repositories import applications as application_repo
from service.repositories import campaigns as campaign_repo
from service.repositories import org as org_repo
from service.repositories import tasks as task_repo
from service.repositories import users as user_repo
from service.timekeeping import CalendarError, from_overrides, statutory_calendar
from service.workflows import links, outbox
from service.workflows.calendars import missing_year_warnings
from service.workflows.recipients import Addressee, task_recipients, users_with_role

LOGGER = logging.getLogger(__name__)

DEFAULTS: dict[str, Any] = {
    "window_open": True,
    "submission_days_before": [3, 1],
    "signoff_days_before": [3, 1],
    "working_days": False,
    "calendar_overrides": {},
    "send_hour": 9,
    "task_due_soon_hours": 24,
    "task_overdue": True,
    "escalate_after_hours": 24,
    "office_digest_hour": 8,
    "channels": ["email", "inapp"],
    "grace_working_days": 5,
}
OPEN_DRAFT_STATUSES = ("draft", "returned")


@dataclass
class ReminderReport:
    queued: dict[str, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    def add(self, kind: str, rows: int) -> None:
        if rows:
            self.queued[kind] = self.queued.get(kind, 0) + rows


def settings_for(campaign: Campaign | None) -> dict[str, Any]:
    return {**DEFAULTS, **((campaign.reminders or {}) if campaign is not None else {})}


GRACE_MAX = 60


def grace_for(application: Application | None) -> int | None:
    """The campaign's grace period in working days for a deadline already past when a task is re-entered
    (``grace_working_days``; 0 or null: none, the step lapses as the BPMN says and the unit is told so)."""
    if application is None:
        return None
    days = settings_for(application.campaign).get("grace_working_days")
    if isinstance(days, bool) or not isinstance(days, int) or not 0 < days <= GRACE_MAX:
        if days not in (None, 0):
            LOGGER.warning("campaign %s: grace_working_days %r is not 1..%s; no grace period",
                           application.campaign_id, days, GRACE_MAX)
        return None
    return days


def offset_times(cfg: dict[str, Any], closes_at: datetime, key: str,
                 report: ReminderReport | None = None) -> list[tuple[int, datetime]]:
    """(days, when) for each configured offset before ``closes_at``, earliest first.

    With ``working_days`` the offsets count the campaign's working-day calendar
    (:mod:`service.timekeeping`); a year it has no data for counts Monday to Friday, with a warning.
    """
    close_day = clock.local(closes_at).date()
    calendar = None
    if cfg.get("working_days"):
        try:
            calendar = from_overrides(cfg.get("calendar_overrides"), lenient=True)
        except CalendarError as exc:
            _warn(report, _("节假日调整表无效，按法定节假日计算提醒：{error}", error=str(exc)))
            calendar = statutory_calendar()
    times = []
    for days in sorted({int(d) for d in cfg.get(key) or []}, reverse=True):
        day = calendar.add_working_days(close_day, -days) if calendar is not None else close_day - timedelta(days=days)
        at = datetime.combine(day, dt.time(int(cfg.get("send_hour", 9))), clock.SHANGHAI)
        times.append((days, at.astimezone(dt.timezone.utc)))
    if calendar is not None:
        for warning in missing_year_warnings(calendar, _("提醒日期")):
            _warn(report, warning)
    return sorted(times, key=lambda item: item[1])


def _warn(report: ReminderReport | None, message: str) -> None:
    LOGGER.warning("%s", message)
    if report is not None and message not in report.warnings:
        report.warnings.append(message)


def current_offset(times: list[tuple[int, datetime]], closes_at: datetime, now: datetime) -> int | None:
    """The offset whose slot contains ``now``: a late sweep sends only the latest reminder, not all."""
    for i, (days, at) in enumerate(times):
        until = times[i + 1][1] if i + 1 < len(times) else closes_at
        if at <= now < until:
            return days
    return None


def sweep(*, session: Session, base_url: str = "") -> ReminderReport:
    """Queue every reminder due now; one transaction, committed here."""
    now = clock.now()
    report = ReminderReport()
    for campaign in campaign_repo.open_at(session, now):
        _campaign_reminders(session, campaign, now, report)
    _task_reminders(session, now, report)
    _office_digest(session, now, report)
    session.commit()
    return report


def _campaign_reminders(session: Session, campaign: Campaign, now: datetime, report: ReminderReport) -> None:
    cfg = settings_for(campaign)
    channels = cfg["channels"]
    submitters = users_with_role(session, "unit_submitter")
    if campaign.owner_unit_id is not None:  # a union's own campaign: only the units below it are told
        inside = {u.id for u in campaign_repo.all_units(session) if policies.in_campaign_tree(u, campaign)}
        submitters = [u for u in submitters if u.unit_id in inside]
    base = {"campaign_name": campaign.name, "year": campaign.year, "opens_at": campaign.opens_at.isoformat(),
            "closes_at": campaign.closes_at.isoformat(), "link": links.applications(campaign_id=campaign.id)}
    if cfg.get("window_open"):
        for user in submitters:
            report.add("window_open", outbox.enqueue(
                session, key=f"reminder:window_open:{campaign.id}:{user.id}", user=user, template="window_open",
                context=base, campaign_id=campaign.id, channels=channels))
    days_left = (clock.local(campaign.closes_at).date() - clock.local(now).date()).days
    offset = current_offset(offset_times(cfg, campaign.closes_at, "submission_days_before", report),
                            campaign.closes_at, now)
    if offset is not None:
        by_unit: dict[int, set[str]] = {}
        for unit_id, status in application_repo.unit_statuses(session, campaign.id):
            by_unit.setdefault(unit_id, set()).add(status)
        for user in submitters:
            statuses = by_unit.get(user.unit_id, set())
            has_draft = bool(statuses & set(OPEN_DRAFT_STATUSES))
            if statuses and not has_draft:
                continue  # everything this unit started has been submitted (or withdrawn)
            report.add("submission_due_soon", outbox.enqueue(
                session, key=f"reminder:submission:{campaign.id}:{offset}:{user.id}", user=user,
                template="submission_due_soon", context={**base, "days_left": days_left, "has_draft": has_draft},
                campaign_id=campaign.id, channels=channels))
    offset = current_offset(offset_times(cfg, campaign.closes_at, "signoff_days_before", report),
                            campaign.closes_at, now)
    if offset is not None:
        for application in application_repo.of_campaign_in_status(session, campaign.id, "awaiting_signoff"):
            for user in users_with_role(session, "unit_leader", application.unit_id):
                report.add("signoff_pending", outbox.enqueue(
                    session, key=f"reminder:signoff:{application.id}:{offset}:{user.id}", user=user,
                    template="signoff_pending",
                    context={**base, "application_theme": application.theme,
                             "link": links.application_task(application.id)},
                    campaign_id=campaign.id, channels=channels))


def overdue_hours(due: datetime | None, now: datetime) -> int:
    """Whole hours past ``due`` (0 when not yet due): the templates' ``overdue`` filter words it."""
    if due is None or now <= due:
        return 0
    return int((now - due).total_seconds() // 3600)


def _task_reminders(session: Session, now: datetime, report: ReminderReport) -> None:
    horizon = now + timedelta(hours=max(float(DEFAULTS["task_due_soon_hours"]), 168))
    tasks = task_repo.open_due_by(session, horizon)
    campaigns: dict[int, Campaign | None] = {}
    for task in tasks:
        sent = set(task.reminders_sent or [])
        if "escalated" in sent:
            continue
        application = application_repo.by_id(session, task.application_id) if task.application_id else None
        if application is not None and application.campaign_id not in campaigns:
            campaigns[application.campaign_id] = campaign_repo.by_id(session, application.campaign_id)
        campaign = campaigns.get(application.campaign_id) if application is not None else None
        cfg = settings_for(campaign)
        due = task.due_at
        assert due is not None
        if campaign is not None and due == campaign.closes_at:
            continue  # due with the window (filling in, signing off): the window's own reminders cover it
        context = {"task_name": task.name, "application_theme": application.theme if application else "",
                   "due_at": due.isoformat(), "link": _link(task, campaign),
                   "assignee_name": _assignee_name(session, task), "overdue_hours": overdue_hours(due, now)}
        campaign_id = campaign.id if campaign else None
        kinds: list[tuple[str, str, list[Addressee]]] = []
        escalate = cfg.get("escalate_after_hours")
        if escalate is not None and now >= due + timedelta(hours=float(escalate)):
            kinds.append(("escalated", "task_escalated", _reaching(session, users_with_role(session, "group_leader"), campaign)))
        if now >= due and cfg.get("task_overdue") and "overdue" not in sent:
            kinds.append(("overdue", "task_overdue", task_recipients(session, task)))
        elif now < due and now >= due - timedelta(hours=float(cfg["task_due_soon_hours"])) and "due_soon" not in sent:
            kinds.append(("due_soon", "task_due_soon", task_recipients(session, task)))
        for kind, template, users in kinds:
            for user in users:
                report.add(template, outbox.enqueue(
                    session, key=f"reminder:{template}:{task.id}:{user.id}", user=user, template=template,
                    context=context, campaign_id=campaign_id, channels=cfg["channels"]))
            sent.add(kind)
        if kinds:
            task.reminders_sent = sorted(sent)


def _link(task: Task, campaign: Campaign | None) -> str:
    """A task's own page; an item waiting for its union's forwarding: the union's forwarding page."""
    page = links.waiting_for(task.message, campaign.id) if task.message and campaign is not None else None
    return page or links.task(task.id)


def _assignee_name(session: Session, task: Task) -> str:
    """Who is to act: the assignee or candidate; a waiting item: the unit whose people decide (its union)."""
    user_id = task.assignee_id or task.candidate_user_id
    assignee = user_repo.by_id(session, user_id) if user_id else None
    if assignee is not None:
        return assignee.display_name
    if task.message and task.unit_id is not None:
        unit = org_repo.unit_by_id(session, task.unit_id)
        if unit is not None:
            return unit.name
    return ""  # unclaimed: the templates say so in the recipient's language


def _office_digest(session: Session, now: datetime, report: ReminderReport) -> None:
    hour = DEFAULTS["office_digest_hour"]
    local = clock.local(now)
    if hour is None or local.hour < int(hour):
        return
    overdue = task_repo.open_due_by(session, now, limit=200)
    if not overdue:
        return
    items: list[tuple[Campaign | None, dict[str, Any]]] = []
    campaigns: dict[int, Campaign | None] = {}
    for task in overdue:
        application = application_repo.by_id(session, task.application_id) if task.application_id else None
        if application is not None and application.campaign_id not in campaigns:
            campaigns[application.campaign_id] = campaign_repo.by_id(session, application.campaign_id)
        items.append((campaigns.get(application.campaign_id) if application is not None else None, {
            "task_name": task.name, "application_theme": application.theme if application else "",
            "assignee_name": _assignee_name(session, task),
            "due_at": task.due_at.isoformat() if task.due_at else None,
            "overdue_hours": overdue_hours(task.due_at, now)}))
    day = local.date().isoformat()
    for user in users_with_role(session, "office"):
        # a union's office hears of its own campaigns' overdue work only (the one reach rule)
        own = [item for campaign, item in items if _reaching(session, [user], campaign)]
        if not own:
            continue
        report.add("office_digest", outbox.enqueue(
            session, key=f"reminder:office_digest:{day}:{user.id}", user=user, template="office_digest",
            context={"date": day, "items": own, "link": links.tasks(everyone=True, overdue=True)}))


def _reaching(session: Session, users: list[Addressee], campaign: Campaign | None) -> list[Addressee]:
    """Those of ``users`` whose role reaches ``campaign`` (a union's office or leader is not told of the
    federation's work, nor of another union's)."""
    if campaign is None:
        return users
    return [u for u in users if (person := user_repo.by_id(session, u.id)) is not None
            and policies.reaches_campaign(person, campaign)]
