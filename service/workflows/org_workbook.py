"""The organisation workbook (.xlsx): template, export, dry run and the all-or-nothing import.

Sheets (the template's 填写说明 sheet says the same to the office)::

    单位   单位代码* | 单位名称* | 单位类型* | 上级单位代码 | 英文名称 | 状态
    人员   用户名 | 姓名* | 手机号 | 电子邮箱 | 所属单位代码* | 角色 | 状态

Columns are found by their header (row 1), in any order; a missing optional column keeps
what is stored. Units are keyed by their code, people by their username, else their
phone. A row whose first cell starts with 【示例】 is the template's example and is skipped.

``plan`` reads the workbook against the database and gives every row's result
(create / update / unchanged) and every error by sheet, row and column, writing
nothing; ``run`` applies a plan without errors in one transaction, with bulk
statements (a few per table, not one per row); a plan with errors writes nothing.
Importing a workbook a second time finds every row unchanged and writes nothing.
New people are sent their one-time password link (``accounts.link_rows``); people set
to 停用 are deactivated as the pages do it (``accounts.deactivate``).
"""
from __future__ import annotations

import hashlib
import re
import zipfile
from dataclasses import dataclass, field
from datetime import timedelta
from io import BytesIO
from typing import Any, Iterator

from lxml import etree
from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from sqlalchemy.orm import Session

from service.catalogue import _
from service import clock
from service.auth import policies
from service.errors import Forbidden, NotFound, ValidationFailed
from service.models import OrgImport, User
from service.repositories import org as org_repo
from service.schemas.orgs import (
    CODE_PATTERN, EMAIL_PATTERN, PHONE_PATTERN, ROLE_LABELS, UNIT_TYPE_LABELS, USERNAME_PATTERN,
)
from service.workflows import accounts, audit, outbox

UNIT_SHEET, PEOPLE_SHEET, NOTES_SHEET = "单位", "人员", "填写说明"
UNIT_COLUMNS = (("code", "单位代码"), ("name", "单位名称"), ("type", "单位类型"), ("parent_code", "上级单位代码"),
                ("name_en", "英文名称"), ("status", "状态"))
PEOPLE_COLUMNS = (("username", "用户名"), ("display_name", "姓名"), ("phone", "手机号"), ("email", "电子邮箱"),
                  ("unit_code", "所属单位代码"), ("roles", "角色"), ("status", "状态"))
REQUIRED = {UNIT_SHEET: ("code", "name", "type"), PEOPLE_SHEET: ("display_name", "unit_code")}
EXAMPLE = "【示例】"
ACTIVE, INACTIVE = "启用", "停用"
LIMITS = {"code": 40, "name": 200, "name_en": 200, "username": 80, "display_name": 120, "phone": 40, "email": 200}
ROLE_SPLIT = re.compile(r"[、,，;；/\s]+")
TYPE_BY_WORD = {**{label: code for code, label in UNIT_TYPE_LABELS.items()}, **{c: c for c in UNIT_TYPE_LABELS}}
ROLE_BY_WORD = {**{label: code for code, label in ROLE_LABELS.items()}, **{c: c for c in ROLE_LABELS}}
ROLE_ELSEWHERE = re.compile(r"^(.+?)[（(]([^）)]+)[）)]$")
"""A role held in another unit than the person's own: 评审组成员（BD）."""
MAX_ROWS = 20000

NOTES = [
    ("工作表", "说明"),
    ("单位", "每行一个单位。单位代码是单位的唯一标识，再次导入时按代码更新，请勿更改已有单位的代码。"),
    ("单位类型", "、".join(UNIT_TYPE_LABELS.values())),
    ("上级单位代码", "企业工会填写其主管工会（县区、产业或局工会）的代码；市总工会留空。上级单位可以在本表中，也可以已在系统中。"),
    ("人员", "每行一个人。有用户名时按用户名匹配已有账号，没有用户名时按手机号匹配；新账号没有用户名时以手机号作为用户名。"),
    ("手机号 / 电子邮箱", "新账号会收到一次性设置密码的链接：有电子邮箱发邮件，否则发短信，两者至少填一项。"),
    ("角色", "可填多个，用顿号分隔：" + "、".join(ROLE_LABELS.values())
     + "。在其他单位担任的角色在括号内写该单位代码，如：评审组成员（BD）"),
    ("状态", f"{ACTIVE}或{INACTIVE}，留空为{ACTIVE}。{INACTIVE}的人员立即不能登录，其已认领的待办退回所在角色的待办池。"),
    ("示例行", f"第一格以{EXAMPLE}开头的行是示例，导入时跳过，可以删除。"),
    ("导入", "先“检查”：逐行显示将新建、更新或不变，以及每个错误所在的工作表、行和列；没有错误才能导入，导入要么全部成功，要么什么也不改。"),
]


@dataclass
class Issue:
    sheet: str
    row: int
    column: str  # the header's words
    message: str

    def as_dict(self, columns: dict[str, str]) -> dict[str, Any]:
        letter = columns.get(self.column, "")
        return {"sheet": self.sheet, "row": self.row, "column": self.column,
                "field": f"{self.sheet}!{letter}{self.row}" if letter else f"{self.sheet}!{self.row}",
                "message": self.message}


@dataclass
class Plan:
    """What importing the workbook would do."""

    digest: str
    unit_rows: list[dict[str, Any]] = field(default_factory=list)     # parsed, with "result" and "row"
    people_rows: list[dict[str, Any]] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)
    letters: dict[str, dict[str, str]] = field(default_factory=dict)  # sheet -> header words -> column letter

    def report(self, *, dry_run: bool, imported: bool, import_id: int | None = None) -> dict[str, Any]:
        counts: dict[str, dict[str, int]] = {UNIT_SHEET: {}, PEOPLE_SHEET: {}}
        rows = []
        for sheet, parsed in ((UNIT_SHEET, self.unit_rows), (PEOPLE_SHEET, self.people_rows)):
            for r in parsed:
                counts[sheet][r["result"]] = counts[sheet].get(r["result"], 0) + 1
                rows.append({"sheet": sheet, "row": r["row"], "key": r["key"], "result": r["result"]})
        errors = [i.as_dict(self.letters.get(i.sheet, {})) for i in self.issues]
        return {"import_id": import_id, "dry_run": dry_run, "imported": imported, "counts": counts, "rows": rows,
                "errors": errors}


# --------------------------------------------------------------------------- writing workbooks


def _sheet(wb: Workbook, title: str, columns: tuple[tuple[str, str], ...], rows: list[list[Any]],
           example: list[Any] | None = None) -> None:
    ws = wb.create_sheet(title)
    ws.append([label for _item, label in columns])
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
    if example is not None:
        ws.append(example)
        for cell in ws[2]:
            cell.font = Font(italic=True, color="808080")
    for values in rows:
        ws.append([None if v in (None, "") else v for v in values])
    for row in ws.iter_rows(min_row=2):
        for cell in row:
            if isinstance(cell.value, str):
                cell.data_type = "s"  # text, never a formula, whatever it starts with
    for index in range(1, len(columns) + 1):
        ws.column_dimensions[get_column_letter(index)].width = 18
    ws.freeze_panes = "A2"


def _save(wb: Workbook) -> bytes:
    buffer = BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def template() -> bytes:
    """The empty workbook with headers, an example row per sheet and the notes sheet."""
    wb = Workbook()
    wb.remove(wb.active)
    _sheet(wb, UNIT_SHEET, UNIT_COLUMNS, [], [f"{EXAMPLE}JX001", "竞秀区某某有限公司工会", "企业工会", "JX",
                                                   "", ACTIVE])
    _sheet(wb, PEOPLE_SHEET, PEOPLE_COLUMNS, [], [f"{EXAMPLE}zhangsan", "张三", "13800000000", "zhangsan@example.com",
                                                       "JX001", "单位填报人", ACTIVE])
    notes = wb.create_sheet(NOTES_SHEET)
    for row in NOTES:
        notes.append(list(row))
    notes["A1"].font = notes["B1"].font = Font(bold=True)
    notes.column_dimensions["A"].width, notes.column_dimensions["B"].width = 18, 100
    return _save(wb)


def _role_words(held: set[tuple[str, int]], own_unit: int, code_of: dict[int, str]) -> str:
    """The 角色 cell: the roles in the person's own unit, then those elsewhere as 角色（单位代码）."""
    order = list(ROLE_LABELS)
    words = sorted(held, key=lambda h: (h[1] != own_unit, code_of.get(h[1], ""),
                                        order.index(h[0]) if h[0] in order else len(order)))
    return "、".join(ROLE_LABELS.get(role, role) if unit_id == own_unit
                    else f"{ROLE_LABELS.get(role, role)}（{code_of.get(unit_id, unit_id)}）" for role, unit_id in words)


def _relative(held: set[tuple[str, int]], own_unit: int, code_of: dict[int, str]) -> set[tuple[str, str | None]]:
    """Stored roles as the sheet says them: (role, None) in the person's own unit, else (role, unit code)."""
    return {(role, None if unit_id == own_unit else code_of.get(unit_id, "").lower()) for role, unit_id in held}


def export(*, session: Session, user: User) -> bytes:
    """Every unit and person in the import's format (importing it changes nothing)."""
    _office(user)
    units = org_repo.unit_rows(session)
    code_of = {u[0]: u[1] for u in units}
    unit_rows = [[code, name, UNIT_TYPE_LABELS.get(kind, kind), code_of.get(parent), name_en,
                  ACTIVE if active else INACTIVE]
                 for _item, code, name, name_en, kind, parent, active in sorted(units, key=lambda u: u[1])]
    roles = org_repo.role_rows(session)
    people = sorted(org_repo.person_rows(session), key=lambda p: (code_of.get(p[3], ""), p[1]))
    people_rows = [[username, name, phone, email, code_of.get(unit_id),
                    _role_words(roles.get(pid, set()), unit_id, code_of),
                    ACTIVE if active else INACTIVE] for pid, username, name, unit_id, phone, email, active, _ in people]
    wb = Workbook()
    wb.remove(wb.active)
    _sheet(wb, UNIT_SHEET, UNIT_COLUMNS, unit_rows)
    _sheet(wb, PEOPLE_SHEET, PEOPLE_COLUMNS, people_rows)
    return _save(wb)


# --------------------------------------------------------------------------- reading a workbook


def _office(user: User) -> None:
    if not policies.can_manage_whole_org(user):
        raise Forbidden(policies.DENIED[policies.can_manage_whole_org])


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _read_sheet(wb: dict[str, list[list[Any]]], title: str, columns: tuple[tuple[str, str], ...],
                plan: Plan) -> Iterator[dict[str, Any]]:
    """Each data row of the sheet as {key: text}, with "row" and "present" (the columns the sheet has)."""
    if title not in wb:
        plan.issues.append(Issue(title, 1, "", _("缺少工作表“{title}”", title=title)))
        return
    rows = iter(wb[title])
    header = next(rows, None) or []
    words = {label: key for key, label in columns}
    found: dict[str, int] = {}
    letters: dict[str, str] = {}
    for index, cell in enumerate(header):
        word = _text(cell)
        if word in words and words[word] not in found:
            found[words[word]] = index
            letters[word] = get_column_letter(index + 1)
    plan.letters[title] = letters
    missing = [label for key, label in columns if key in REQUIRED[title] and key not in found]
    if missing:
        plan.issues.append(Issue(title, 1, "", _("缺少列：{columns}", columns="、".join(missing))))
        return
    for number, values in enumerate(rows, start=2):
        if number > MAX_ROWS:
            plan.issues.append(Issue(title, number, "", _("最多 {MAX_ROWS} 行", MAX_ROWS=MAX_ROWS)))
            return
        cells = {key: "" for key, _ in columns}
        cells.update({key: _text(values[i]) if i < len(values) else "" for key, i in found.items()})
        if not any(cells.values()):
            continue
        first = _text(values[0]) if values else ""
        if first.startswith(EXAMPLE):
            continue
        yield {**cells, "row": number, "present": frozenset(found)}


MAX_PART_BYTES = 100 * 1024 * 1024  # a sheet or the shared strings, uncompressed (a zip bomb stops here)
_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
_CELL_REF = re.compile(r"([A-Z]+)(\d+)")


def _xml(archive: zipfile.ZipFile, name: str, tag: str | None = None) -> Iterator[tuple[str, Any]]:
    info = archive.getinfo(name)
    if info.file_size > MAX_PART_BYTES:
        raise ValueError(f"{name} is too large")
    with archive.open(info) as part:
        yield from etree.iterparse(part, events=("end",), tag=tag, resolve_entities=False, no_network=True,
                                   load_dtd=False, huge_tree=False)


def parse(content: bytes) -> tuple[dict[str, list[list[Any]]] | None, list[Issue]]:
    """The workbook's sheets as rows of cell values (text or numbers), by sheet name.

    Read straight from the .xlsx's XML with lxml (openpyxl's reader took seconds for
    4,000 rows): shared and inline strings, numbers, booleans; formulas give their
    cached value. Only what an organisation sheet holds; no styles, no dates.
    """
    try:
        archive = zipfile.ZipFile(BytesIO(content))
        names = set(archive.namelist())
        strings: list[str] = []
        if "xl/sharedStrings.xml" in names:
            for _item, el in _xml(archive, "xl/sharedStrings.xml", f"{_NS}si"):
                strings.append("".join(el.itertext(f"{_NS}t")))
                el.clear()
        targets = {}
        for _item, el in _xml(archive, "xl/_rels/workbook.xml.rels"):
            if el.get("Id") and el.get("Target"):
                target = el.get("Target").lstrip("/")
                targets[el.get("Id")] = target if target.startswith("xl/") else f"xl/{target}"
        sheets: dict[str, list[list[Any]]] = {}
        for _item, el in _xml(archive, "xl/workbook.xml"):
            if el.tag == f"{_NS}sheet" and el.get(_REL) in targets:
                sheets[el.get("name")] = _sheet_rows(archive, targets[el.get(_REL)], strings)
        return sheets, []
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, IndexError, etree.LxmlError) as exc:
        return None, [Issue("", 0, "", _("不是有效的 .xlsx 文件（{error}）", error=type(exc).__name__))]


def _sheet_rows(archive: zipfile.ZipFile, name: str, strings: list[str]) -> list[list[Any]]:
    rows: list[list[Any]] = []
    for _item, el in _xml(archive, name, f"{_NS}row"):
        number = int(el.get("r") or len(rows) + 1)
        if number > MAX_ROWS + 1:
            el.clear()
            break
        while len(rows) < number - 1:
            rows.append([])
        values: list[Any] = []
        for cell in el.iter(f"{_NS}c"):
            ref = _CELL_REF.match(cell.get("r") or "")
            column = _column_index(ref.group(1)) if ref else len(values)
            while len(values) < column:
                values.append(None)
            kind = cell.get("t")
            v = cell.find(f"{_NS}v")
            if kind == "inlineStr":
                value: Any = "".join(t.text or "" for t in cell.iter(f"{_NS}t"))
            elif v is None or v.text is None:
                value = None
            elif kind == "s":
                value = strings[int(v.text)]
            elif kind in ("str", "e"):
                value = v.text
            elif kind == "b":
                value = v.text == "1"
            else:
                text = v.text
                value = float(text) if any(c in text for c in ".eE") else int(text)
            values.append(value)
        rows.append(values)
        el.clear()
    return rows


def _column_index(letters: str) -> int:
    index = 0
    for ch in letters:
        index = index * 26 + ord(ch) - 64
    return index - 1


# --------------------------------------------------------------------------- the plan


def plan(*, session: Session, user: User, content: bytes) -> Plan:
    """Every row's result and every error, writing nothing."""
    _office(user)
    result = Plan(digest=hashlib.sha256(content).hexdigest())
    wb, issues = parse(content)
    if wb is None:
        result.issues += issues
        return result
    units_in = list(_read_sheet(wb, UNIT_SHEET, UNIT_COLUMNS, result))
    people_in = list(_read_sheet(wb, PEOPLE_SHEET, PEOPLE_COLUMNS, result))
    stored_units = {u[1].lower(): u for u in org_repo.unit_rows(session)}
    code_by_id = {u[0]: u[1] for u in stored_units.values()}
    _plan_units(result, units_in, stored_units, code_by_id)
    _plan_people(session, result, people_in, stored_units)
    result.issues.sort(key=lambda i: (i.sheet != UNIT_SHEET, i.row, i.column))
    return result


def _check_text(issues: list[Issue], sheet: str, row: dict[str, Any], key: str, label: str,
                pattern: str | None = None, required: bool = False) -> None:
    value = row.get(key, "")
    if not value:
        if required:
            issues.append(Issue(sheet, row["row"], label, _("必填")))
        return
    if len(value) > LIMITS[key]:
        issues.append(Issue(sheet, row["row"], label, _("最多 {p0} 个字符", p0=LIMITS[key])))
    elif pattern and not re.match(pattern, value):
        issues.append(Issue(sheet, row["row"], label, _("格式不正确：{value}", value=value)))


def _status(issues: list[Issue], sheet: str, row: dict[str, Any]) -> bool | None:
    value = row.get("status", "")
    if "status" not in row["present"]:
        return None
    if value in ("", ACTIVE):
        return True
    if value == INACTIVE:
        return False
    issues.append(Issue(sheet, row["row"], "状态", _("须为“{ACTIVE}”或“{INACTIVE}”", ACTIVE=ACTIVE, INACTIVE=INACTIVE)))
    return None


def _plan_units(p: Plan, rows: list[dict[str, Any]], stored: dict[str, tuple], code_by_id: dict[int, str]) -> None:
    S = UNIT_SHEET
    seen: dict[str, int] = {}
    final_parent: dict[str, str | None] = {c: (code_by_id.get(u[5]) or "").lower() or None for c, u in stored.items()}
    final_active: dict[str, bool] = {c: bool(u[6]) for c, u in stored.items()}
    for row in rows:
        before = len(p.issues)
        _check_text(p.issues, S, row, "code", "单位代码", CODE_PATTERN, required=True)
        _check_text(p.issues, S, row, "name", "单位名称", required=True)
        _check_text(p.issues, S, row, "name_en", "英文名称")
        code = row["code"]
        key = code.lower()
        row["key"] = code
        if code and key in seen:
            p.issues.append(Issue(S, row["row"], "单位代码", _("单位代码 {code} 与第 {row} 行重复", code=code, row=seen[key])))
        elif code:
            seen[key] = row["row"]
        kind = TYPE_BY_WORD.get(row["type"])
        if kind is None:
            p.issues.append(Issue(S, row["row"], "单位类型", _("未知的单位类型：{p0}", p0=row['type'] or '（空）')))
        row["type_code"] = kind
        row["active"] = _status(p.issues, S, row)
        row["ok"] = len(p.issues) == before
        if row["ok"]:
            final_parent[key] = row["parent_code"].lower() or None if "parent_code" in row["present"] \
                else final_parent.get(key)
            if row["active"] is not None:
                final_active[key] = row["active"]
            else:
                final_active.setdefault(key, True)
    for row in rows:
        if not row["ok"]:
            row["result"] = "error"
            continue
        key = row["code"].lower()
        parent = final_parent.get(key)
        if parent is not None:
            if parent not in final_parent:
                p.issues.append(Issue(S, row["row"], "上级单位代码", _("上级单位 {code} 不存在", code=row["parent_code"])))
                row["result"] = "error"
                continue
            chain, node = {key}, parent
            while node is not None and node not in chain:
                chain.add(node)
                node = final_parent.get(node)
            if node is not None:
                p.issues.append(Issue(S, row["row"], "上级单位代码", _("上级单位不能是本单位或其下级")))
                row["result"] = "error"
                continue
            if final_active.get(key) and not final_active.get(parent, True):
                p.issues.append(Issue(S, row["row"], "上级单位代码", _("上级单位已停用")))
                row["result"] = "error"
                continue
        old = stored.get(key)
        if old is None:
            row["result"] = "create"
            continue
        _old_id, old_code, name, name_en, kind, parent_id, active = old
        new = {"code": row["code"], "name": row["name"], "type": row["type_code"],
               "parent_code": parent, "name_en": row["name_en"] if "name_en" in row["present"] else name_en,
               "active": final_active[key]}
        was = {"code": old_code, "name": name, "type": kind, "parent_code": (code_by_id.get(parent_id) or "").lower()
               or None, "name_en": name_en, "active": bool(active)}
        row["id"] = old[0]
        row["changed"] = sorted(k for k in new if new[k] != was[k])
        row["result"] = "update" if row["changed"] else "unchanged"
    p.unit_rows = rows
    p.final_active = final_active  # type: ignore[attr-defined]


def _plan_people(session: Session, p: Plan, rows: list[dict[str, Any]], stored_units: dict[str, tuple]) -> None:
    S = PEOPLE_SHEET
    final_active_units: dict[str, bool] = getattr(p, "final_active", {})
    sheet_units = {r["code"].lower() for r in p.unit_rows if r.get("code")}
    stored = org_repo.person_rows(session)
    roles = org_repo.role_rows(session)
    by_username = {u[1].lower(): u for u in stored}
    by_phone: dict[str, list[tuple]] = {}
    for u in stored:
        if u[4]:
            by_phone.setdefault(u[4], []).append(u)
    unit_code_by_id = {u[0]: c for c, u in stored_units.items()}
    seen_names: dict[str, int] = {}
    seen_phones: dict[str, int] = {}
    matched_ids: dict[int, int] = {}
    for row in rows:
        n = row["row"]
        before = len(p.issues)
        _check_text(p.issues, S, row, "username", "用户名", USERNAME_PATTERN)
        _check_text(p.issues, S, row, "display_name", "姓名", required=True)
        _check_text(p.issues, S, row, "phone", "手机号", PHONE_PATTERN)
        _check_text(p.issues, S, row, "email", "电子邮箱", EMAIL_PATTERN)
        username, phone = row["username"], row["phone"]
        row["key"] = username or phone
        if not username and not phone:
            p.issues.append(Issue(S, n, "用户名", _("用户名和手机号至少填一项")))
        unit_key = row["unit_code"].lower()
        if not unit_key:
            p.issues.append(Issue(S, n, "所属单位代码", _("必填")))
        elif unit_key not in stored_units and unit_key not in sheet_units:
            p.issues.append(Issue(S, n, "所属单位代码", _("单位 {p0} 不存在", p0=row['unit_code'])))
        wanted_roles: set[tuple[str, str | None]] | None = None
        if "roles" in row["present"]:
            wanted_roles = set()
            for word in (w for w in ROLE_SPLIT.split(row["roles"]) if w):
                elsewhere = ROLE_ELSEWHERE.match(word)
                name, where = (elsewhere.group(1), elsewhere.group(2).strip().lower()) if elsewhere else (word, None)
                if name not in ROLE_BY_WORD:
                    p.issues.append(Issue(S, n, "角色", _("未知的角色：{word}", word=word)))
                elif where is not None and where not in stored_units and where not in sheet_units:
                    p.issues.append(Issue(S, n, "角色", _("单位 {p0} 不存在", p0=elsewhere.group(2))))
                else:
                    wanted_roles.add((ROLE_BY_WORD[name], None if where == unit_key else where))
        active = _status(p.issues, S, row)
        # which stored person the row is
        match = None
        if username:
            match = by_username.get(username.lower())
            if username.lower() in seen_names:
                p.issues.append(Issue(S, n, "用户名", _("用户名 {username} 与第 {row} 行重复", username=username,
                                                        row=seen_names[username.lower()])))
            seen_names.setdefault(username.lower(), n)
        elif phone:
            found = by_phone.get(phone, [])
            if len(found) > 1:
                p.issues.append(Issue(S, n, "手机号", _("手机号 {phone} 对应多个账号，请填写用户名", phone=phone)))
            match = found[0] if len(found) == 1 else None
            if match is None and phone.lower() in by_username:
                p.issues.append(Issue(S, n, "用户名", _("用户名 {phone} 已被使用，请填写用户名", phone=phone)))
        if phone:
            if phone in seen_phones and not username:
                p.issues.append(Issue(S, n, "手机号", _("手机号 {phone} 与第 {row} 行重复", phone=phone, row=seen_phones[phone])))
            seen_phones.setdefault(phone, n)
        if match is not None:
            if match[0] in matched_ids:
                p.issues.append(Issue(S, n, "用户名", _("与第 {row} 行是同一人", row=matched_ids[match[0]])))
            matched_ids.setdefault(match[0], n)
        if match is None and not row["email"] and not phone:
            p.issues.append(Issue(S, n, "电子邮箱", _("新账号须有电子邮箱或手机号以发送设置密码的链接")))
        final_active = active if active is not None else (bool(match[6]) if match else True)
        if final_active and unit_key and not final_active_units.get(unit_key, True):
            p.issues.append(Issue(S, n, "所属单位代码", _("单位 {p0} 已停用", p0=row['unit_code'])))
        if len(p.issues) != before:
            row["result"] = "error"
            continue
        row["unit_key"], row["active"], row["roles_set"] = unit_key, final_active, wanted_roles
        if match is None:
            row["result"] = "create"
            row["roles_set"] = wanted_roles or set()
            continue
        pid, old_username, name, unit_id, old_phone, email, was_active, _old_roles = match
        row["id"] = pid
        held = _relative(roles.get(pid, set()), unit_id, unit_code_by_id)
        new = {"username": username or old_username, "display_name": row["display_name"],
               "unit": unit_key, "active": final_active,
               "phone": (phone or None) if "phone" in row["present"] else old_phone,
               "email": (row["email"] or None) if "email" in row["present"] else email,
               "roles": wanted_roles if wanted_roles is not None else held}
        was = {"username": old_username, "display_name": name, "unit": unit_code_by_id.get(unit_id),
               "active": bool(was_active), "phone": old_phone, "email": email, "roles": held}
        if new["username"].lower() != old_username.lower() and new["username"].lower() in by_username:
            p.issues.append(Issue(S, n, "用户名", _("用户名 {p0} 已被使用", p0=new['username'])))
            row["result"] = "error"
            continue
        row["new"] = new
        row["changed"] = sorted(k for k in new if new[k] != was[k])
        row["result"] = "update" if row["changed"] else "unchanged"
    # units deactivated by the sheet must not keep active people
    staying: dict[str, int] = {}
    sheet_people = {r["id"]: r for r in rows if r.get("id")}
    for pid, *_cols, unit_id, _phone, _email, active, _roles in stored:
        r = sheet_people.get(pid)
        unit_key = r["unit_key"] if r and r["result"] != "error" else unit_code_by_id.get(unit_id)
        alive = r["active"] if r and r["result"] != "error" else bool(active)
        if alive and unit_key:
            staying[unit_key] = staying.get(unit_key, 0) + 1
    for row in rows:
        if row["result"] == "create" and row["active"]:
            staying[row["unit_key"]] = staying.get(row["unit_key"], 0) + 1
    for row in p.unit_rows:
        key = row.get("code", "").lower()
        if row.get("result") in ("create", "update", "unchanged") and final_active_units.get(key) is False \
                and staying.get(key):
            p.issues.append(Issue(UNIT_SHEET, row["row"], "状态", _("单位下仍有 {n} 名在用人员，请先停用或调出", n=staying[key])))
            row["result"] = "error"
    p.people_rows = rows


# --------------------------------------------------------------------------- the import


def store(*, session: Session, user: User, filename: str, content: bytes, checked: Plan) -> OrgImport:
    """Keep an uploaded workbook (the pages' dry run, then its import by id)."""
    row = OrgImport(created_by=user.id, created_at=clock.now(), filename=filename[:200] or "organisation.xlsx",
                    sha256=checked.digest, content=content, summary=checked.report(dry_run=True, imported=False)["counts"],
                    error_count=len(checked.issues))
    session.add(row)
    session.commit()
    return row


def stored(*, session: Session, user: User, import_id: int) -> OrgImport:
    """A kept upload (its content and what it did), or a 404."""
    _office(user)
    row = org_repo.org_import(session, import_id)
    if row is None:
        raise NotFound(_("上传 {import_id} 不存在", import_id=import_id))
    return row


def run(*, session: Session, user: User, content: bytes, link_ttl: timedelta, filename: str = "",
        import_id: int | None = None) -> dict[str, Any]:
    """Check the workbook again and apply it in one transaction, or (any error) write nothing: a 422 naming each."""
    checked = plan(session=session, user=user, content=content)
    if checked.issues:
        session.rollback()
        report = checked.report(dry_run=False, imported=False)
        raise ValidationFailed([{**e} for e in report["errors"]],
                               detail=_("{p0} 处错误，未导入任何内容", p0=len(report['errors'])))
    changes = [r for r in (*checked.unit_rows, *checked.people_rows) if r["result"] in ("create", "update")]
    if not changes:
        session.rollback()
        return checked.report(dry_run=False, imported=True, import_id=import_id)
    now = clock.now()
    code_to_id = _apply_units(session, checked.unit_rows)
    created, deactivated = _apply_people(session, checked.people_rows, code_to_id, now)
    _send_links(session, created, user, link_ttl, now)
    for person in org_repo.users_by_ids(session, deactivated):
        accounts.deactivate(session, person=person, by=user)
    record = org_repo.org_import(session, import_id) if import_id else None
    if record is None:
        record = OrgImport(created_by=user.id, created_at=now, filename=filename[:200] or "organisation.xlsx",
                           sha256=checked.digest, content=content, summary={}, error_count=0)
        session.add(record)
    report = checked.report(dry_run=False, imported=True)
    record.summary, record.imported_at, record.error_count = report["counts"], now, 0
    session.flush()
    audit.record(session, actor=user, action="import_org", object_type="org_import", object_id=record.id, detail={
        "sha256": checked.digest, "counts": report["counts"],
        "units": {r["key"]: r["result"] for r in checked.unit_rows if r["result"] in ("create", "update")},
        "people": {r["key"]: r["result"] for r in checked.people_rows if r["result"] in ("create", "update")}})
    session.commit()
    report["import_id"] = record.id
    return report


def _apply_units(session: Session, rows: list[dict[str, Any]]) -> dict[str, int]:
    """Insert new units and update changed ones (parents last, once every code has an id)."""
    new = [r for r in rows if r["result"] == "create"]
    if new:
        org_repo.insert_units(session, [{"code": r["code"], "name": r["name"], "name_en": r["name_en"],
                                         "type": r["type_code"], "parent_id": None,
                                         "is_active": r["active"] is not False} for r in new])
    code_to_id = {u[1].lower(): u[0] for u in org_repo.unit_rows(session)}
    changed = [r for r in rows if r["result"] == "update"]
    if changed:
        org_repo.update_units(session, [{"id": r["id"], "code": r["code"], "name": r["name"], "type": r["type_code"]}
                                        for r in changed])
        named = [r for r in changed if "name_en" in r["present"]]
        if named:
            org_repo.update_units(session, [{"id": r["id"], "name_en": r["name_en"]} for r in named])
        statused = [r for r in changed if r["active"] is not None]
        if statused:
            org_repo.update_units(session, [{"id": r["id"], "is_active": r["active"]} for r in statused])
    parented = [r for r in new if r["parent_code"]] + [r for r in changed if "parent_code" in r["changed"]]
    if parented:
        org_repo.update_units(session, [
            {"id": code_to_id[r["code"].lower()],
             "parent_id": code_to_id[r["parent_code"].lower()] if r["parent_code"] else None} for r in parented])
    return code_to_id


@dataclass(frozen=True)
class _NewPerson:
    """What a new person's link and its notification need (``outbox.Reachable``), without loading the row."""

    id: int
    username: str
    display_name: str
    email: str | None
    phone: str | None
    locale: str = "zh-CN"
    is_active: bool = True


def _role_key(held: tuple[str, str | None]) -> tuple[str, str]:
    return held[0], held[1] or ""


def _role_row(user_id: int, role: str, where: str | None, own: str, code_to_id: dict[str, int]) -> dict[str, Any]:
    """A user_roles row: in the person's own unit, or in the unit the sheet named."""
    return {"user_id": user_id, "role": role, "unit_id": code_to_id[where or own]}


def _apply_people(session: Session, rows: list[dict[str, Any]], code_to_id: dict[str, int],
                  now: Any) -> tuple[list[_NewPerson], list[int]]:
    """Insert new people and update changed ones; returns (new ids, ids deactivated now)."""
    new = [r for r in rows if r["result"] == "create"]
    created: list[_NewPerson] = []
    if new:
        values = [{"username": r["username"] or r["phone"], "display_name": r["display_name"],
                   "password_hash": accounts.NO_PASSWORD, "unit_id": code_to_id[r["unit_key"]],
                   "email": r["email"] or None, "phone": r["phone"] or None, "locale": "zh-CN",
                   "is_active": r["active"], "created_at": now} for r in new]
        org_repo.insert_people(session, values)
        id_of = org_repo.user_ids_by_username(session, [v["username"] for v in values])
        ids = [id_of[v["username"]] for v in values]
        created = [_NewPerson(i, v["username"], v["display_name"], v["email"], v["phone"])
                   for i, v in zip(ids, values) if v["is_active"]]
        role_rows = [_role_row(i, role, where, r["unit_key"], code_to_id) for i, r in zip(ids, new)
                     for role, where in sorted(r["roles_set"], key=_role_key)]
        if role_rows:
            org_repo.insert_roles(session, role_rows)
    changed = [r for r in rows if r["result"] == "update"]
    deactivated = [r["id"] for r in changed if "active" in r["changed"] and not r["new"]["active"]]
    if changed:
        org_repo.update_people(session, [
            {"id": r["id"], "username": r["new"]["username"], "display_name": r["new"]["display_name"],
             "unit_id": code_to_id[r["new"]["unit"]], "phone": r["new"]["phone"], "email": r["new"]["email"],
             "is_active": r["new"]["active"]} for r in changed])
        recast = [r for r in changed if "roles" in r["changed"]]
        if recast:
            org_repo.replace_roles(session, [r["id"] for r in recast],
                                   [_role_row(r["id"], role, where, r["new"]["unit"], code_to_id) for r in recast
                                    for role, where in sorted(r["new"]["roles"], key=_role_key)])
    session.expire_all()
    return created, deactivated


def _send_links(session: Session, created: list[_NewPerson], by: User, ttl: timedelta, now: Any) -> None:
    """Every new person's one-time link: one INSERT for the links, one for their notifications."""
    if not created:
        return
    links, rows = [], []
    for person in created:
        if not accounts.link_channels(person):
            continue
        link, notes = accounts.link_rows(user=person, purpose="invite", by=by, ttl=ttl, now=now)
        links.append(link)
        rows += notes
    if links:
        org_repo.insert_links(session, links)
        outbox.insert_many(session, rows)
