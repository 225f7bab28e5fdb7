"""Form schemas for user tasks, by form key.

A user task names its form (``formKey``); the schema validates what a person
submits and gives the web pages their fields, so a new task with a new form
needs no Python. Schemas come from ``processes/forms`` and from forms that a
process administrator deploys through the service (``form_definitions``); a
deployed version of a key takes precedence over the bundled file.

The application form is the exception: its rules are code (drafts, the submit
check, the API and the export share them), so its schema comes from
:mod:`service.schemas.applications` and cannot be replaced by a deploy.
"""
from __future__ import annotations

import json
import re
import threading
import time
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import SchemaError
from sqlalchemy.orm import Session

from service.catalogue import _, translated
from service import clock
from service.catalogue import _
from service.errors import Forbidden, NotFound, ValidationFailed
from service.models import FormDefinition, User
from service.repositories import forms as repo
from service.schemas import applications as application_schema

CODE_DEFINED: dict[str, Any] = {"application": application_schema.form_schema}
"""Form keys whose schema is generated from a payload schema (``processes/forms/<key>.json`` is a copy)."""

_KEY = re.compile(r"^[a-z][a-z0-9_]{0,79}$")
IRREVERSIBLE = "x-irreversible"
"""A form schema's keyword: a submitted form of this kind cannot be changed (a scorer's sheet)."""
MAX_SCHEMA_BYTES = 256 * 1024


class FormRegistry:
    """Form schemas by key: the bundled files, overlaid by deployed versions."""

    def __init__(self, folder: Path, *, sync_interval: float = 1.0):
        self.folder = folder
        self._schemas: dict[str, dict[str, Any]] = {}
        self._validators: dict[str, Draft202012Validator] = {}
        self._sync_interval = sync_interval
        self._synced_at = float("-inf")
        self._deployed_max_id: int | None = None
        self._pinned: dict[tuple[str, int], tuple[dict[str, Any], Draft202012Validator]] = {}
        self._lock = threading.Lock()
        for path in sorted(folder.glob("*.json")):
            if path.stem not in CODE_DEFINED:
                self._install(path.stem, json.loads(path.read_text(encoding="utf-8")))
        for key, schema in CODE_DEFINED.items():
            self._install(key, schema())

    def _install(self, key: str, schema: dict[str, Any]) -> None:
        Draft202012Validator.check_schema(schema)
        self._schemas[key] = schema
        self._validators[key] = Draft202012Validator(schema, format_checker=FormatChecker())

    def sync(self, session: Session, *, force: bool = False) -> None:
        """Pick up forms deployed by any process; at most one cheap query a second."""
        if not force and time.monotonic() - self._synced_at < self._sync_interval:
            return
        newest = repo.newest_id(session)
        self._synced_at = time.monotonic()
        if newest is None or newest == self._deployed_max_id:
            return
        rows = repo.latest_of_each_key(session)
        with self._lock:
            for row in rows:
                if row.key not in CODE_DEFINED:
                    self._install(row.key, row.schema)
            self._deployed_max_id = newest

    def exists(self, key: str) -> bool:
        return key in self._schemas

    def fields(self, key: str) -> frozenset[str] | None:
        """The top-level fields a form can set (None: no such form); what BPMN validation calls "set by a form".

        Fields declared only in a conditional part of the schema (``if``/``then``, ``allOf`` …) count too.
        """
        schema = self._schemas.get(key)
        return None if schema is None else frozenset(_top_level_fields(schema))

    def keys(self) -> list[str]:
        return sorted(self._schemas)

    def schema(self, key: str) -> dict[str, Any]:
        if not _KEY.match(key or "") or key not in self._schemas:
            raise NotFound(_("表单“{key}”不存在", key=key))
        return self._schemas[key]

    def schema_at(self, session: Session, key: str, version: int | None) -> dict[str, Any]:
        """Form ``key`` as version ``version`` was deployed (0: the bundled file; None: the newest)."""
        if version is None or key in CODE_DEFINED:
            return self.schema(key)
        if (key, version) not in self._pinned:
            if version == 0:
                path = self.folder / f"{key}.json"
                if not _KEY.match(key) or not path.is_file():
                    raise NotFound(_("表单“{key}”没有随附的文件", key=key))
                found: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
            else:
                row = repo.version(session, key, version)
                if row is None:
                    raise NotFound(_("表单“{key}”没有第 {version} 版", key=key, version=version))
                found = row.schema
            with self._lock:
                self._pinned[(key, version)] = (found, Draft202012Validator(found, format_checker=FormatChecker()))
        return self._pinned[(key, version)][0]

    def validate(self, key: str, data: Any, *, session: Session | None = None, version: int | None = None) -> None:
        """Raise ValidationFailed listing every field error in ``data`` (against ``version`` when given)."""
        if session is not None and version is not None and key not in CODE_DEFINED:
            self.schema_at(session, key, version)
            validator = self._pinned[(key, version)][1]
        else:
            self.schema(key)
            validator = self._validators[key]
        errors = []
        for err in sorted(validator.iter_errors(data), key=lambda e: list(e.absolute_path)):
            errors.append({"field": _field(err), "message": _pattern_message(err) if err.validator == "pattern"
                           else err.message})
        if errors:
            raise ValidationFailed(errors)

    def irreversible(self, key: str, *, session: Session | None = None, version: int | None = None) -> bool:
        """Whether submitting form ``key`` (as ``version``, when given) cannot be undone: its schema says so with
        ``"x-irreversible": true``. The one definition the API's ``confirm`` and the pages' confirmation read."""
        if session is not None and version is not None and key not in CODE_DEFINED:
            return self.schema_at(session, key, version).get(IRREVERSIBLE) is True
        return self.schema(key).get(IRREVERSIBLE) is True

    def current_version(self, session: Session, key: str) -> int:
        """The version of ``key`` in force now: the newest deployed, 0 for the bundled file."""
        row = repo.latest(session, key)
        return row.version if row is not None else 0


def _field(err: Any) -> str:
    path = ".".join(str(p) for p in err.absolute_path)
    if err.validator == "required":
        missing = re.search(r"'([^']+)' is a required property", err.message)
        if missing:
            return f"{path}.{missing.group(1)}" if path else missing.group(1)
    if err.validator == "additionalProperties":
        extra = re.findall(r"'([^']+)'", err.message)
        if extra:
            return f"{path}.{extra[0]}" if path else extra[0]
    return path or "$"


def _pattern_message(err: Any) -> str:
    """What a value not matching its field's ``pattern`` is told: the form's own message (the editor's "custom
    error message"), else what the built-in pattern asks for, else that the format is wrong."""
    from service.workflows import formjs

    field = err.schema if isinstance(err.schema, dict) else {}
    if isinstance(field.get(formjs.PATTERN_MESSAGE), str) and field[formjs.PATTERN_MESSAGE].strip():
        return str(field[formjs.PATTERN_MESSAGE])
    kind = field.get(formjs.VALIDATION_TYPE)
    if kind == "email":
        return _("请填写有效的电子邮件地址，如 name@example.com")
    if kind == "phone":
        return _("请填写有效的电话号码：以 + 和国家代码开头，不含空格，如 +8613812345678")
    return _("格式不符合要求")


def schema_errors(key: str, schema: Any) -> list[dict[str, str]]:
    """Why ``schema`` cannot serve as the form ``key`` (empty when it can)."""
    errors = []
    if not isinstance(key, str) or not _KEY.match(key):
        errors.append({"field": "key", "message": _("只能使用小写字母、数字和 _，并以字母开头")})
    elif key in CODE_DEFINED:
        errors.append({"field": "key", "message": _("此表单由系统定义，不能在此发布")})
    if not isinstance(schema, dict):
        return errors + [{"field": "schema", "message": _("须为 JSON 对象")}]
    if len(json.dumps(schema, ensure_ascii=False).encode("utf-8")) > MAX_SCHEMA_BYTES:
        errors.append({"field": "schema", "message": _("最多 {limit} 字节", limit=MAX_SCHEMA_BYTES)})
    if schema.get("type") != "object" or not isinstance(schema.get("properties"), dict):
        errors.append({"field": "schema.type", "message": _("表单结构须为带 properties 的对象")})
    if "$ref" in json.dumps(schema):
        errors.append({"field": "schema", "message": _("表单结构中不支持 $ref")})
    try:
        Draft202012Validator.check_schema(schema)
    except SchemaError as exc:
        errors.append({"field": "schema." + ".".join(str(p) for p in exc.path) if exc.path else "schema",
                       "message": exc.message})
    return errors


def deploy_form(*, session: Session, registry: FormRegistry, user: User, key: str, schema: Any) -> FormDefinition:
    """Store ``schema`` as the next version of form ``key`` (process administrators only)."""
    from service.auth import policies
    from service.workflows import audit

    if not policies.can_deploy(user):
        raise Forbidden(_("只有流程管理员可以发布表单"))
    errors = schema_errors(key, schema)
    if errors:
        raise ValidationFailed(errors)
    latest = latest_form(session, key)
    if latest is not None and latest.schema == schema:
        session.rollback()  # the same schema again is not a new version (PUT is idempotent): nothing to record
        return latest
    version = (latest.version if latest is not None else 0) + 1
    row = FormDefinition(key=key, version=version, schema=schema, deployed_by=user.id, deployed_at=clock.now())
    session.add(row)
    session.flush()
    audit.record(session, actor=user, action="deploy_form", object_type="form", object_id=key,
                 detail={"version": version})
    session.commit()
    registry.sync(session, force=True)
    return row


def code_defined_text(key: str) -> str:
    """The file ``processes/forms/<key>.json`` of a code-defined form, as ``write-forms`` writes it."""
    return json.dumps(CODE_DEFINED[key](), ensure_ascii=False, indent=2) + "\n"


def write_code_defined(folder: Path) -> list[Path]:
    """Write each code-defined form's schema into ``folder`` (the copy people and tools read)."""
    written = []
    for key in CODE_DEFINED:
        path = folder / f"{key}.json"
        path.write_text(code_defined_text(key), encoding="utf-8")
        written.append(path)
    return written


def latest_form(session: Session, key: str) -> FormDefinition | None:
    return repo.latest(session, key)


def form_versions(session: Session, key: str) -> list[FormDefinition]:
    return repo.versions(session, key)


def _top_level_fields(schema: dict[str, Any]) -> set[str]:
    names = set((schema.get("properties") or {}).keys())
    for keyword in ("if", "then", "else", "allOf", "anyOf", "oneOf", "dependentSchemas"):
        parts = schema.get(keyword)
        if isinstance(parts, dict):
            parts = list(parts.values()) if keyword == "dependentSchemas" else [parts]
        for part in parts if isinstance(parts, list) else []:
            if isinstance(part, dict):
                names |= _top_level_fields(part)
    return names



def pinned_versions(session: Session, registry: FormRegistry, form_keys: list[str]) -> dict[str, int]:
    """The version in force now of each form a process version's user tasks name (what a campaign records:
    its applications keep these even after a newer one is deployed). Code-defined forms have no versions."""
    return {key: registry.current_version(session, key) for key in sorted(set(form_keys))
            if key and key not in CODE_DEFINED and registry.exists(key)}


def version_of(campaign: Any, key: str) -> int | None:
    """The version of form ``key`` pinned by ``campaign`` (None: not pinned, the newest applies)."""
    pinned = getattr(campaign, "form_versions", None) or {}
    value = pinned.get(key)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def formjs_of(*, session: Session, registry: FormRegistry, key: str) -> dict[str, Any]:
    """Form ``key`` in force now as the visual editor edits it (a new key: an empty form)."""
    from service.workflows import formjs

    registry.sync(session)
    if key in CODE_DEFINED:
        raise ValidationFailed([{"field": "key", "message": _("此表单由系统定义，不能在编辑器中修改")}])
    if not _KEY.match(key or ""):
        raise NotFound(_("表单“{key}”不存在", key=key))
    schema = registry.schema(key) if registry.exists(key) else {
        "$schema": "https://json-schema.org/draft/2020-12/schema", "title": "", "type": "object",
        "properties": {}, "required": [], "additionalProperties": False}
    return {"key": key, "version": registry.current_version(session, key), "formjs": formjs.to_formjs(key, schema)}


def _unconverted_problem(component: dict[str, Any], why: str) -> dict[str, str]:
    """What the editor shows for a component the form cannot keep, naming the field as the editor does."""
    name = str(component.get("label") or component.get("dateLabel") or component.get("key")
               or (str(component.get("text") or "").strip()[:20] if component.get("type") == "text" else "")
               or component.get("id") or component.get("type"))
    if why == "subtype":
        message = _("“{name}”只能填日期：表单不保存时间，请在“类型”中选“日期”", name=name)
    elif why == "row":
        message = _("“{name}”与另一个字段排在同一行：表单每行只放一个字段，请把它拖到单独一行", name=name)
    elif why == "text":
        message = _("“{name}”：表单只保存一行标题，写成“# 标题”；其他说明文字请写进字段的说明", name=name)
    elif why.startswith("expression:"):
        from service.workflows import formjs

        message = _("“{name}”的“{setting}”须为数字，表单不保存表达式", name=name,
                    setting=translated(formjs.setting_name(why.split(":", 1)[1])))
    elif why.startswith("setting:"):
        from service.workflows import formjs

        message = _("“{name}”的设置“{setting}”无法保存在表单中，请清除它", name=name,
                    setting=translated(formjs.setting_name(why.split(":", 1)[1])))
    else:
        message = _("“{name}”是表单不支持的字段（{kind}），请删除它，或换成单行文本、多行文本、数字、日期、单选、"
                    "下拉选择或复选框", name=name, kind=str(component.get("type")))
    return {"field": str(component.get("key") or component.get("id") or component.get("type")), "message": message}


def deploy_formjs(*, session: Session, registry: FormRegistry, user: User, key: str,
                  formjs: dict[str, Any]) -> FormDefinition:
    """The editor's form-js schema, converted to JSON Schema, as the next version of ``key`` (checked as any)."""
    from service.workflows import formjs as convert

    lost = convert.unconverted(formjs) if isinstance(formjs, dict) else []
    if lost:
        raise ValidationFailed([_unconverted_problem(component, why) for component, why in lost])
    try:
        schema = convert.from_formjs(formjs)
    except (ValueError, TypeError, AttributeError) as exc:
        raise ValidationFailed([{"field": "formjs", "message": _("编辑器保存的表单无法读取：{detail}",
                                                                 detail=str(exc)[:200])}]) from None
    return deploy_form(session=session, registry=registry, user=user, key=key, schema=schema)
