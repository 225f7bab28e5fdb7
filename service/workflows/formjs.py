"""A form's JSON Schema as a form-js schema and back, without loss (issue 15.5, the editor's server side).

Decision: the stored definition of a form stays its JSON Schema (``processes/forms``, ``form_definitions``).
It is what the server validates submissions with, what campaigns pin by version and what the typed
payload schemas of issue 16 line up with; an editor is a way to write it. The form-js editor
(@bpmn-io/form-js) edits a form-js schema, so the page converts with :func:`to_formjs` when it opens a
form and the server converts what it saves with :func:`from_formjs` before the ordinary deploy
(:func:`service.workflows.forms.deploy_form`), which checks it like any other schema.

Lossless: each field keyword form-js has a control for maps to it (label, description, required,
length and range limits, a text's pattern, a default value, date format, options with their Chinese labels);
every other keyword of the field (``x-title-en``, ``items`` of a table …) travels in the component's
``x-schema`` attribute (JSON; the properties panel does not show it, so it cannot be edited away), and the
keywords of the form itself (``$id``, ``if``/``then`` …) in the form-js root's ``x-schema``.
``from_formjs(to_formjs(s)) == s`` for every form (tests/unit/test_formjs.py).

Nothing set in the editor is lost on the way back: :data:`SETTINGS` lists every property form-js's properties
panel can set on each field type this service offers, as kept (mapped to JSON Schema, enforced by the server)
or refused (the save names the field and the setting, :func:`unconverted`; the page hides the refused
settings' entries in the panel, ``panel``). A property of a component that the table does not know is refused too.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from service.catalogue import N_

SCHEMA_VERSION = 16
EDITOR_TYPE = "x-editor-type"
"""A field keyword: the form-js field type chosen in the editor when it is not the one the schema implies (a list
of two options shown as a drop-down, a short text in a multi-line box); the task pages follow it."""
VALIDATION_TYPE = "x-validation-type"
"""A field keyword: form-js's built-in pattern the field's ``pattern`` is (``email``, ``phone``)."""
PATTERN_MESSAGE = "x-pattern-message"
"""A field keyword: what the person filling in the form reads when the value does not match the ``pattern``."""
_DONE = {"type", "title", "description", "minLength", "maxLength", "minimum", "maximum", "format", "enum",
         "x-enum-labels", "pattern", "default", VALIDATION_TYPE, PATTERN_MESSAGE, EDITOR_TYPE}
PATTERNS = {
    # form-js-viewer 1.23's EMAIL_PATTERN and PHONE_PATTERN (E.164 without spaces), so that the preview and the
    # server agree: a JavaScript RegExp.test and jsonschema's re.search find the same matches in both.
    "email": r"^[a-zA-Z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?"
             r"(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*$",
    "phone": r"(\+|00)(297|93|244|1264|358|355|376|971|54|374|1684|1268|61|43|994|257|32|229|226|880|359|973|1242|"
             r"387|590|375|501|1441|591|55|1246|673|975|267|236|1|61|41|56|86|225|237|243|242|682|57|269|238|506|53|"
             r"5999|61|1345|357|420|49|253|1767|45|1809|1829|1849|213|593|20|291|212|34|372|251|358|679|500|33|298|"
             r"691|241|44|995|44|233|350|224|590|220|245|240|30|1473|299|502|594|1671|592|852|504|385|509|36|62|44|91|"
             r"246|353|98|964|354|972|39|1876|44|962|81|76|77|254|996|855|686|1869|82|383|965|856|961|231|218|1758|"
             r"423|94|266|370|352|371|853|590|212|377|373|261|960|52|692|389|223|356|95|382|976|1670|258|222|1664|"
             r"596|230|265|60|262|264|687|227|672|234|505|683|31|47|977|674|64|968|92|507|64|51|63|680|675|48|1787|"
             r"1939|850|351|595|970|689|974|262|40|7|250|966|249|221|65|500|4779|677|232|503|378|252|508|381|211|239|"
             r"597|421|386|46|268|1721|248|963|1649|235|228|66|992|690|993|670|676|1868|216|90|688|886|255|256|380|"
             r"598|1|998|3906698|379|1784|58|1284|1340|84|678|681|685|967|27|260|263)(9[976]\d|8[987530]\d|6[987]\d|"
             r"5[90]\d|42\d|3[875]\d|2[98654321]\d|9[8543210]|8[6421]|6[6543210]|5[87654321]|4[987654310]|"
             r"3[9643210]|2[70]|7|1)\d{4,20}$",
}
LONG_TEXT = 300
"""A text allowing more than this many characters (or any number) is a multi-line box: on the task pages
(service/web/forms.py) and in the editor alike, through :func:`text_widget`."""
RADIO_UP_TO = 8
"""A choice among at most this many options shows as radio buttons, more as a drop-down (:func:`choice_widget`)."""


def choice_widget(part: dict[str, Any]) -> str:
    """How a field with options shows (``radio`` or ``select``): the form editor's choice, else by their count.

    One rule for the task pages and the editor, so a form looks in the editor as it will to the person filling it."""
    chosen = part.get(EDITOR_TYPE)
    if chosen in ("radio", "select"):
        return str(chosen)
    return "radio" if len(part.get("enum") or ()) <= RADIO_UP_TO else "select"


def text_widget(part: dict[str, Any]) -> str:
    """How a text field shows (``textfield`` or ``textarea``): the form editor's choice, else by its length limit."""
    chosen = part.get(EDITOR_TYPE)
    if chosen in ("textfield", "textarea"):
        return str(chosen)
    return "textarea" if (part.get("maxLength") or 10**6) > LONG_TEXT else "textfield"
CONVERTED = ("textfield", "textarea", "number", "datetime", "radio", "select", "checkbox", "text")
"""The form-js component types :func:`from_formjs` turns into JSON Schema (``text``: the form's title). The editor's
palette offers these and no others (service/web/src/formjs/editor.js, ``OFFERED``)."""


@dataclass(frozen=True)
class Setting:
    """A property form-js's editor can set on a field: kept in the JSON Schema, or refused on save."""
    kept: bool
    types: frozenset[str]
    """The field types whose properties panel offers it."""
    name: str = ""
    """A refused setting's name as the panel shows it (Chinese msgid), for the problem the save reports."""
    panel: tuple[str, ...] = ()
    """A refused setting's entries and groups in the properties panel (form-js 1.23 ids; ``*-x``: an id ending in
    ``-x``), hidden by service/web/src/formjs/editor.js so that it is not offered."""


_INPUTS = frozenset(CONVERTED) - {"text"}
_ALL = frozenset(CONVERTED)
_T = frozenset
SETTINGS: dict[str, Setting] = {
    # form-js's bookkeeping and the field's identity
    "type": Setting(True, _ALL), "id": Setting(True, _ALL), "key": Setting(True, _INPUTS),
    "layout.row": Setting(True, _ALL), "x-schema": Setting(True, _ALL),
    # kept: JSON Schema keywords (see _component / _field)
    "label": Setting(True, _INPUTS - {"datetime"}), "dateLabel": Setting(True, _T({"datetime"})),
    "description": Setting(True, _INPUTS), "text": Setting(True, _T({"text"})),
    "subtype": Setting(True, _T({"datetime"})),  # date only: a time is refused by unconverted ("subtype")
    "validate.required": Setting(True, _INPUTS),
    "validate.minLength": Setting(True, _T({"textfield", "textarea"}), N_("最少字数")),
    "validate.maxLength": Setting(True, _T({"textfield", "textarea"}), N_("最多字数")),
    "validate.pattern": Setting(True, _T({"textfield"})),
    "validate.validationType": Setting(True, _T({"textfield"})),
    "validate.patternErrorMessage": Setting(True, _T({"textfield"})),
    "validate.min": Setting(True, _T({"number"}), N_("最小值")),
    "validate.max": Setting(True, _T({"number"}), N_("最大值")),
    "values": Setting(True, _T({"radio", "select"})),
    "defaultValue": Setting(True, _T({"textfield", "textarea", "number", "radio", "select", "checkbox"})),
    # refused: nothing in the JSON Schema or the service's task pages does it
    "disabled": Setting(False, _INPUTS, N_("禁用"), ("disabled",)),
    "readonly": Setting(False, _INPUTS, N_("只读"), ("readonly",)),
    "conditional.hide": Setting(False, _ALL, N_("隐藏条件"), ("condition",)),
    "layout.columns": Setting(False, _ALL, N_("列宽"), ("layout",)),
    "properties": Setting(False, _ALL, N_("自定义属性"), ("custom-values",)),
    "appearance.prefixAdorner": Setting(False, _T({"textfield", "number"}), N_("前缀"), ("prefix-adorner",)),
    "appearance.suffixAdorner": Setting(False, _T({"textfield", "number"}), N_("后缀"), ("suffix-adorner",)),
    "decimalDigits": Setting(False, _T({"number"}), N_("小数位数"), ("*-decimalDigits",)),
    "increment": Setting(False, _T({"number"}), N_("步长"), ("*-step",)),
    "serializeToString": Setting(False, _T({"number"}), N_("保存为文本"), ("serialize-to-string",)),
    "disallowPassedDates": Setting(False, _T({"datetime"}), N_("不允许过去的日期"), ("*-disallowPassedDates",)),
    "valuesKey": Setting(False, _T({"radio", "select"}), N_("选项来源：流程数据"), ("valuesSource",)),
    "valuesExpression": Setting(False, _T({"radio", "select"}), N_("选项来源：表达式"), ("valuesSource",)),
    "searchable": Setting(False, _T({"select"}), N_("可搜索"), ("searchable",)),
}
"""Every property form-js 1.23's properties panel can set on each offered field type, kept or refused (the one
definition the save, the panel and tests/unit/test_formjs.py read). Time settings (``timeLabel``, ``use24h`` …)
belong to a date-time field asking for a time, which :func:`unconverted` refuses as a whole."""


def hidden_panel_entries() -> list[str]:
    """The properties panel's entries and groups of the refused settings (what the editor page hides)."""
    return sorted({entry for setting in SETTINGS.values() if not setting.kept for entry in setting.panel})


def _set(value: Any) -> bool:
    """Whether a property's value says something (form-js leaves ``false``, ``""`` or ``null`` when unset)."""
    return not (value is None or value is False or value == "" or value == [] or value == {})


def _paths(component: dict[str, Any], prefix: str = "") -> list[tuple[str, Any]]:
    """The component's properties as dotted paths: ``validate``, ``layout``, ``conditional`` and ``appearance``
    one level down (their own keys are the settings), the rest as they are."""
    found: list[tuple[str, Any]] = []
    for name, value in component.items():
        if not prefix and name in {"validate", "layout", "conditional", "appearance"} and isinstance(value, dict):
            found.extend(_paths(value, name + "."))
        else:
            found.append((prefix + name, value))
    return found


_LIMITS = ("validate.min", "validate.max", "validate.minLength", "validate.maxLength")
"""Kept settings the panel also lets one write as a FEEL expression ("=…"): JSON Schema keeps a number only."""


def _refused_settings(component: dict[str, Any]) -> list[str]:
    kind = component.get("type")
    refused = []
    for path, value in _paths(component):
        setting = SETTINGS.get(path)
        if path in _LIMITS and value is not None and (isinstance(value, bool) or not isinstance(value, (int, float))):
            refused.append("expression:" + path)
            continue
        if setting is not None and setting.kept:
            continue
        if path == "properties" and isinstance(value, dict) and set(value) <= {"x-schema"}:
            continue  # an editor page opened before the x-schema attribute moved out of the custom properties
        if path in {"timeLabel", "use24h", "timeInterval", "timeSerializingFormat"} and kind == "datetime":
            continue  # a time: refused as the subtype
        if _set(value):
            refused.append(path)
    return refused


def unconverted(form: dict[str, Any]) -> list[tuple[dict[str, Any], str]]:
    """The components of ``form`` that :func:`from_formjs` cannot keep, each with why: ``"type"`` (a type it does
    not convert: a checklist, a group and what it holds …), ``"subtype"`` (a date-time field asking for a time:
    the schema keeps dates only), ``"text"`` (a text that is not the form's title, one line ``# …``),
    ``"row"`` (a field in the row of an earlier one: the form shows one field per line; the editor refuses
    such a drop too), ``"setting:PATH"`` (a setting :data:`SETTINGS` refuses, or does not know) or
    ``"expression:PATH"`` (a limit written as an expression: the schema keeps numbers)."""
    found: list[tuple[dict[str, Any], str]] = []
    titled = False
    rows: set[Any] = set()
    for component in form.get("components") or []:
        if not isinstance(component, dict):
            continue
        row = (component.get("layout") or {}).get("row") if isinstance(component.get("layout"), dict) else None
        if row is not None and row in rows:
            found.append((component, "row"))  # beside another field: the schema's pages show one field per line
        if row is not None:
            rows.add(row)
        if component.get("type") not in CONVERTED:
            found.append((component, "type"))
            continue
        if component.get("type") == "text":
            text = str(component.get("text") or "")
            if titled or not text.startswith("# ") or "\n" in text.strip():
                found.append((component, "text"))  # only the title, one line "# …", is kept
            titled = True
        if component.get("type") == "datetime" and component.get("subtype", "date") != "date":
            found.append((component, "subtype"))
        found.extend((component, path if path.startswith("expression:") else "setting:" + path)
                     for path in _refused_settings(component))
    return found


def setting_name(path: str) -> str:
    """A refused setting's name (Chinese msgid) for the save's problem; a property the table does not know: as
    it is."""
    setting = SETTINGS.get(path)
    return setting.name if setting is not None and setting.name else path


def to_formjs(key: str, schema: dict[str, Any]) -> dict[str, Any]:
    """The form-js schema of the form ``key`` whose JSON Schema is ``schema``."""
    required = set(schema.get("required") or [])
    components = [_component(name, part, name in required) for name, part in (schema.get("properties") or {}).items()]
    rest = {k: v for k, v in schema.items() if k not in {"properties", "required", "title", "type"}}
    order = [k for k in schema if k in {"properties", "required", "title", "type"} or k in rest]
    form: dict[str, Any] = {"type": "default", "id": f"Form_{key}", "schemaVersion": SCHEMA_VERSION,
                            "components": components, "x-schema": json.dumps(
                                {"rest": rest, "order": order, "required": "required" in schema},
                                ensure_ascii=False)}
    if schema.get("title"):
        components.insert(0, {"type": "text", "id": f"Title_{key}", "text": f"# {schema['title']}"})
    return form


def from_formjs(form: dict[str, Any]) -> dict[str, Any]:
    """The JSON Schema a form-js schema describes (what the server stores and validates with)."""
    extra = json.loads(form.get("x-schema") or "{}") if isinstance(form.get("x-schema"), str) else {}
    rest: dict[str, Any] = extra.get("rest", {"$schema": "https://json-schema.org/draft/2020-12/schema"})
    properties: dict[str, Any] = {}
    required: list[str] = []
    title = None
    for component in form.get("components") or []:
        if component.get("type") == "text":
            text = str(component.get("text") or "")
            if text.startswith("# ") and title is None:
                title = text[2:].strip()
            continue
        name = component.get("key")
        if not isinstance(name, str) or not name:
            continue
        properties[name] = _field(component)
        if (component.get("validate") or {}).get("required"):
            required.append(name)
    parts: dict[str, Any] = {"title": title, "type": "object", "properties": properties,
                             "required": required, **rest}
    if title is None and "title" in order_hint(extra):
        parts["title"] = ""
    if parts["title"] is None:
        del parts["title"]
    if not required and not extra.get("required", True):
        del parts["required"]
    order = extra.get("order") or ["title", "type", "properties", "required", *rest]
    ordered = {k: parts[k] for k in order if k in parts}
    ordered.update({k: v for k, v in parts.items() if k not in ordered})
    return ordered


def _component(name: str, part: dict[str, Any], required: bool) -> dict[str, Any]:
    kind = part.get("type")
    validate: dict[str, Any] = {}
    if required:
        validate["required"] = True
    for source, target in (("minLength", "minLength"), ("maxLength", "maxLength"), ("minimum", "min"),
                           ("maximum", "max")):
        if source in part:
            validate[target] = part[source]
    component: dict[str, Any] = {"id": f"Field_{name}", "key": name, "label": part.get("title", name)}
    if "enum" in part:
        labels = part.get("x-enum-labels") or {}
        component["type"] = choice_widget(part)
        component["values"] = [{"label": labels.get(str(v), str(v)), "value": v} for v in part["enum"]]
    elif kind == "string" and part.get("format") == "date":
        component.update({"type": "datetime", "subtype": "date", "dateLabel": component.pop("label")})
    elif kind == "string":
        component["type"] = text_widget(part)
    elif kind in ("number", "integer"):
        component["type"] = "number"
    elif kind == "boolean":
        component["type"] = "checkbox"
    else:
        component["type"] = "textarea"  # a list or table: the editor shows it as text; its schema travels whole
    if "description" in part:
        component["description"] = part["description"]
    text = component["type"] in ("textfield", "textarea")
    if text and "pattern" in part:
        if part.get(VALIDATION_TYPE) in PATTERNS and part["pattern"] == PATTERNS[part[VALIDATION_TYPE]]:
            validate["validationType"] = part[VALIDATION_TYPE]
        else:
            validate["pattern"] = part["pattern"]
        if PATTERN_MESSAGE in part:
            validate["patternErrorMessage"] = part[PATTERN_MESSAGE]
    if validate:
        component["validate"] = validate
    if "default" in part:
        component["defaultValue"] = part["default"]
    kept = {k: v for k, v in part.items() if k not in _DONE or (k == "format" and component["type"] != "datetime")
            or (not text and k in {"pattern", VALIDATION_TYPE, PATTERN_MESSAGE})}
    kept["x-order"] = list(part)
    kept["x-type"] = kind
    kept["x-labelled"] = "title" in part
    component["x-schema"] = json.dumps(kept, ensure_ascii=False)
    return component


_WIDGETS = {"radio": ("select",), "select": ("radio",), "textfield": ("textarea",), "textarea": ("textfield",)}


def _field(component: dict[str, Any]) -> dict[str, Any]:
    carried = component.get("x-schema") or (component.get("properties") or {}).get("x-schema")
    kept = json.loads(carried) if isinstance(carried, str) else {}
    order = kept.pop("x-order", None)
    kind = kept.pop("x-type", None) or _type_of(component)
    labelled = kept.pop("x-labelled", True)
    validate = component.get("validate") or {}
    part: dict[str, Any] = dict(kept)
    if kind is not None:
        part["type"] = kind
    label = component.get("dateLabel") if component.get("type") == "datetime" else component.get("label")
    if labelled and label is not None:
        part["title"] = label
    if component.get("description"):
        part["description"] = component["description"]
    for source, target in (("minLength", "minLength"), ("maxLength", "maxLength"), ("min", "minimum"),
                           ("max", "maximum")):
        if source in validate:
            part[target] = validate[source]
    if component.get("type") == "datetime":
        part["format"] = "date"
    if component.get("type") in ("textfield", "textarea"):
        for keyword in ("pattern", VALIDATION_TYPE, PATTERN_MESSAGE):
            part.pop(keyword, None)
        if validate.get("validationType") in PATTERNS:
            part["pattern"] = PATTERNS[validate["validationType"]]
            part[VALIDATION_TYPE] = validate["validationType"]
        elif validate.get("pattern"):
            part["pattern"] = validate["pattern"]
        if "pattern" in part and validate.get("patternErrorMessage"):
            part[PATTERN_MESSAGE] = validate["patternErrorMessage"]
    if "defaultValue" in component:
        part["default"] = component["defaultValue"]
    if component.get("type") in ("radio", "select", "checklist") and component.get("values"):
        values = component["values"]
        part["enum"] = [v.get("value") for v in values]
        labels = {str(v.get("value")): v.get("label") for v in values if v.get("label") != str(v.get("value"))}
        if labels or "x-enum-labels" in (order or []):
            part["x-enum-labels"] = labels
    part.pop(EDITOR_TYPE, None)
    implied = _component("_", {**part, EDITOR_TYPE: None}, False)["type"]
    if component.get("type") != implied and component.get("type") in _WIDGETS.get(implied, ()):
        part[EDITOR_TYPE] = component["type"]
    if order:
        return {k: part[k] for k in order if k in part} | {k: v for k, v in part.items() if k not in order}
    return part


def _type_of(component: dict[str, Any]) -> str:
    return {"number": "number", "checkbox": "boolean"}.get(component.get("type", ""), "string")


def order_hint(extra: dict[str, Any]) -> list[str]:
    return list(extra.get("order") or [])
