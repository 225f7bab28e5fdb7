"""The request decoding layer's rules, as properties over generated input (hypothesis).

Strings are drawn from all of Unicode, lone surrogates and NUL included, and
JSON values from arbitrary nestings of them, so the classes the layer refuses
are generated rather than listed.
"""
from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from service import decoding
from service.errors import ValidationFailed

ANY_TEXT = st.text(alphabet=st.characters(codec=None), max_size=12)  # every code point, surrogates included
UNSTORABLE_CHAR = st.just("\x00") | st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF)
STORABLE_TEXT = ANY_TEXT.map(lambda s: decoding.UNSTORABLE.sub("", s))
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | ANY_TEXT,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(ANY_TEXT, children, max_size=4),
    max_leaves=25)


def depth(value: Any) -> int:
    if isinstance(value, list):
        return 1 + max((depth(v) for v in value), default=0)
    if isinstance(value, dict):
        return 1 + max((depth(v) for v in value.values()), default=0)
    return 0


def bad_paths(value: Any, path: str = "") -> list[str]:
    """The expected field paths, computed independently of the code under test."""
    def shown(text: str) -> str:
        return "".join(f"\\u{ord(c):04x}" if c == "\x00" or 0xD800 <= ord(c) <= 0xDFFF else c for c in text)

    def has_bad(text: str) -> bool:
        return any(c == "\x00" or 0xD800 <= ord(c) <= 0xDFFF for c in text)

    if isinstance(value, str):
        return [path or "$"] if has_bad(value) else []
    out: list[str] = []
    if isinstance(value, dict):
        for key, item in value.items():
            child = f"{path}.{shown(key)}" if path else shown(key)
            out += [child] if has_bad(key) else []
            out += bad_paths(item, child)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            out += bad_paths(item, f"{path}.{index}" if path else str(index))
    return out


@given(JSON_VALUES, st.booleans())
@settings(max_examples=300, deadline=None)
def test_depth_is_counted_without_parsing_and_strings_do_not_count(value: Any, ascii_only: bool) -> None:
    text = json.dumps(value, ensure_ascii=ascii_only)
    assert decoding.json_depth(text) == depth(value)
    if ascii_only:
        assert decoding.json_depth(text.encode()) == depth(value)


@given(JSON_VALUES)
@settings(max_examples=300, deadline=None)
def test_decode_json_returns_storable_values_and_names_every_unstorable_field(value: Any) -> None:
    expected = bad_paths(value)
    if not expected:
        assert decoding.decode_json(json.dumps(value)) == value
        return
    with pytest.raises(ValidationFailed) as info:
        decoding.decode_json(json.dumps(value))
    errors = info.value.errors
    assert [e["field"] for e in errors] == expected[:decoding.MAX_REPORTED]
    assert all(e["code"] == "unstorable_text" and e["char"].startswith("U+") for e in errors)
    json.dumps(info.value.errors).encode("utf-8")  # the answer itself can always be sent


@given(st.integers(min_value=1, max_value=20_000), st.sampled_from(["[", '{"a":']), STORABLE_TEXT)
@settings(max_examples=60, deadline=None)
def test_deep_nesting_is_refused_before_the_parser_recurses(levels: int, opener: str, leaf: str) -> None:
    closer = "]" if opener == "[" else "}"
    text = opener * levels + json.dumps(leaf) + closer * levels
    if levels <= decoding.MAX_JSON_DEPTH:
        assert depth(decoding.decode_json(text)) == levels
        return
    with pytest.raises(ValidationFailed) as info:  # never RecursionError, however deep
        decoding.decode_json(text)
    assert info.value.errors[0]["field"] == "$" and info.value.errors[0]["code"] == "json_too_deep"


@given(STORABLE_TEXT, UNSTORABLE_CHAR, STORABLE_TEXT)
def test_printable_names_show_each_unstorable_code_point(before: str, bad: str, after: str) -> None:
    shown = decoding.printable(before + bad + after)
    assert not decoding.UNSTORABLE.search(shown) and f"\\u{ord(bad):04x}" in shown
    assert decoding.describe(before + bad + after) == f"U+{ord(bad):04X}"
    assert decoding.printable(before + after) == before + after


def test_the_unstorable_class_is_exactly_nul_and_the_surrogates() -> None:
    refused = [cp for cp in range(0x110000) if decoding.UNSTORABLE.match(chr(cp))]
    assert refused == [0, *range(0xD800, 0xE000)]
