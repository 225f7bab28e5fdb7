"""Window closing, reminders, escalation and the outbox, in-process on SQLite and PostgreSQL.

Time moves with the service clock; the jobs are the same functions the Celery
tasks and the embedded scheduler call. Mail goes to an aiosmtpd server on loopback.
"""
from __future__ import annotations

from datetime import timedelta
from email.header import decode_header, make_header
from typing import Any

from sqlalchemy import func, select

from service import clock
from service.jobs.runtime import Runtime
from service.models import Application, InboxMessage, OutboxMessage, Task, Timer, User
from service.workflows import campaign_setup, reminders
from tests.api_client import Api
from tests.integration import flows
from tests.integration.deadline_support import SmtpSink, shanghai
from tests.integration.deadline_support import travel as _travel

_apis: list[Api] = []


def travel(at: Any) -> None:
    """Move the clock; API tokens issued before expire, so log in again afterwards."""
    _travel(at)
    for api in _apis:
        api.tokens.clear()


def make_api(app: Any) -> Api:
    _apis.clear()
    _apis.append(Api(app))
    return _apis[0]


def runtime(app: Any, smtp: SmtpSink | None = None) -> Runtime:
    settings = app.extensions["appraisal.settings"]
    return Runtime.build(settings, environ=smtp.env if smtp else {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": "9"})


def deliver_all(rt: Runtime) -> list[str]:
    return [rt.deliver(i) for i in rt.claim_outbox()]


def outbox_rows(app: Any, **where: Any) -> list[OutboxMessage]:
    with app.extensions["appraisal.sessions"]() as s:
        query = select(OutboxMessage).order_by(OutboxMessage.id)
        for k, v in where.items():
            query = query.where(getattr(OutboxMessage, k) == v)
        return list(s.scalars(query))


def user_id(app: Any, username: str) -> int:
    with app.extensions["appraisal.sessions"]() as s:
        return s.scalar(select(User.id).where(User.username == username))


def test_window_close_lapses_unsubmitted_drafts_once(app: Any) -> None:
    api = make_api(app)
    draft = flows.create(api, "hc_submitter")["id"]
    signing = flows.create(api, "hy_submitter")["id"]
    api.complete("hy_submitter", "fill_application", signing, {})
    submitted = flows.create(api, "rz_submitter")["id"]
    flows.submit(api, submitted, "rz_submitter", "rz_leader")
    rt = runtime(app)
    with app.extensions["appraisal.sessions"]() as s:
        waiting = list(s.scalars(select(Timer).where(Timer.state == "waiting")))
        assert {t.element_id for t in waiting} == {"submission_window_closed", "signoff_window_closed"}
        assert {t.due_at for t in waiting} == {shanghai(2026, 12, 31, 23, 59, 59)}

    travel(shanghai(2026, 12, 31, 23, 59, 58))
    assert rt.sweep_timers().fired == []  # not due yet
    travel(shanghai(2026, 12, 31, 23, 59, 59) + timedelta(milliseconds=300))
    report = rt.sweep_timers()
    assert len(report.fired) == 2 and not report.errors
    assert rt.sweep_timers().fired == []  # the same sweep again fires nothing
    assert api.get(f"/api/applications/{draft}", "res_office1")["status"] == "lapsed"
    assert api.get(f"/api/applications/{signing}", "res_office1")["status"] == "lapsed"
    assert api.get(f"/api/applications/{submitted}", "res_office1")["status"] == "in_review"
    with app.extensions["appraisal.sessions"]() as s:
        fired = list(s.scalars(select(Timer).where(Timer.state == "fired")))
        assert len(fired) == 2 and all(0 <= (t.fired_at - t.due_at).total_seconds() < 5 for t in fired)
        assert s.scalar(select(func.count()).select_from(Task).where(
            Task.application_id.in_([draft, signing]), Task.state == "open")) == 0


def test_a_lapsed_application_tells_its_units_submitter_and_leader_and_shows_on_the_dashboard(app: Any) -> None:
    """The close lapses a draft and an unsigned application through the BPMN's notify tasks: both people of
    each unit get a Chinese e-mail (and in-app message) saying why, linking to the application; the office's
    dashboard lists them with the step each stopped at and whom the notice reached."""
    from tests.web_client import logged_in

    api = make_api(app)
    draft = flows.create(api, "hc_submitter")["id"]
    unsigned = flows.create(api, "hy_submitter")["id"]
    api.complete("hy_submitter", "fill_application", unsigned, {})
    submitted = flows.create(api, "rz_submitter")["id"]
    flows.submit(api, submitted, "rz_submitter", "rz_leader")
    with SmtpSink() as smtp:
        rt = runtime(app, smtp)
        travel(shanghai(2026, 12, 31, 23, 59, 59) + timedelta(seconds=1))
        assert len(rt.sweep_timers().fired) == 2
        assert rt.sweep_timers().fired == []
        deliver_all(rt)
        lapsed = {to: smtp.find(f"{to}@", "【申报失效】") for to in
                  ("hc_submitter", "hc_leader", "hy_submitter", "hy_leader", "rz_submitter", "rz_leader")}
        assert [len(lapsed[u]) for u in lapsed] == [1, 1, 1, 1, 0, 0]
        theme = flows.GOOD_APPLICATION["theme"]
        assert str(make_header(decode_header(lapsed["hc_leader"][0]["Subject"]))) == f"【申报失效】“{theme}”未在截止前提交"
        assert "未在截止前经主要领导签字" in str(make_header(decode_header(lapsed["hy_submitter"][0]["Subject"])))
        hc_text, hy_text = smtp.text(lapsed["hc_submitter"][0]), smtp.text(lapsed["hy_leader"][0])
        assert "截止时仍未提交主要领导签字" in hc_text and "2026年12月31日 23:59" in hc_text
        assert "截止时尚未经主要领导审核签字" in hy_text and "已作失效处理" in hy_text
        assert f"/applications/{draft}" in hc_text and f"/applications/{unsigned}" in hy_text
        with app.extensions["appraisal.sessions"]() as s:
            inapp = s.scalar(select(func.count()).select_from(InboxMessage).where(
                InboxMessage.user_id == user_id(app, "hc_leader"), InboxMessage.subject.startswith("【申报失效】")))
        assert inapp == 1
        # a second sweep, or a later one, tells nobody again
        travel(shanghai(2027, 1, 1, 9, 0))
        rt.sweep_timers()
        rt.sweep_reminders()
        deliver_all(rt)
        assert sum(len(smtp.find(f"{u}@", "【申报失效】")) for u in lapsed) == 4
    office, _ = logged_in(app, "res_office1")
    page = office.get("/office").headers["Location"]
    page = office.get(page).get_data(as_text=True)
    section = page[page.index('id="lapsed"'):page.index('id="lapsed"') + 4000]
    assert "逾期失效的申报 (2)" in section
    for application_id, step, people in ((draft, "填写申报表", ("陈思远", "黄国栋")),
                                         (unsigned, "主要领导签字", ("孙丽华", "周永强"))):
        row = section[section.index(f'data-application="{application_id}"'):]
        row = row[:row.index("</tr>")]
        assert step in row and all(f"{name}（已发送）" in row for name in people), row
    assert f'data-application="{submitted}"' not in section
    # the people told open the application and see it lapsed
    submitter, _ = logged_in(app, "hc_submitter")
    assert 'id="lapsed-note"' in submitter.get(f"/applications/{draft}").get_data(as_text=True)


def test_unit_reminders_go_out_once_at_the_right_time_in_chinese(app: Any) -> None:
    api = make_api(app)
    flows.create(api, "hc_submitter")  # a draft
    signing = flows.create(api, "hy_submitter")["id"]
    api.complete("hy_submitter", "fill_application", signing, {})
    with SmtpSink() as smtp:
        rt = runtime(app, smtp)
        rt.sweep_reminders()
        deliver_all(rt)
        opened = [s for s in smtp.subjects() if "申报通道已开启" in s]
        with app.extensions["appraisal.sessions"]() as s:
            submitters = s.scalar(select(func.count()).select_from(User).where(
                User.role_rows.any(role="unit_submitter")))
        assert len(opened) == submitters > 3
        # 27 December: nothing new is due
        travel(shanghai(2026, 12, 27, 12, 0))
        before = len(outbox_rows(app))
        rt.sweep_reminders()
        assert len(outbox_rows(app)) == before
        # 28 December 09:00 (3 days before the 31st): units with a draft or no application
        travel(shanghai(2026, 12, 28, 9, 0, 1))
        rt.sweep_reminders()
        rt.sweep_reminders()  # twice: nothing twice
        deliver_all(rt)
        to_hc = smtp.subjects("hc_submitter@example.org")
        assert to_hc.count("【截止提醒】2026年度创新性工作评比申报将于3天后截止") == 1
        hc_mail = smtp.find("hc_submitter@", "3天后截止")
        assert "您已保存申报草稿但尚未正式提交" in smtp.text(hc_mail[0])
        no_app = smtp.find("jx_submitter@", "3天后截止")
        assert no_app and "您尚未填写申报材料" in smtp.text(no_app[0])
        assert not any("3天后" in s for s in smtp.subjects("hy_submitter@example.org"))  # hy submitted its draft
        assert smtp.subjects("hy_leader@example.org") == [  # told when the sign-off began to wait, then reminded
            "【待办】主要领导签字：“职工之家”网格化服务机制", "【待签批】““职工之家”网格化服务机制”申报材料待您审核签批"]
        # 30 December 09:00: the one-day reminder, once
        travel(shanghai(2026, 12, 30, 9, 30))
        rt.sweep_reminders()
        deliver_all(rt)
        assert smtp.subjects("hc_submitter@example.org").count("【截止提醒】2026年度创新性工作评比申报将于1天后截止") == 1
        assert len(smtp.subjects("hy_leader@example.org")) == 3
        with app.extensions["appraisal.sessions"]() as s:
            inbox = s.scalar(select(func.count()).select_from(InboxMessage).where(
                InboxMessage.user_id == user_id(app, "hc_submitter")))
        assert inbox == 3  # window open, 3 days, 1 day — in-app as well as e-mail
        assert {r.status for r in outbox_rows(app)} == {"sent"}


def test_reviewer_due_soon_overdue_escalation_and_office_digest(app: Any) -> None:
    api = make_api(app)
    app_id = flows.create(api, "hy_submitter")["id"]
    flows.submit(api, app_id, "hy_submitter", "hy_leader")
    task = api.task_for("jx_vetter", "county_vetting", app_id)  # due at the campaign's vetting deadline
    due = api.get(f"/api/tasks/{task['id']}", "jx_vetter")["due_at"]
    assert due is not None
    with app.extensions["appraisal.sessions"]() as s:
        due_at = s.get(Task, task["id"]).due_at
    with SmtpSink() as smtp:
        rt = runtime(app, smtp)
        deliver_all(rt)
        assert smtp.subjects("jx_vetter@example.org") == ["【待办】主管工会初审：“职工之家”网格化服务机制"]
        travel(due_at - timedelta(hours=30))
        rt.sweep_reminders()
        deliver_all(rt)
        assert not any("即将到期" in s for s in smtp.subjects())
        travel(due_at - timedelta(hours=10))
        rt.sweep_reminders()
        rt.sweep_reminders()
        deliver_all(rt)
        assert smtp.subjects("jx_vetter@example.org").count("【即将到期】主管工会初审：“职工之家”网格化服务机制") == 1
        travel(due_at + timedelta(hours=2))
        rt.sweep_reminders()
        deliver_all(rt)
        assert smtp.subjects("jx_vetter@example.org").count("【已逾期】主管工会初审：“职工之家”网格化服务机制") == 1
        assert not smtp.subjects("group_leader@example.org")
        travel(due_at + timedelta(hours=33))  # the day after, once the office's digest hour has come
        rt.sweep_reminders()
        rt.sweep_reminders()
        deliver_all(rt)
        escalated = smtp.subjects("group_leader@example.org")
        assert escalated == ["【督办】主管工会初审：“职工之家”网格化服务机制（已逾期1天）"]
        digest = [s for s in smtp.subjects("res_office1@example.org") if s.startswith("【督办汇总】")]
        assert digest and len(set(digest)) == len(digest) and all("共1项" in d for d in digest)  # once a day
        # a later sweep (same day) repeats nothing
        count = len(smtp.messages)
        travel(due_at + timedelta(hours=34))
        rt.sweep_reminders()
        deliver_all(rt)
        assert len(smtp.messages) == count


def test_office_digest_words_a_task_late_by_hours_in_hours(app: Any) -> None:
    """Under a day late is still late: the digest says "已逾期9小时", never "尚未逾期" (it lists only overdue work)."""
    api = make_api(app)
    app_id = flows.create(api, "hy_submitter")["id"]
    flows.submit(api, app_id, "hy_submitter", "hy_leader")
    task = api.task_for("jx_vetter", "county_vetting", app_id)  # due at the end of the vetting deadline's day
    with app.extensions["appraisal.sessions"]() as s:
        due_at = s.get(Task, task["id"]).due_at
    assert clock.local(due_at + timedelta(hours=9, minutes=20)).hour >= reminders.DEFAULTS["office_digest_hour"]
    with SmtpSink() as smtp:
        rt = runtime(app, smtp)
        travel(due_at + timedelta(hours=9, minutes=20))
        rt.sweep_reminders()
        deliver_all(rt)
        [digest] = [m for m in smtp.find("res_office1@", "【督办汇总】")]
        text = smtp.text(digest)
        html = next(p.get_payload(decode=True).decode() for p in digest.walk() if p.get_content_type() == "text/html")
        for part in (text, html):
            assert "已逾期9小时" in part and "尚未逾期" not in part and "已逾期0天" not in part


def test_failed_delivery_backs_off_and_office_sees_states(app: Any) -> None:
    api = make_api(app)
    flows.create(api, "hc_submitter")
    rt = runtime(app)  # SMTP on port 9: connection refused -> transient
    rt.sweep_reminders()
    statuses = deliver_all(rt)
    assert "pending" in statuses and "sent" in statuses  # e-mail failed transiently, in-app stored
    row = outbox_rows(app, channel="email")[0]
    assert row.attempts == 1 and row.last_error and row.next_attempt_at > row.created_at
    assert rt.claim_outbox() == []  # backing off
    listing = api.get("/api/notifications?status=pending", "res_office1")
    assert listing["total"] >= 1 and listing["items"][0]["status"] == "pending"
    assert listing["items"][0]["last_error"]
    assert api.get("/api/notifications", "hc_submitter", expect=403)
    counts = api.get("/api/notifications/summary", "res_office1")
    assert counts["pending"] >= 1 and counts["sent"] >= 1
    # a deliverer that died mid-send leaves 'sending'; once its lease runs out the row is retried
    with app.extensions["appraisal.sessions"]() as s:
        stuck = s.get(OutboxMessage, outbox_rows(app, channel="inapp")[0].id)
        stuck.status, stuck.next_attempt_at, stuck.sent_at = "sending", stuck.created_at, None
        s.commit()
        stuck_id = stuck.id
    assert stuck_id in rt.claim_outbox()
    assert rt.deliver(stuck_id) == "sent"
    assert rt.deliver(stuck_id) == "sent"  # and only once
    with app.extensions["appraisal.sessions"]() as s:
        assert s.scalar(select(func.count()).select_from(InboxMessage).where(
            InboxMessage.dedupe_key == s.get(OutboxMessage, stuck_id).dedupe_key)) == 1


def test_working_day_offsets_and_missing_calendar_year(app: Any) -> None:
    with app.extensions["appraisal.sessions"]() as s:
        from service.models import Campaign

        campaign = s.scalars(select(Campaign)).first()
        cfg = {**reminders.DEFAULTS, "working_days": True, "submission_days_before": [3, 1]}
        times = reminders.offset_times(cfg, campaign.closes_at, "submission_days_before")
        # 31 Dec 2026 is a Thursday: 3 working days before is Monday 28th, 1 is Wednesday 30th
        assert [t.astimezone(shanghai(2026, 1, 1).tzinfo).date().isoformat() for _, t in times] == [
            "2026-12-28", "2026-12-30"]
        report = reminders.ReminderReport()
        far = shanghai(2099, 12, 31, 23, 59, 59)
        times = reminders.offset_times(cfg, far, "submission_days_before", report)
        assert len(times) == 2 and report.warnings and "2099" in report.warnings[0] and "节假日" in report.warnings[0]
        cfg["calendar_overrides"] = {"2099-12-30": False}
        report = reminders.ReminderReport()
        times = reminders.offset_times(cfg, far, "submission_days_before", report)
        assert not report.warnings and times[-1][1].astimezone(far.tzinfo).day == 29


def test_bpmn_non_interrupting_reminder_on_the_presentation_task(app: Any) -> None:
    api = make_api(app)
    app_id = flows.create(api, "hc_submitter")["id"]
    flows.submit(api, app_id, "hc_submitter", "hc_leader")
    api.complete("lg_member1", "preliminary_review", app_id, {"shortlisted": True, "review_reasons": "创新性突出"})
    task = api.task_for("res_office1", "record_presentation", app_id)
    with app.extensions["appraisal.sessions"]() as s:
        row = s.get(Task, task["id"])
        timer = s.scalar(select(Timer).where(Timer.element_id == "presentation_due_soon"))
        assert timer.kind == "duration" and timer.state == "waiting"
        assert abs((timer.due_at - (row.created_at + timedelta(days=8))).total_seconds()) < 2
        due_at, reminder_at = row.due_at, timer.due_at
    with SmtpSink() as smtp:
        rt = runtime(app, smtp)
        travel(reminder_at - timedelta(seconds=1))
        assert rt.sweep_timers().fired == []
        travel(reminder_at + timedelta(seconds=1))
        assert len(rt.sweep_timers().fired) == 1
        assert rt.sweep_timers().fired == []
        deliver_all(rt)
        subject = "【即将到期】公开陈述记录：“职工之家”网格化服务机制"
        assert smtp.subjects("res_office1@example.org").count(subject) == 1
        assert smtp.subjects("res_office2@example.org").count(subject) == 1
        body = smtp.text(smtp.find("res_office1@", "即将到期")[0])
        assert "/tasks/" in body and "办理期限" in body
        # the task is still open; the generic 24-hour reminder does not repeat it
        assert api.task_for("res_office1", "record_presentation", app_id)["id"] == task["id"]
        travel(due_at - timedelta(hours=12))
        rt.sweep_reminders()
        deliver_all(rt)
        assert smtp.subjects("res_office1@example.org").count(subject) == 1
        # completing the task later still works; the timer row is done
        api.complete("res_office1", "record_presentation", app_id, {
            "presentation_date": "2027-01-08", "presenter": "刘晓燕", "presentation_notes": "陈述15分钟"})
    with app.extensions["appraisal.sessions"]() as s:
        assert s.scalar(select(Timer.state).where(Timer.element_id == "presentation_due_soon")) == "fired"
        assert s.get(Application, app_id).status == "in_review"


def test_concurrent_sweeps_fire_and_queue_each_thing_once(app: Any) -> None:
    """Four threads run the timer, reminder and outbox sweeps at once, as two beats and workers would."""
    import threading

    api = make_api(app)
    drafts = [flows.create(api, u)["id"] for u in ("hc_submitter", "hy_submitter", "rz_submitter", "econ_submitter")]
    with SmtpSink() as smtp:
        runtimes = [runtime(app, smtp) for _ in range(4)]
        fired: list[int] = []

        def all_at_once() -> None:
            errors: list[BaseException] = []
            barrier = threading.Barrier(len(runtimes))

            def work(rt: Runtime) -> None:
                try:
                    barrier.wait()
                    for _ in range(3):
                        fired.extend(rt.sweep_timers().fired)
                        rt.sweep_reminders()
                        for message_id in rt.claim_outbox():
                            rt.deliver(message_id)
                except BaseException as exc:  # noqa: BLE001 - reported below
                    errors.append(exc)

            threads = [threading.Thread(target=work, args=(rt,)) for rt in runtimes]
            for t in threads:
                t.start()
            for t in threads:
                t.join(60)
            assert not errors, errors

        travel(shanghai(2026, 12, 30, 10, 0))  # the one-day reminders (and the window-open notices) are due
        all_at_once()
        travel(shanghai(2026, 12, 31, 23, 59, 59) + timedelta(seconds=1))  # and now the window closes
        all_at_once()
        assert len(fired) == len(set(fired)) == len(drafts)
        ids = [m["Message-ID"] for m in smtp.messages]
        assert len(smtp.find("hc_submitter@", "1天后截止")) == 1
        assert ids and len(ids) == len(set(ids))
        assert {r.status for r in outbox_rows(app)} == {"sent"}
        for rt in runtimes:
            rt.db_engine.dispose()
    assert all(api.get(f"/api/applications/{i}", "res_office1")["status"] == "lapsed" for i in drafts)


CYCLE_BPMN = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core"
    xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" id="defs" targetNamespace="urn:test">
  <bpmn:process id="cycle_probe" name="循环提醒探针" isExecutable="true">
    <bpmn:laneSet id="lanes">
      <bpmn:lane id="office" name="办公室">
        <bpmn:flowNodeRef>start</bpmn:flowNodeRef><bpmn:flowNodeRef>review</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>done</bpmn:flowNodeRef><bpmn:flowNodeRef>hourly</bpmn:flowNodeRef>
      </bpmn:lane>
      <bpmn:lane id="system" name="系统">
        <bpmn:flowNodeRef>remind</bpmn:flowNodeRef><bpmn:flowNodeRef>reminded</bpmn:flowNodeRef>
      </bpmn:lane>
    </bpmn:laneSet>
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:userTask id="review" name="审核">
      <bpmn:extensionElements><spiffworkflow:properties>
        <spiffworkflow:property name="formKey" value="presentation"/>
        <spiffworkflow:property name="dueIn" value="P1D"/>
      </spiffworkflow:properties></bpmn:extensionElements>
      <bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:endEvent id="done"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>
    <bpmn:boundaryEvent id="hourly" name="每小时提醒" attachedToRef="review" cancelActivity="false">
      <bpmn:outgoing>f3</bpmn:outgoing>
      <bpmn:timerEventDefinition id="hourly_timer">
        <bpmn:timeCycle xsi:type="bpmn:tFormalExpression">"R3/PT1H"</bpmn:timeCycle>
      </bpmn:timerEventDefinition>
    </bpmn:boundaryEvent>
    <bpmn:serviceTask id="remind" name="提醒">
      <bpmn:extensionElements>
        <spiffworkflow:serviceTaskOperator id="notify" resultVariable="reminder">
          <spiffworkflow:parameters>
            <spiffworkflow:parameter id="template" type="str" value="&quot;task_due_soon&quot;"/>
            <spiffworkflow:parameter id="to" type="str" value="&quot;role&quot;"/>
            <spiffworkflow:parameter id="role" type="str" value="&quot;office&quot;"/>
            <spiffworkflow:parameter id="context" type="any" value="{&quot;task_element&quot;: &quot;review&quot;}"/>
          </spiffworkflow:parameters>
        </spiffworkflow:serviceTaskOperator>
      </bpmn:extensionElements>
      <bpmn:incoming>f3</bpmn:incoming><bpmn:outgoing>f4</bpmn:outgoing>
    </bpmn:serviceTask>
    <bpmn:endEvent id="reminded"><bpmn:incoming>f4</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="review"/>
    <bpmn:sequenceFlow id="f2" sourceRef="review" targetRef="done"/>
    <bpmn:sequenceFlow id="f3" sourceRef="hourly" targetRef="remind"/>
    <bpmn:sequenceFlow id="f4" sourceRef="remind" targetRef="reminded"/>
  </bpmn:process>
</bpmn:definitions>"""


def test_cycle_timer_fires_each_repetition_once(app: Any) -> None:
    api = make_api(app)
    api.post("/api/process-definitions?comment=cycle", "process_admin", expect=201, data=CYCLE_BPMN.encode(),
             headers={"Content-Type": "application/xml"})
    instance = api.post("/api/process-definitions/key/cycle_probe/start", "res_office1", expect=201,
                        json={"business_key": "cycle-1", "variables": {}})
    rt = runtime(app)

    def timers() -> list[Timer]:
        with app.extensions["appraisal.sessions"]() as s:
            return list(s.scalars(select(Timer).where(Timer.instance_id == instance["id"]).order_by(Timer.id)))

    [first] = timers()
    assert first.kind == "cycle" and first.state == "waiting"
    due = first.due_at
    for n in range(1, 4):
        travel(due + timedelta(seconds=1))
        assert len(rt.sweep_timers().fired) == 1
        assert rt.sweep_timers().fired == []
        rows = timers()
        assert [r.state for r in rows].count("fired") == n
        waiting = [r for r in rows if r.state == "waiting"]
        if n < 3:
            assert len(waiting) == 1 and waiting[0].due_at - due == timedelta(hours=1)
            due = waiting[0].due_at
        else:
            assert waiting == []  # R3: three repetitions, then the cycle is over
    reminders_queued = outbox_rows(app, template="task_due_soon", channel="inapp")
    office = 2  # res_office1, res_office2
    assert len(reminders_queued) == 3 * office
    assert all(r.context["task_name"] == "审核" and r.context["due_at"] for r in reminders_queued)


def test_due_timer_query_reads_the_index_not_every_waiting_timer(pg_app: Any) -> None:
    """With 20 000 timers waiting and 3 due, the sweep's query is an index range scan over the 3."""
    import time
    import uuid
    from datetime import datetime, timezone

    from sqlalchemy import insert, text

    from service import clock
    from service.workflows import timers as timer_flows

    api = make_api(pg_app)
    app_id = flows.create(api, "hc_submitter")["id"]
    now = clock.now()
    with pg_app.extensions["appraisal.sessions"]() as s:
        instance_id = s.get(Application, app_id).instance_id
        far = datetime(2030, 1, 1, tzinfo=timezone.utc)
        rows = [{"instance_id": instance_id, "engine_task_id": str(uuid.uuid4()), "element_id": "probe",
                 "kind": "date", "due_at": far + timedelta(minutes=i), "state": "waiting"} for i in range(20000)]
        rows += [{"instance_id": instance_id, "engine_task_id": str(uuid.uuid4()), "element_id": "probe",
                  "kind": "date", "due_at": now - timedelta(seconds=i + 1), "state": "waiting"} for i in range(3)]
        s.execute(insert(Timer), rows)
        s.commit()
        s.execute(text("ANALYZE timers"))
        query = timer_flows.due_query(now)
        plan = "\n".join(r[0] for r in s.execute(
            text("EXPLAIN " + str(query.compile(s.get_bind(), compile_kwargs={"literal_binds": True})))))
        assert "ix_timers_waiting_due" in plan, plan
        started = time.perf_counter()
        ids = timer_flows.due_instance_ids(s, now=now)
        elapsed = time.perf_counter() - started
        assert ids == [instance_id]
        print(f"\ndue-timer query with 20003 waiting, 3 due: {elapsed * 1000:.1f} ms")
        assert elapsed < 0.5


def test_the_forwarding_deadline_reminds_only_the_supervising_union_then_escalates(app: Any) -> None:
    """An item its union approved waits for the union's batch forwarding (统一上报) by the campaign's vetting
    deadline: due soon and overdue reach that union's vetters only, once each; a day late the group leader is
    told; a forwarded item is reminded of nothing more."""
    api = make_api(app)
    hy = flows.create(api, "hy_submitter", theme="竞秀区企业的项目")["id"]   # 竞秀区总工会 vets and forwards it
    rz = flows.create(api, "rz_submitter", theme="卫健系统企业的项目")["id"]  # 保定市卫生健康工会 does
    for app_id, submitter, leader, vetter in ((hy, "hy_submitter", "hy_leader", "jx_vetter"),
                                              (rz, "rz_submitter", "rz_leader", "health_vetter")):
        flows.submit(api, app_id, submitter, leader)
        task = api.task_for(vetter, "county_vetting", app_id)
        api.post(f"/api/tasks/{task['id']}/complete", vetter, json={"vetting_decision": "approve"})  # not forwarded yet
    with app.extensions["appraisal.sessions"]() as s:
        rows = {r.application_id: r for r in s.scalars(select(Task).where(Task.element_id == "await_forwarding"))}
        campaign = s.get(Application, hy).campaign
        deadline = campaign_setup.vetting_due_at(campaign)
        cid = campaign.id
    assert {r.state for r in rows.values()} == {"waiting"} and {r.due_at for r in rows.values()} == {deadline}
    soon, late = "【即将到期】主管工会统一上报：", "【已逾期】主管工会统一上报："
    with SmtpSink() as smtp:
        rt = runtime(app, smtp)
        deliver_all(rt)
        travel(deadline - timedelta(hours=30))
        rt.sweep_reminders()
        deliver_all(rt)
        assert not [s for s in smtp.subjects() if "统一上报" in s]
        travel(deadline - timedelta(hours=10))
        rt.sweep_reminders()
        rt.sweep_reminders()
        deliver_all(rt)
        assert [s for s in smtp.subjects("jx_vetter@example.org") if "统一上报" in s] == [soon + "竞秀区企业的项目"]
        assert [s for s in smtp.subjects("health_vetter@example.org") if "统一上报" in s] == [soon + "卫健系统企业的项目"]
        assert not [s for s in smtp.subjects() if "统一上报" in s and s.startswith(soon)
                    and not s.endswith(("竞秀区企业的项目", "卫健系统企业的项目"))]
        links = {m.context["link"] for m in outbox_rows(app, template="task_due_soon")
                 if m.context["task_name"] == "主管工会统一上报"}
        assert links == {f"/campaigns/{cid}/forwarding"}  # where the union forwards its batch
        assert {m.context["assignee_name"] for m in outbox_rows(app, template="task_due_soon")
                if m.context["task_name"] == "主管工会统一上报"} == {"竞秀区总工会", "保定市卫生健康工会"}  # who acts
        api.forward("jx_vetter", [hy])  # 竞秀区 forwards in time
        travel(deadline + timedelta(hours=2))
        rt.sweep_reminders()
        deliver_all(rt)
        assert not [s for s in smtp.subjects("jx_vetter@example.org") if s.startswith(late)]
        assert [s for s in smtp.subjects("health_vetter@example.org") if s.startswith(late)] == [late + "卫健系统企业的项目"]
        assert not [s for s in smtp.subjects("group_leader@example.org") if "统一上报" in s]
        travel(deadline + timedelta(hours=25))
        rt.sweep_reminders()
        rt.sweep_reminders()
        deliver_all(rt)
        assert [s for s in smtp.subjects("group_leader@example.org") if "统一上报" in s] == [
            "【督办】主管工会统一上报：卫健系统企业的项目（已逾期1天）"]
        recipients = {m.recipient_user_id for m in outbox_rows(app) if m.context.get("task_name") == "主管工会统一上报"}
        assert recipients == {user_id(app, u) for u in ("jx_vetter", "health_vetter", "group_leader")}
