"""org_import_1000_units_s: importing an organisation workbook of 1,000 units and 3,000 people (target ≤ 5 s).

The workbook is built once (50 county/industry unions, 950 enterprises under them, three people per
unit, each with an e-mail, so every one is sent a one-time password link); the figure is the real
import (``org_workbook.run``: read the .xlsx, check every row, write units, people, roles, links and
notifications in one transaction) on PostgreSQL, median of a few runs, each into a fresh database.
``org_import_dry_run_1000_units_s`` is the dry run of the same workbook; ``org_reimport_1000_units_s``
the second import of the same workbook (every row unchanged, nothing written).
"""
from __future__ import annotations

import statistics
import time
from io import BytesIO
from typing import Any

from openpyxl import Workbook
from sqlalchemy import select

from bench import common
from service import create_app
from service.models import User


def build_workbook(units: int, people_per_unit: int) -> bytes:
    wb = Workbook(write_only=True)
    sheet = wb.create_sheet("单位")
    sheet.append(["单位代码", "单位名称", "单位类型", "上级单位代码", "英文名称", "状态"])
    unions = max(units // 20, 1)
    codes = []
    for i in range(units):
        if i < unions:
            code, kind, parent = f"U{i:04d}", "产业工会" if i % 2 else "县（市、区）总工会", "BD"
        else:
            code, kind, parent = f"E{i:05d}", "企业工会", f"U{i % unions:04d}"
        codes.append(code)
        sheet.append([code, f"基准测试单位{i:05d}工会", kind, parent, "", "启用"])
    people = wb.create_sheet("人员")
    people.append(["用户名", "姓名", "手机号", "电子邮箱", "所属单位代码", "角色", "状态"])
    roles = ("单位填报人", "单位主要领导", "单位填报人")
    n = 0
    for code in codes:
        for k in range(people_per_unit):
            n += 1
            role = "主管工会" if code.startswith("U") and k == 0 else roles[k % 3]
            people.append([f"bench{n:05d}", f"测试{n:05d}", f"139{n:08d}", f"bench{n:05d}@example.com", code, role,
                           "启用"])
    buffer = BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _office(session: Any) -> User:
    return session.scalar(select(User).where(User.username == "res_office1"))


def org_import(quick: bool) -> dict[str, Any]:
    from service.workflows import org_workbook
    from service.workflows.demo import load_demo

    units, per_unit, runs = (40, 3, 1) if quick else (1000, 3, 3)
    content = build_workbook(units, per_unit)
    real, dry, again = [], [], []
    for run in range(runs):
        with common.scratch_database("postgresql", f"orgimport{run}") as url:
            common.set_bench_clock()
            common.migrate(common.settings(url))
            app = create_app(common.settings(url))
            try:
                with app.extensions["appraisal.sessions"]() as session:
                    load_demo(session, app.extensions["appraisal.services"])
                ttl = app.extensions["appraisal.settings"].password_link_ttl
                with app.extensions["appraisal.sessions"]() as session:
                    t0 = time.perf_counter()
                    plan = org_workbook.plan(session=session, user=_office(session), content=content)
                    dry.append(time.perf_counter() - t0)
                    assert not plan.issues, plan.issues[:3]
                    session.rollback()
                with app.extensions["appraisal.sessions"]() as session:
                    t0 = time.perf_counter()
                    report = org_workbook.run(session=session, user=_office(session), content=content, link_ttl=ttl)
                    real.append(time.perf_counter() - t0)
                    assert report["counts"]["单位"] == {"create": units}, report["counts"]
                with app.extensions["appraisal.sessions"]() as session:
                    t0 = time.perf_counter()
                    report = org_workbook.run(session=session, user=_office(session), content=content, link_ttl=ttl)
                    again.append(time.perf_counter() - t0)
                    assert report["counts"]["单位"] == {"unchanged": units}, report["counts"]
            finally:
                app.extensions["appraisal.db_engine"].dispose()
    return {"org_import_1000_units_s": round(statistics.median(real), 2),  # --quick: 40 units, same names
            "org_import_dry_run_1000_units_s": round(statistics.median(dry), 2),
            "org_reimport_1000_units_s": round(statistics.median(again), 2)}
