"""The browser tests' own checks: anything going wrong in a page fails the test, and Chinese needs a CJK font.

These plant each kind of fault the fixtures promise to catch (as a bug would: a console error or a failing
script on every page, a request that fails, an unexpected 4xx) and run the font check on a Chromium whose
fontconfig hides every font that can draw Chinese, as on a machine without Debian's fonts-noto-cjk.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Iterator

import pytest

from tests.browser.conftest import cjk_font_problems, cjk_text_fonts, launch

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

# The machine's own fontconfig set-up, less every font that covers Chinese or Japanese (Han) text.
NO_CJK_FONTS = """<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">
<fontconfig>
  <include ignore_missing="no">/etc/fonts/fonts.conf</include>
  <selectfont><rejectfont>
    <pattern><patelt name="lang"><string>zh-cn</string></patelt></pattern>
    <pattern><patelt name="lang"><string>zh-tw</string></patelt></pattern>
    <pattern><patelt name="lang"><string>ja</string></patelt></pattern>
    <glob>*CJK*</glob>
  </rejectfont></selectfont>
</fontconfig>
"""

SIMPLIFIED = {"Noto Sans CJK SC", "Noto Serif CJK SC"}
# The pages people see most, and an English page showing Chinese the users typed.
PAGES = ["/", "/applications", "/office", "/notifications", "/lang/en?next=/applications", "/lang/zh-CN?next=/"]


def test_each_kind_of_browser_problem_fails_the_test(person: Any) -> None:
    p = person("res_office1")
    page = p.go("/")

    page.evaluate("console.error('planted console error')")
    with pytest.raises(AssertionError, match="console error: planted console error"):
        p.check()

    page.evaluate("setTimeout(() => { throw new Error('planted exception') })")
    page.wait_for_timeout(200)
    with pytest.raises(AssertionError, match="uncaught exception: .*planted exception"):
        p.check()

    page.evaluate("""() => new Promise(done => {
        const s = document.createElement('script'); s.src = '/static/no-such-script.js';
        s.onerror = done; s.onload = done; document.head.append(s); })""")
    with pytest.raises(AssertionError, match=r"HTTP 404: GET \S+/static/no-such-script.js"):
        p.check()

    # a request refused at the network (same origin: the pages' Content-Security-Policy would stop any other)
    page.route("**/planted-refusal", lambda route: route.abort("connectionrefused"))
    page.evaluate("fetch('/planted-refusal').catch(() => null)")
    page.wait_for_timeout(300)
    with pytest.raises(AssertionError, match=r"request failed: GET \S+/planted-refusal"):
        p.check()
    page.unroute("**/planted-refusal")

    with pytest.raises(AssertionError, match=r"HTTP 404: GET \S+/no/such/page"):
        p.go("/no/such/page")

    # what a bug in the base template would do: a console error and a failing script on every page
    p.context.add_init_script("console.error('on every page');"
                              "document.addEventListener('DOMContentLoaded', () => { missingFunction() })")
    with pytest.raises(AssertionError) as caught:
        p.go("/applications")
    assert "console error: on every page" in str(caught.value)
    assert "uncaught exception: missingFunction is not defined" in str(caught.value)


def test_an_expected_error_status_must_be_declared_exactly_and_must_come(person: Any) -> None:
    p = person("res_office1")
    with p.expecting(404, r"/tasks/999999"):
        p.go("/tasks/999999")  # a page the test wants to see failing: no problem
    with pytest.raises(AssertionError, match=r"HTTP 404: GET \S+/tasks/999998"):
        with p.expecting(404, r"/tasks/999999"):  # another path is not covered
            p.go("/tasks/999998")
    with pytest.raises(AssertionError, match="HTTP 404"):
        with p.expecting(403, r"/tasks/999999"):  # nor another status
            p.go("/tasks/999999")
    p.check()
    with pytest.raises(AssertionError, match="expected an HTTP 404 from /tasks/1, none came"):
        with p.expecting(404, r"/tasks/1"):
            p.go("/")


def test_chinese_on_the_pages_is_drawn_with_a_cjk_font(person: Any) -> None:
    p = person("res_office1")
    checked = 0
    for path in PAGES:
        page = p.go(path)
        texts = cjk_text_fonts(page)
        checked += len(texts)
        assert not cjk_font_problems(page), (path, cjk_font_problems(page))
        assert {f["familyName"] for _, fonts in texts for f in fonts if "CJK" in f["familyName"]} \
            <= SIMPLIFIED, texts  # Simplified Chinese glyph forms, not the Japanese variant's
    assert checked > 50  # the check saw the pages' Chinese, and which fonts drew it
    p.shot("fonts-01-inbox-cjk")
    admin = person("process_admin")  # the modeler draws the diagram's Chinese names in SVG
    page = admin.go("/admin/processes/1/edit")
    page.wait_for_selector("#modeler[data-ready='1']")
    texts = cjk_text_fonts(page)
    assert len(texts) > 10 and not cjk_font_problems(page), cjk_font_problems(page)
    admin.shot("fonts-02-modeler-cjk")


@pytest.fixture(scope="module")
def browser_without_cjk_fonts(playwright_driver: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """Chromium with a fontconfig that hides every CJK font: a machine without fonts-noto-cjk."""
    config = Path(tmp_path_factory.mktemp("fontconfig")) / "fonts.conf"
    config.write_text(NO_CJK_FONTS)
    chromium = launch(playwright_driver, env={**os.environ, "FONTCONFIG_FILE": str(config)})
    yield chromium
    chromium.close()


def test_without_a_cjk_font_the_check_fails(browser_without_cjk_fonts: Any, server: str) -> None:
    page = browser_without_cjk_fonts.new_page(locale="zh-CN")
    page.goto(server + "/login")
    missing = cjk_font_problems(page)
    assert any("创新性工作评比" in m for m in missing), missing  # the title, drawn as boxes
    assert all("Noto Sans CJK" not in m.split("drawn by")[1] for m in missing), missing
    page.close()
