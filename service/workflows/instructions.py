"""A task's instructions for the people who do it (SpiffArena's ``instructionsForEndUser``) as safe Markdown.

The text comes from an uploaded BPMN document, so it is untrusted. It is parsed with markdown-it-py
(CommonMark, raw HTML off, its link validation refusing ``javascript:``/``data:`` URLs) into a small
tree of allowed blocks and inline spans; the page template renders the tree with autoescaping on.
No HTML string is ever built from it, so there is nothing to sanitize after the fact and nothing a
Content-Security-Policy would have to catch: a ``<script>`` in the text is shown as text.
"""
from __future__ import annotations

import textwrap
from typing import Any

from markdown_it import MarkdownIt
from sqlalchemy.orm import Session

from service.models import Task
from service.repositories import instances as instance_repo

_MD = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
_BLOCKS = {"paragraph": "p", "bullet_list": "ul", "ordered_list": "ol", "list_item": "li",
           "blockquote": "blockquote", "heading": "h"}
_INLINE = {"strong": "strong", "em": "em", "link": "a", "s": "s"}
_SCHEMES = ("http://", "https://", "mailto:", "/")
MAX_CHARS = 20_000


def tree(text: str | None) -> list[dict[str, Any]]:
    """The Markdown ``text`` as nested ``{"tag", "children" | "text", "href"}`` nodes; [] when empty."""
    if not text or not text.strip():
        return []
    root: dict[str, Any] = {"tag": "root", "children": []}
    stack = [root]
    for token in _MD.parse(_dedent(text)[:MAX_CHARS]):
        if token.nesting == 1:
            tag = _BLOCKS.get(token.type.removesuffix("_open"), "div")
            node = {"tag": "h4" if tag == "h" else tag, "children": []}
            stack[-1]["children"].append(node)
            stack.append(node)
        elif token.nesting == -1:
            if len(stack) > 1:
                stack.pop()
        elif token.type == "inline":
            stack[-1]["children"].extend(_inline(token.children or []))
        elif token.type in ("fence", "code_block"):
            stack[-1]["children"].append({"tag": "pre", "text": token.content})
        elif token.type == "hr":
            stack[-1]["children"].append({"tag": "hr"})
    return root["children"]


def _inline(tokens: list[Any]) -> list[dict[str, Any]]:
    root: dict[str, Any] = {"children": []}
    stack = [root]
    for token in tokens:
        kind = token.type.removesuffix("_open").removesuffix("_close")
        if token.nesting == 1:
            node: dict[str, Any] = {"tag": _INLINE.get(kind, "span"), "children": []}
            href = str(token.attrGet("href") or "")
            if node["tag"] == "a":
                if href.lower().startswith(_SCHEMES):
                    node["href"] = href
                else:
                    node["tag"] = "span"
            stack[-1]["children"].append(node)
            stack.append(node)
        elif token.nesting == -1:
            if len(stack) > 1:
                stack.pop()
        elif token.type == "code_inline":
            stack[-1]["children"].append({"tag": "code", "text": token.content})
        elif token.type in ("softbreak",):
            stack[-1]["children"].append({"tag": "text", "text": " "})
        elif token.type == "hardbreak":
            stack[-1]["children"].append({"tag": "br"})
        elif token.type == "image":
            stack[-1]["children"].append({"tag": "text", "text": token.content or ""})
        else:
            stack[-1]["children"].append({"tag": "text", "text": token.content})
    return root["children"]


def _dedent(text: str) -> str:
    """Modelers indent the element's text with the XML: strip the common indent, or Markdown reads code."""
    return textwrap.dedent(text.strip("\n"))


def for_task(session: Session, task: Task) -> list[dict[str, Any]]:
    """The instructions of ``task``'s element in the process version its instance runs (it keeps them)."""
    instance = instance_repo.by_id(session, task.instance_id)
    meta = (instance.definition.meta or {}) if instance is not None else {}
    info = (meta.get("user_tasks") or {}).get(task.element_id) or {}
    return tree(info.get("instructions"))
