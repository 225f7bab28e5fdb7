"""Uploaded XML bytes are read in the encoding they announce and come out declared UTF-8, or are refused by name."""
from __future__ import annotations

import codecs

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from service.engine.errors import BpmnValidationError
from service.engine.xmltext import decode_document

ENCODINGS = ["utf-8", "utf-16", "utf-16-le", "utf-16-be", "utf-32", "gb18030"]


@settings(max_examples=200, deadline=None)
@given(text=st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=40),
       encoding=st.sampled_from(ENCODINGS), declare=st.booleans())
def test_every_announced_encoding_round_trips_to_the_same_text(text: str, encoding: str, declare: bool) -> None:
    body = f"<root>{text}</root>"
    prolog = f'<?xml version="1.0" encoding="{encoding.upper()}"?>' if declare else ""
    data = (prolog + body).encode(encoding)
    if not declare and encoding not in ("utf-8", "gb18030") and not data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE,
                                                                                   codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        return  # without a BOM or a declaration, XML is UTF-8 by definition
    if not declare and encoding == "gb18030" and not body.isascii():
        return  # undeclared non-UTF-8 bytes are rightly refused (tested below)
    decoded = decode_document(data)
    assert decoded.endswith(body)
    if declare:
        assert decoded.startswith('<?xml version="1.0" encoding="UTF-8"?>') or encoding == "utf-8"


def test_utf8_documents_are_kept_byte_for_byte() -> None:
    text = '<?xml version="1.0" encoding="utf-8"?>\n<a>流程</a>'
    assert decode_document(text.encode("utf-8")) == text
    assert decode_document(codecs.BOM_UTF8 + text.encode("utf-8")) == text


@pytest.mark.parametrize("data, code", [
    ('<?xml version="1.0" encoding="x-unknown"?><a/>'.encode(), "unsupported_encoding"),
    ('<?xml version="1.0" encoding="rot13"?><a/>'.encode(), "unsupported_encoding"),
    ('<?xml version="1.0" encoding="UTF-8"?><a>流程</a>'.encode("gb18030"), "bad_encoding"),
    ('<a>流程</a>'.encode("gb18030"), "bad_encoding"),
])
def test_unreadable_bytes_are_a_named_problem(data: bytes, code: str) -> None:
    with pytest.raises(BpmnValidationError) as err:
        decode_document(data)
    assert [p.code for p in err.value.problems] == [code]
