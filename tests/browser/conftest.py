"""Browser tests: the app on a real server thread (SQLite file) driven by Debian's headless Chromium.

Playwright cannot download browsers here, so it launches ``/usr/bin/chromium``
(installed by ``make test`` when missing). Screenshots go to
``test-artifacts/browser/``.
"""
from __future__ import annotations

import os
import re
import shutil
import threading
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Iterator
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select
from werkzeug.serving import make_server

from service import clock
from service.demo.baoding import DEMO_PASSWORD
from tests.conftest import make_app

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "browser"
DESKTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}
# One recused member (supervising union) and three who score keep the walk short.
BROWSER_SCORERS = ("scorer_jx", "scorer_org", "scorer_rights", "scorer_women")


DECEMBER = datetime(2026, 12, 26, 2, 0, tzinfo=timezone.utc)


@pytest.fixture(autouse=True)
def _december() -> Iterator[None]:
    """Every browser test runs inside the 2026 submission window (the server thread shares the clock)."""
    clock.set_offset(DECEMBER - datetime.now(timezone.utc))
    yield


@pytest.fixture(scope="module")
def live_app(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> Iterator[Any]:
    """The app with the Baoding demo, inside the December window, on a SQLite file."""
    clock.set_offset(DECEMBER - datetime.now(timezone.utc))
    path = tmp_path_factory.mktemp("browser") / "app.db"
    shutil.copy(sqlite_template, path)
    app = make_app(f"sqlite:///{path}")
    from service.models import Campaign, CampaignScorer, User

    with app.extensions["appraisal.sessions"]() as db:
        campaign = db.scalars(select(Campaign)).first()
        ids = [db.scalar(select(User.id).where(User.username == u)) for u in BROWSER_SCORERS]
        campaign.scorer_rows = [CampaignScorer(user_id=i) for i in ids]
        db.commit()
    yield app
    app.extensions["appraisal.db_engine"].dispose()
    clock.set_offset(timedelta(0))


@pytest.fixture(scope="module")
def server(live_app: Any) -> Iterator[str]:
    srv = make_server("127.0.0.1", 0, live_app, threaded=True)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{srv.server_port}"
    srv.shutdown()
    thread.join(5)


@pytest.fixture(scope="module")
def playwright_driver() -> Iterator[Any]:
    """One Playwright per module (its sync API allows one at a time); each browser is launched from it."""
    sync_api = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run `make chromium` (Debian's chromium package)")
    with sync_api.sync_playwright() as pw:
        yield pw


def launch(pw: Any, env: dict[str, str] | None = None) -> Any:
    """Debian's headless Chromium (``env``: its environment, e.g. another fontconfig)."""
    return pw.chromium.launch(executable_path=CHROMIUM, headless=True, env=env, args=[
        "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"])


@pytest.fixture(scope="module")
def browser(playwright_driver: Any) -> Iterator[Any]:
    chromium = launch(playwright_driver)
    yield chromium
    chromium.close()


# Han ideographs (with extension A and compatibility forms), CJK punctuation and full-width forms: what
# only a CJK font draws (DejaVu and the like draw them as empty boxes, or not at all).
CJK_TEXT = re.compile(r"[\u2e80-\u2fdf\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]")
CJK_FONT = re.compile(r"\bCJK\b")  # Noto Sans/Serif CJK SC (Debian's fonts-noto-cjk)


def cjk_text_fonts(page: Any) -> list[tuple[str, list[dict[str, Any]]]]:
    """Each rendered text node with Chinese in it, and the platform fonts that drew it, as Chromium reports.

    CDP's ``CSS.getPlatformFontsForNode`` names the fonts and how many glyphs each drew, for every text node
    (the shadow DOM of form controls and frames included); a text node that is not rendered
    (``display: none``, ``<title>``, a JSON ``<script>``) has none and is left out.
    """
    cdp = page.context.new_cdp_session(page)
    try:
        cdp.send("DOM.enable")
        cdp.send("CSS.enable")
        stack = [cdp.send("DOM.getDocument", {"depth": -1, "pierce": True})["root"]]
        texts = []
        while stack:
            node = stack.pop()
            if node.get("nodeType") == 3 and CJK_TEXT.search(node.get("nodeValue", "")):
                fonts = cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node["nodeId"]})["fonts"]
                if fonts:
                    texts.append((node["nodeValue"], fonts))
            stack += node.get("children", []) + node.get("shadowRoots", []) + \
                ([node["contentDocument"]] if "contentDocument" in node else [])
        return texts
    finally:
        cdp.detach()


def cjk_font_problems(page: Any) -> list[str]:
    """Rendered text whose Chinese characters are not all drawn by a CJK font.

    Without one, fontconfig falls back to a font with no Han glyphs (boxes): every such text is named.
    """
    problems = []
    for text, fonts in cjk_text_fonts(page):
        needed = len(CJK_TEXT.findall(text))
        drawn = sum(f["glyphCount"] for f in fonts if CJK_FONT.search(f["familyName"]))
        if drawn < needed:
            used = ", ".join(f"{f['familyName']} ({f['glyphCount']})" for f in fonts)
            problems.append(f"{text.strip()[:40]!r}: {needed} CJK characters, drawn by {used}")
    return problems


class Person:
    """One logged-in browser context; ``shot`` keeps a screenshot as a test artifact.

    Anything going wrong in the browser is a problem the test fails on (``check``, called after every
    ``go`` and when the test ends): an uncaught exception, any console error (a resource that failed to
    load included), a request that failed (refused, blocked, aborted) and any HTTP response of 400 or
    more, unless the test opted in to that status for that path with ``expecting`` (a deliberate 404 or
    a form posted with errors, 422).
    """

    def __init__(self, browser: Any, base: str, username: str, viewport: dict[str, int] = DESKTOP):
        self.base, self.username = base, username
        self.context = browser.new_context(viewport=viewport, locale="zh-CN", accept_downloads=True)
        self.context.set_default_timeout(15000)
        self.problems: list[str] = []
        self._allowed: list[tuple[int, str]] = []  # (status, path) the test expects now
        self._met: set[tuple[int, str]] = set()
        self._expected_urls: set[str] = set()  # responses that were expected: their console line is too
        self._attachments: set[str] = set()  # downloads (served as attachments)
        self.context.on("weberror", lambda error: self.problems.append(f"uncaught exception: {error.error}"))
        self.context.on("console", self._console)
        self.context.on("requestfailed", self._request_failed)
        self.context.on("response", self._response)
        self.page = self.context.new_page()

    def _console(self, message: Any) -> None:
        if message.type != "error":
            return
        url = (message.location or {}).get("url", "")
        if message.text.startswith("Failed to load resource: the server responded with a status of") \
                and url in self._expected_urls:
            return
        self.problems.append(f"console error: {message.text} ({url})")

    def _request_failed(self, request: Any) -> None:
        if request.failure == "net::ERR_ABORTED" and request.url in self._attachments:
            return  # Chromium ends a navigation that became a download this way; the download itself went fine
        self.problems.append(f"request failed: {request.method} {request.url}: {request.failure}")

    def _response(self, response: Any) -> None:
        if response.status < 400:
            if response.headers.get("content-disposition", "").startswith("attachment"):
                self._attachments.add(response.url)
            return
        path = urlsplit(response.url).path
        for status, expected in self._allowed:
            if response.status == status and re.fullmatch(expected, path):
                self._met.add((status, expected))
                self._expected_urls.add(response.url)
                return
        self.problems.append(f"HTTP {response.status}: {response.request.method} {response.url}")

    @contextmanager
    def expecting(self, status: int, path: str) -> Iterator[None]:
        """Inside the block, a response ``status`` (>= 400) from ``path`` (a regular expression matching the whole
        path) is what the test wants, and it must come."""
        self._allowed.append((status, path))
        try:
            yield
            for _ in range(100):  # the response may still be on its way (5 s at most)
                if (status, path) in self._met:
                    break
                self.page.wait_for_timeout(50)
        finally:
            self._allowed.remove((status, path))
        assert (status, path) in self._met, f"expected an HTTP {status} from {path}, none came"
        self._met.discard((status, path))

    def check(self) -> None:
        """Fail on anything that went wrong in this browser so far (then start afresh)."""
        problems, self.problems[:] = list(self.problems), []
        assert not problems, f"the browser of {self.username} met problems:\n" + "\n".join(problems)

    def login(self, shot: str | None = None) -> "Person":
        page = self.page
        page.goto(self.base + "/login")
        page.fill("#username", self.username)
        page.fill("#password", DEMO_PASSWORD)
        if shot:
            self.shot(shot)
        page.click("button[type=submit].primary")
        page.wait_for_url(re.compile(r".*/$"))
        self.check()
        return self

    def go(self, path: str) -> Any:
        self.check()
        self.page.goto(self.base + path)
        self.check()
        return self.page

    def visit(self, path: str, shot: str | None = None) -> Any:
        """Open ``path`` (checked like ``go``) and keep a screenshot of it when ``shot`` names one."""
        page = self.go(path)
        if shot:
            self.shot(shot)
        return page

    def shot(self, name: str) -> None:
        """Keep a screenshot, once the page's Chinese is drawn with a CJK font (never boxes)."""
        missing = cjk_font_problems(self.page)
        assert not missing, f"{name}: Chinese text without a CJK font (`make system-deps` installs " \
            "Debian's fonts-noto-cjk):\n" + "\n".join(missing[:20])
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)

    def finish(self) -> None:
        """When the test ends: let the page settle, then fail on what went wrong since the last check."""
        self.page.wait_for_load_state("load")
        self.check()


@pytest.fixture
def person(request: pytest.FixtureRequest, browser: Any, server: str) -> Iterator[Any]:
    opened: list[Person] = []
    request.node.browser_people = opened  # checked when the test body ends (pytest_runtest_call below)

    def open_as(username: str, viewport: dict[str, int] = DESKTOP, shot: str | None = None,
                at: str | None = None) -> Person:
        """``username`` logged in (their login page kept as ``shot``), on page ``at`` when given."""
        p = Person(browser, server, username, viewport).login(shot)
        opened.append(p)
        if at is not None:
            p.go(at)
        return p

    yield open_as
    for p in opened:
        p.context.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Any:
    """A browser problem nobody checked yet fails the test itself (not only its teardown)."""
    result = yield
    for p in getattr(item, "browser_people", []):
        p.finish()
    return result
