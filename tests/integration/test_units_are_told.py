"""Everyone is told (issue 14.9): each return, rejection, refusal to shortlist, invitation and result reaches
the unit's submitter and main leader by e-mail (a real SMTP server on loopback) and in-app, in Chinese, with
the reasons; the reasons also stand on the application's page and its form; the leading group's internal
reasons never reach the unit. (That each link opens a page where its reader can act is the class test,
``test_notification_links.py``.)"""
from __future__ import annotations

from email.header import decode_header, make_header
from typing import Any

from sqlalchemy import func, select

from service.models import InboxMessage
from tests.integration import flows
from tests.integration.deadline_support import SmtpSink
from tests.integration.test_deadlines import deliver_all, make_api, runtime, user_id
from tests.web_client import logged_in

INTERNAL = "内部意见：与另一单位的项目高度相似"
FOR_UNIT = "申报内容与往年获奖项目重复，建议深化后明年再报"


def _subject(mail: Any) -> str:
    return str(make_header(decode_header(mail["Subject"])))


def test_returns_refusals_invitations_and_results_reach_the_submitter_and_leader_with_reasons(app: Any) -> None:
    api = make_api(app)
    returned = flows.create(api, "htz_submitter")["id"]
    vetted = flows.create(api, "rz_submitter")["id"]
    refused = flows.create(api, "jx_submitter")["id"]
    invited = flows.create(api, "econ_submitter")["id"]
    with SmtpSink() as smtp:
        rt = runtime(app, smtp)
        api.complete("htz_submitter", "fill_application", returned, {})
        api.complete("htz_leader", "leader_signoff", returned, {"signoff_decision": "return", "leader_name": "罗红梅",
                                                                "signoff_comment": "请补充2026年成效数据"})
        flows.submit(api, vetted, "rz_submitter", "rz_leader")
        api.complete("health_vetter", "county_vetting", vetted, {"vetting_decision": "return",
                                                                  "vetting_reasons": "缺少单位盖章的佐证材料"})
        flows.submit(api, refused, "jx_submitter", "jx_leader")
        api.complete("lg_member1", "preliminary_review", refused, {"shortlisted": False, "review_reasons": INTERNAL,
                                                                   "unit_reasons": FOR_UNIT})
        flows.submit(api, invited, "econ_submitter", "econ_leader")
        api.complete("lg_member1", "preliminary_review", invited, {"shortlisted": True, "review_reasons": "创新性突出"})
        deliver_all(rt)
        expected = {  # person → (subject start, words the message must carry)
            "htz_submitter": ("【退回修改】", "请补充2026年成效数据"), "htz_leader": ("【退回修改】", "请补充2026年成效数据"),
            "rz_submitter": ("【退回修改】", "缺少单位盖章的佐证材料"), "rz_leader": ("【退回修改】", "缺少单位盖章的佐证材料"),
            "jx_submitter": ("【评比结果】", FOR_UNIT), "jx_leader": ("【评比结果】", FOR_UNIT),
            "econ_submitter": ("【公开讲述邀请】", "邀请您单位参加公开讲述"),
            "econ_leader": ("【公开讲述邀请】", "邀请您单位参加公开讲述"),
        }
        for person, (subject, words) in expected.items():
            [mail] = [m for m in smtp.find(f"{person}@", "") if _subject(m).startswith(subject)]
            text = smtp.text(mail)
            assert words in text and INTERNAL not in text, (person, text)
            assert "/applications/" in text
        assert "主管工会初审" in smtp.text([m for m in smtp.find("rz_leader@", "") if _subject(m).startswith("【退回修改】")][0])
        with app.extensions["appraisal.sessions"]() as s:
            told = s.scalar(select(func.count()).select_from(InboxMessage).where(
                InboxMessage.user_id == user_id(app, "jx_leader"), InboxMessage.body.contains(FOR_UNIT)))
        assert told == 1
    # the reasons stand on the application's page and on its form; the internal reasons nowhere for the unit
    submitter, _ = logged_in(app, "htz_submitter")
    for path in (f"/applications/{returned}", f"/applications/{returned}/edit"):
        page = submitter.get(path).get_data(as_text=True)
        assert 'id="unit-feedback"' in page and "请补充2026年成效数据" in page and "退回修改意见" in page, path
    leader, _ = logged_in(app, "jx_leader")
    page = leader.get(f"/applications/{refused}").get_data(as_text=True)
    assert FOR_UNIT in page and "未入选的理由" in page and INTERNAL not in page
    assert INTERNAL not in str(api.get(f"/api/applications/{refused}", "jx_submitter"))
    history = api.get(f"/api/process-instances/{api.get(f'/api/applications/{refused}', 'jx_submitter')['process_instance_id']}/history", "jx_submitter")
    assert INTERNAL not in str(history)
    office, _ = logged_in(app, "res_office1")
    assert INTERNAL in office.get(f"/applications/{refused}").get_data(as_text=True)  # the office sees both
    econ, _ = logged_in(app, "econ_leader")
    assert 'id="presentation-note"' in econ.get(f"/applications/{invited}").get_data(as_text=True)
