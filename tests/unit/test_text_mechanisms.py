"""One mechanism for person-visible text: the gettext catalogue (service/catalogue). This test fails
when one of the mechanisms it replaced comes back anywhere in the code or templates:

- a bilingual ``"中文 / English"`` literal (split at run time by a ``pick()``);
- a branch on the page language (``lang() == "en"``, ``current_locale() == ...``) choosing between two
  texts, an English twin key (``message_en``, ``rule_en`` …), or a ``("中文", "English")`` pair;
- a Chinese literal in Python that is not a msgid (the first argument of ``_``, ``_l``, ``N_`` or
  ``ngettext``), outside the small allow-list below.

Docstrings and comments may quote Chinese (they explain the domain's words); they are not shown.
"""
from __future__ import annotations

import ast
import re
from collections import Counter
from pathlib import Path
from typing import Iterator

from service.config import ROOT

CJK = re.compile(r"[\u3400-\u9fff]")
BILINGUAL = re.compile(r"[\u3400-\u9fff][^\n]*? / [^\n]*[A-Za-z]{2}|[A-Za-z]{2}[^\n]*? / [^\n]*[\u3400-\u9fff]")
IN_TEMPLATE = re.compile(r"[\u3400-\u9fff][^<>\"'\n]*? / [^<>\"'\n]*[A-Za-z]{2}|[A-Za-z]{2}[^<>\"'\n]*? / [^<>\"'\n]*[\u3400-\u9fff]")
"""The same within one quoted string or text node of a template (not across tags)."""
MSGID_CALLS = {"_": 1, "_l": 1, "N_": 1, "ngettext": 2}
"""Catalogue functions and how many leading arguments are msgids."""

PYTHON = ("service", "handlers", "notifications")
TEMPLATES = ("service/web/templates", "notifications/templates", "service/documents/templates")

ALLOWED_CHINESE: dict[str, str] = {
    "service/catalogue/": "the catalogue itself: code tables of msgids and its tests' examples",
    "service/demo/": "demo data: the Baoding federation's units, people and sample applications are data, not UI",
    "service/workflows/demo.py": "names the demo campaign it creates (data, like service/demo)",
    "service/api/": "the OpenAPI operations' English descriptions name the Chinese term they describe (for developers)",
}
"""Paths (prefixes) where a Chinese literal outside a msgid call is allowed, and why."""

PENDING: dict[str, int] = {
    "service/workflows/org_workbook.py": 71,
    "service/engine/dialects.py": 14,  # the Chinese words in a task's name that point to a handler (input)
    "service/timekeeping/durations.py": 14,  # landed beside this test: the Chinese words a typed duration may use
    "service/schemas/definitions.py": 1,  # (input vocabulary the parser reads, and its example): to review
}
"""Counted, not allowed: the organisation workbook's sheet names, headers, notes and example row are its
import format (the import reads the Chinese headers back), and its import report names a cell by its
header. Making them msgids needs the import to accept the headers in both languages (issue 16, left
open). The count may only go down."""

LANGUAGE_SWITCH = re.compile(r"code='en' if lang\(\) == 'zh-CN' else 'zh-CN'")
"""base.html's link to the other language: a page asks which language it is in to offer the other."""
BRANCH_ALLOWED = {
    "service/web/i18n.py": "error_text: shows a service's own words only when they are in the page's "
                                         "language (a few internal errors are English-only), else a catalogue sentence"}


def _python_files() -> Iterator[Path]:
    for top in PYTHON:
        yield from sorted((ROOT / top).rglob("*.py"))


def _template_files() -> Iterator[Path]:
    for top in TEMPLATES:
        for path in sorted((ROOT / top).rglob("*")):
            if path.suffix in (".html", ".txt"):
                yield path


def _rel(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def _name(func: ast.expr) -> str | None:
    return func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else None


def _texts(tree: ast.AST) -> Iterator[tuple[ast.AST, str, str]]:
    """Every string literal (an f-string as its literal parts joined, ``{}`` for what it fills in), with
    what it is: a ``docstring``, a ``msgid`` (a catalogue call's msgid argument) or ``other``."""
    parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):
            text = "".join(v.value if isinstance(v, ast.Constant) else "{}" for v in node.values)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and not isinstance(parents.get(node),
                                                                                                ast.JoinedStr):
            text = node.value
        else:
            continue
        parent = parents.get(node)
        if isinstance(parent, ast.Expr):
            yield node, text, "docstring"
        elif isinstance(parent, ast.Call) and node in parent.args[:MSGID_CALLS.get(_name(parent.func) or "", 0)]:
            yield node, text, "msgid"
        else:
            yield node, text, "other"


def _allowed(rel: str) -> bool:
    return any(rel.startswith(prefix) for prefix in ALLOWED_CHINESE)


def test_no_bilingual_literal_anywhere() -> None:
    found = []
    for path in _python_files():
        for node, text, kind in _texts(ast.parse(path.read_text(encoding="utf-8"))):
            if kind != "docstring" and BILINGUAL.search(text):
                found.append(f"{_rel(path)}:{node.lineno}: {text[:80]!r}")
    for path in _template_files():
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if IN_TEMPLATE.search(line):
                found.append(f"{_rel(path)}:{number}: {line.strip()[:80]!r}")
    assert found == [], "a \"中文 / English\" text: make the Chinese a msgid and write the English in the .po"


LANGUAGE_BRANCH = re.compile(r"""\blang\(\)\s*[!=]=|current_locale\(\)\s*[!=]=|[!=]=\s*["'](en|zh-CN|zh_CN)["']""")
TWIN_KEY = re.compile(r"""["'.](\w+_en|\w+_zh|x-[\w-]+-en)\b""")
TWIN_KEYS_ALLOWED = {"name_en"}
"""A unit's English name is data the office enters (a column), not a second copy of a text."""


def test_no_language_branch_twin_key_or_text_pair() -> None:
    found = []
    for path in [*_python_files(), *_template_files()]:
        rel = _rel(path)
        if rel.startswith("service/catalogue/") or rel in BRANCH_ALLOWED:
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            code = line.split("#")[0] if path.suffix == ".py" else LANGUAGE_SWITCH.sub("", line)
            if LANGUAGE_BRANCH.search(code):
                found.append(f"{rel}:{number}: language branch: {line.strip()[:90]}")
            for key in TWIN_KEY.findall(code):
                if key not in TWIN_KEYS_ALLOWED:
                    found.append(f"{rel}:{number}: twin key {key}")
    for path in _python_files():
        if _rel(path) in BRANCH_ALLOWED:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Tuple) and len(node.elts) == 2 and all(
                    isinstance(e, ast.Constant) and isinstance(e.value, str) for e in node.elts):
                zh, en = (e.value for e in node.elts)  # type: ignore[attr-defined]
                if CJK.search(zh) and not CJK.search(en) and re.search(r"[A-Za-z]{2}", en):
                    found.append(f"{_rel(path)}:{node.lineno}: a (Chinese, English) pair {zh!r}, {en!r}")
    assert found == [], "choose text through the catalogue (the locale), not by a branch or a second copy"


def test_chinese_in_python_is_a_msgid() -> None:
    counts: Counter[str] = Counter()
    examples: dict[str, str] = {}
    for path in _python_files():
        rel = _rel(path)
        if _allowed(rel):
            continue
        for node, text, kind in _texts(ast.parse(path.read_text(encoding="utf-8"))):
            if kind == "other" and CJK.search(text):
                counts[rel] += 1
                examples.setdefault(rel, f"{rel}:{getattr(node, 'lineno', 0)}: {text[:60]!r}")
    grown = {rel: n for rel, n in counts.items() if n > PENDING.get(rel, 0)}
    assert grown == {}, ("Chinese outside _(), _l(), N_() or ngettext(): " + "; ".join(examples[r] for r in grown))
    done = {rel: n for rel, n in PENDING.items() if counts.get(rel, 0) < n}
    assert done == {}, f"fewer literals left than PENDING says: lower the counts to {dict(counts)}"


MSGID_IN_TEMPLATE = re.compile(r"""\b(?:_|ngettext)\(\s*(?:"[^"]*"|'[^']*')(?:\s*,\s*(?:"[^"]*"|'[^']*'))?""")
JINJA_COMMENT = re.compile(r"\{#.*?#\}", re.S)


def test_chinese_in_templates_is_a_msgid() -> None:
    """A template's words are ``{{ _("…") }}`` (or ``ngettext``): Chinese anywhere else in it (text between
    tags, an attribute, a string in an expression) is shown as it is in every language."""
    found = []
    for path in _template_files():
        text = MSGID_IN_TEMPLATE.sub("_()", JINJA_COMMENT.sub("", path.read_text(encoding="utf-8")))
        for number, line in enumerate(text.splitlines(), start=1):
            if CJK.search(line):
                found.append(f"{_rel(path)}:{number}: {CJK.search(line).group(0)} in {line.strip()[:100]}")
    assert found == [], "Chinese outside _() in templates:\n" + "\n".join(found)


def test_the_allow_lists_stay_small() -> None:
    assert len(ALLOWED_CHINESE) <= 5 and sum(PENDING.values()) <= 100 and len(BRANCH_ALLOWED) <= 1


def test_the_public_notices_records_are_worded_by_the_timeline() -> None:
    """The notice's audit records keep facts only; the timeline's sentences (one source) word them in the
    reader's language."""
    from service.catalogue import locale
    from service.workflows.timeline import sentence

    records = {
        "publish_notice": {"working_days": 5, "starts_at": "2027-01-04T09:00:00+08:00",
                           "ends_at": "2027-01-08T23:59:59+08:00", "application_ids": [1, 2]},
        "notice_held": {"pending": 1},
        "finalise_notice": {"application_ids": [1], "ends_at": "2027-01-08T23:59:59+08:00"},
        "file_objection": {"reference": "GS2027-000001", "name": "王五", "theme": "班组创新", "application_id": 1},
        "record_finding": {"reference": "GS2027-000001", "finding": "upheld", "reasons": "属实", "application_id": 1,
                           "theme": "班组创新", "back_to_decision": True},
    }
    for action, detail in records.items():
        row = {"action": action, "actor": "孙丽华"}
        zh = sentence(row, detail, {}, str)
        with locale("en"):
            en = sentence(row, detail, {}, str)
        assert "{" not in zh + en and zh != en, (action, zh, en)
        assert not CJK.search(en.replace("孙丽华", "").replace("王五", "").replace("班组创新", "").replace("属实", "")), en
    assert sentence({"action": "publish_notice", "actor": "孙丽华"}, records["publish_notice"], {}, str) == \
        "孙丽华 发布公示：2 个项目，公示期 2027-01-04 09:00 至 2027-01-08 23:59（5 个工作日）"


def test_translations_fill_the_same_placeholders() -> None:
    """An English text naming a placeholder its msgid does not pass (``{known_en}``) fails when shown: every
    ``{name}`` of a translation is one of its msgid's (``n`` of a plural; a date's English is its ``iso``, which
    its callers pass beside year, month and day)."""
    import string

    from babel.messages.pofile import read_po

    from service.catalogue import TRANSLATIONS

    def names(text: str) -> set[str]:
        return {field for _, field, _, _ in string.Formatter().parse(text) if field}

    with open(TRANSLATIONS / "en" / "LC_MESSAGES" / "messages.po", "rb") as f:
        catalog = read_po(f, locale="en")
    found = []
    for message in catalog:
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        allowed = set().union(*(names(i) for i in ids)) | {"n"} | ({"iso"} if ids[0].startswith("{year}年") else set())
        for text in strings:
            if text and not names(text) <= allowed:
                found.append(f"{ids[0]!r} → {text!r}")
    assert found == [], "translations with placeholders their msgid does not have:\n" + "\n".join(found)


def _error_classes() -> set[str]:
    """The names of ServiceError and every subclass the service defines (their detail is read by people)."""
    from service.errors import ServiceError

    names, todo = set(), [ServiceError]
    while todo:
        cls = todo.pop()
        names.add(cls.__name__)
        todo.extend(cls.__subclasses__())
    return names


def _literal(node: ast.AST | None) -> bool:
    return isinstance(node, ast.JoinedStr) or (isinstance(node, ast.Constant) and isinstance(node.value, str))


def test_error_details_are_msgids() -> None:
    """A problem's ``detail`` and a field error's ``message`` are read by people in their language: the text
    passed to a ServiceError subclass, to ``problem()`` (its detail) or as the ``message`` of a field or element
    error (a dict with ``field``/``element``) is a catalogue call, never a plain or f-string literal."""
    classes = _error_classes()
    found = []
    for path in _python_files():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            texts: list[ast.AST | None] = []
            if isinstance(node, ast.Call):
                name = _name(node.func)
                if name in classes:
                    texts += node.args[:1] if name != "ValidationFailed" else node.args[1:2]
                elif name == "problem":
                    texts += node.args[2:3]
                texts += [k.value for k in node.keywords if name in classes | {"problem"} and k.arg in ("detail",
                                                                                                        "message")]
            elif isinstance(node, ast.Dict):
                keys = {k.value: v for k, v in zip(node.keys, node.values) if isinstance(k, ast.Constant)}
                if "message" in keys and ("field" in keys or "element" in keys):
                    texts.append(keys["message"])
            found += [f"{_rel(path)}:{t.lineno}: {ast.unparse(t)[:70]}" for t in texts if _literal(t)]
    assert found == [], "an error's words outside the catalogue (use _(\"中文…\", name=value)):\n" + "\n".join(found)
