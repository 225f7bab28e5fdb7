"""Scorer recusal and score aggregation for the 民主测评 (scoring) step.

The appraisal rules say the leading-group members score each presented project
("由评比活动小组成员对讲述的创新项目打分"). Two things have to be fair and
auditable there:

* a scorer must not score a project from their own unit, nor from a unit their
  own union supervises (it vetted and forwarded that application), and
* the final score must be reproducible by hand from what is stored, so the
  whole calculation is returned, not just the number.

All arithmetic is done in :class:`~decimal.Decimal` so that, for example, a
mean of exactly 84.445 rounds to 84.45 (binary floats would give 84.44).
"""
from __future__ import annotations

import math
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from handlers.registry import HandlerError, handler
from service.catalogue import _, _l, name_of
from service.catalogue.codes import RECUSAL

TRIM_THRESHOLD = 5
"""With at least this many scores, the single highest and lowest totals are dropped (the default rule)."""

ROUNDINGS = {"half_up": (ROUND_HALF_UP,), "half_even": (ROUND_HALF_EVEN,)}  # named in service.catalogue.codes
DEFAULT_RULES: dict[str, Any] = {"trim_min_count": TRIM_THRESHOLD, "trim_each_side": 1, "decimals": 2,
                                 "rounding": "half_up"}
"""The aggregation's rules as the seed describes them; a campaign may set others (``scoring_rules``)."""


def check_rules(rules: Any) -> dict[str, Any]:
    """The scoring rules, defaults filled in; raises HandlerError naming a bad one.

    ``trim_min_count``: with at least this many score sheets, ``trim_each_side`` highest and as many
    lowest totals are dropped before the mean (0 each side: never trimmed); ``decimals`` and
    ``rounding`` (``half_up`` 四舍五入 or ``half_even``) apply to each scorer's total and the final score.
    """
    if rules is None:
        return dict(DEFAULT_RULES)
    if not isinstance(rules, dict):
        raise HandlerError(_l("评分规则必须是对象"))
    unknown = sorted(set(rules) - set(DEFAULT_RULES))
    if unknown:
        raise HandlerError(_l("未知的评分规则 {names}", names=", ".join(map(str, unknown))))
    merged = {**DEFAULT_RULES, **rules}
    for key, low, high in (("trim_min_count", 1, 1000), ("trim_each_side", 0, 10), ("decimals", 0, 4)):
        if not _is_int(merged[key]) or not low <= merged[key] <= high:
            raise HandlerError(_l("评分规则 {key} 须为 {low}–{high} 的整数", key=key, low=low, high=high))
    if merged["trim_each_side"] and merged["trim_min_count"] <= 2 * merged["trim_each_side"]:
        raise HandlerError(_l("去掉最高、最低分后须至少留下一份评分"))
    if merged["rounding"] not in ROUNDINGS:
        raise HandlerError(_l("评分规则 rounding 须为 {names}", names=", ".join(ROUNDINGS)))
    return merged


def describe_rules(rules: Any) -> str:
    """The rules in words in the current locale (service.catalogue): what the scoring page shows before
    anyone scores."""
    r = check_rules(rules)
    rounding = name_of("rounding", r["rounding"])
    if r["trim_each_side"]:
        trim = _("评分满{count}份时，去掉{k}个最高分和{k}个最低分后取平均分", count=r["trim_min_count"], k=r["trim_each_side"])
    else:
        trim = _("取全部评分的平均分，不去掉最高分和最低分")
    return _("每位评分成员的得分 = Σ(分项得分 ÷ 满分 × 权重) × 100 ÷ 权重之和，{rounding}保留{decimals}位小数；"
             "{trim}，最终得分{rounding}保留{decimals}位小数。", rounding=rounding, decimals=r["decimals"], trim=trim)

_CENT = Decimal("0.01")
_HUNDRED = Decimal(100)

REASON_SAME_UNIT = "same_unit"
REASON_SUPERVISING_UNION = "supervising_union"
_REASON_TEXT = RECUSAL
"""The reason kept with a recusal (its msgid; pages show ``reason_code`` by name in the reader's language)."""


# --------------------------------------------------------------------------- helpers


def _is_int(value: Any) -> bool:
    """True for real integers; bool is excluded because True == 1 hides mistakes."""
    return isinstance(value, int) and not isinstance(value, bool)


def _require_int(value: Any, what: str) -> int:
    if not _is_int(value):
        raise HandlerError(_l("{what} 必须是整数（收到 {value}）", what=what, value=repr(value)))
    return value


def _to_decimal(value: Any, what: str) -> Decimal:
    """Turn a JSON number into a Decimal via its text form, so 0.1 stays 0.1."""
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal, str)):
        raise HandlerError(_l("{what} 必须是数字（收到 {value}）", what=what, value=repr(value)))
    if isinstance(value, float) and not math.isfinite(value):
        raise HandlerError(_l("{what} 必须是有限数字（收到 {value}）", what=what, value=repr(value)))
    try:
        result = Decimal(str(value).strip()) if not isinstance(value, Decimal) else value
    except InvalidOperation:
        raise HandlerError(_l("{what} 必须是数字（收到 {value}）", what=what, value=repr(value))) from None
    if not result.is_finite():
        raise HandlerError(_l("{what} 必须是有限数字（收到 {value}）", what=what, value=repr(value)))
    return result


def _round2(value: Decimal) -> Decimal:
    """Commercial rounding (四舍五入) to 2 decimals, as used on score sheets."""
    return value.quantize(_CENT, rounding=ROUND_HALF_UP)


def _rounder(rules: dict[str, Any]) -> Any:
    """The campaign's rounding of a total (its decimals and mode)."""
    step = Decimal(1).scaleb(-rules["decimals"])
    mode = ROUNDINGS[rules["rounding"]][0]
    return lambda value: value.quantize(step, rounding=mode)


def format_score(value: Any, rules: dict[str, Any] | None = None) -> str:
    """A score as the campaign's rule writes it (its decimals, its rounding): pages show stored scores with
    this, as the scoring page's running total does (app.js reads the same rule from ``data-decimals`` and
    ``data-rounding``)."""
    return str(_rounder(check_rules(rules))(_to_decimal(value, "score")))


def _num(value: Decimal) -> float:
    """JSON-friendly number; callers round first so the float prints exactly."""
    return float(value)


# --------------------------------------------------------------------------- recusal


def _check_applicant(unit_id: Any, supervising_union_id: Any) -> None:
    _require_int(unit_id, "unit_id")
    if supervising_union_id is not None:
        _require_int(supervising_union_id, "supervising_union_id")


def recusal_reason(scorer_unit: Any, unit_id: int, supervising_union_id: int | None) -> str | None:
    """Why a scorer from ``scorer_unit`` must step aside, or None if they may score."""
    if scorer_unit is None:
        return None
    if scorer_unit == unit_id:
        return REASON_SAME_UNIT
    if supervising_union_id is not None and scorer_unit == supervising_union_id:
        return REASON_SUPERVISING_UNION
    return None


def _classify(
    scorers: Any, unit_id: Any, supervising_union_id: Any
) -> tuple[list[int], dict[int, tuple[str, str]]]:
    """Split scorers into eligible ids and recused ids (with name and reason code).

    A user listed more than once counts once; if any of their entries is recused
    they are recused, so a duplicated row can never slip a conflicted scorer in.
    """
    _check_applicant(unit_id, supervising_union_id)
    if not isinstance(scorers, list):
        raise HandlerError(_l("scorers 必须是列表"))
    order: list[int] = []
    recused: dict[int, tuple[str, str]] = {}
    for index, scorer in enumerate(scorers):
        if not isinstance(scorer, dict):
            raise HandlerError(_l("第 {n} 个评分成员格式错误", n=index + 1))
        user_id = _require_int(scorer.get("user_id"), f"scorers[{index}].user_id")
        scorer_unit = scorer.get("unit_id")
        if scorer_unit is not None:
            _require_int(scorer_unit, f"scorers[{index}].unit_id")
        if user_id not in order:
            order.append(user_id)
        reason = recusal_reason(scorer_unit, unit_id, supervising_union_id)
        if reason is not None and user_id not in recused:
            recused[user_id] = (str(scorer.get("name") or ""), reason)
    eligible = [user_id for user_id in order if user_id not in recused]
    return eligible, recused


@handler("select_scorers")
def select_scorers(
    *, scorers: list[dict], unit_id: int, supervising_union_id: int | None = None
) -> list[int]:
    """Scorers allowed to score an application, after recusal, in the given order."""
    if isinstance(scorers, list) and not scorers:
        raise HandlerError(_l("没有配置评分成员"))
    eligible, _ = _classify(scorers, unit_id, supervising_union_id)
    if not eligible:
        raise HandlerError(_l("回避后没有可评分的成员"))
    return eligible


@handler("record_recusals")
def record_recusals(
    *, scorers: list[dict], unit_id: int, supervising_union_id: int | None = None
) -> list[dict]:
    """Who stepped aside and why, so the record shows recusal was applied."""
    _, recused = _classify(scorers, unit_id, supervising_union_id)
    return [
        {"user_id": user_id, "name": name, "reason_code": code, "reason": _REASON_TEXT[code]}
        for user_id, (name, code) in recused.items()
    ]


# --------------------------------------------------------------------------- aggregation


def _check_criteria(criteria: Any) -> list[tuple[str, Decimal, Decimal]]:
    """Validate the criteria; returns (code, weight, max) in the given order."""
    if not isinstance(criteria, list) or not criteria:
        raise HandlerError(_l("评分标准不能为空"))
    parsed: list[tuple[str, Decimal, Decimal]] = []
    seen: set[str] = set()
    for index, criterion in enumerate(criteria):
        if not isinstance(criterion, dict):
            raise HandlerError(_l("第 {n} 项评分标准格式错误", n=index + 1))
        code = criterion.get("code")
        if not isinstance(code, str) or not code:
            raise HandlerError(_l("第 {n} 项评分标准缺少编码", n=index + 1))
        if code in seen:
            raise HandlerError(_l("评分标准编码重复：{code}", code=code))
        seen.add(code)
        weight = _to_decimal(criterion.get("weight"), f"criterion {code} weight")
        maximum = _to_decimal(criterion.get("max"), f"criterion {code} max")
        if weight <= 0:
            raise HandlerError(_l("评分标准 {code} 的权重必须大于 0", code=code))
        if maximum <= 0:
            raise HandlerError(_l("评分标准 {code} 的满分必须大于 0", code=code))
        parsed.append((code, weight, maximum))
    return parsed


def _scorer_row(
    score: Any, index: int, criteria: list[tuple[str, Decimal, Decimal]], weight_sum: Decimal,
    round_total: Any = _round2,
) -> tuple[int, dict[str, Decimal], dict[str, Decimal], Decimal, Any]:
    """One score sheet: (scorer, raw values, contributions, rounded total, comment)."""
    if not isinstance(score, dict):
        raise HandlerError(_l("第 {n} 份评分格式错误", n=index + 1))
    scorer = _require_int(score.get("scorer"), f"scores[{index}].scorer")
    values = score.get("criteria")
    if not isinstance(values, dict):
        raise HandlerError(_l("评分成员 {scorer} 的评分缺少各项分数", scorer=scorer))
    known = {code for code, _, _ in criteria}
    unknown = sorted(set(values) - known)
    if unknown:
        raise HandlerError(_l("评分成员 {scorer} 提交了未定义的评分项 {codes}", scorer=scorer,
                                  codes=", ".join(map(str, unknown))))
    raw: dict[str, Decimal] = {}
    for code, _, maximum in criteria:
        if code not in values or values[code] is None:
            raise HandlerError(_l("评分成员 {scorer} 缺少评分项 {code}", scorer=scorer, code=code))
        value = _to_decimal(values[code], f"scorer {scorer} criterion {code}")
        if value < 0 or value > maximum:
            raise HandlerError(_l("评分成员 {scorer} 的评分项 {code} 分数 {value} 超出范围 0–{maximum}", scorer=scorer,
                                      code=code, value=str(value), maximum=str(maximum)))
        raw[code] = value
    contributions = _contributions(raw, criteria, weight_sum)
    total = round_total(sum(contributions.values(), Decimal(0)))
    comment = score.get("comment")
    if comment is not None and not isinstance(comment, str):
        raise HandlerError(_l("评分成员 {scorer} 的评语必须是文本", scorer=scorer))
    return scorer, raw, contributions, total, comment


def _contributions(raw: dict[str, Decimal], criteria: list[tuple[str, Decimal, Decimal]],
                   weight_sum: Decimal) -> dict[str, Decimal]:
    """Each criterion's share of the 0–100 total, unrounded: value / max × weight × 100 / Σ weight."""
    return {code: raw[code] / maximum * weight * _HUNDRED / weight_sum for code, weight, maximum in criteria}


def weighted_total(criteria: list[dict], values: dict[str, Any], rules: dict[str, Any] | None = None) -> Decimal:
    """A scorer's weighted 0–100 total, rounded half up to 2 decimals: the one definition of it.

    ``aggregate_scores`` stores this number per scorer; the score export, the
    pages and anything else showing a scorer's total use this function or the
    stored value, never their own arithmetic. Invalid sheets raise
    :class:`HandlerError` as in aggregation.
    """
    parsed = _check_criteria(criteria)
    weight_sum = sum((weight for _, weight, _ in parsed), Decimal(0))
    return _scorer_row({"scorer": 0, "criteria": values}, 0, parsed, weight_sum, _rounder(check_rules(rules)))[3]


def _pick(rows: list[tuple[int, Decimal]], highest: bool) -> int:
    """Index of the first row holding the highest (or lowest) total."""
    best = 0
    for index, (_, total) in enumerate(rows):
        if (total > rows[best][1]) if highest else (total < rows[best][1]):
            best = index
    return best


@handler("aggregate_scores")
def aggregate_scores(*, scores: list[dict], criteria: list[dict], rules: dict[str, Any] | None = None) -> dict:
    """Weighted 0–100 total per scorer, then a (trimmed) mean, with every step shown.

    Per scorer: total = Σ (value/max × weight) × 100 / Σ weight, rounded like a
    paper score sheet. The item's final score is the mean of those totals; with
    enough scores the highest and lowest totals are dropped first (on ties, the
    first such sheet in input order). ``rules`` (the campaign's ``scoring_rules``,
    see :func:`check_rules`) say how many sheets trigger trimming, how many are
    dropped each side and how totals are rounded; without them: 5 or more sheets
    drop one highest and one lowest, 2 decimals half up (四舍五入).
    ``per_criterion_mean`` is the plain mean of raw values over all sheets, for
    the record only (always 2 decimals half up). Sheets marked ``not_scored`` (the
    office closed the item's scoring at its quorum before that scorer scored) are
    left out and listed in ``not_scored``; a ``paper`` sheet (entered by the office
    from a paper score sheet) is marked so in ``per_scorer``.
    """
    parsed = _check_criteria(criteria)
    rule = check_rules(rules)
    round_total = _rounder(rule)
    if not isinstance(scores, list) or not scores:
        raise HandlerError(_l("没有评分记录"))
    weight_sum = sum((weight for _, weight, _ in parsed), Decimal(0))
    not_scored = [s["scorer"] for s in scores if isinstance(s, dict) and s.get("not_scored") is True]
    paper = {s.get("scorer") for s in scores if isinstance(s, dict) and s.get("paper") is True}
    scores = [s for s in scores if not (isinstance(s, dict) and s.get("not_scored") is True)]
    if not scores:
        raise HandlerError(_l("没有评分记录"))

    sheets = [_scorer_row(score, index, parsed, weight_sum, round_total) for index, score in enumerate(scores)]
    seen: set[int] = set()
    for scorer, *_ in sheets:
        if scorer in seen:
            raise HandlerError(_l("评分成员 {scorer} 重复提交评分", scorer=scorer))
        seen.add(scorer)

    per_scorer: list[dict] = []
    for scorer, _, contributions, total, comment in sheets:
        row: dict[str, Any] = {
            "scorer": scorer,
            "totals_by_criterion": {code: _num(_round2(part)) for code, part in contributions.items()},
            "total": _num(total),
        }
        if comment is not None:
            row["comment"] = comment
        if scorer in paper:
            row["paper"] = True
        per_scorer.append(row)

    remaining = [(scorer, total) for scorer, _, _, total, _ in sheets]
    dropped: list[dict] = []
    count = len(sheets)
    if rule["trim_each_side"] and count >= rule["trim_min_count"]:
        method = "trimmed_mean"
        for why, highest in (("highest", True), ("lowest", False)):
            for _ in range(rule["trim_each_side"]):
                scorer, total = remaining.pop(_pick(remaining, highest))
                dropped.append({"scorer": scorer, "total": _num(total), "why": why})
    else:
        method = "mean"

    kept_totals = [total for _, total in remaining]
    final = round_total(sum(kept_totals, Decimal(0)) / len(kept_totals))
    per_criterion_mean = {
        code: _num(_round2(sum((raw[code] for _, raw, _, _, _ in sheets), Decimal(0)) / count))
        for code, _, _ in parsed
    }
    return {
        "method": method,
        "count": count,
        "per_scorer": per_scorer,
        "dropped": dropped,
        "kept": [scorer for scorer, _ in remaining],
        "final": _num(final),
        "per_criterion_mean": per_criterion_mean,
        "criteria": [dict(criterion) for criterion in criteria],
        **({"rules": rule} if rules is not None else {}),
        **({"not_scored": not_scored} if not_scored else {}),
    }
