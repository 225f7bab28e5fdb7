"""The office imports a 300-unit organisation from Excel in Chromium: errors shown by row and column, fixed, imported."""
from __future__ import annotations

from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from service.models import OrgUnit, OutboxMessage, User
from tests.browser.conftest import ARTIFACTS

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.xdist_group("browser")]

UNITS = 300


def fill(template: bytes, *, with_errors: bool) -> bytes:
    """The downloaded template filled in: 15 county unions, 285 enterprises under them, two people each."""
    wb = load_workbook(BytesIO(template))
    units, people = wb["单位"], wb["人员"]
    units.delete_rows(2)  # the example rows
    people.delete_rows(2)
    for i in range(UNITS):
        if i < 15:
            units.append([f"XQ{i:02d}", f"新区第{i:02d}街道总工会", "县（市、区）总工会", "BD", "", "启用"])
        else:
            units.append([f"XQ{i % 15:02d}-{i:03d}", f"新区企业{i:03d}有限公司工会", "企业工会", f"XQ{i % 15:02d}", "",
                          "启用"])
    for i in range(15, UNITS):
        code = f"XQ{i % 15:02d}-{i:03d}"
        people.append([f"xq{i:03d}_s", f"填报人{i:03d}", f"1360000{i:04d}", f"xq{i:03d}s@example.com", code, "单位填报人",
                       "启用"])
        people.append([f"xq{i:03d}_l", f"领导{i:03d}", f"1370000{i:04d}", "", code, "单位主要领导", "启用"])
    if with_errors:
        units["C20"] = "企业"                 # not a unit type
        units["D41"] = "XQ99"                 # no such parent
        people["E11"] = "XQ01-999"            # no such unit
        people["B30"] = None                  # a person without a name
    buffer = BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def import_organisation(office: Any, live_app: Any, tmp_path: Path) -> Path:
    """Through the pages: the template downloaded and filled with 300 units, checked with four errors (shown by
    sheet, row and column, nothing written), fixed, checked and imported. Returns the fixed workbook."""
    page = office.go("/office/org")
    page.get_by_role("link", name="Excel 导入").click()
    with page.expect_download() as download:
        page.get_by_role("link", name="下载导入模板").first.click()
    template = Path(download.value.path()).read_bytes()
    assert load_workbook(BytesIO(template)).sheetnames == ["单位", "人员", "填写说明"]

    broken = tmp_path / "组织机构（有错误）.xlsx"
    broken.write_bytes(fill(template, with_errors=True))
    page.set_input_files("input[name=file]", str(broken))
    page.click("button[data-action=check]")
    errors = page.locator("#import-errors tbody tr")
    errors.first.wait_for()
    assert errors.count() == 4
    cells = sorted(errors.nth(i).get_attribute("data-cell") for i in range(4))
    assert cells == ["人员!B30", "人员!E11", "单位!C20", "单位!D41"]
    assert "未知的单位类型" in page.locator("#import-errors").inner_text()
    assert page.locator("button[data-action=import]").count() == 0  # nothing to import until it is right
    office.shot("org-01-import-errors")
    with live_app.extensions["appraisal.sessions"]() as s:
        assert s.scalar(select(func.count()).select_from(OrgUnit).where(OrgUnit.code.like("XQ%"))) == 0

    fixed = tmp_path / "组织机构.xlsx"
    fixed.write_bytes(fill(template, with_errors=False))
    page.set_input_files("input[name=file]", str(fixed))
    page.click("button[data-action=check]")
    page.locator("button[data-action=import]").wait_for()
    assert page.locator("#import-errors").count() == 0
    assert page.locator("[data-count='单位-create']").inner_text() == str(UNITS)
    assert page.locator("[data-count='人员-create']").inner_text() == str(2 * (UNITS - 15))
    office.shot("org-02-import-checked")
    page.click("button[data-action=import]")
    page.wait_for_url("**/office/org")
    assert "导入完成" in page.locator(".flash").inner_text()
    assert page.locator("#units tbody tr", has_text="新区企业299有限公司工会").count() == 1
    office.shot("org-03-imported")
    with live_app.extensions["appraisal.sessions"]() as s:
        assert s.scalar(select(func.count()).select_from(OrgUnit).where(OrgUnit.code.like("XQ%"))) == UNITS
        assert s.scalar(select(func.count()).select_from(User).where(User.username.like("xq%"))) == 2 * (UNITS - 15)
        invites = s.scalar(select(func.count()).select_from(OutboxMessage).where(
            OutboxMessage.template == "account_invite"))
        assert invites == 2 * (UNITS - 15)  # each new person is sent a link (e-mail, or SMS without one)
    return fixed


def test_the_office_imports_a_300_unit_sheet_sees_its_errors_fixes_them_and_imports(person: Any, live_app: Any,
                                                                                     tmp_path: Path) -> None:
    office = person("res_office1")
    fixed = import_organisation(office, live_app, tmp_path)
    page = office.page

    # the same sheet again: every row unchanged
    page.get_by_role("link", name="Excel 导入").click()
    page.set_input_files("input[name=file]", str(fixed))
    page.click("button[data-action=check]")
    page.locator("[data-count='单位-unchanged']").wait_for()
    assert page.locator("[data-count='单位-unchanged']").inner_text() == str(UNITS)
    assert page.locator("[data-count='单位-create']").count() == 0
    office.shot("org-04-reimport-unchanged")

    # a person's page: reset, deactivate
    page = office.visit("/office/org/people?q=xq020_s")
    page.get_by_role("link", name="xq020_s").click()
    page.click("button[data-action=reset-password]")
    assert "新的一次性链接已通过电子邮件发送" in page.locator(".flash").inner_text()
    page.click("button[data-action=deactivate]")
    assert "停用" in page.locator("h1").inner_text()
    office.shot("org-05-person-deactivated")
    assert (ARTIFACTS / "org-01-import-errors.png").exists()
