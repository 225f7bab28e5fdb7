"""Hypothesis strategies for application fields at and around every rule of the one definition.

The boundaries are read from the generated form schema (limits, choices, what is
required), so a new field or a changed limit is probed without editing this file.
"""
from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from service.schemas.applications import form_schema

SCHEMA = form_schema()
PROPS: dict[str, Any] = SCHEMA["properties"]
WRONG_TYPES = st.sampled_from([None, 0, 1, True, 1.5, {}, []])


def text(prop: dict[str, Any]) -> st.SearchStrategy[Any]:
    limit = prop.get("maxLength", 50)
    lengths = st.sampled_from(sorted({0, 1, max(limit - 1, 0), limit, limit + 1}))
    return st.one_of(
        lengths.flatmap(lambda n: st.sampled_from(["字", "a", " "]).map(lambda c: c * n)),
        st.sampled_from([" ", "\t\n", " x "]),
        WRONG_TYPES,
    )


def choice(prop: dict[str, Any]) -> st.SearchStrategy[Any]:
    enum = prop["enum"]
    return st.one_of(st.sampled_from(enum), st.sampled_from(["", "0", "7", "x", enum[0].upper() + " "]),
                     st.sampled_from([int(e) for e in enum if e.isdigit()] or [0]), WRONG_TYPES)


def choices(prop: dict[str, Any]) -> st.SearchStrategy[Any]:
    enum = prop["items"]["enum"]
    item = st.one_of(st.sampled_from(enum), st.sampled_from(["0", "9", ""]), st.integers(0, 6))
    return st.one_of(st.lists(st.sampled_from(enum), unique=True, max_size=len(enum)),
                     st.lists(item, max_size=len(enum) + 1), WRONG_TYPES)


def record(prop: dict[str, Any]) -> st.SearchStrategy[Any]:
    props = prop["properties"]
    parts = {}
    for name, sub in props.items():
        if "enum" in sub:
            parts[name] = choice(sub)
        elif sub.get("format") == "date":
            parts[name] = st.one_of(st.sampled_from(["2026-09-10", "2024-02-29", "2023-02-29", "20240101",
                                                     "2026-9-1", "2026-13-01", " 2026-09-10", ""]), WRONG_TYPES)
        else:
            parts[name] = text(sub)
    row = st.fixed_dictionaries({}, optional={**parts, "extra": st.just("x")})
    valid_row = st.fixed_dictionaries({n: st.just(v) for n, v in {
        "level": props["level"]["enum"][0], "department": "部门"}.items()}, optional={"date": st.just("2026-09-10")})
    most = prop.get("maxItems", 5)
    return st.one_of(st.lists(row | valid_row, max_size=3), st.integers(most, most + 1).map(lambda n: [
        {"level": props["level"]["enum"][0], "department": "部门"}] * n), st.lists(WRONG_TYPES, max_size=2),
        WRONG_TYPES)


def field(prop: dict[str, Any]) -> st.SearchStrategy[Any]:
    if prop.get("type") == "array":
        return record(prop["items"]) if prop["items"].get("type") == "object" else choices(prop)
    if "enum" in prop:
        return choice(prop)
    return text(prop)


def values(name: str) -> st.SearchStrategy[Any]:
    return field(PROPS[name])


GOOD = st.fixed_dictionaries({name: st.just(v) for name, v in {
    "applicant_type": "collective", "applicant_name": "某班组", "contact_person": "联系人",
    "contact_phone": "0312-1234567", "theme": "主题", "content": "内容", "proposer": "提出人", "refinement": "完善", "effects": "成效",
    "category": "4", "conditions": ["2"], "recognitions": []}.items() if name in PROPS})


@st.composite
def application(draw: st.DrawFn) -> tuple[dict[str, Any], str]:
    """A complete good application with one field replaced by a probe at or around its rules; (data, field)."""
    data = draw(GOOD)
    name = draw(st.sampled_from(sorted(PROPS)))
    data[name] = draw(values(name))
    return data, name
