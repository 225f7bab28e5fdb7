"""Recusal, score aggregation and the Baoding demo fixture."""
from __future__ import annotations

import ast
import copy
import json
import re
from decimal import Decimal
from pathlib import Path

import pytest

from handlers.registry import HandlerError, get_handler, registered_names
from handlers.scoring import aggregate_scores, record_recusals, select_scorers
from service.demo import baoding
from service.catalogue import locale

# --------------------------------------------------------------------------- recusal fixtures

APPLICANT_UNIT = 10
SUPERVISING_UNION = 2

SCORERS = [
    {"user_id": 101, "unit_id": 1, "name": "甲"},
    {"user_id": 102, "unit_id": APPLICANT_UNIT, "name": "乙"},
    {"user_id": 103, "unit_id": SUPERVISING_UNION, "name": "丙"},
    {"user_id": 104, "unit_id": 3, "name": "丁"},
    {"user_id": 105, "unit_id": 4, "name": "戊"},
]


# --------------------------------------------------------------------------- registry


def test_all_three_are_registered_under_their_names() -> None:
    names = registered_names()
    for name, fn in [
        ("select_scorers", select_scorers),
        ("record_recusals", record_recusals),
        ("aggregate_scores", aggregate_scores),
    ]:
        assert name in names
        registered = get_handler(name)
        assert registered is not None and registered.fn is fn
        assert registered.description  # first docstring line is shown in the editor


def test_handlers_take_keyword_arguments_only() -> None:
    with pytest.raises(TypeError):
        select_scorers(SCORERS, APPLICANT_UNIT, SUPERVISING_UNION)  # type: ignore[misc]


# --------------------------------------------------------------------------- select_scorers


def test_scorers_from_own_unit_and_supervising_union_are_recused() -> None:
    assert select_scorers(scorers=SCORERS, unit_id=APPLICANT_UNIT, supervising_union_id=SUPERVISING_UNION) == [
        101,
        104,
        105,
    ]


def test_without_supervising_union_only_same_unit_is_recused() -> None:
    assert select_scorers(scorers=SCORERS, unit_id=APPLICANT_UNIT, supervising_union_id=None) == [
        101,
        103,
        104,
        105,
    ]


def test_supervising_union_itself_applying_recuses_only_its_own_members() -> None:
    # The county union applies for its own work: it has no supervising union below the federation.
    assert select_scorers(scorers=SCORERS, unit_id=SUPERVISING_UNION, supervising_union_id=None) == [
        101,
        102,
        104,
        105,
    ]


def test_nobody_recused_keeps_given_order() -> None:
    scorers = [SCORERS[4], SCORERS[0], SCORERS[3]]
    assert select_scorers(scorers=scorers, unit_id=99, supervising_union_id=98) == [105, 101, 104]


def test_duplicates_are_removed_keeping_first_position() -> None:
    scorers = [SCORERS[3], SCORERS[0], SCORERS[3], SCORERS[0]]
    assert select_scorers(scorers=scorers, unit_id=99, supervising_union_id=None) == [104, 101]


def test_a_duplicate_row_cannot_sneak_a_conflicted_scorer_in() -> None:
    scorers = [
        {"user_id": 7, "unit_id": 1, "name": "重复"},
        {"user_id": 7, "unit_id": APPLICANT_UNIT, "name": "重复"},
        {"user_id": 8, "unit_id": 1, "name": "其他"},
    ]
    assert select_scorers(scorers=scorers, unit_id=APPLICANT_UNIT, supervising_union_id=None) == [8]


def test_scorer_without_unit_is_never_recused() -> None:
    scorers = [{"user_id": 1, "unit_id": None, "name": "外聘"}]
    assert select_scorers(scorers=scorers, unit_id=APPLICANT_UNIT, supervising_union_id=SUPERVISING_UNION) == [1]


def test_everyone_recused_is_an_error_in_both_languages() -> None:
    scorers = [SCORERS[1], SCORERS[2]]
    with pytest.raises(HandlerError) as excinfo:
        select_scorers(scorers=scorers, unit_id=APPLICANT_UNIT, supervising_union_id=SUPERVISING_UNION)
    assert str(excinfo.value) == "回避后没有可评分的成员"
    with locale("en"):  # the message is a lazy msgid: shown in its reader's language
        assert str(excinfo.value) == "No eligible scorer is left after recusal"


def test_empty_scorer_list_is_an_error() -> None:
    with pytest.raises(HandlerError, match="没有配置评分成员"):
        select_scorers(scorers=[], unit_id=APPLICANT_UNIT, supervising_union_id=None)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"scorers": "101,102", "unit_id": 1, "supervising_union_id": None},
        {"scorers": [42], "unit_id": 1, "supervising_union_id": None},
        {"scorers": [{"user_id": "101", "unit_id": 1, "name": "x"}], "unit_id": 1, "supervising_union_id": None},
        {"scorers": [{"user_id": True, "unit_id": 1, "name": "x"}], "unit_id": 1, "supervising_union_id": None},
        {"scorers": [{"user_id": 1, "unit_id": "1", "name": "x"}], "unit_id": 1, "supervising_union_id": None},
        {"scorers": SCORERS, "unit_id": "10", "supervising_union_id": None},
        {"scorers": SCORERS, "unit_id": None, "supervising_union_id": None},
        {"scorers": SCORERS, "unit_id": 10, "supervising_union_id": "2"},
    ],
)
def test_malformed_input_is_rejected(kwargs: dict) -> None:
    with pytest.raises(HandlerError):
        select_scorers(**kwargs)
    with pytest.raises(HandlerError):
        record_recusals(**kwargs)


# --------------------------------------------------------------------------- record_recusals


def test_recusals_carry_code_name_and_chinese_reason() -> None:
    recusals = record_recusals(scorers=SCORERS, unit_id=APPLICANT_UNIT, supervising_union_id=SUPERVISING_UNION)
    assert [(r["user_id"], r["name"], r["reason_code"]) for r in recusals] == [
        (102, "乙", "same_unit"),
        (103, "丙", "supervising_union"),
    ]
    assert "同一单位" in recusals[0]["reason"]
    assert "主管工会" in recusals[1]["reason"]
    assert all(re.search(r"[\u4e00-\u9fff]", r["reason"]) for r in recusals)
    json.dumps(recusals, ensure_ascii=False)


def test_no_recusals_gives_empty_list() -> None:
    assert record_recusals(scorers=SCORERS, unit_id=99, supervising_union_id=98) == []


def test_recusals_are_listed_once_per_user() -> None:
    scorers = [SCORERS[1], SCORERS[1], SCORERS[2]]
    recusals = record_recusals(scorers=scorers, unit_id=APPLICANT_UNIT, supervising_union_id=SUPERVISING_UNION)
    assert [r["user_id"] for r in recusals] == [102, 103]


def test_same_unit_takes_precedence_over_supervising_union() -> None:
    recusals = record_recusals(scorers=[SCORERS[1]], unit_id=APPLICANT_UNIT, supervising_union_id=APPLICANT_UNIT)
    assert recusals[0]["reason_code"] == "same_unit"


def test_recusal_and_selection_partition_the_scorers() -> None:
    eligible = select_scorers(scorers=SCORERS, unit_id=APPLICANT_UNIT, supervising_union_id=SUPERVISING_UNION)
    recused = [r["user_id"] for r in record_recusals(scorers=SCORERS, unit_id=APPLICANT_UNIT,
                                                     supervising_union_id=SUPERVISING_UNION)]
    assert sorted(eligible + recused) == sorted(s["user_id"] for s in SCORERS)
    assert not set(eligible) & set(recused)


def test_record_recusals_does_not_fail_when_everyone_is_recused() -> None:
    # The record is still wanted when selection fails, to explain why.
    recusals = record_recusals(scorers=[SCORERS[1]], unit_id=APPLICANT_UNIT, supervising_union_id=None)
    assert [r["user_id"] for r in recusals] == [102]


# --------------------------------------------------------------------------- aggregate_scores

CRITERIA = [
    {"code": "innovation", "name": "创新性", "weight": 40, "max": 100},
    {"code": "effectiveness", "name": "实效性", "weight": 30, "max": 100},
    {"code": "promotion", "name": "推广价值", "weight": 20, "max": 10},
    {"code": "standardization", "name": "规范性", "weight": 10, "max": 10},
]
SINGLE = [{"code": "overall", "name": "总体评价", "weight": 100, "max": 100}]


def sheet(scorer: int, **values: float) -> dict:
    return {"scorer": scorer, "criteria": values}


def plain(scorer: int, value: float) -> dict:
    """A sheet against SINGLE, whose total is simply ``value``."""
    return sheet(scorer, overall=value)


def test_weighted_total_is_on_a_0_to_100_scale() -> None:
    result = aggregate_scores(
        scores=[sheet(1, innovation=90, effectiveness=80, promotion=7, standardization=10)],
        criteria=CRITERIA,
    )
    row = result["per_scorer"][0]
    # 0.9*40 + 0.8*30 + 0.7*20 + 1.0*10 = 36 + 24 + 14 + 10
    assert row["totals_by_criterion"] == {"innovation": 36.0, "effectiveness": 24.0, "promotion": 14.0,
                                          "standardization": 10.0}
    assert row["total"] == 84.0
    assert result["final"] == 84.0
    assert result["method"] == "mean"
    assert result["count"] == 1


def test_weights_need_not_sum_to_100() -> None:
    criteria = [
        {"code": "a", "name": "甲", "weight": 3, "max": 10},
        {"code": "b", "name": "乙", "weight": 1, "max": 10},
    ]
    result = aggregate_scores(scores=[sheet(1, a=10, b=0)], criteria=criteria)
    assert result["per_scorer"][0]["totals_by_criterion"] == {"a": 75.0, "b": 0.0}
    assert result["final"] == 75.0


def test_full_and_zero_marks_give_100_and_0() -> None:
    top = sheet(1, innovation=100, effectiveness=100, promotion=10, standardization=10)
    bottom = sheet(2, innovation=0, effectiveness=0, promotion=0, standardization=0)
    result = aggregate_scores(scores=[top, bottom], criteria=CRITERIA)
    assert [r["total"] for r in result["per_scorer"]] == [100.0, 0.0]
    assert result["final"] == 50.0


def test_four_scores_use_the_plain_mean() -> None:
    result = aggregate_scores(scores=[plain(1, 70), plain(2, 80), plain(3, 90), plain(4, 100)], criteria=SINGLE)
    assert result["method"] == "mean"
    assert result["count"] == 4
    assert result["dropped"] == []
    assert result["kept"] == [1, 2, 3, 4]
    assert result["final"] == 85.0


def test_five_scores_drop_one_highest_and_one_lowest() -> None:
    scores = [plain(1, 80), plain(2, 95), plain(3, 70), plain(4, 85), plain(5, 90)]
    result = aggregate_scores(scores=scores, criteria=SINGLE)
    assert result["method"] == "trimmed_mean"
    assert result["count"] == 5
    assert result["dropped"] == [
        {"scorer": 2, "total": 95.0, "why": "highest"},
        {"scorer": 3, "total": 70.0, "why": "lowest"},
    ]
    assert result["kept"] == [1, 4, 5]
    assert result["final"] == 85.0  # (80 + 85 + 90) / 3
    assert len(result["per_scorer"]) == 5  # dropped sheets are still shown


def test_the_same_sheets_give_different_results_at_four_and_five() -> None:
    four = [plain(1, 60), plain(2, 80), plain(3, 80), plain(4, 80)]
    assert aggregate_scores(scores=four, criteria=SINGLE)["final"] == 75.0
    five = four + [plain(5, 80)]
    assert aggregate_scores(scores=five, criteria=SINGLE)["final"] == 80.0


def test_trimming_drops_exactly_one_on_ties() -> None:
    scores = [plain(1, 90), plain(2, 60), plain(3, 90), plain(4, 60), plain(5, 75)]
    result = aggregate_scores(scores=scores, criteria=SINGLE)
    assert result["dropped"] == [
        {"scorer": 1, "total": 90.0, "why": "highest"},
        {"scorer": 2, "total": 60.0, "why": "lowest"},
    ]
    assert result["kept"] == [3, 4, 5]
    assert result["final"] == 75.0


def test_all_equal_totals_still_drop_two_sheets() -> None:
    result = aggregate_scores(scores=[plain(i, 88) for i in range(1, 7)], criteria=SINGLE)
    assert len(result["dropped"]) == 2
    assert len(result["kept"]) == 4
    assert result["final"] == 88.0


def test_final_rounds_half_up_in_decimal() -> None:
    # 84.445 is 84.44499999... as a binary float; Decimal keeps it exact.
    result = aggregate_scores(scores=[plain(1, 84.44), plain(2, 84.45)], criteria=SINGLE)
    assert result["final"] == 84.45


def test_final_rounds_half_up_after_trimming() -> None:
    scores = [plain(1, 84.44), plain(2, 99), plain(3, 84.45), plain(4, 10)]
    scores.append(plain(5, 84.445))  # sheet total itself rounds to 84.45
    result = aggregate_scores(scores=scores, criteria=SINGLE)
    assert result["per_scorer"][4]["total"] == 84.45
    # kept: 84.44, 84.45, 84.45 → 84.4466… → 84.45
    assert result["final"] == 84.45


def test_final_rounds_down_below_the_half() -> None:
    result = aggregate_scores(scores=[plain(1, 84.44), plain(2, 84.44), plain(3, 84.45)], criteria=SINGLE)
    assert result["final"] == 84.44  # 84.4433…


def test_repeating_fractions_are_rounded_per_sheet() -> None:
    criteria = [
        {"code": "a", "name": "甲", "weight": 1, "max": 10},
        {"code": "b", "name": "乙", "weight": 1, "max": 10},
        {"code": "c", "name": "丙", "weight": 1, "max": 10},
    ]
    result = aggregate_scores(scores=[sheet(1, a=10, b=10, c=0)], criteria=criteria)
    row = result["per_scorer"][0]
    assert row["totals_by_criterion"] == {"a": 33.33, "b": 33.33, "c": 0.0}
    assert row["total"] == 66.67  # rounded from the exact sum, not the sum of rounded parts
    assert result["final"] == 66.67


def test_no_float_drift_with_tenths() -> None:
    # 0.1 + 0.2 != 0.3 in binary floats; sheets of 0.1/0.2/0.3 must average to exactly 0.2.
    result = aggregate_scores(scores=[plain(1, 0.1), plain(2, 0.2), plain(3, 0.3)], criteria=SINGLE)
    assert result["final"] == 0.2
    assert Decimal(str(result["final"])) == Decimal("0.2")


def test_per_criterion_mean_uses_raw_values_of_all_sheets() -> None:
    scores = [
        sheet(1, innovation=90, effectiveness=80, promotion=7, standardization=10),
        sheet(2, innovation=85, effectiveness=75, promotion=8, standardization=9),
        sheet(3, innovation=60, effectiveness=70, promotion=5, standardization=8),
        sheet(4, innovation=95, effectiveness=90, promotion=9, standardization=10),
        sheet(5, innovation=70, effectiveness=72, promotion=6, standardization=7),
    ]
    result = aggregate_scores(scores=scores, criteria=CRITERIA)
    assert result["per_criterion_mean"] == {"innovation": 80.0, "effectiveness": 77.4, "promotion": 7.0,
                                            "standardization": 8.8}


def test_full_result_shape_is_json_and_echoes_criteria() -> None:
    scores = [
        {"scorer": 11, "criteria": {"innovation": 88, "effectiveness": 81, "promotion": 8, "standardization": 9},
         "comment": "思路新颖"},
        sheet(12, innovation=77, effectiveness=70, promotion=7, standardization=8),
    ]
    criteria = copy.deepcopy(CRITERIA)
    result = aggregate_scores(scores=scores, criteria=criteria)
    assert set(result) == {"method", "count", "per_scorer", "dropped", "kept", "final", "per_criterion_mean",
                           "criteria"}
    assert result["criteria"] == CRITERIA
    assert criteria == CRITERIA  # input untouched
    assert result["per_scorer"][0]["comment"] == "思路新颖"
    assert "comment" not in result["per_scorer"][1]
    assert {"scorer", "totals_by_criterion", "total"} <= set(result["per_scorer"][1])
    assert json.loads(json.dumps(result, ensure_ascii=False)) == result


def test_worked_example_by_hand() -> None:
    scores = [
        sheet(1, innovation=90, effectiveness=80, promotion=7, standardization=10),  # 36+24+14+10 = 84
        sheet(2, innovation=85, effectiveness=75, promotion=8, standardization=9),  # 34+22.5+16+9 = 81.5
        sheet(3, innovation=60, effectiveness=70, promotion=5, standardization=8),  # 24+21+10+8 = 63
        sheet(4, innovation=95, effectiveness=90, promotion=9, standardization=10),  # 38+27+18+10 = 93
        sheet(5, innovation=70, effectiveness=72, promotion=6, standardization=7),  # 28+21.6+12+7 = 68.6
    ]
    result = aggregate_scores(scores=scores, criteria=CRITERIA)
    assert [r["total"] for r in result["per_scorer"]] == [84.0, 81.5, 63.0, 93.0, 68.6]
    assert [(d["scorer"], d["why"]) for d in result["dropped"]] == [(4, "highest"), (3, "lowest")]
    assert result["kept"] == [1, 2, 5]
    assert result["final"] == 78.03  # (84 + 81.5 + 68.6) / 3 = 78.0333…


def test_string_and_decimal_numbers_are_accepted() -> None:
    result = aggregate_scores(scores=[plain(1, "84.5"), plain(2, Decimal("85.5"))], criteria=SINGLE)
    assert result["final"] == 85.0


@pytest.mark.parametrize("value", [101, 100.01, -1, -0.01])
def test_out_of_range_value_names_scorer_and_criterion(value: float) -> None:
    scores = [sheet(1, innovation=90, effectiveness=80, promotion=7, standardization=10),
              sheet(42, innovation=value, effectiveness=80, promotion=7, standardization=10)]
    with pytest.raises(HandlerError) as excinfo:
        aggregate_scores(scores=scores, criteria=CRITERIA)
    assert "42" in str(excinfo.value) and "innovation" in str(excinfo.value)


def test_value_above_a_10_point_max_is_rejected() -> None:
    with pytest.raises(HandlerError, match="promotion"):
        aggregate_scores(scores=[sheet(7, innovation=90, effectiveness=80, promotion=11, standardization=10)],
                         criteria=CRITERIA)


def test_boundaries_are_allowed() -> None:
    result = aggregate_scores(scores=[sheet(1, innovation=0, effectiveness=100, promotion=10, standardization=0)],
                              criteria=CRITERIA)
    assert result["final"] == 50.0


def test_missing_criterion_names_scorer_and_criterion() -> None:
    with pytest.raises(HandlerError) as excinfo:
        aggregate_scores(scores=[sheet(9, innovation=90, effectiveness=80, promotion=7)], criteria=CRITERIA)
    assert "9" in str(excinfo.value) and "standardization" in str(excinfo.value)
    assert "缺少评分项" in str(excinfo.value)


def test_null_value_counts_as_missing() -> None:
    with pytest.raises(HandlerError, match="缺少评分项 standardization"):
        aggregate_scores(scores=[sheet(9, innovation=90, effectiveness=80, promotion=7, standardization=None)],
                         criteria=CRITERIA)


def test_unknown_criterion_is_rejected() -> None:
    with pytest.raises(HandlerError, match="未定义的评分项 creativity"):
        aggregate_scores(
            scores=[sheet(3, innovation=90, effectiveness=80, promotion=7, standardization=10, creativity=5)],
            criteria=CRITERIA,
        )


def test_zero_scores_is_an_error() -> None:
    with pytest.raises(HandlerError, match="没有评分记录"):
        aggregate_scores(scores=[], criteria=CRITERIA)


def test_a_scorer_may_submit_only_once() -> None:
    with pytest.raises(HandlerError, match="重复提交评分"):
        aggregate_scores(scores=[plain(1, 80), plain(1, 90)], criteria=SINGLE)


@pytest.mark.parametrize("value", [True, "abc", float("nan"), float("inf"), [80], {"v": 1}])
def test_non_numeric_values_are_rejected(value: object) -> None:
    with pytest.raises(HandlerError):
        aggregate_scores(scores=[plain(1, value)], criteria=SINGLE)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "scores",
    [
        "not a list",
        [42],
        [{"scorer": "1", "criteria": {"overall": 80}}],
        [{"scorer": 1, "criteria": [80]}],
        [{"scorer": 1, "criteria": {"overall": 80}, "comment": 5}],
    ],
)
def test_malformed_sheets_are_rejected(scores: object) -> None:
    with pytest.raises(HandlerError):
        aggregate_scores(scores=scores, criteria=SINGLE)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "criteria",
    [
        [],
        None,
        ["innovation"],
        [{"name": "无编码", "weight": 10, "max": 10}],
        [{"code": "a", "name": "甲", "weight": 0, "max": 10}],
        [{"code": "a", "name": "甲", "weight": -5, "max": 10}],
        [{"code": "a", "name": "甲", "weight": 10, "max": 0}],
        [{"code": "a", "name": "甲", "weight": 10}],
        [{"code": "a", "name": "甲", "weight": 10, "max": 10}, {"code": "a", "name": "乙", "weight": 10, "max": 10}],
    ],
)
def test_bad_criteria_are_rejected(criteria: object) -> None:
    with pytest.raises(HandlerError):
        aggregate_scores(scores=[sheet(1, a=5)], criteria=criteria)  # type: ignore[arg-type]


def test_default_demo_criteria_work_end_to_end() -> None:
    values = {c["code"]: c["max"] * 0.8 for c in baoding.DEFAULT_CRITERIA}
    scores = [{"scorer": i, "criteria": values} for i in range(1, 8)]
    result = aggregate_scores(scores=scores, criteria=baoding.DEFAULT_CRITERIA)
    assert result["method"] == "trimmed_mean"
    assert result["final"] == 80.0


# --------------------------------------------------------------------------- Baoding demo fixture

UNITS = {u["code"]: u for u in baoding.ORG_UNITS}
USERS = {u["username"]: u for u in baoding.DEMO_USERS}
UNIT_TYPES = {
    "federation",
    "federation_department",
    "county_union",
    "development_zone_union",
    "industry_union",
    "bureau_union",
    "direct_grassroots_union",
    "enterprise",
}
ALL_ROLES = {
    "unit_submitter",
    "unit_leader",
    "vetter",
    "leading_group",
    "group_leader",
    "office",
    "scorer",
    "chair_office",
    "process_admin",
}
CJK = re.compile(r"[\u4e00-\u9fff]")


def holders(role: str) -> list[dict]:
    return [u for u in baoding.DEMO_USERS if role in u["roles"]]


def test_fixture_module_imports_nothing_but_typing() -> None:
    tree = ast.parse(Path(baoding.__file__).read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            assert all(alias.name == "typing" for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            assert node.module in {"typing", "__future__"}


def test_unit_codes_are_unique_short_ascii() -> None:
    codes = [u["code"] for u in baoding.ORG_UNITS]
    assert len(codes) == len(set(codes))
    for code in codes:
        assert re.fullmatch(r"[A-Z][A-Z0-9-]{0,19}", code), code


def test_units_have_all_fields_and_known_types() -> None:
    for unit in baoding.ORG_UNITS:
        assert set(unit) == {"code", "name", "name_en", "type", "parent_code"}, unit
        assert unit["type"] in UNIT_TYPES, unit
        assert CJK.search(unit["name"]), unit
        assert unit["name_en"].isascii() and unit["name_en"], unit
    assert {u["type"] for u in baoding.ORG_UNITS} == UNIT_TYPES
    assert len({u["name"] for u in baoding.ORG_UNITS}) == len(baoding.ORG_UNITS)


def test_single_root_is_the_federation() -> None:
    roots = [u for u in baoding.ORG_UNITS if u["parent_code"] is None]
    assert len(roots) == 1
    assert roots[0]["type"] == "federation" and roots[0]["name"] == "保定市总工会"


def test_every_parent_exists_and_there_are_no_cycles() -> None:
    for unit in baoding.ORG_UNITS:
        seen = {unit["code"]}
        parent = unit["parent_code"]
        while parent is not None:
            assert parent in UNITS, f"{unit['code']}: unknown parent {parent}"
            assert parent not in seen, f"cycle at {parent}"
            seen.add(parent)
            parent = UNITS[parent]["parent_code"]


def test_non_enterprises_report_directly_to_the_federation() -> None:
    for unit in baoding.ORG_UNITS:
        if unit["type"] not in {"federation", "enterprise"}:
            assert unit["parent_code"] == "BD", unit


def test_enterprises_sit_under_county_industry_or_bureau_unions() -> None:
    enterprises = [u for u in baoding.ORG_UNITS if u["type"] == "enterprise"]
    assert len(enterprises) >= 12
    parent_types = {UNITS[e["parent_code"]]["type"] for e in enterprises}
    assert parent_types == {"county_union", "industry_union", "bureau_union"}
    for enterprise in enterprises:
        assert enterprise["name"].endswith("工会")


def test_real_baoding_districts_counties_and_cities_are_present() -> None:
    county_names = {u["name"] for u in baoding.ORG_UNITS if u["type"] == "county_union"}
    for place in ["竞秀区", "莲池区", "满城区", "清苑区", "徐水区", "涞水县", "阜平县", "定兴县", "唐县", "高阳县",
                  "容城县", "涞源县", "望都县", "安新县", "易县", "曲阳县", "蠡县", "顺平县", "博野县", "雄县",
                  "涿州市", "定州市", "安国市", "高碑店市"]:
        assert f"{place}总工会" in county_names, place
    departments = {u["name"] for u in baoding.ORG_UNITS if u["type"] == "federation_department"}
    for dept in ["办公室", "组织部", "研究室", "权益保障部", "经济技术部", "女职工部", "宣传教育部", "财务部"]:
        assert f"保定市总工会{dept}" in departments, dept
    assert any("高新技术产业开发区" in u["name"] for u in baoding.ORG_UNITS
               if u["type"] == "development_zone_union")


def test_users_are_well_formed() -> None:
    usernames = [u["username"] for u in baoding.DEMO_USERS]
    assert len(usernames) == len(set(usernames))
    for user in baoding.DEMO_USERS:
        assert set(user) == {"username", "display_name", "unit_code", "roles"}, user
        assert re.fullmatch(r"[a-z][a-z0-9_]*", user["username"]), user
        assert CJK.search(user["display_name"]), user
        assert user["unit_code"] in UNITS, user
        assert user["roles"] and set(user["roles"]) <= ALL_ROLES, user


def test_every_role_appears_with_the_expected_counts() -> None:
    assert {r for u in baoding.DEMO_USERS for r in u["roles"]} == ALL_ROLES
    assert set(baoding.ROLES) == ALL_ROLES
    assert len(holders("leading_group")) == 3
    assert len(holders("group_leader")) == 1
    assert len(holders("chair_office")) == 1
    assert len(holders("process_admin")) == 1
    office = holders("office")
    assert len(office) == 2 and {UNITS[u["unit_code"]]["name"] for u in office} == {"保定市总工会研究室"}


def test_unit_leaders_cover_every_kind_of_applicant() -> None:
    leader_units = [UNITS[u["unit_code"]] for u in holders("unit_leader")]
    kinds = {(unit["type"], UNITS[unit["parent_code"]]["type"] if unit["parent_code"] else None)
             for unit in leader_units}
    assert ("county_union", "federation") in kinds
    assert ("enterprise", "county_union") in kinds
    assert ("enterprise", "industry_union") in kinds
    assert ("direct_grassroots_union", "federation") in kinds
    assert ("federation_department", "federation") in kinds
    submitter_units = {u["unit_code"] for u in holders("unit_submitter")}
    assert {u["code"] for u in leader_units} <= submitter_units  # each led unit can also submit


def test_vetters_sit_in_the_supervising_unions_of_the_demo_enterprises() -> None:
    vetter_units = {u["unit_code"] for u in holders("vetter")}
    enterprise_parents = {UNITS[u["unit_code"]]["parent_code"] for u in holders("unit_leader")
                          if UNITS[u["unit_code"]]["type"] == "enterprise"}
    assert enterprise_parents <= vetter_units
    assert {UNITS[c]["type"] for c in vetter_units} == {"county_union", "industry_union"}
    county = next(c for c in vetter_units if UNITS[c]["type"] == "county_union")
    assert any(UNITS[u["unit_code"]]["type"] == "county_union" and u["unit_code"] == county
               for u in holders("unit_leader"))


def test_scorers_match_the_scorer_list() -> None:
    scorers = holders("scorer")
    assert len(scorers) == 9
    assert baoding.SCORER_USERNAMES == [u["username"] for u in scorers]
    assert len({u["unit_code"] for u in scorers}) >= 7  # varied units


def _unit_ids() -> dict[str, int]:
    return {u["code"]: i for i, u in enumerate(baoding.ORG_UNITS, start=1)}


def _demo_scorers(ids: dict[str, int]) -> list[dict]:
    return [{"user_id": i, "unit_id": ids[USERS[name]["unit_code"]], "name": USERS[name]["display_name"]}
            for i, name in enumerate(baoding.SCORER_USERNAMES, start=1)]


@pytest.mark.parametrize(
    ("applicant_type", "parent_type", "expected_code"),
    [
        ("county_union", "federation", "same_unit"),
        ("enterprise", "county_union", "supervising_union"),
        ("direct_grassroots_union", "federation", "same_unit"),
    ],
)
def test_recusal_actually_happens_in_the_demo(applicant_type: str, parent_type: str, expected_code: str) -> None:
    ids = _unit_ids()
    scorer_units = {USERS[n]["unit_code"] for n in baoding.SCORER_USERNAMES}
    applicant = next(
        UNITS[u["unit_code"]] for u in holders("unit_submitter")
        if UNITS[u["unit_code"]]["type"] == applicant_type
        and UNITS[UNITS[u["unit_code"]]["parent_code"]]["type"] == parent_type
        and (u["unit_code"] in scorer_units or UNITS[u["unit_code"]]["parent_code"] in scorer_units)
    )
    parent = UNITS[applicant["parent_code"]]
    supervising = ids[parent["code"]] if parent["type"] != "federation" else None
    scorers = _demo_scorers(ids)
    recusals = record_recusals(scorers=scorers, unit_id=ids[applicant["code"]], supervising_union_id=supervising)
    assert [r["reason_code"] for r in recusals] == [expected_code]
    eligible = select_scorers(scorers=scorers, unit_id=ids[applicant["code"]], supervising_union_id=supervising)
    assert len(eligible) == 8


def test_demo_criteria_and_grades() -> None:
    criteria = baoding.DEFAULT_CRITERIA
    assert 4 <= len(criteria) <= 5
    assert sum(c["weight"] for c in criteria) == 100
    assert all(c["max"] in (10, 100) for c in criteria)
    assert len({c["code"] for c in criteria}) == len(criteria)
    assert all(c["code"].isascii() and CJK.search(c["name"]) for c in criteria)
    assert {"创新性", "实效性", "推广价值"} <= {c["name"] for c in criteria}
    assert baoding.DEFAULT_GRADES == ["一等奖", "二等奖", "三等奖", "不授奖"]
    assert baoding.NO_AWARD_GRADE == "不授奖" and baoding.NO_AWARD_GRADE in baoding.DEFAULT_GRADES
    assert baoding.DEMO_PASSWORD == "demo-pass-2026"


def test_a_score_is_written_by_its_campaigns_rule() -> None:
    """Pages (the ``|score`` filter) write a stored score with the campaign's decimals and rounding, the rule
    the scoring page's running total (app.js) also follows; without rules: 2 decimals, half up."""
    from handlers.scoring import format_score

    assert format_score(84.445) == "84.45" and format_score(90) == "90.00"
    assert format_score(84.45, {"decimals": 1, "rounding": "half_even"}) == "84.4"
    assert format_score(84.55, {"decimals": 1, "rounding": "half_up"}) == "84.6"
    assert format_score(84.5, {"decimals": 0}) == "85"
