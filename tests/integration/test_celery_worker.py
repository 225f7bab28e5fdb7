"""Real Celery workers against Redis, PostgreSQL and an SMTP server on loopback.

The workers read the test's clock from a file (APPRAISAL_CLOCK_OFFSET_FILE),
so time moves by days without sleeping; what is waited for is the real few
seconds a sweep takes. Each test uses a queue of its own on Redis database
11+ (per xdist worker) of the machine's Redis; the Redis-outage test starts a
private redis-server so it can stop it without disturbing anything else.
"""
from __future__ import annotations

import os
import uuid
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Iterator

import pytest
from sqlalchemy import func, select

from service import clock
from service.workflows.timeline import sentence
from service.models import Application, AuditRecord, OutboxMessage, Timer, User
from tests.api_client import Api
from tests.integration import flows
from tests.integration.deadline_support import (
    CeleryProcess,
    RedisServer,
    SmtpSink,
    celery_env,
    redis_available,
    shanghai,
    travel,
    wait_for,
)

pytestmark = [pytest.mark.slow, pytest.mark.redis, pytest.mark.postgres, pytest.mark.xdist_group("celery")]

WINDOW_CLOSES = shanghai(2026, 12, 31, 23, 59, 59)


def _redis_db() -> int:
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    return 11 + int(worker[2:] or 0) % 4


@pytest.fixture
def redis_url() -> str:
    url = f"redis://127.0.0.1:6379/{_redis_db()}"
    if not redis_available(url):
        pytest.fail("Redis is required on 127.0.0.1:6379 for the worker tests (.ci/run starts it)")
    return url


@pytest.fixture
def smtp() -> Iterator[SmtpSink]:
    with SmtpSink() as sink:
        yield sink


@pytest.fixture
def clock_file(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "clock-offset"
    travel(clock.now(), path)  # the workers start at the test's (December) time
    yield path


@pytest.fixture
def workers(tmp_path: Path) -> Iterator[list[CeleryProcess]]:
    started: list[CeleryProcess] = []
    yield started
    for w in started:
        w.stop()


def start_worker(workers: list[CeleryProcess], tmp_path: Path, name: str, env: dict[str, str],
                 **kw: Any) -> CeleryProcess:
    w = CeleryProcess(name, env, tmp_path, **kw)
    workers.append(w)
    return w.start()


def _sessions(app: Any) -> Any:
    return app.extensions["appraisal.sessions"]()


def outbox_settled(app: Any) -> bool:
    with _sessions(app) as s:
        return s.scalar(select(func.count()).select_from(OutboxMessage)
                        .where(OutboxMessage.status.in_(("pending", "sending")))) == 0


def assert_each_mail_once(smtp: SmtpSink) -> None:
    ids = Counter(m["Message-ID"] for m in smtp.messages)
    dupes = {k: v for k, v in ids.items() if v > 1}
    assert not dupes, f"sent more than once: {dupes}"


def test_worker_closes_the_window_on_time_and_sends_each_notice_once(
        pg_app: Any, redis_url: str, smtp: SmtpSink, clock_file: Path, workers: list, tmp_path: Path) -> None:
    api = Api(pg_app)
    draft = flows.create(api, "hc_submitter")["id"]
    signing = flows.create(api, "hy_submitter")["id"]
    api.complete("hy_submitter", "fill_application", signing, {})
    env = celery_env(database_url=pg_app.extensions["appraisal.settings"].database_url, redis_url=redis_url,
                     smtp=smtp, clock_file=clock_file, queue=f"q-{uuid.uuid4().hex[:8]}")
    start_worker(workers, tmp_path, "w1", env)
    # the window-opening notice reaches every unit submitter, by e-mail, in Chinese
    wait_for(lambda: any("申报通道已开启" in s for s in smtp.subjects("hc_submitter@")), 30, what="window_open mail")
    wait_for(lambda: outbox_settled(pg_app), 30, what="outbox to drain")

    travel(WINDOW_CLOSES - timedelta(seconds=3), clock_file)
    wait_for(lambda: _statuses(pg_app, draft, signing) == ["lapsed", "lapsed"], 30, interval=0.05,
             what="the window to close")
    with _sessions(pg_app) as s:
        fired = list(s.scalars(select(Timer).where(Timer.state == "fired")))
    lateness = sorted((t.fired_at - t.due_at).total_seconds() for t in fired)
    print(f"\ntimer lateness with default settings (s): {lateness}")
    assert len(fired) == 2 and all(0 <= late < 5.0 for late in lateness), lateness  # ~0.15 s when idle
    wait_for(lambda: outbox_settled(pg_app), 30, what="outbox to drain")
    assert_each_mail_once(smtp)
    assert smtp.subjects("hc_submitter@").count("【申报通知】2026年度创新性工作评比申报通道已开启") == 1


def _statuses(app: Any, *ids: int) -> list[str]:
    with _sessions(app) as s:
        return [s.get(Application, i).status for i in ids]


def test_two_workers_with_two_beats_fire_and_send_nothing_twice(
        pg_app: Any, redis_url: str, smtp: SmtpSink, clock_file: Path, workers: list, tmp_path: Path) -> None:
    api = Api(pg_app)
    drafts = [flows.create(api, u)["id"] for u in ("hc_submitter", "hy_submitter", "rz_submitter", "econ_submitter")]
    reviewed = flows.create(api, "htz_submitter")["id"]
    flows.submit(api, reviewed, "htz_submitter", "htz_leader")
    env = celery_env(database_url=pg_app.extensions["appraisal.settings"].database_url, redis_url=redis_url,
                     smtp=smtp, clock_file=clock_file, queue=f"q-{uuid.uuid4().hex[:8]}", REMINDER_SWEEP_SECONDS="1")
    start_worker(workers, tmp_path, "w1", env)
    start_worker(workers, tmp_path, "w2", env)
    wait_for(lambda: outbox_settled(pg_app) and smtp.messages, 30, what="first notices")
    travel(shanghai(2026, 12, 28, 9, 0, 0), clock_file)  # 3-day reminders
    wait_for(lambda: smtp.find("jx_submitter@", "3天后截止"), 30, what="3-day reminder")
    travel(WINDOW_CLOSES - timedelta(seconds=1), clock_file)
    wait_for(lambda: set(_statuses(pg_app, *drafts)) == {"lapsed"}, 30, what="drafts to lapse")
    # the review's task (the item waits on the shortlist sitting the office prepares): overdue and escalated,
    # while both beats keep sweeping
    review_due = _sitting_due(pg_app)
    travel(review_due + timedelta(hours=25), clock_file)
    wait_for(lambda: smtp.find("group_leader@", "【督办】"), 30, what="escalation")
    wait_for(lambda: outbox_settled(pg_app), 30, what="outbox to drain")
    assert_each_mail_once(smtp)
    per_key = Counter((m["X-Rcpt"], str(m["Subject"])) for m in smtp.messages)
    assert max(per_key.values()) == 1
    assert len(smtp.find("group_leader@", "【督办】")) == 1
    assert len(smtp.find("jx_submitter@", "3天后截止")) == 1
    with _sessions(pg_app) as s:
        firings = list(s.scalars(select(AuditRecord).where(AuditRecord.action == "fire_timers")))
        fired_timers = Counter(t["id"] for r in firings for t in r.detail["timers"])
        assert len(fired_timers) == len(drafts) and max(fired_timers.values()) == 1
    logs = workers[0].output() + workers[1].output()
    assert "appraisal.sweep_timers" in workers[0].output() and "appraisal.sweep_timers" in workers[1].output()
    assert "Traceback" not in logs, logs[-4000:]


def _sitting_due(app: Any) -> datetime:
    """When the office's open shortlist sitting (called when the reviewed item began to wait) is due."""
    from service.models import Task

    with _sessions(app) as s:
        due = s.scalar(select(Task.due_at).where(Task.element_id == "prepare_shortlist", Task.state == "open"))
    assert due is not None
    return due


def test_worker_killed_after_sending_before_ack_does_not_send_twice(
        pg_app: Any, redis_url: str, smtp: SmtpSink, clock_file: Path, workers: list, tmp_path: Path) -> None:
    api = Api(pg_app)
    marker = tmp_path / "kill-marker"
    marker.write_text("armed")
    env = celery_env(database_url=pg_app.extensions["appraisal.settings"].database_url, redis_url=redis_url,
                     smtp=smtp, clock_file=clock_file, queue=f"q-{uuid.uuid4().hex[:8]}",
                     REMINDER_SWEEP_SECONDS="3600", CELERY_VISIBILITY_TIMEOUT="3", CELERY_RESTORE_INTERVAL="1",
                     CELERY_RESTORE_THROTTLE="1", APPRAISAL_TEST_KILL_MARKER=str(marker))
    app_id = flows.create(api, "hc_submitter")["id"]
    flows.submit(api, app_id, "hc_submitter", "hc_leader")  # task_assigned for the shortlist sitting
    w1 = start_worker(workers, tmp_path, "w1", env, extra=["--include", "tests.integration.celery_kill_hook"])
    killed = Path(str(marker) + ".killed")
    wait_for(lambda: killed.exists(), 30, what="the worker to kill itself after a delivery")
    wait_for(lambda: w1.proc.poll() is not None or not _alive(w1), 10, what="worker 1 to be dead")
    w1.kill()
    job_id, message_id = killed.read_text().split()
    with _sessions(pg_app) as s:
        row = s.get(OutboxMessage, int(message_id))
        assert row.status == "sent" and row.attempts == 1
    sent_before = len(smtp.messages)
    w2 = start_worker(workers, tmp_path, "w2", {k: v for k, v in env.items() if k != "APPRAISAL_TEST_KILL_MARKER"})
    # the unacknowledged job comes back to worker 2, which finds the row sent and sends nothing
    wait_for(lambda: f"appraisal.deliver_notification[{job_id}] succeeded" in w2.output(), 40,
             what="the redelivered job to run on worker 2")
    wait_for(lambda: outbox_settled(pg_app), 30, what="outbox to drain")
    assert_each_mail_once(smtp)
    with _sessions(pg_app) as s:
        row = s.get(OutboxMessage, int(message_id))
        assert row.status == "sent" and row.attempts == 1
    assert len(smtp.messages) >= sent_before
    with _sessions(pg_app) as s:
        told = set(s.scalars(select(User.email).join(OutboxMessage, OutboxMessage.recipient_user_id == User.id).where(
            OutboxMessage.template == "task_assigned", OutboxMessage.channel == "email")))
    assert told  # the submission's new tasks (the shortlist sitting's, now a meeting's) were announced by mail
    assert all(len(smtp.find(email, "【待办】")) == 1 for email in told), (told, smtp.messages)


def test_worker_killed_between_handing_mail_to_smtp_and_recording_it_sends_one_more_copy_with_the_same_message_id(
        pg_app: Any, redis_url: str, smtp: SmtpSink, clock_file: Path, workers: list, tmp_path: Path) -> None:
    """The one window where the outbox can send twice, and what it promises there.

    Worker 1 hands an e-mail to the SMTP server and is SIGKILLed before it can
    commit ``sent`` (fault point ``outbox.deliver.handed_over.email``). The row
    stays ``sending``; once its lease runs out worker 2 delivers it again. The
    promise: that e-mail arrives exactly twice, both copies with the same
    Message-ID (so mail clients show one), every other notification once, and
    the in-app copies (written in the ``sent`` transaction) once each.
    """
    from service.models import InboxMessage

    armed = tmp_path / "fault-armed"
    armed.write_text("armed")
    env = celery_env(database_url=pg_app.extensions["appraisal.settings"].database_url, redis_url=redis_url,
                     smtp=smtp, clock_file=clock_file, queue=f"q-{uuid.uuid4().hex[:8]}",
                     REMINDER_SWEEP_SECONDS="3600", OUTBOX_LEASE_SECONDS="4", CELERY_VISIBILITY_TIMEOUT="3",
                     CELERY_RESTORE_INTERVAL="1", CELERY_RESTORE_THROTTLE="1")
    api = Api(pg_app)
    app_id = flows.create(api, "hc_submitter")["id"]
    flows.submit(api, app_id, "hc_submitter", "hc_leader")  # task_assigned to three members, e-mail and in-app
    w1 = start_worker(workers, tmp_path, "w1", {**env, "APPRAISAL_FAULT_POINT": "outbox.deliver.handed_over.email",
                                                "APPRAISAL_FAULT_ARMED_FILE": str(armed)})
    hit = Path(str(armed) + ".hit")
    wait_for(hit.exists, 30, what="a delivery to reach the point after the SMTP hand-over")
    w1.kill()
    with _sessions(pg_app) as s:
        caught = s.scalar(select(OutboxMessage).where(OutboxMessage.status == "sending", OutboxMessage.channel == "email"))
        assert caught is not None and caught.attempts == 1, "the killed delivery's row is left 'sending'"
        caught_id = caught.id
    assert message_id_of(smtp, caught_id, pg_app) is not None, "the killed delivery's mail had reached SMTP"
    start_worker(workers, tmp_path, "w2", env)
    wait_for(lambda: outbox_settled(pg_app), 60, what="the outbox to drain after the lease ran out")
    with _sessions(pg_app) as s:
        row = s.get(OutboxMessage, caught_id)
        assert row.status == "sent" and row.attempts == 2
        message_id = row.provider_id
        rows = list(s.scalars(select(OutboxMessage)))
        inbox = Counter(s.scalars(select(InboxMessage.dedupe_key)))
    # the promise, mail by mail (recipient and subject): once, or (this one) at most once more, same Message-ID
    mails: dict[tuple[str, str], list[str]] = {}
    for m in smtp.messages:
        mails.setdefault((m["X-Rcpt"], str(m["Subject"])), []).append(m["Message-ID"])
    assert all(len(set(ids)) == 1 for ids in mails.values()), mails  # copies of one mail share its Message-ID
    twice = {k: ids for k, ids in mails.items() if len(ids) > 1}
    assert list(twice.values()) in ([], [[message_id, message_id]]), twice  # only the caught one, at most twice
    assert len(mails) == sum(1 for r in rows if r.channel == "email") and all(r.status == "sent" for r in rows)
    assert max(inbox.values()) == 1 and len(inbox) >= sum(1 for r in rows if r.channel == "inapp")
    print(f"\ncopies of the mail caught in the window: {len(mails[next(k for k, v in mails.items() if message_id in v)])}")


def message_id_of(smtp: SmtpSink, outbox_id: int, app: Any) -> str | None:
    """The Message-ID an outbox row's e-mail carries, if a copy reached the SMTP server."""
    from notifications.channels.email import message_id_for

    with _sessions(app) as s:
        key = s.get(OutboxMessage, outbox_id).dedupe_key
    ids = {m["Message-ID"] for m in smtp.messages}
    return next((i for i in ids if i == message_id_for(key, "example.org")), None)


def _alive(w: CeleryProcess) -> bool:
    try:
        os.kill(w.proc.pid, 0)
        return True
    except OSError:
        return False


def test_web_works_with_redis_down_and_outbox_drains_when_it_returns(
        pg_app: Any, smtp: SmtpSink, clock_file: Path, workers: list, tmp_path: Path) -> None:
    redis = RedisServer(tmp_path)
    redis.start()
    try:
        env = celery_env(database_url=pg_app.extensions["appraisal.settings"].database_url, redis_url=redis.url,
                         smtp=smtp, clock_file=clock_file, queue="appraisal", REMINDER_SWEEP_SECONDS="3600",
                         OUTBOX_LEASE_SECONDS="5")
        start_worker(workers, tmp_path, "w1", env)
        redis.stop()
        api = Api(pg_app)
        app_id = flows.create(api, "hc_submitter")["id"]
        flows.submit(api, app_id, "hc_submitter", "hc_leader")  # web requests succeed without Redis
        with _sessions(pg_app) as s:
            pending = s.scalar(select(func.count()).select_from(OutboxMessage).where(
                OutboxMessage.template == "task_assigned", OutboxMessage.status == "pending"))
        assert pending == 6  # three leading-group members, e-mail and in-app
        assert not smtp.messages
        redis.start()
        wait_for(lambda: len(smtp.find("@", "【待办】")) == 3 and outbox_settled(pg_app), 90,
                 what="the outbox to drain after Redis came back")
        assert_each_mail_once(smtp)
    finally:
        for w in workers:
            w.stop()
        workers.clear()
        redis.stop()


def _notice_status(app: Any, notice_id: int) -> str:
    from service.models import PublicNotice

    with _sessions(app) as s:
        return s.get(PublicNotice, notice_id).status


def test_the_beat_makes_a_public_notice_final_at_its_periods_end_and_holds_one_with_an_objection_pending(
        pg_app: Any, redis_url: str, smtp: SmtpSink, clock_file: Path, workers: list, tmp_path: Path) -> None:
    """appraisal.sweep_notices through a real worker and beat: not before the end of the last working day;
    at it, final (audited); a notice with an objection pending waits for the finding."""
    api = Api(pg_app)
    items = []
    for theme in ("职工之家网格化服务", "班组创新工作室联建"):
        app_id = flows.create(api, "hc_submitter", theme=theme)["id"]
        flows.submit(api, app_id, "hc_submitter", "hc_leader")
        flows.review_to_scoring(api, app_id)
        flows.score_all(api, app_id)
        flows.decide(api, app_id)
        flows.confirm(api, app_id)
        items.append(app_id)
    quiet, objected = flows.publish(api, [items[0]]), flows.publish(api, [items[1]])
    api.post("/api/public/objections", None, expect=201, json={
        "notice_id": objected["id"], "item_id": objected["items"][0]["id"], "name": "王建国",
        "contact": "13912345678", "reason": "推广范围与申报材料不符"})
    ends = clock.parse_iso(quiet["ends_at"])
    assert ends == clock.parse_iso(objected["ends_at"])
    env = celery_env(database_url=pg_app.extensions["appraisal.settings"].database_url, redis_url=redis_url,
                     smtp=smtp, clock_file=clock_file, queue=f"q-{uuid.uuid4().hex[:8]}", NOTICE_SWEEP_SECONDS="1")
    start_worker(workers, tmp_path, "w1", env)
    travel(ends - timedelta(seconds=20), clock_file)
    wait_for(lambda: outbox_settled(pg_app), 30, what="outbox to drain")
    assert _notice_status(pg_app, quiet["id"]) == "open"  # sweeps ran (a second apart): the period still runs
    travel(ends + timedelta(seconds=1), clock_file)
    wait_for(lambda: _notice_status(pg_app, quiet["id"]) == "final", 30, interval=0.2, what="the notice to be final")
    wait_for(lambda: _notice_status(pg_app, objected["id"]) == "awaiting_findings", 30, interval=0.2,
             what="the objected notice to wait for its finding")
    with _sessions(pg_app) as s:
        records = list(s.scalars(select(AuditRecord).where(AuditRecord.object_type == "public_notice",
                                                           AuditRecord.action.in_(("finalise_notice", "notice_held")))))
    assert {(r.action, r.object_id) for r in records} == {("finalise_notice", str(quiet["id"])),
                                                          ("notice_held", str(objected["id"]))}
    assert all(r.actor_id is None and not r.detail.get("sentence") for r in records)  # the timeline words them
    words = {r.action: sentence({"action": r.action, "actor": ""}, r.detail, {}, str) for r in records}
    assert words["finalise_notice"].startswith("公示期满，无待处理异议：") and "{" not in words["finalise_notice"], words
    assert words["notice_held"].startswith("公示期已满，尚有 ") and "{" not in words["notice_held"], words
    api.tokens.clear()  # the clock moved past the tokens' lifetime: log in again
    objection = api.get("/api/objections", "res_office1")["items"][0]["id"]
    api.post(f"/api/objections/{objection}/finding", "res_office1",
             json={"finding": "dismissed", "reasons": "经核实，异议不成立"})
    assert _notice_status(pg_app, objected["id"]) == "final"  # the period's end waited for this finding


def test_the_beat_reminds_a_supervising_union_of_its_forwarding_deadline_and_no_other_union(
        pg_app: Any, redis_url: str, smtp: SmtpSink, clock_file: Path, workers: list, tmp_path: Path) -> None:
    """An approved item waiting for its union's batch forwarding (统一上报): near the campaign's vetting deadline a
    real worker's beat reminds that union's vetter, once, and nobody of another union."""
    from service.models import Task

    api = Api(pg_app)
    app_id = flows.create(api, "hy_submitter", theme="竞秀区企业待上报的项目")["id"]
    flows.submit(api, app_id, "hy_submitter", "hy_leader")
    task = api.task_for("jx_vetter", "county_vetting", app_id)
    api.post(f"/api/tasks/{task['id']}/complete", "jx_vetter", json={"vetting_decision": "approve"})
    with _sessions(pg_app) as s:
        due = s.scalar(select(Task.due_at).where(Task.application_id == app_id, Task.element_id == "await_forwarding",
                                                 Task.state == "waiting"))
    assert due is not None
    env = celery_env(database_url=pg_app.extensions["appraisal.settings"].database_url, redis_url=redis_url,
                     smtp=smtp, clock_file=clock_file, queue=f"q-{uuid.uuid4().hex[:8]}", REMINDER_SWEEP_SECONDS="1")
    start_worker(workers, tmp_path, "w1", env)
    travel(due - timedelta(hours=10), clock_file)
    subject = "【即将到期】主管工会统一上报：竞秀区企业待上报的项目"
    wait_for(lambda: smtp.find("jx_vetter@", subject), 30, what="the forwarding reminder")
    travel(due - timedelta(hours=9), clock_file)  # more sweeps run; nothing is sent twice
    wait_for(lambda: outbox_settled(pg_app), 30, what="outbox to drain")
    assert len(smtp.find("jx_vetter@", subject)) == 1
    assert [m["X-Rcpt"] for m in smtp.find("@", "统一上报")] == ["jx_vetter@example.org"]  # no other union
    assert_each_mail_once(smtp)
    assert "Traceback" not in workers[0].output(), workers[0].output()[-4000:]
