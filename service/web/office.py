"""The office's campaign dashboard and the Excel exports."""
from __future__ import annotations

from io import BytesIO
from typing import Any

from flask import render_template
from openpyxl import Workbook
from openpyxl.styles import Font
from werkzeug.wrappers import Response

from service import clock
from service.schemas import applications as application_schema
from service.workflows import campaigns, dashboard
from service.workflows.filenames import download_headers
from service.web.blueprint import bp
from service.web.i18n import STATUSES, label, t
from service.web.security import db, login_required, user

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@bp.get("/office/campaigns/<int:campaign_id>")
@login_required
def campaign_dashboard(campaign_id: int) -> str:
    data = dashboard.campaign_dashboard(session=db(), user=user(), campaign_id=campaign_id)
    return render_template("dashboard.html", **data)


@bp.get("/office")
@login_required
def office_home() -> Any:
    from flask import redirect, url_for

    listed = campaigns.list_campaigns(db())
    if not listed:
        return render_template("error.html", status=404, detail=t("not_found")), 404
    return redirect(url_for("web.campaign_dashboard", campaign_id=listed[0].id))


def _xlsx(workbook: Workbook, filename: str) -> Response:
    buffer = BytesIO()
    workbook.save(buffer)
    return Response(buffer.getvalue(), mimetype=XLSX, headers=download_headers(filename))


def _safe(value: Any) -> Any:
    """Cell text that a spreadsheet will not run as a formula."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return value


@bp.get("/office/campaigns/<int:campaign_id>/scores.xlsx")
@login_required
def export_scores(campaign_id: int) -> Response:
    sheet = dashboard.score_sheet(session=db(), user=user(), campaign_id=campaign_id)
    criteria = sheet["campaign"].criteria
    wb = Workbook()
    ws = wb.active
    ws.title = "评分表"
    header = ["申报编号", "申报单位", "申报主题", "评分人"] + [f"{c['name']}（满分{c['max']}，权重{c['weight']}）" for c in criteria] \
        + ["加权合计", "评语", "提交时间"]
    ws.append(header)
    for row in sheet["rows"]:
        values = [row["criteria"].get(c["code"]) for c in criteria]
        total = row["total"]  # the stored calculation's (handlers.scoring.weighted_total), never recomputed here
        a = row["application"]
        ws.append([a.id, _safe(a.unit.name), _safe(a.theme), _safe(row["scorer"]), *values,
                   float(total) if total is not None else None,
                   _safe(row["comment"]), clock.local(row["completed_at"]).strftime("%Y-%m-%d %H:%M")
                   if row["completed_at"] else ""])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    return _xlsx(wb, f"{sheet['campaign'].name}-评分表.xlsx")


@bp.get("/office/campaigns/<int:campaign_id>/results.xlsx")
@login_required
def export_results(campaign_id: int) -> Response:
    campaign = campaigns.get_campaign(db(), campaign_id)
    ranking = campaigns.results(session=db(), user=user(), campaign_id=campaign_id)
    wb = Workbook()
    ws = wb.active
    ws.title = "评比结果"
    ws.append(["排名", "申报编号", "申报单位", "申报主题", "状态", "最终得分", "计算方法", "有效评分数", "去掉的分数", "等次"])
    for rank, row in enumerate(ranking, start=1):
        calc = row.get("calculation") or {}
        dropped = "、".join(str(d.get("total")) for d in calc.get("dropped", []))
        score = row.get("final_score")  # absent where the viewer may not see it (service.auth.visibility)
        ws.append([rank if score is not None else "", row["application_id"], _safe(row["unit_name"]),
                   _safe(row["theme"]), row["status"], score, calc.get("method", ""),
                   len(calc.get("kept", [])) or None, dropped, row.get("grade") or ""])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    return _xlsx(wb, f"{campaign.name}-评比结果.xlsx")


@bp.get("/office/campaigns/<int:campaign_id>/applications.xlsx")
@login_required
def export_applications(campaign_id: int) -> Response:
    """Every application's fields, one column per field of the application's one definition (service/schemas)."""
    sheet = dashboard.application_sheet(session=db(), user=user(), campaign_id=campaign_id)
    fields = application_schema.columns()
    wb = Workbook()
    ws = wb.active
    ws.title = "申报汇总"
    ws.append(["申报编号", "申报单位", "状态", *(title for _, title in fields)])
    for a in sheet["rows"]:
        ws.append([a.id, _safe(a.unit.name if a.unit else ""), label(STATUSES, a.status) if a.status else "",
                   *(_safe(application_schema.cell(name, getattr(a, name))) for name, _ in fields)])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    return _xlsx(wb, f"{sheet['campaign'].name}-申报汇总.xlsx")
