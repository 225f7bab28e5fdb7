"""The organisation workbook's words agree with the pages', and its reader reads what openpyxl writes."""
from __future__ import annotations

from io import BytesIO

from openpyxl import Workbook

from service.models import ROLES, UNIT_TYPES
from service.schemas.orgs import ROLE_LABELS, UNIT_TYPE_LABELS
from service.catalogue.codes import ROLE as PAGE_ROLES
from service.workflows import org_workbook


def test_the_workbook_names_roles_as_the_pages_do_and_knows_every_role_and_unit_type() -> None:
    assert ROLE_LABELS == PAGE_ROLES
    assert set(ROLE_LABELS) == set(ROLES) and set(UNIT_TYPE_LABELS) == set(UNIT_TYPES)
    assert len(set(ROLE_LABELS.values())) == len(ROLE_LABELS)
    assert len(set(UNIT_TYPE_LABELS.values())) == len(UNIT_TYPE_LABELS)


def test_the_reader_reads_shared_and_inline_strings_numbers_gaps_and_formula_looking_text() -> None:
    wb = Workbook()
    ws = wb.active
    ws.title = "单位"
    ws.append(["单位代码", "单位名称", None, "状态"])
    ws.append(["A1", "=不是公式", 13800000000, True])
    ws["A2"].data_type = "s"
    ws["B2"].data_type = "s"
    ws.append([])
    ws.append([None, None, 1.5, "停用"])
    buffer = BytesIO()
    wb.save(buffer)
    sheets, issues = org_workbook.parse(buffer.getvalue())
    assert not issues
    rows = sheets["单位"]
    assert rows[0] == ["单位代码", "单位名称", None, "状态"]
    assert rows[1] == ["A1", "=不是公式", 13800000000, True]
    assert rows[2] == [] and rows[3] == [None, None, 1.5, "停用"]


def test_a_file_that_is_not_a_workbook_is_one_issue() -> None:
    for data in (b"", b"hello", b"PK\x03\x04garbage"):
        sheets, issues = org_workbook.parse(data)
        assert sheets is None and len(issues) == 1
