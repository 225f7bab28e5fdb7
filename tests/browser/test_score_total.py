"""The scoring sheet's running total rounds exactly as the stored calculation does."""
from __future__ import annotations

import random
from decimal import Decimal
from typing import Any

import pytest

from handlers.scoring import weighted_total

pytestmark = [pytest.mark.browser]


def sheets(count: int, seed: int = 2026) -> list[tuple[list[dict[str, Any]], dict[str, Any]]]:
    """Criteria and complete score sheets: integer and half-point values, decimal weights, odd maxima."""
    rng = random.Random(seed)
    out = []
    for _ in range(count):
        criteria = [{"code": f"c{i}", "max": rng.choice([100, 100, 10, 20, 30, 7]),
                     "weight": rng.choice([30, 25, 20, 15, 10, 12.5, 1, 3])} for i in range(rng.randint(1, 6))]
        values = {c["code"]: rng.choice([rng.randint(0, c["max"]), rng.randint(0, 2 * c["max"]) / 2])
                  for c in criteria}
        out.append((criteria, values))
    # the sheet the issue found (80.13 stored, 80.12 by float rounding) and exact ties at half a cent
    five = [{"code": c, "max": 100, "weight": w} for c, w in zip("abcde", (30, 25, 20, 15, 10))]
    out.append((five, {"a": 80, "b": 80, "c": 80, "d": 80.5, "e": 80.5}))
    out.append(([{"code": "a", "max": 100, "weight": 1}], {"a": 84.445}))
    return out


def test_running_total_equals_the_stored_rule(person: Any) -> None:
    page = person("scorer_org").go("/scoring")
    cases = sheets(600)
    rows = [[{"value": str(v[c["code"]]), "max": str(c["max"]), "weight": str(c["weight"])} for c in criteria]
            for criteria, v in cases]
    shown = page.evaluate("rows => rows.map(r => window.appraisalScoring.weightedTotal(r))", rows)
    expected = [f"{weighted_total(criteria, values):.2f}" for criteria, values in cases]
    mismatches = [(cases[i], shown[i], expected[i]) for i in range(len(cases)) if shown[i] != expected[i]]
    assert not mismatches, mismatches[:5]
    assert expected[-2:] == ["80.13", "84.45"] and Decimal(shown[-1]) == Decimal("84.45")
