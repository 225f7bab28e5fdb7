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
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Iterator

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
def browser() -> Iterator[Any]:
    sync_api = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run `make chromium` (Debian's chromium package)")
    with sync_api.sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--no-first-run"])
        yield chromium
        chromium.close()


class Person:
    """One logged-in browser context; ``shot`` keeps a screenshot as a test artifact."""

    def __init__(self, browser: Any, base: str, username: str, viewport: dict[str, int] = DESKTOP):
        self.base, self.username = base, username
        self.context = browser.new_context(viewport=viewport, locale="zh-CN", accept_downloads=True)
        self.context.set_default_timeout(15000)
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.page.on("pageerror", lambda exc: self.errors.append(str(exc)))

    def login(self, shot: str | None = None) -> "Person":
        page = self.page
        page.goto(self.base + "/login")
        page.fill("#username", self.username)
        page.fill("#password", DEMO_PASSWORD)
        if shot:
            self.shot(shot)
        page.click("button[type=submit].primary")
        page.wait_for_url(re.compile(r".*/$"))
        return self

    def go(self, path: str) -> Any:
        self.page.goto(self.base + path)
        return self.page

    def shot(self, name: str) -> None:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)

    def close(self) -> None:
        assert not self.errors, f"JavaScript errors for {self.username}: {self.errors}"
        self.context.close()


@pytest.fixture
def person(browser: Any, server: str) -> Iterator[Any]:
    opened: list[Person] = []

    def open_as(username: str, viewport: dict[str, int] = DESKTOP, shot: str | None = None) -> Person:
        p = Person(browser, server, username, viewport).login(shot)
        opened.append(p)
        return p

    yield open_as
    for p in opened:
        p.close()
