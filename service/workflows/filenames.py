"""One rule for every file name a user supplies, and for the header that offers a file for download.

A name is shown in pages, written into archives and sent back in
``Content-Disposition``. Characters that change how text around them is
displayed (bidirectional overrides and isolates: ``发票\u202efdp.exe`` shows as
``发票exe.pdf``), controls, zero-width and other format characters, lone
surrogates and unassigned code points are dropped when the name is stored; path
separators and the characters Windows refuses in names become ``_``.
"""
from __future__ import annotations

import unicodedata
from urllib.parse import quote

MAX_LENGTH = 200
# Controls (Cc), format characters incl. U+202A–202E / U+2066–2069 / U+200B–200F / U+FEFF (Cf),
# surrogates (Cs), unassigned (Cn), line and paragraph separators (Zl, Zp).
DROPPED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Cn", "Zl", "Zp"})
REPLACED = frozenset('/\\:*?"<>|')
WINDOWS_DEVICES = frozenset({"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(1, 10)),
                             *(f"LPT{i}" for i in range(1, 10))})


def clean_filename(name: str, default: str = "attachment") -> str:
    """The name as stored: its last path part, without dangerous code points, at most MAX_LENGTH characters."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    kept = []
    for char in unicodedata.normalize("NFC", base):
        category = unicodedata.category(char)
        if category in DROPPED_CATEGORIES:
            continue
        kept.append("_" if char in REPLACED else " " if category == "Zs" else char)
    cleaned = unicodedata.normalize("NFC", " ".join("".join(kept).split())).strip(" .")
    if len(cleaned) > MAX_LENGTH:
        stem, dot, extension = cleaned.rpartition(".")
        if dot and stem and 0 < len(extension) <= 16:
            cleaned = stem[:MAX_LENGTH - len(extension) - 1].rstrip(" .") + "." + extension
        else:
            cleaned = cleaned[:MAX_LENGTH]
        cleaned = cleaned.strip(" .")
    if cleaned.split(".", 1)[0].upper() in WINDOWS_DEVICES:
        cleaned = "_" + cleaned
    return cleaned or default


def content_disposition(filename: str, disposition: str = "attachment") -> str:
    """``attachment; filename="ascii"; filename*=UTF-8''…`` for any name (RFC 6266 / 5987)."""
    name = clean_filename(filename, default="download")
    fallback = "".join(c if 0x20 <= ord(c) < 0x7F else "_" for c in name)
    return f"{disposition}; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


# What every user-supplied file is served with: never rendered as an active document, never sniffed.
DOWNLOAD_CSP = "default-src 'none'; frame-ancestors 'none'; sandbox"


def download_headers(filename: str) -> dict[str, str]:
    """Headers for a file offered for download (attachments, uploaded BPMN, exports)."""
    return {"Content-Disposition": content_disposition(filename), "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": DOWNLOAD_CSP}
