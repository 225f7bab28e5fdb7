"""The office's campaign dashboard and the Excel exports."""
from __future__ import annotations

from io import BytesIO
from typing import Any

from flask import current_app, render_template
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from werkzeug.wrappers import Response

from service import clock
from service.schemas import applications as application_schema
from service.auth import policies
from service.workflows import campaign_setup, campaigns, dashboard, readiness
from service.workflows.filenames import download_headers
from service.catalogue import _, name_of, translated
from service.web.blueprint import bp

from service.web.security import db, login_required, user

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@bp.get("/office/campaigns/<int:campaign_id>")
@login_required
def campaign_dashboard(campaign_id: int) -> str:
    data = dashboard.campaign_dashboard(session=db(), user=user(), campaign_id=campaign_id)
    if policies.can_manage_campaigns(user()):  # the office sees the readiness check and opens the window here too
        data["readiness"] = readiness.check_readiness(session=db(), services=current_app.extensions[
            "appraisal.services"], campaign=data["campaign"])
    return render_template("dashboard.html", **data)


@bp.get("/office")
@login_required
def office_home() -> Any:
    from flask import redirect, url_for

    listed = campaigns.list_campaigns(db(), user())
    if not listed:
        return render_template("error.html", status=404, detail=_("未找到")), 404
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


def _width(value: Any) -> int:
    """Display width of a cell's text: a CJK character is two columns wide."""
    text = f"{value:.2f}" if isinstance(value, float) else str(value if value is not None else "")
    return sum(2 if ord(c) > 0x2E7F else 1 for c in max(text.splitlines() or [""], key=len))


def _sheet(ws: Any, title: str, header: list[str], rows: list[list[Any]], *, scores: tuple[str, ...] = (),
           decimals: int = 2, widest: int = 60) -> None:
    """A sheet people print: the title over the table, a frozen bold header, columns as wide as their
    text (within ``widest``), scores shown with the campaign's decimals (its rounding rule's)."""
    ws.append([_safe(title)])
    ws.append(header)
    for row in rows:
        ws.append(row)
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(header))
    ws["A1"].font = Font(bold=True, size=14)
    ws["A1"].alignment = Alignment(horizontal="center", vertical="center")
    ws.row_dimensions[1].height = 28
    for cell in ws[2]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="E8EEF4")
        cell.alignment = Alignment(vertical="center", wrap_text=True)
    ws.freeze_panes = "A3"  # the title and the header stay in view
    ws.auto_filter.ref = f"A2:{get_column_letter(len(header))}{max(len(rows) + 2, 2)}"
    for i, name in enumerate(header, start=1):
        letter = get_column_letter(i)
        if name in scores:
            for (cell,) in ws.iter_rows(min_row=3, min_col=i, max_col=i):
                cell.number_format = "0." + "0" * decimals if decimals else "0"
        widths = [_width(name)] + [_width(row[i - 1]) for row in rows]
        ws.column_dimensions[letter].width = min(max(max(widths) + 2, 8), widest)
    ws.print_title_rows = "1:2"


@bp.get("/office/campaigns/<int:campaign_id>/scores.xlsx")
@login_required
def export_scores(campaign_id: int) -> Response:
    """评分表: every submitted sheet of the entered applications, with the stored weighted totals (in the
    viewer's language, Chinese by default, like every export)."""
    sheet = dashboard.score_sheet(session=db(), user=user(), campaign_id=campaign_id)
    criteria = sheet["campaign"].criteria
    total_header = _("加权合计")
    header = [_("申报编号"), _("申报单位"), _("申报主题"), _("状态"), _("评分人")] \
        + [_("{name}（满分{max}，权重{weight}）", name=c["name"], max=c["max"], weight=c["weight"]) for c in criteria] \
        + [total_header, _("评语"), _("提交时间")]
    rows = []
    for row in sheet["rows"]:
        values = [row["criteria"].get(c["code"]) for c in criteria]
        total = row["total"]  # the stored calculation's (handlers.scoring.weighted_total), never recomputed here
        a = row["application"]
        rows.append([a.id, _safe(a.unit.name), _safe(a.theme), name_of("status", a.status), _safe(row["scorer"]), *values,
                     float(total) if total is not None else None, _safe(row["comment"]),
                     clock.local(row["completed_at"]).strftime("%Y-%m-%d %H:%M") if row["completed_at"] else ""])
    wb = Workbook()
    _sheet(wb.active, _("{campaign}评分表", campaign=sheet["campaign"].name), header, rows, scores=(total_header,),
           decimals=_decimals(sheet["campaign"]))
    wb.active.title = _("评分表")
    return _xlsx(wb, _("{campaign}-评分表.xlsx", campaign=sheet["campaign"].name))


@bp.get("/office/campaigns/<int:campaign_id>/results.xlsx")
@login_required
def export_results(campaign_id: int) -> Response:
    """评比结果: the entered applications ranked by their stored final score (equal scores, equal rank: 并列)."""
    campaign = campaigns.visible_campaign(db(), user(), campaign_id)
    ranking = campaigns.results(session=db(), user=user(), campaign_id=campaign_id)
    score_header = _("最终得分")
    header = [_("排名"), _("申报编号"), _("申报单位"), _("申报主题"), _("状态"), score_header, _("计算方法"),
              _("有效评分数"), _("去掉的分数"), _("等次")]
    rows, rank, previous = [], 0, None
    for position, row in enumerate(ranking, start=1):
        calc = row.get("calculation") or {}
        dropped = "、".join(f"{float(d['total']):.2f}" for d in calc.get("dropped", []) if d.get("total") is not None)
        score = row.get("final_score")  # absent where the viewer may not see it (service.auth.visibility)
        if score is not None and score != previous:
            rank, previous = position, score
        method = calc.get("method")
        rows.append([rank if score is not None else "", row["application_id"], _safe(row["unit_name"]),
                     _safe(row["theme"]), name_of("status", row.get("status")), score,
                     name_of("method", method),
                     len(calc.get("kept", [])) or None, dropped, row.get("grade") or ""])
    wb = Workbook()
    _sheet(wb.active, _("{campaign}评比结果", campaign=campaign.name), header, rows, scores=(score_header,),
           decimals=_decimals(campaign))
    wb.active.title = _("评比结果")
    return _xlsx(wb, _("{campaign}-评比结果.xlsx", campaign=campaign.name))


@bp.get("/office/campaigns/<int:campaign_id>/applications.xlsx")
@login_required
def export_applications(campaign_id: int) -> Response:
    """Every application's fields, one column per field of the application's one definition (service/schemas)."""
    sheet = dashboard.application_sheet(session=db(), user=user(), campaign_id=campaign_id)
    fields = application_schema.columns()
    wb = Workbook()
    ws = wb.active
    ws.title = _("申报汇总")
    ws.append([_("申报编号"), _("申报单位"), _("状态"), *(translated(title) for _name, title in fields)])
    for a in sheet["rows"]:
        ws.append([a.id, _safe(a.unit.name if a.unit else ""), name_of("status", a.status),
                   *(_safe(application_schema.cell(name, getattr(a, name))) for name, _title in fields)])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    return _xlsx(wb, _("{campaign}-申报汇总.xlsx", campaign=sheet["campaign"].name))


def _decimals(campaign: Any) -> int:
    """How many decimals the campaign's scores have: its rounding rule's (handlers.scoring.check_rules)."""
    return int(campaign_setup.scoring_rules(campaign)["decimals"])
