"""The catalogue of text (service/catalogue): every msgid the code and templates use is in the .po
files with its English, none is left over, every code a person sees has a Chinese and an English name,
and a lookup outside the catalogue fails loudly in tests."""
from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from service import catalogue
from service.catalogue import _, codes, locale, msgids, name_of, ngettext
from service.config import ROOT

KEYWORDS = {"_": None, "_l": None, "N_": None, "ngettext": (1, 2)}


def _extracted() -> set[str]:
    """What `make translations` extracts (babel.cfg), as a set of msgids."""
    with open(ROOT / "babel.cfg", encoding="utf-8") as fh:
        method_map, options_map = parse_mapping_cfg(fh, "babel.cfg")
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(str(ROOT), method_map, options_map,
                                                                      keywords=KEYWORDS):
        found.add(message if isinstance(message, str) else message[0])
    return found


def _po(tag: str):  # type: ignore[no-untyped-def]
    path = Path(catalogue.TRANSLATIONS) / tag / "LC_MESSAGES" / "messages.po"
    with open(path, "rb") as fh:
        return read_po(fh, locale=tag)


def test_every_msgid_has_its_english_and_both_files_name_the_same_msgids() -> None:
    en, zh = _po("en"), _po("zh_CN")
    untranslated = [m.id for m in en if m.id and not (m.string if isinstance(m.string, str) else all(m.string))]
    assert untranslated == []
    assert {m.id if isinstance(m.id, str) else m.id[0] for m in zh if m.id} == msgids()
    assert not [m.id for m in en if m.id and m.fuzzy]


def test_no_msgid_is_unknown_or_unused() -> None:
    extracted = _extracted()
    assert sorted(extracted - msgids()) == [], "run `make translations` and write the English"
    assert sorted(msgids() - extracted) == [], "msgids no code or template uses any more"


def test_every_code_has_a_chinese_and_an_english_name() -> None:
    for kind, table in codes.CODES.items():
        for code, msgid in table.items():
            assert msgid in msgids(), (kind, code)
            with locale("zh_CN"):
                assert name_of(kind, code) == msgid
            with locale("en"):
                english = name_of(kind, code)
            assert english and english != msgid and english.isascii(), (kind, code, english)


def test_names_of_the_same_kind_differ() -> None:
    for kind, table in codes.CODES.items():
        assert len(set(table.values())) == len(table), kind


def test_the_locale_block_and_placeholders() -> None:
    with locale("en"):
        assert _("登录") == "Log in"
        assert name_of("status", "awarded") == "Awarded"
        with locale("zh-CN"):
            assert _("登录") == "登录"
        assert ngettext("待办任务：{n}", "待办任务：{n}", 3) == "Open tasks: 3"
    assert _("登录") == "登录"
    assert name_of("status", None) == "" and name_of("status", "") == ""


def test_a_lookup_outside_the_catalogue_fails_loudly_in_tests(catalogue_misses: list[str]) -> None:
    with pytest.raises(AssertionError, match="not_a_status"):
        name_of("status", "not_a_status")
    with pytest.raises(AssertionError, match="no_such_kind"):
        name_of("no_such_kind", "x")
    with pytest.raises(AssertionError, match="未收录的文字"):
        _("未收录的文字")
    assert len(catalogue_misses) == 3
    catalogue_misses.clear()


def test_production_shows_the_code_and_logs_it(caplog: pytest.LogCaptureFixture) -> None:
    previous = catalogue.on_miss(None)
    try:
        assert name_of("status", "not_a_status") == "not_a_status"
        assert _("未收录的文字") == "未收录的文字"
    finally:
        catalogue.on_miss(previous)
    assert "not_a_status" in caplog.text
