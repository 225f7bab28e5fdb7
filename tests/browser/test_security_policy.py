"""The Content-Security-Policy in Chromium: the pages and the bpmn-js modeler and viewer work under it with no
violation, and a script hidden in an uploaded BPMN never runs when its XML URL is opened by a logged-in user."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from tests.api_client import Api
from tests.integration import flows

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.xdist_group("browser")]

ROOT = Path(__file__).resolve().parents[2]
# An XHTML <script> in the process's documentation: run, it would act as whoever opened the file.
PAYLOAD = ('<bpmn:documentation><script xmlns="http://www.w3.org/1999/xhtml">'
           "fetch('/pwned?as=' + document.cookie.length);"
           '</script></bpmn:documentation>')
# Reports every violation to the console, where the listener below sees it (besides Chromium's own message).
REPORT_VIOLATIONS = """document.addEventListener('securitypolicyviolation', function (e) {
  console.error('CSP violation: ' + e.violatedDirective + ' blocked ' + e.blockedURI + ' at ' + e.sourceFile + ':' + e.lineNumber);
});"""


def watch(p: Any) -> list[str]:
    """Console errors, CSP violations and failed requests of this person's pages from now on."""
    problems: list[str] = []
    p.context.add_init_script(REPORT_VIOLATIONS)
    p.page.on("console", lambda msg: problems.append(f"console {msg.type}: {msg.text}")
              if msg.type == "error" or "Content Security Policy" in msg.text else None)
    p.page.on("requestfailed", lambda req: problems.append(f"failed request {req.url}: {req.failure}"))
    return problems


def _instance_of(app: Any, application_id: int) -> int:
    from service.models import Application

    with app.extensions["appraisal.sessions"]() as db:
        return db.get(Application, application_id).instance_id


def test_pages_modeler_and_viewer_work_under_the_policy_with_no_violation(person: Any, live_app: Any) -> None:
    from service.models import ProcessDefinition

    api = Api(live_app)
    app_id = flows.create(api, "hc_submitter")["id"]
    instance = _instance_of(live_app, app_id)
    with live_app.extensions["appraisal.sessions"]() as db:
        definition = db.scalar(select(ProcessDefinition.id).where(ProcessDefinition.key == "innovation_appraisal"))

    visits = {
        "hc_submitter": ["/", "/applications", "/applications/new", f"/applications/{app_id}/edit",
                         f"/applications/{app_id}", f"/applications/{app_id}/print", "/tasks", "/notifications"],
        "res_office1": ["/office", "/office/campaigns/1", "/tasks?scope=all", f"/applications/{app_id}"],
        "scorer_org": ["/scoring"],
        "process_admin": ["/admin/processes", "/admin/forms"],
    }
    for username, paths in visits.items():
        p = person(username)
        problems = watch(p)
        for path in paths:
            page = p.go(path)
            page.wait_for_load_state("networkidle")
            assert page.evaluate("document.contentType") == "text/html"
        if username == "hc_submitter":  # a page script at work: add a row of a repeated field
            page = p.go(f"/applications/{app_id}/edit")
            before = page.locator(".row-item").count()
            if page.locator("button.add-row").count():
                page.locator("button.add-row").first.click()
                assert page.locator(".row-item").count() == before + 1
        if username == "process_admin":
            page = p.go(f"/admin/processes/{definition}/edit")
            page.wait_for_selector("#modeler[data-ready='1']")
            assert page.locator("#canvas .djs-element").count() > 10  # the diagram is drawn
            page.select_option("#element-picker", "preliminary_review")
            assert page.input_value("#bio-properties-panel-formKey") == "preliminary_review"
            page.click("#validate")
            page.wait_for_selector("#result.ok")
            p.shot("csp-modeler")
            page = p.go(f"/instances/{instance}")
            page.wait_for_selector("#viewer[data-ready='1']")
            assert page.locator(".el-active").count() >= 1
            p.shot("csp-viewer")
        assert not problems, f"{username}: {problems}"


def _deploy_with_payload(app: Any) -> int:
    xml = (ROOT / "processes" / "draft_consultation.bpmn").read_text(encoding="utf-8")
    opening = '<bpmn:process id="draft_consultation" name="征求意见稿反馈" isExecutable="true">'
    assert opening in xml
    xml = xml.replace(opening, opening + PAYLOAD)
    r = Api(app).call("POST", "/api/process-definitions?comment=payload", "process_admin", data=xml.encode("utf-8"),
                      content_type="application/xml")
    assert r.status_code == 201, r.get_data(as_text=True)[:500]  # the document is valid BPMN: it deploys
    return r.get_json()["id"]


def test_a_script_in_an_uploaded_bpmn_never_runs_when_its_xml_is_opened(person: Any, live_app: Any) -> None:
    definition = _deploy_with_payload(live_app)
    admin = person("process_admin")
    page = admin.page
    url = f"{admin.base}/api/process-definitions/{definition}/xml"
    ran: list[str] = []
    page.on("request", lambda req: ran.append(req.url) if "/pwned" in req.url else None)
    page.on("dialog", lambda d: (ran.append(f"dialog {d.message}"), d.dismiss()))

    # As served: a download, never a document
    with page.expect_download() as info:
        try:
            page.goto(url)
        except Exception:  # noqa: BLE001  (Playwright reports a navigation that became a download as an error)
            pass
    assert "<script" in Path(info.value.path()).read_text(encoding="utf-8")  # the payload was in the file
    page.wait_for_timeout(300)
    assert not ran, ran

    # Shown inline anyway (a proxy that drops Content-Disposition): the sandbox policy stops the script
    def without(*names: str) -> Any:
        def handler(route: Any) -> None:
            response = route.fetch()
            headers = {k: v for k, v in response.headers.items() if k.lower() not in names}
            route.fulfill(response=response, headers=headers)
        return handler

    page.route(url, without("content-disposition"))
    page.goto(url)
    page.wait_for_timeout(500)
    assert page.evaluate("document.documentElement.nodeName") == "bpmn:definitions"  # it was rendered
    assert not ran, ran
    blocked = [p for p in admin.problems if "Blocked script execution" in p and "sandboxed" in p]
    assert blocked, admin.problems  # Chromium says so: the sandbox stopped it
    admin.problems[:] = [p for p in admin.problems if p not in blocked]
    page.unroute(url)

    # The control: without both defences the same file runs its script as the logged-in user
    page.route(url, without("content-disposition", "content-security-policy"))
    with admin.expecting(404, "/pwned"), page.expect_request(lambda req: "/pwned" in req.url):
        page.goto(url)
    page.unroute(url)
