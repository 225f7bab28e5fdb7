"""The score export shows the stored calculation's totals, to the cent, on SQLite and PostgreSQL."""
from __future__ import annotations

from decimal import Decimal
from io import BytesIO
from typing import Any

from openpyxl import load_workbook
from sqlalchemy import select

from handlers.scoring import weighted_total
from service.demo.baoding import SCORER_USERNAMES
from service.models import Campaign, User
from tests.api_client import Api
from tests.integration import flows
from tests.web_client import logged_in

CODES = ("innovation", "effectiveness", "promotion", "recognition", "standardization")
# 80×30 + 80×25 + 80×20 + 80.5×15 + 80.5×10 = 8012.5 / 100 = 80.125: stored 80.13, float rounding says 80.12
HALF_CENT = dict(zip(CODES, (80, 80, 80, 80.5, 80.5)))


def sheet(i: int) -> dict[str, Any]:
    return HALF_CENT if i == 0 else {c: 70 + (i * 7 + k * 3) % 30 + (0.5 if (i + k) % 3 == 0 else 0)
                                     for k, c in enumerate(CODES)}


def score(api: Api, app_id: int, limit: int | None = None) -> dict[str, dict[str, Any]]:
    """Scorers with an open task score ``sheet(i)``; returns each scorer's values by username."""
    given = {}
    for i, username in enumerate(SCORER_USERNAMES):
        mine = [t for t in api.tasks(username, application_id=app_id) if t["element_id"] == "democratic_scoring"]
        if not mine or (limit is not None and len(given) >= limit):
            continue
        api.post(f"/api/tasks/{mine[0]['id']}/complete", username, json={"confirm": True, "score": {"criteria": sheet(i)}})
        given[username] = sheet(i)
    return given


def test_score_export_totals_are_the_stored_calculation(app: Any) -> None:
    api = Api(app)
    done = flows.create(api, "hc_submitter")["id"]
    flows.submit(api, done, "hc_submitter", "hc_leader")
    flows.review_to_scoring(api, done)
    given = score(api, done)
    assert api.get(f"/api/applications/{done}", "res_office1")["stage"] == "decision"
    scoring = flows.create(api, "hy_submitter")["id"]
    flows.submit(api, scoring, "hy_submitter", "hy_leader")
    api.complete("jx_vetter", "county_vetting", scoring, {"vetting_decision": "approve"})
    flows.review_to_scoring(api, scoring)
    partly = score(api, scoring, limit=2)  # still in scoring: no calculation stored yet

    calculation = api.get(f"/api/applications/{done}", "res_office1")["calculation"]
    with app.extensions["appraisal.sessions"]() as s:
        names = {u.username: u.display_name for u in s.scalars(select(User))}
        ids = {u.username: u.id for u in s.scalars(select(User))}
        campaign = s.scalars(select(Campaign)).first()
        criteria, campaign_id = campaign.criteria, campaign.id
    stored = {row["scorer"]: Decimal(str(row["total"])) for row in calculation["per_scorer"]}
    office, _ = logged_in(app, "res_office1")
    sheet_rows = list(load_workbook(BytesIO(office.get(f"/office/campaigns/{campaign_id}/scores.xlsx").data))
                      .active.iter_rows(values_only=True))
    header, rows = sheet_rows[1], sheet_rows[2:]  # under the title row
    app_col, scorer_col, total_col = header.index("申报编号"), header.index("评分人"), header.index("加权合计")
    exported = {(r[app_col], r[scorer_col]): Decimal(str(r[total_col])) for r in rows}

    assert len(rows) == len(given) + len(partly)
    for username in given:
        assert exported[(done, names[username])] == stored[ids[username]], username
    assert exported[(done, names[SCORER_USERNAMES[0]])] == Decimal("80.13")
    for username, values in partly.items():
        assert exported[(scoring, names[username])] == weighted_total(criteria, values), username
