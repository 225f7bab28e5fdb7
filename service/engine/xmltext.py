"""Uploaded XML bytes to text, in whatever encoding the XML rules allow, stored as UTF-8.

An XML document says its own encoding: a byte order mark, or the ``encoding`` of its XML
declaration, or else UTF-8 (XML 1.0, appendix F). Every uploaded BPMN goes through
:func:`decode_document` once; the text it returns is what is validated, parsed, checksummed and
stored, with its declaration rewritten to say UTF-8, so nothing downstream decodes bytes again.
An encoding the service cannot read, or bytes that are not valid in the declared encoding, is a
problem naming the encoding, never an exception escaping as a 500.
"""
from __future__ import annotations

import codecs
import re
from typing import NoReturn

from service.engine.errors import BpmnValidationError, Problem

_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
)
# "<?" in the wide encodings, for documents that have a declaration but no byte order mark.
_WIDE_PROLOGS: tuple[tuple[bytes, str], ...] = (
    (b"\x00\x00\x00<", "utf-32-be"),
    (b"<\x00\x00\x00", "utf-32-le"),
    (b"\x00<\x00?", "utf-16-be"),
    (b"<\x00?\x00", "utf-16-le"),
)
_DECLARATION = re.compile(r"""^\s*<\?xml\b[^>]*?\bencoding\s*=\s*(["'])([^"']*)\1""")
_DECLARED = re.compile(r"""(^\s*<\?xml\b[^>]*?\bencoding\s*=\s*)(["'])[^"']*\2""")
_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9._-]{0,39}$")
# Encodings XML may not use or that are known to smuggle markup past filters.
_REFUSED = {"utf_7", "utf_8_sig"}


def decode_document(data: bytes | str) -> str:
    """The document's text, its XML declaration (if any) saying UTF-8; raises BpmnValidationError."""
    if isinstance(data, str):
        return _declare_utf8(data.removeprefix("\ufeff"))
    family = _sniff(data)
    head = data[:400].decode(family or "latin-1", errors="replace").removeprefix("\ufeff")
    match = _DECLARATION.match(head)
    declared = match.group(2).strip() if match else None
    encoding = _codec(declared) if declared else None
    if family is not None:
        if encoding is not None and not _same_family(encoding, family):
            _refuse("bad_encoding", encoding=declared or "", offset=0)
        encoding = family
    encoding = encoding or "utf-8"
    body = _without_bom(data, encoding)
    try:
        text = body.decode(encoding)
    except UnicodeDecodeError as exc:
        _refuse("bad_encoding", encoding=declared or encoding.upper(), offset=exc.start + (len(data) - len(body)))
    return _declare_utf8(text)


def _sniff(data: bytes) -> str | None:
    """The Unicode encoding a byte order mark or a wide ``<?`` proves, if any."""
    for bom, name in _BOMS:
        if data.startswith(bom):
            return name
    for prolog, name in _WIDE_PROLOGS:
        if data.startswith(prolog):
            return name
    return None


def _codec(declared: str) -> str:
    """The Python codec for a declared encoding name, refusing what is not a text encoding XML can use."""
    if not _NAME.match(declared):
        _refuse("unsupported_encoding", encoding=declared[:40])
    try:
        info = codecs.lookup(declared)
    except LookupError:
        _refuse("unsupported_encoding", encoding=declared)
    if not getattr(info, "_is_text_encoding", True) or info.name.replace("-", "_") in _REFUSED:
        _refuse("unsupported_encoding", encoding=declared)
    if not info.name.startswith(("utf-16", "utf-32")) and "<?xml".encode(info.name, errors="replace") != b"<?xml":
        _refuse("unsupported_encoding", encoding=declared)  # e.g. EBCDIC: not what an XML prolog looks like here
    return info.name


def _same_family(codec: str, sniffed: str) -> bool:
    """``UTF-16`` declared for a document whose BOM says UTF-16LE is the same encoding."""
    return codec.split("-")[:2] == sniffed.split("-")[:2] or codec.replace("_", "-") == sniffed


def _without_bom(data: bytes, encoding: str) -> bytes:
    for bom, name in _BOMS:
        if name == encoding and data.startswith(bom):
            return data[len(bom):]
    return data


def _declare_utf8(text: str) -> str:
    """Rewrite the declaration's encoding to UTF-8 unless it already says so (keeps UTF-8 uploads byte-identical)."""
    match = _DECLARATION.match(text)
    if match is None or match.group(2).strip().lower().replace("_", "-") in {"utf-8", "utf8"}:
        return text
    return _DECLARED.sub(lambda m: f"{m.group(1)}{m.group(2)}UTF-8{m.group(2)}", text, count=1)


def _refuse(code: str, **params: object) -> NoReturn:
    raise BpmnValidationError([Problem(None, code, params)])
