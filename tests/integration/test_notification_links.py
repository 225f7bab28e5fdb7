"""Every notification leads its reader to a page where they can act (the class test for issue 12.13).

A demo campaign runs while the service clock moves: the window opens, units draft,
submit, sign, are returned, vetted, rejected, not shortlisted, scored and awarded;
reminders, escalations, urges and the window's close go out. After each step every
new notification is delivered for real (e-mail to an SMTP server on loopback, in-app
to the inbox), every link in it is extracted, and each is opened with a logged-in
page client AS ITS RECIPIENT: it must answer 200 in Chinese and offer what the
message asks the reader to do (``EXPECTED``).

Nothing is hand-listed that could go stale unnoticed: the templates come from
``notifications.template_names()``, the places that queue them from a scan of
``service/workflows`` and of the bundled BPMN's ``notify`` service tasks, and the
links from the rendered messages. A new template, a new place that sends one, or a
new link in a message is followed automatically or fails here until it is.
"""
from __future__ import annotations

import re
from html import unescape
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from datetime import timedelta
from email.message import Message
from pathlib import Path
from typing import Any

from sqlalchemy import select

from notifications import render, template_names
from service import clock
from service.auth import ratelimit
from service.models import InboxMessage, OutboxMessage, Task, User
from service.demo.baoding import DEMO_PASSWORD
from tests.api_client import Api
from tests.integration import flows
from tests.integration.deadline_support import SmtpSink, shanghai
from tests.integration.deadline_support import travel as _travel
from tests.integration.test_deadlines import deliver_all, runtime
from tests.web_client import logged_in

ROOT = Path(__file__).resolve().parents[2]
TASK_FORM = ('class="task-form"', 'id="claim"', 'id="scoring-form"', 'id="application-form"',
             # a meeting's task opens the meeting's page, whose form acts on its whole list (the grades: the ranked
             # list, for the office's proposals and the group leader's decision)
             'id="candidates-form"', 'id="shortlist-form"', 'id="decision-form"',
             'id="chair-form"')
APPLY = ('data-action="new-application"', 'data-action="edit-application"')

# What the page behind a template's link must offer its reader (any one of the markers).
EXPECTED: dict[str, tuple[str, tuple[str, ...]]] = {
    "window_open": ("the applications list with 'new application' (or the unit's draft)", APPLY),
    "submission_due_soon": ("the unit's draft to finish, or 'new application'", APPLY),
    "signoff_pending": ("the main leader's sign-off form", ('name="signoff_decision"',)),
    "task_assigned": ("the task's form, its claim button or the scoring sheet", TASK_FORM),
    "task_due_soon": ("the task's form, its claim button or the scoring sheet", TASK_FORM),
    "task_overdue": ("the task's form, its claim button or the scoring sheet", TASK_FORM),
    "task_urged": ("the task's form, its claim button or the scoring sheet", TASK_FORM),
    "deadline_extended": ("the returned task's form, due on its new date", TASK_FORM),
    "task_reassigned": ("the task's form, its claim button or the scoring sheet", TASK_FORM),
    "task_handed_over": ("the reader's own task list", ('id="task-filters"',)),
    "task_escalated": ("the overdue task, read-only, with 催办", ('data-action="urge"',)),
    "office_digest": ("everyone's overdue tasks, each to open", ('data-action="supervise"',)),
    "application_lapsed": ("the application's page saying it lapsed and why", ('id="lapsed-note"',)),
    "application_returned": ("the returned application with the reasons it was returned", ('id="unit-feedback"',)),
    "application_result": ("the application's result, with the reasons when it was not accepted or not shortlisted",
                           ('id="unit-feedback"', 'id="result-note"')),
    "presentation_invited": ("the application's page inviting the unit to present", ('id="presentation-note"',)),
    "account_invite": ("the form that sets the new account's password", ('id="password-form"',)),
    "password_reset": ("the form that sets a new password", ('id="password-form"',)),
    "task_released": ("the released task's claim button or form", TASK_FORM),
    "notice_published": ("the public notice listing the unit's item, with how to object",
                         ('id="how-to-object"',)),
    "objection_filed": ("the office's objections to the public notice, each with its finding form",
                        ('class="finding-form"',)),
}
# Links that stand in for a login (one-time password links): opened by a reader who is not logged in.
WITHOUT_LOGIN = frozenset({"account_invite", "password_reset"})
# Templates no part of the service sends yet, and why. Once one is sent, it must leave this list for EXPECTED.
NOT_SENT = {
    "consultation_due_soon": "draft_consultation.bpmn has no reminder that sends it",
}
# Which modules queue notifications, and the dedupe-key prefixes of the rows each writes.
SENDERS = {
    "service/workflows/reminders.py": ("reminder:",),
    "service/workflows/notices.py": ("task_assigned:", "notify:", "deadline:"),
    "service/workflows/worklists.py": ("urge:",),
    "service/workflows/assignments.py": ("reassign:", "delegate:"),
    "service/workflows/accounts.py": ("password_link:", "task_released:"),
    "service/workflows/org_workbook.py": ("password_link:",),
    "service/workflows/public_notice.py": ("objection_filed:", "notice_published:"),
    "service/workflows/presentations.py": ("session:",),
}
LINK_IN_TEXT = re.compile(r"https?://[^\s<>\"'，。；）]+")
HREF = re.compile(r'href="([^"]+)"')


def _hrefs(html: str) -> set[str]:
    return {unescape(h) for h in HREF.findall(html)}


@dataclass
class Walk:
    """The campaign under way: the app, its API, the mail sink, and what has been followed."""

    app: Any
    api: Api
    smtp: SmtpSink
    rt: Any
    base_url: str
    seen_outbox: int = 0
    clients: dict[str, Any] = field(default_factory=dict)
    followed: dict[str, int] = field(default_factory=dict)  # template -> links opened
    sources: set[tuple[str, str]] = field(default_factory=set)  # (template, dedupe-key prefix)

    def travel(self, at: Any) -> None:
        _travel(at)
        self.api.tokens.clear()
        self.clients.clear()  # page sessions end after SESSION_TTL; log in again

    def client(self, username: str) -> Any:
        if username not in self.clients:
            ratelimit.reset()  # the walk logs the same people in many times within a real minute
            self.clients[username] = logged_in(self.app, username)[0]
        return self.clients[username]

    def check(self, step: str) -> None:
        """Deliver what is queued, then open every link of every new notification as its recipient."""
        deliver_all(self.rt)
        with self.app.extensions["appraisal.sessions"]() as s:
            rows = list(s.scalars(select(OutboxMessage).where(OutboxMessage.id > self.seen_outbox)
                                  .order_by(OutboxMessage.id)))
            users = {u.id: u.username for u in s.scalars(select(User))}
            inbox = {m.dedupe_key: m for m in s.scalars(select(InboxMessage))}
        if rows:
            self.seen_outbox = rows[-1].id
        for row in rows:
            assert row.status == "sent", (step, row.template, row.status, row.last_error)
            self.sources.add((row.template, _prefix(row.dedupe_key)))
            links = self._links(row, inbox)
            assert links, f"{step}: {row.template} to {users[row.recipient_user_id]} carries no link"
            assert row.template in EXPECTED, (
                f"{row.template} is sent ({step}) but EXPECTED does not say what its link must offer; add it")
            for link in sorted(links):
                self._follow(step, row.template, users[row.recipient_user_id], link)

    def _links(self, row: OutboxMessage, inbox: dict[str, InboxMessage]) -> set[str]:
        """Every link in the message as delivered, and the same set in the other language's rendering."""
        if row.channel == "email":
            mail = next(m for m in self.smtp.messages if m["Message-ID"] == row.provider_id)
            found = set(LINK_IN_TEXT.findall(_part(mail, "text/plain"))) | _hrefs(_part(mail, "text/html"))
        elif row.channel == "inapp":
            message = inbox[row.dedupe_key]
            found = set(LINK_IN_TEXT.findall(message.body)) | ({message.link} if message.link else set())
        else:
            raise AssertionError(f"no link check for channel {row.channel}")
        context = dict(row.context)
        if isinstance(context.get("link"), str) and context["link"].startswith("/"):
            context["link"] = self.base_url + context["link"]
        english = render(row.template, context, "en")
        assert set(LINK_IN_TEXT.findall(english.text)) | _hrefs(english.html) == found, row.template
        return found

    def _follow(self, step: str, template: str, username: str, link: str) -> None:
        where = f"{step}: {template} to {username}: {link}"
        assert link.startswith(self.base_url + "/"), f"{where} leaves the service"
        client = self.app.test_client() if template in WITHOUT_LOGIN else self.client(username)
        response = client.get(link[len(self.base_url):], follow_redirects=True)
        page = response.get_data(as_text=True)
        assert response.status_code == 200, f"{where} answers {response.status_code}: {page[:300]}"
        assert response.request.path != "/login", f"{where} sends a logged-in reader to the login page"
        assert '<html lang="zh-CN">' in page, f"{where} is not a Chinese page"
        what, markers = EXPECTED[template]
        assert any(m in page for m in markers), f"{where} does not offer {what} (looked for {markers})"
        self.followed[template] = self.followed.get(template, 0) + 1


def _part(mail: Message, content_type: str) -> str:
    for part in mail.walk():
        if part.get_content_type() == content_type:
            return part.get_payload(decode=True).decode(part.get_content_charset() or "utf-8")
    return ""


def _prefix(dedupe_key: str) -> str:
    return dedupe_key.split(":", 1)[0] + ":"


def _senders_in_code() -> set[tuple[str, str]]:
    """(module, template) for every template name written in a module of service/workflows that queues rows."""
    names = set(template_names())
    found = set()
    for path in sorted((ROOT / "service" / "workflows").glob("*.py")):
        code = path.read_text(encoding="utf-8")
        if not re.search(r"outbox\.(enqueue|rows_for|insert_rows)\(", code):
            continue
        for name in set(re.findall(r'"([a-z_]+)"', code)) & names:
            found.add((str(path.relative_to(ROOT)), name))
    return found


def _notify_templates_in_bpmn() -> set[str]:
    """The template of every ``notify`` service task in the bundled processes."""
    found = set()
    for path in sorted((ROOT / "processes").glob("*.bpmn")):
        for operator in ET.parse(path).iter("{http://spiffworkflow.org/bpmn/schema/1.0/core}serviceTaskOperator"):
            if operator.get("id") != "notify":
                continue
            for parameter in operator.iter("{http://spiffworkflow.org/bpmn/schema/1.0/core}parameter"):
                if parameter.get("id") == "template":
                    found.add(parameter.get("value", "").strip('"'))
    return found


def _task(app: Any, application_id: int, element: str) -> Task:
    with app.extensions["appraisal.sessions"]() as s:
        return s.scalar(select(Task).where(Task.application_id == application_id, Task.element_id == element,
                                           Task.state == "open"))


def test_every_notification_link_opens_a_page_where_its_reader_can_act(app: Any) -> None:
    api = Api(app)
    with SmtpSink() as smtp:
        walk = Walk(app, api, smtp, runtime(app, smtp), app.extensions["appraisal.settings"].base_url.rstrip("/"))
        # 26 December: the window is open; every unit submitter is told
        walk.rt.sweep_reminders()
        walk.check("window open")
        hc = flows.create(api, "hc_submitter")["id"]  # stays a draft: lapses
        hy = flows.create(api, "hy_submitter")["id"]
        api.complete("hy_submitter", "fill_application", hy, {})  # never signed: lapses
        rz = flows.create(api, "rz_submitter")["id"]  # to its supervising union: vetting, overdue, rejected
        rz2 = flows.create(api, "rz_submitter", theme="第二项申报")["id"]  # returned after the close: the grace period
        jx = flows.create(api, "jx_submitter")["id"]
        econ = flows.create(api, "econ_submitter")["id"]
        htz = flows.create(api, "htz_submitter")["id"]
        for submitter, app_id in (("rz_submitter", rz), ("rz_submitter", rz2), ("jx_submitter", jx),
                                  ("econ_submitter", econ), ("htz_submitter", htz)):
            api.complete(submitter, "fill_application", app_id, {})
        walk.check("drafts, submissions: each main leader is told a sign-off waits")
        for leader, app_id in (("rz_leader", rz), ("rz_leader", rz2), ("jx_leader", jx), ("econ_leader", econ)):
            api.complete(leader, "leader_signoff", app_id, {"signoff_decision": "approve"})
        api.complete("htz_leader", "leader_signoff", htz, {"signoff_decision": "return", "leader_name": "罗红梅",
                                                            "signoff_comment": "请补充成效数据"})
        walk.check("sign-offs, a return")
        api.complete("htz_submitter", "fill_application", htz, {})
        walk.check("resubmission: the leader is told again")
        api.complete("htz_leader", "leader_signoff", htz, {"signoff_decision": "approve"})
        # the shortlist sits for jx and econ (htz, resubmitted, waits for the next sitting): the group leader is told
        campaign = flows.campaign_id(api)
        api.post(f"/api/campaigns/{campaign}/shortlist/candidates", "res_office1", json={"candidate_ids": [jx, econ]})
        walk.check("resubmission, the shortlist sits")
        for member in ("lg_member1", "lg_member2"):
            api.post(f"/api/campaigns/{campaign}/shortlist/views", member, json={"views": [
                {"application_id": jx, "view": "out"}, {"application_id": econ, "view": "in"}]})
        api.post(f"/api/campaigns/{campaign}/shortlist/close", "group_leader", json={"decisions": [
            {"application_id": jx, "shortlisted": False, "review_reasons": "创新性不足", "unit_reasons": "与往年项目重复"},
            {"application_id": econ, "shortlisted": True, "review_reasons": "创新性突出"}]})
        walk.check("preliminary review")
        # econ's presentation record: claimed, delegated to a colleague, then given back by the office
        review = _task(app, econ, "record_presentation").id
        api.post(f"/api/tasks/{review}/claim", "res_office1")
        office2 = api.get("/api/me", "res_office2")["id"]
        api.post(f"/api/tasks/{review}/delegate", "res_office1", json={"user_id": office2, "reason": "出差"})
        walk.check("delegated")
        office1 = api.get("/api/me", "res_office1")["id"]
        api.post(f"/api/tasks/{review}/reassign", "res_office1", json={"user_id": office1, "reason": "已返回"})
        walk.check("reassigned")

        # the office opens an account (a one-time link to set its password), then resets it (a new link)
        unit = api.get(f"/api/applications/{htz}", "res_office1")["unit_id"]
        person = api.post("/api/users", "res_office1", expect=201, json={
            "username": "walk_new", "display_name": "新同事", "unit_id": unit, "roles": ["unit_submitter"],
            "email": "walk_new@example.com"})
        walk.check("account opened")
        api.post(f"/api/users/{person['id']}/password-reset", "res_office1", expect=202)
        walk.check("password reset")
        with app.extensions["appraisal.sessions"]() as s:  # the new colleague sets a password with the link
            link = s.scalars(select(OutboxMessage).where(OutboxMessage.template == "password_reset")).first()
            token = link.context["link"].rsplit("/", 1)[1]
        api.client.post("/api/auth/password-link", json={"token": token, "password": DEMO_PASSWORD})
        # an office member who had claimed the next sitting's list is deactivated: the other is told it is back
        review = next(t for t in api.tasks("res_office2") if t["element_id"] == "prepare_shortlist")
        api.post(f"/api/tasks/{review['id']}/claim", "res_office2")
        api.call("PATCH", f"/api/users/{office2}", "res_office1", 200, json={"is_active": False})
        walk.check("a member deactivated")

        # 28 December 09:00: three days left — drafts, units without an application, unsigned applications
        walk.travel(shanghai(2026, 12, 28, 9, 0, 1))
        walk.rt.sweep_reminders()
        walk.check("three days before the close")
        # 31 December, after the close: the window closes
        walk.travel(shanghai(2026, 12, 31, 23, 59, 59) + timedelta(seconds=1))
        assert walk.rt.sweep_timers().fired
        walk.rt.sweep_reminders()
        walk.check("the window closes")
        api.complete("health_vetter", "county_vetting", rz2, {"vetting_decision": "return",
                                                               "vetting_reasons": "请补充成效数据"})
        walk.check("returned after the close")
        # the presentation reminder from the BPMN (a non-interrupting timer's notify task), then scoring to award
        presentation = _task(app, econ, "record_presentation")
        walk.travel(presentation.created_at + timedelta(days=8, seconds=1))
        assert walk.rt.sweep_timers().fired
        walk.rt.sweep_reminders()
        walk.check("presentation reminder")
        # the office schedules the presentation session (the unit is invited with its date, place and order), then
        # records it, which opens the scoring
        sitting = api.post("/api/presentation-sessions", "res_office1", expect=201, json={
            "campaign_id": flows.campaign_id(api), "starts_at": "2027-01-08T09:30", "place": "市总工会三楼会议室",
            "items": [{"application_id": econ, "presenter": "林晓东"}]})
        walk.check("presentation session scheduled")
        api.post(f"/api/presentation-sessions/{sitting['id']}/record", "res_office1", json={"items": [
            {"application_id": econ, "attended": True, "presenter": "林晓东", "notes": "陈述15分钟"}]})
        walk.check("scoring opens")
        flows.score_all(api, econ)
        walk.check("scored")
        api.complete("res_office1", "propose_grade", econ, {"proposed_grade": "一等奖", "proposal_reasons": "得分第一"})
        walk.check("grade proposed")
        api.complete("group_leader", "set_grade", econ, {"final_grade": "一等奖", "decision_reasons": "同意"})
        walk.check("grade set")
        flows.confirm(api, econ)
        walk.check("confirmed")
        # the vetting deadline (the campaign's working days after the close) is near
        vetting = _task(app, rz, "county_vetting")
        walk.travel(vetting.due_at - timedelta(hours=12))
        walk.rt.sweep_reminders()
        walk.check("vetting due soon")
        # a day after the vetting's due time: escalated to the group leader, who urges the vetter
        walk.travel(vetting.due_at + timedelta(hours=25))
        walk.rt.sweep_reminders()
        walk.check("escalation")
        leader = walk.client("group_leader")
        page = leader.get(f"/tasks/{vetting.id}").get_data(as_text=True)
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        assert leader.post(f"/tasks/{vetting.id}/urge", data={"csrf_token": token}).status_code == 302
        walk.check("urged")
        api.complete("health_vetter", "county_vetting", rz, {"vetting_decision": "reject",
                                                              "vetting_reasons": "不符合申报条件"})
        walk.check("rejected in vetting")

        # the public notice (公示): an objection tells the office; dismissed, the period's end makes the award final
        notice = flows.publish(api, [econ])
        api.post("/api/public/objections", None, expect=201, json={
            "notice_id": notice["id"], "item_id": notice["items"][0]["id"], "name": "王建国",
            "contact": "13912345678", "reason": "推广范围与申报材料不符"})
        walk.check("objection filed")
        objection = api.get("/api/objections", "res_office1")["items"][0]["id"]
        api.post(f"/api/objections/{objection}/finding", "res_office1",
                 json={"finding": "dismissed", "reasons": "经核实，异议不成立"})
        walk.travel(clock.parse_iso(notice["ends_at"]) + timedelta(seconds=1))
        assert walk.rt.sweep_notices().final == [notice["id"]]
        walk.check("the notice's period ends")

    assert api.get(f"/api/applications/{econ}", "res_office1")["status"] == "awarded"
    assert {api.get(f"/api/applications/{i}", "res_office1")["status"] for i in (hc, hy)} == {"lapsed"}
    sent = {template for template, _ in walk.sources}
    # every template is either sent (and followed) or listed as not sent by anything, with the reason
    assert not sent & set(NOT_SENT), f"now sent, so move to EXPECTED: {sorted(sent & set(NOT_SENT))}"
    assert sent | set(NOT_SENT) == set(template_names()), sorted(set(template_names()) - sent - set(NOT_SENT))
    assert set(walk.followed) == sent
    # every place that queues a template did so in this walk
    for module, template in sorted(_senders_in_code()):
        assert module in SENDERS, f"{module} queues notifications; add its dedupe-key prefixes to SENDERS"
        if template in NOT_SENT:
            continue
        assert any((template, prefix) in walk.sources for prefix in SENDERS[module]), (module, template)
    for template in sorted(_notify_templates_in_bpmn()):
        assert (template, "notify:") in walk.sources, f"the BPMN's notify task for {template} never ran"
