"""The seed's rules for an application form, checked field by field."""
from __future__ import annotations

from datetime import date
from typing import Any

APPLICATION_FIELDS = ("theme", "content", "proposer", "refinement", "effects", "recognitions", "category", "conditions")
CATEGORIES = {"1", "2", "3", "4", "5", "6"}
CONDITIONS = {"1", "2", "3", "4", "5"}
RECOGNITION_LEVELS = {"national", "provincial", "municipal", "county"}
TEXT_LIMITS = {"theme": 200, "content": 10000, "proposer": 2000, "refinement": 10000, "effects": 10000}


def field_errors(fields: dict[str, Any], *, complete: bool) -> list[dict[str, str]]:
    """Errors in an application; ``complete`` also demands every required field."""
    errors: list[dict[str, str]] = []
    for name, limit in TEXT_LIMITS.items():
        value = fields.get(name)
        if value is None or value == "":
            if complete:
                errors.append({"field": name, "message": "必填 / required"})
            continue
        if not isinstance(value, str):
            errors.append({"field": name, "message": "must be text"})
        elif len(value) > limit:
            errors.append({"field": name, "message": f"at most {limit} characters"})
        elif complete and not value.strip():
            errors.append({"field": name, "message": "必填 / required"})
    category = fields.get("category")
    if category in (None, ""):
        if complete:
            errors.append({"field": "category", "message": "请选择六类成果之一 / choose one of the six categories"})
    elif str(category) not in CATEGORIES:
        errors.append({"field": "category", "message": "must be one of 1-6"})
    conditions = fields.get("conditions")
    if conditions is None or conditions == []:
        if complete:
            errors.append({"field": "conditions", "message": "至少具备五个条件之一 / at least one of the five conditions"})
    elif not isinstance(conditions, list) or any(str(c) not in CONDITIONS for c in conditions):
        errors.append({"field": "conditions", "message": "each condition must be one of 1-5"})
    elif len(set(map(str, conditions))) != len(conditions):
        errors.append({"field": "conditions", "message": "conditions must not repeat"})
    recognitions = fields.get("recognitions")
    if recognitions is not None:
        if not isinstance(recognitions, list):
            errors.append({"field": "recognitions", "message": "must be a list"})
        else:
            for i, item in enumerate(recognitions):
                errors.extend(_recognition_errors(i, item))
    return errors


def _recognition_errors(i: int, item: Any) -> list[dict[str, str]]:
    prefix = f"recognitions.{i}"
    if not isinstance(item, dict):
        return [{"field": prefix, "message": "must be an object with level, department, date"}]
    errors = []
    if item.get("level") not in RECOGNITION_LEVELS:
        errors.append({"field": f"{prefix}.level", "message": f"must be one of {sorted(RECOGNITION_LEVELS)}"})
    if not isinstance(item.get("department"), str) or not item["department"].strip():
        errors.append({"field": f"{prefix}.department", "message": "必填 / required"})
    try:
        date.fromisoformat(str(item.get("date")))
    except ValueError:
        errors.append({"field": f"{prefix}.date", "message": "must be a date YYYY-MM-DD"})
    return errors


def normalise(fields: dict[str, Any]) -> dict[str, Any]:
    """Canonical types for storage (category and conditions as strings)."""
    out = dict(fields)
    if out.get("category") not in (None, ""):
        out["category"] = str(out["category"])
    if isinstance(out.get("conditions"), list):
        out["conditions"] = [str(c) for c in out["conditions"]]
    return out
