"""The pages notifications lead to: applications list, task list, supervision (督办) and urging, sign-off entry,
and error pages that speak the reader's language on every page route."""
from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from service import clock
from service.models import Application, AuditRecord, OutboxMessage, Task
from tests.api_client import Api
from tests.integration import flows
from tests.integration.deadline_support import travel
from tests.web_client import logged_in

CJK = re.compile(r"[\u4e00-\u9fff]")


def _page(client: Any, path: str, status: int = 200) -> str:
    response = client.get(path)
    assert response.status_code == status, (path, response.status_code, response.get_data(as_text=True)[:300])
    return response.get_data(as_text=True)


def _rows(page: str, attribute: str = "data-application") -> list[str]:
    return re.findall(rf'<tr {attribute}="(\d+)"', page)


def test_applications_list_shows_each_reader_their_part(app: Any) -> None:
    api = Api(app)
    hc = flows.create(api, "hc_submitter")["id"]
    hy = flows.create(api, "hy_submitter")["id"]
    api.complete("hy_submitter", "fill_application", hy, {})
    jx = flows.create(api, "jx_submitter")["id"]
    flows.submit(api, jx, "jx_submitter", "jx_leader")

    submitter, _ = logged_in(app, "hc_submitter")
    page = _page(submitter, "/applications")
    assert _rows(page) == [str(hc)]  # only the unit's own
    assert 'data-action="new-application"' in page and "正在申报" in page
    assert f'href="/applications/{hc}/edit"' in page and 'data-action="edit-application"' in page
    assert "修改申报表" in page
    # the leader of the unit whose application waits for sign-off gets the 签批 button on the list
    leader, _ = logged_in(app, "hy_leader")
    page = _page(leader, "/applications")
    assert _rows(page) == [str(hy)] and "签批" in page and 'data-action="open-task"' in page
    assert 'data-action="new-application"' not in page  # leaders do not apply
    # the federation sees every unit's, with filters by status, stage and unit
    office, _ = logged_in(app, "res_office1")
    page = _page(office, "/applications")
    assert sorted(_rows(page), key=int) == sorted(map(str, (hc, hy, jx)), key=int)
    assert "待单位主要领导办理：主要领导签字" in page and "待评比领导小组办理：初评遴选" in page
    assert _rows(_page(office, "/applications?status=awaiting_signoff")) == [str(hy)]
    assert _rows(_page(office, "/applications?stage=preliminary")) == [str(jx)]
    with app.extensions["appraisal.sessions"]() as s:
        unit = s.get(Application, hc).unit_id
    assert _rows(_page(office, f"/applications?unit={unit}")) == [str(hc)]
    assert len(_rows(_page(office, "/applications?status=nonsense&stage=%E2%80%AE&unit=x&page=-3"))) == 3  # ignored
    huge = "9" * 30
    assert len(_rows(_page(office, f"/applications?campaign={huge}&unit=-{huge}&page={huge}"))) == 0  # page 100000
    assert len(_rows(_page(office, f"/applications?campaign={huge}&unit={huge}"))) == 3
    assert 'name="unit"' in page
    assert 'name="unit"' not in _page(submitter, "/applications")  # a unit sees only itself: no unit filter


def test_new_application_entry_follows_the_window_and_the_unit_limit(app: Any) -> None:
    api = Api(app)
    # the seed sets no per-unit limit; a campaign may (an edit with a reason)
    api.call("PATCH", f"/api/campaigns/{flows.campaign_id(api)}", "res_office1", 200,
             json={"max_applications_per_unit": 3, "reason": "每单位限报3项"})
    for _ in range(3):
        flows.create(api, "hc_submitter")
    submitter, _ = logged_in(app, "hc_submitter")
    page = _page(submitter, "/applications")
    assert 'data-action="new-application"' not in page and "达到上限" in page
    travel(clock.now() + timedelta(days=30))  # the window has closed
    submitter, _ = logged_in(app, "hc_submitter")
    page = _page(submitter, "/applications")
    assert 'data-action="new-application"' not in page and "当前没有正在进行的申报" in page


def test_application_task_entry_opens_the_readers_task_or_says_there_is_none(app: Any) -> None:
    api = Api(app)
    hy = flows.create(api, "hy_submitter")["id"]
    api.complete("hy_submitter", "fill_application", hy, {})
    leader, _ = logged_in(app, "hy_leader")
    response = leader.get(f"/applications/{hy}/task", follow_redirects=True)
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and response.request.path.startswith("/tasks/")
    assert 'name="signoff_decision"' in page and 'class="task-form"' in page
    # the application's own page offers the same sign-off to the leader while it is open
    view = _page(leader, f"/applications/{hy}")
    assert "签批" in view and 'data-action="open-task"' in view
    # the submitter has nothing to do on it now: back to the application, told so in Chinese
    submitter, _ = logged_in(app, "hy_submitter")
    response = submitter.get(f"/applications/{hy}/task", follow_redirects=True)
    assert response.request.path == f"/applications/{hy}"
    assert "没有需要您办理的事项" in response.get_data(as_text=True) and "待领导签字" in response.get_data(as_text=True)
    # another unit's people do not learn it exists
    other, _ = logged_in(app, "hc_leader")
    assert "不存在" in _page(other, f"/applications/{hy}/task", 404)


def test_task_list_filters_and_supervision_of_everyones_tasks(app: Any) -> None:
    api = Api(app)
    late = flows.create(api, "hy_submitter")["id"]
    flows.submit(api, late, "hy_submitter", "hy_leader")
    vetted = flows.create(api, "rz_submitter")["id"]
    flows.submit(api, vetted, "rz_submitter", "rz_leader")
    review = api.task_for("jx_vetter", "county_vetting", late)  # 竞秀区's vetting of its enterprise
    vetting = api.task_for("health_vetter", "county_vetting", vetted)
    with app.extensions["appraisal.sessions"]() as s:
        due = s.get(Task, review["id"]).due_at
    travel(due + timedelta(hours=5, minutes=10))  # the vetting deadline passed 5 hours ago

    member, _ = logged_in(app, "jx_vetter")
    page = _page(member, "/tasks")
    assert f'data-task-id="{review["id"]}"' in page
    assert "已逾期5小时" in page
    assert str(review["id"]) in _page(member, "/tasks?overdue=1&stage=vetting")
    assert f'data-task-id="{review["id"]}"' not in _page(member, "/tasks?stage=preliminary")
    # a reviewer asking for everyone's tasks gets their own list: no one else's work shows
    page = _page(member, "/tasks?scope=all")
    assert f'data-task-id="{vetting["id"]}"' not in page and "督办：全部待办" not in page.split("<main")[1]

    for supervisor in ("res_office1", "group_leader"):
        client, _ = logged_in(app, supervisor)
        page = _page(client, "/tasks?scope=all")
        assert f'data-task-id="{review["id"]}"' in page and f'data-task-id="{vetting["id"]}"' in page
        assert "主管工会（待认领，1人）" in page  # an unclaimed pool names its role and size
        overdue = _page(client, "/tasks?scope=all&overdue=1")
        assert f'data-task-id="{review["id"]}"' in overdue and f'data-task-id="{vetting["id"]}"' in overdue
        assert f'data-task-id="{vetting["id"]}"' not in _page(client, "/tasks?scope=all&stage=preliminary")


def test_group_leader_supervises_an_overdue_task_read_only_and_urges_once_a_day(app: Any) -> None:
    api = Api(app)
    app_id = flows.create(api, "hy_submitter")["id"]
    flows.submit(api, app_id, "hy_submitter", "hy_leader")
    task = api.task_for("jx_vetter", "county_vetting", app_id)
    api.post(f"/api/tasks/{task['id']}/claim", "jx_vetter")
    with app.extensions["appraisal.sessions"]() as s:
        due = s.get(Task, task["id"]).due_at
    travel(due + timedelta(hours=30, minutes=10))

    leader, csrf = logged_in(app, "group_leader")
    page = _page(leader, f"/tasks/{task['id']}")
    assert 'data-action="urge"' in page and "督办查看" in page and "已逾期1天" in page
    assert "赵春生" in page  # who holds it (jx_vetter), with a way to reach them
    assert 'class="task-form"' not in page and 'id="claim"' not in page  # read-only: not their task
    assert leader.post(f"/tasks/{task['id']}/urge", data={}).status_code == 400  # a form post needs its CSRF token
    assert leader.post(f"/tasks/{task['id']}/urge", data={"csrf_token": csrf}).status_code == 302
    assert "已向 1 人发送催办通知" in _page(leader, f"/tasks/{task['id']}")
    assert leader.post(f"/tasks/{task['id']}/urge", data={"csrf_token": csrf}).status_code == 302
    assert "今天已经催办过" in _page(leader, f"/tasks/{task['id']}")
    with app.extensions["appraisal.sessions"]() as s:
        rows = list(s.scalars(select(OutboxMessage).where(OutboxMessage.template == "task_urged")))
        assert {r.recipient_user_id for r in rows} == {s.get(Task, task["id"]).assignee_id}
        assert {r.channel for r in rows} == {"email", "inapp"}
        assert rows[0].context["urged_by"] == "孟庆华" and rows[0].context["overdue_hours"] == 30
        [urged] = s.scalars(select(AuditRecord).where(AuditRecord.action == "urge"))
        assert urged.campaign_id == s.get(Application, app_id).campaign_id  # in the campaign's audit chain
    # the office may urge too; the reviewers themselves, and unit people, may not
    office, office_csrf = logged_in(app, "res_office1")
    assert office.post(f"/tasks/{task['id']}/urge", data={"csrf_token": office_csrf}).status_code == 302
    member, member_csrf = logged_in(app, "jx_vetter")
    assert member.post(f"/tasks/{task['id']}/urge", data={"csrf_token": member_csrf}).status_code == 403
    unit, unit_csrf = logged_in(app, "hc_submitter")
    assert "不存在" in _page(unit, f"/tasks/{task['id']}", 404)
    assert unit.post(f"/tasks/{task['id']}/urge", data={"csrf_token": unit_csrf}).status_code == 403
    # once done, the supervision view says so and offers no urging
    api.tokens.clear()  # tokens issued before the clock moved have expired
    api.complete("jx_vetter", "county_vetting", app_id, {"vetting_decision": "approve"})
    page = _page(leader, f"/tasks/{task['id']}")
    assert 'data-action="urge"' not in page and "已办理完毕" in page
    assert leader.post(f"/tasks/{task['id']}/urge", data={"csrf_token": csrf}).status_code == 409


def _page_rules(app: Any) -> list[str]:
    """Every GET page route (not the API, not static files), with 999999 for each id."""
    paths = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.rule.startswith(("/api", "/static")) or rule.endpoint == "web.set_language":
            continue
        paths.append(re.sub(r"<int:\w+>", "999999", re.sub(r"<(?:string:)?\w+>", "nothing", rule.rule)))
    return sorted(set(paths))


@pytest.mark.parametrize("language", ["zh-CN", "en"])
def test_every_page_error_speaks_the_readers_language(sqlite_app: Any, language: str) -> None:
    """No English service message on a Chinese page (and no Chinese one on an English page): every route."""
    clients = {name: logged_in(sqlite_app, name)[0] for name in ("hc_submitter", "res_office1", "group_leader")}
    checked = 0
    for client in clients.values():
        client.get(f"/lang/{language}")
        for path in [*_page_rules(sqlite_app), "/no/such/page", "/tasks/999999/claim"]:
            response = client.get(path)
            if response.status_code < 400 or response.mimetype != "text/html":
                continue
            page = response.get_data(as_text=True)
            message = re.search(r'<p class="error">(.*?)</p>', page, re.S)
            assert message, (path, response.status_code, page[:300])
            text = message.group(1)
            assert f'<html lang="{language}">' in page, path
            if language == "zh-CN":
                assert CJK.search(text) and not re.search(r"[A-Za-z]{3,}", text), (path, text)
            else:
                assert not CJK.search(text), (path, text)
            checked += 1
    assert checked >= 20
