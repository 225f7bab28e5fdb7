"""The one file-name sanitiser, over every class of dangerous code point (hypothesis)."""
from __future__ import annotations

import sys
import unicodedata
from urllib.parse import unquote

from hypothesis import given, settings, strategies as st

from service.workflows.filenames import DROPPED_CATEGORIES, MAX_LENGTH, REPLACED, clean_filename, content_disposition

BIDI = [chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x200E, 0x200F, 0x061C)]
ZERO_WIDTH = ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad"]
CONTROLS = [chr(c) for c in (*range(0x00, 0x20), *range(0x7F, 0xA0))]
SEPARATORS = ["\u2028", "\u2029"]
SURROGATES = ["\ud800", "\udbff", "\udc00", "\udfff"]
DANGEROUS = BIDI + ZERO_WIDTH + CONTROLS + SEPARATORS + SURROGATES

# Any code point at all (surrogates included), weighted towards the dangerous classes and plain names.
dangerous = st.sampled_from(DANGEROUS) | st.characters(categories=sorted(DROPPED_CATEGORIES - {"Cn"})) \
    | st.characters(codec=None, min_codepoint=0, max_codepoint=sys.maxunicode)
ordinary = st.sampled_from(list("证明材料报告abcXYZ019-_ ()（）.") + sorted(REPLACED))
names = st.text(dangerous | ordinary, max_size=60) | st.text(ordinary, min_size=190, max_size=260)


def _assert_safe(cleaned: str) -> None:
    assert cleaned and len(cleaned) <= MAX_LENGTH
    assert not {unicodedata.category(c) for c in cleaned} & DROPPED_CATEGORIES, ascii(cleaned)
    assert not set(cleaned) & REPLACED and cleaned == cleaned.strip(" .")
    assert unicodedata.is_normalized("NFC", cleaned)
    cleaned.encode("utf-8")  # no lone surrogate left


@settings(max_examples=400, deadline=None)
@given(names)
def test_no_dangerous_code_point_survives_and_cleaning_is_idempotent(name: str) -> None:
    cleaned = clean_filename(name)
    _assert_safe(cleaned)
    assert clean_filename(cleaned) == cleaned


@settings(max_examples=200, deadline=None)
@given(names)
def test_the_download_header_is_ascii_and_carries_the_cleaned_name(name: str) -> None:
    header = content_disposition(name)
    header.encode("latin-1")  # what an HTTP header can carry
    assert header.isascii() and "\r" not in header and "\n" not in header
    quoted = header.split("filename*=UTF-8''", 1)[1]
    assert unquote(quoted) == clean_filename(name, default="download")
    fallback = header.split('filename="', 1)[1].split('"', 1)[0]
    assert '"' not in fallback and "\\" not in fallback


def test_each_dangerous_code_point_is_dropped_and_ordinary_names_are_kept() -> None:
    for char in DANGEROUS:
        assert clean_filename(f"证明{char}材料.pdf") == "证明材料.pdf", ascii(char)
    assert clean_filename("发票\u202efdp.exe") == "发票fdp.exe"  # shown as 发票exe.pdf before
    assert clean_filename("../../证明.pdf") == "证明.pdf"
    assert clean_filename("C:\\Users\\me\\年度 总结 (终稿).docx") == "年度 总结 (终稿).docx"
    assert clean_filename('a<b>c:"d"|e?*.pdf') == "a_b_c__d__e__.pdf"
    assert clean_filename("CON.txt") == "_CON.txt" and clean_filename("...") == "attachment"
    assert clean_filename("e\u0301.pdf") == "\u00e9.pdf"  # NFC
    long = clean_filename("长" * 500 + ".pdf")
    assert len(long) == MAX_LENGTH and long.endswith(".pdf")
