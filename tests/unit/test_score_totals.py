"""One definition of a scorer's weighted total: the stored calculation, the export and the sheet agree exactly."""
from __future__ import annotations

from decimal import Decimal
from typing import Any

from hypothesis import given, settings, strategies as st

from handlers.scoring import aggregate_scores, weighted_total
from service.models import Application
from service.workflows.dashboard import scorer_total

WEIGHTS = st.sampled_from([30, 25, 20, 15, 10, 12.5, 1, 3, 0.5])
MAXIMA = st.sampled_from([100, 10, 20, 30, 7, 12.5])


@st.composite
def score_sets(draw: Any) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Criteria, then one complete sheet per scorer: whole, half and tenth points within each maximum."""
    criteria = [{"code": f"c{i}", "name": f"项{i}", "weight": draw(WEIGHTS), "max": draw(MAXIMA)}
                for i in range(draw(st.integers(1, 6)))]
    sheets = []
    for scorer in range(1, draw(st.integers(1, 12)) + 1):
        values = {c["code"]: draw(st.integers(0, int(c["max"] * 10)).map(lambda tenths: tenths / 10)
                                  .filter(lambda v, m=c["max"]: v <= m)) for c in criteria}
        sheets.append({"scorer": scorer, "criteria": values})
    return criteria, sheets


@settings(max_examples=300, deadline=None)
@given(score_sets())
def test_export_totals_equal_the_stored_calculation(case: tuple[list[dict[str, Any]], list[dict[str, Any]]]) -> None:
    criteria, sheets = case
    calculation = aggregate_scores(scores=sheets, criteria=criteria)  # what the process stores
    stored = {row["scorer"]: Decimal(str(row["total"])) for row in calculation["per_scorer"]}
    aggregated = Application(calculation=calculation)
    in_scoring = Application(calculation=None)  # before aggregation the export computes by the same rule
    for sheet in sheets:
        scorer, values = sheet["scorer"], sheet["criteria"]
        assert weighted_total(criteria, values) == stored[scorer]
        assert scorer_total(aggregated, scorer, values, criteria) == stored[scorer]
        assert scorer_total(in_scoring, scorer, values, criteria) == stored[scorer]


def test_the_sheet_that_float_rounding_got_wrong() -> None:
    criteria = [{"code": c, "max": 100, "weight": w} for c, w in zip("abcde", (30, 25, 20, 15, 10))]
    values = {"a": 80, "b": 80, "c": 80, "d": 80.5, "e": 80.5}  # 80.125 exactly: 80.13, not float's 80.12
    assert weighted_total(criteria, values) == Decimal("80.13")
    assert weighted_total([{"code": "a", "max": 100, "weight": 1}], {"a": 84.445}) == Decimal("84.45")
