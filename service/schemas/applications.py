"""The application's fields, defined once: limits, choices, what submitting needs, titles and labels.

:class:`ApplicationFields` is the one definition (a draft: every rule except
"required"). Everything else is derived from it, so a limit cannot differ
between places:

- :class:`ApplicationSubmit`, the submit check: the same fields, with those in
  ``REQUIRED_AT_SUBMIT`` required and not blank;
- :func:`form_schema`, the JSON Schema the pages render and the task form
  validates (``processes/forms/application.json`` is this, written by
  ``appraisal forms write``; a test keeps the file equal);
- the API's request and response schemas (``ApplicationCreate``, ``ApplicationUpdate``,
  ``ApplicationRead``) and so the OpenAPI document;
- the export's columns (:func:`columns`).

Adding a field (e.g. issue 13's applicant) is one entry in ``ApplicationFields``
(plus ``REQUIRED_AT_SUBMIT`` if needed), a column on the ``applications`` table
with its migration, and ``python -m service.cli forms write``; see README *Layout*.
"""
from __future__ import annotations

import re
from datetime import date as Date
from functools import cache
from typing import Annotated, Any, Literal, get_args

from pydantic import AfterValidator, ConfigDict, Field, create_model
from pydantic.fields import FieldInfo

from service.catalogue import N_, _, translated
from service.schemas.base import Body, From, Read
from service.schemas.common import Paging

# Choices by code and their Chinese labels (msgids: the English is in service/catalogue's .po files).
CATEGORIES: dict[str, str] = {
    "1": N_("执行上级决策中推出的创造性措施"),
    "2": N_("争创一流组织、一流工作中作出重大贡献"),
    "3": N_("破解体制机制和热点难点问题"),
    "4": N_("在工会各项工作中主动谋划的创造性举措"),
    "5": N_("借鉴外地经验、结合本地实际的创造性方法"),
    "6": N_("多年探索完善、今年总结规范提高的经验做法"),
}
CONDITIONS: dict[str, str] = {
    "1": N_("被市委、市政府和省总以上认可并采纳"),
    "2": N_("得到过市总工会以上主要领导的肯定"),
    "3": N_("在省总以上会议作经验介绍或得到省总以上肯定"),
    "4": N_("被中央和省级主要媒体推介报道"),
    "5": N_("在基层产生较大影响、得到职工群众认可"),
}
RECOGNITION_LEVELS: dict[str, str] = {
    "national": N_("国家级"),
    "provincial": N_("省级"),
    "municipal": N_("市级"),
    "county": N_("县级"),
}
APPLICANT_TYPES: dict[str, str] = {
    "collective": N_("集体"),
    "individual": N_("个人"),
}
MAX_RECOGNITIONS = 50

Category = Literal["1", "2", "3", "4", "5", "6"]
Condition = Literal["1", "2", "3", "4", "5"]
Level = Literal["national", "provincial", "municipal", "county"]
ApplicantType = Literal["collective", "individual"]
assert set(get_args(Category)) == set(CATEGORIES) and set(get_args(Condition)) == set(CONDITIONS) \
    and set(get_args(Level)) == set(RECOGNITION_LEVELS) and set(get_args(ApplicantType)) == set(APPLICANT_TYPES)


def _labels(table: dict[str, str]) -> dict[str, Any]:
    return {"x-enum-labels": dict(table)}


def _title(zh: str, description: str | None = None, **extra: Any) -> dict[str, Any]:
    """Field() arguments for a field's page title (Chinese, a msgid of the catalogue) and help text."""
    return {"title": zh, "description": description, "json_schema_extra": extra}


_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _iso_date(value: str) -> str:
    """A calendar date written YYYY-MM-DD (what JSON Schema's ``format: date`` accepts, nothing laxer)."""
    try:
        if _ISO_DATE.fullmatch(value):
            Date.fromisoformat(value)
            return value
    except ValueError:
        pass
    raise ValueError(_("须为日期 YYYY-MM-DD"))


def _unique(values: list[str] | None) -> list[str] | None:
    if values is not None and len(set(values)) != len(values):
        raise ValueError(_("不能重复"))
    return values


# One recognition received: by whom (level, department) and when (optional: the seed asks only who).
# (No docstring: it would become the form's description.)
class Recognition(Body):

    model_config = ConfigDict(title=N_("肯定记录"))

    level: Annotated[Level, Field(**_title(N_("级别"), **_labels(RECOGNITION_LEVELS)))]
    department: Annotated[str, Field(min_length=1, max_length=200, pattern=r"\S", **_title(N_("部门")))]
    date: Annotated[str, AfterValidator(_iso_date), Field(**_title(N_("日期"), format="date"))] = None  # type: ignore[assignment]


class ApplicationFields(Body):
    """The application's fields as a draft holds them; ``null`` or ``""`` clears a field."""

    model_config = ConfigDict(title=N_("保定市总工会创新性工作申报表"), json_schema_extra={
        "$schema": "https://json-schema.org/draft/2020-12/schema", "$id": "urn:appraisal-flow:forms:application",
        "description": N_("填报内容要精练具体，实事求是，不得弄虚作假。")})

    applicant_type: ApplicantType | None = Field(None, **_title(N_("申报者"), N_("申报者为集体或个人"), **_labels(APPLICANT_TYPES)))
    applicant_name: str | None = Field(None, max_length=200, **_title(N_("申报者名称或姓名"), N_("集体填写名称（如某班组、某部门），个人填写姓名")))
    contact_person: str | None = Field(None, max_length=50, **_title(N_("联系人")))
    contact_phone: str | None = Field(None, max_length=30, **_title(N_("联系电话")))
    theme: str | None = Field(None, max_length=200, **_title(N_("申报主题"), N_("所申报创新性工作的主题")))
    content: str | None = Field(None, max_length=10000, **_title(N_("详细内容"), N_("所申报工作的具体内容，要有较为详细的文字说明")))
    proposer: str | None = Field(None, max_length=200, **_title(N_("最早提出人/单位"), N_("创新性工作由谁先提出")))
    refinement: str | None = Field(None, max_length=10000, **_title(N_("完善过程"), N_("如何逐步完善确定")))
    effects: str | None = Field(None, max_length=10000, **_title(N_("具体成效"), N_("取得的具体效果")))
    recognitions: list[Recognition] | None = Field(None, max_length=MAX_RECOGNITIONS, **_title(N_("获得肯定情况"), N_("得到过哪些级别、哪些部门的肯定")))
    category: Category | None = Field(None, **_title(N_("成果范围"), N_("属于六个方面中的哪一方面"), **_labels(CATEGORIES)))
    conditions: Annotated[list[Annotated[Condition, Field(json_schema_extra=_labels(CONDITIONS))]] | None,
                          AfterValidator(_unique)] = Field(None, **_title(N_("具备的申报条件"), N_("至少具备以下条件之一"), uniqueItems=True))


FIELD_NAMES: tuple[str, ...] = tuple(ApplicationFields.model_fields)
REQUIRED_AT_SUBMIT: tuple[str, ...] = ("applicant_type", "applicant_name", "contact_person", "contact_phone", "theme",
                                       "content", "proposer", "refinement", "effects", "category", "conditions")
REQUIRED_MESSAGES: dict[str, str] = {
    "applicant_type": N_("请选择申报者为集体或个人"),
    "category": N_("请选择六类成果之一"),
    "conditions": N_("至少具备五个条件之一"),
}
BLANK: dict[str, Any] = {name: [] if name in ("recognitions", "conditions")
                         else None if name in ("category", "applicant_type") else "" for name in FIELD_NAMES}
"""What a cleared field is stored as (text columns are NOT NULL)."""


def _required(name: str, info: FieldInfo) -> tuple[Any, FieldInfo]:
    """The draft field ``name`` as submitting needs it: present, not null, text not blank, a list not empty."""
    inner = next(a for a in get_args(info.annotation) if a is not type(None))
    must = [Field(min_length=1, pattern=r"\S")] if inner is str else \
        [Field(min_length=1)] if getattr(inner, "__origin__", None) is list else []
    extras = [*info.metadata, *must]
    return (Annotated[inner, *extras] if extras else inner), Field(
        title=info.title, description=info.description, json_schema_extra=info.json_schema_extra)


ApplicationSubmit = create_model(  # type: ignore[call-overload]
    "ApplicationSubmit", __base__=ApplicationFields,
    **{name: _required(name, ApplicationFields.model_fields[name]) for name in REQUIRED_AT_SUBMIT})
ApplicationSubmit.__doc__ = "The application as it must be to be submitted (derived from ApplicationFields)."


@cache
def form_schema() -> dict[str, Any]:
    """The page's form: ``ApplicationSubmit`` as a plain JSON Schema (no ``$ref``, no ``null``)."""
    from service.schemas.base import inline_schema

    schema = inline_schema(ApplicationSubmit.model_json_schema())
    schema["required"] = list(REQUIRED_AT_SUBMIT)
    return schema


def columns() -> list[tuple[str, str]]:
    """(field, title msgid) in form order: the export's columns (``translated`` gives the reader's words)."""
    return [(name, info.title or name) for name, info in ApplicationFields.model_fields.items()]


_CHOICES = {"category": CATEGORIES, "conditions": CONDITIONS, "applicant_type": APPLICANT_TYPES}


def cell(name: str, value: Any) -> str:
    """A field's value as the export writes it: choices by their label in the reader's language (the seed's
    numbered lists with their number in front; a code word such as ``collective`` never shows), recognitions one
    per line."""
    if value is None or value == "" or value == []:
        return ""
    if name == "recognitions":
        return "\n".join(" ".join(p for p in (translated(RECOGNITION_LEVELS.get(r.get("level"), r.get("level", ""))),
                                                r.get("department", ""), r.get("date") or "") if p)
                         for r in value if isinstance(r, dict))
    if name in _CHOICES:
        labels = _CHOICES[name]
        return "\n".join((f"{v}. {translated(labels[v])}" if str(v).isdigit() else translated(labels[v]))
                         if v in labels else str(v) for v in (value if isinstance(value, list) else [value]))
    return str(value)


# --------------------------------------------------------------------------- API bodies


class ApplicationCreate(ApplicationFields):
    """A new draft for the user's unit in a campaign; any fields may be filled in already."""

    model_config = ConfigDict(title="ApplicationCreate", json_schema_extra=None)

    campaign_id: int = Field(ge=1, le=2**31 - 1, title="Campaign")


class ApplicationUpdate(ApplicationFields):
    """Draft fields to save (PUT or PATCH: the fields sent are changed, the others kept)."""

    model_config = ConfigDict(title="ApplicationUpdate", json_schema_extra=None)


class Missing(Read):
    field: str
    message: str


def _read_fields() -> dict[str, Any]:
    """ApplicationRead's fields in the order the API sends them; the application's own fields come from
    ApplicationFields (a new field is in every response at once)."""
    before = {"id": int, "campaign_id": int, "unit_id": int, "unit_name": Annotated[str, From("unit.name")],
              "supervising_union_id": int | None}
    after = {"status": str, "stage": str | None, "outcome": str | None, "grade": str | None,
             "final_score": float | None, "calculation": dict[str, Any] | None, "recusals": list[Any] | None,
             "process_instance_id": Annotated[int | None, From("instance_id")], "signed_by": int | None,
             "withdrawn_at": str | None, "created_at": str | None,
             "updated_at": str | None, "submitted_at": str | None, "missing": list[Missing]}
    own = {name: info.annotation for name, info in ApplicationFields.model_fields.items()}
    # Every key may be absent: service.auth.visibility leaves out what the viewer may not see.
    return {name: (kind, None) for name, kind in {**before, **own, **after}.items()}


ApplicationRead = create_model("ApplicationRead", __base__=Read, **_read_fields())  # type: ignore[call-overload]
ApplicationRead.__doc__ = "One application as the viewer may see it (fields the viewer may not see are left out)."


class ApplicationWithdraw(Body):
    """Withdraw the unit's application before shortlisting (optionally saying why)."""

    reason: str = Field("", max_length=500)


class ApplicationQuery(Paging):
    campaign_id: int | None = Field(None, ge=1, le=2**31 - 1)
    unit_id: int | None = Field(None, ge=1, le=2**31 - 1)
    status: str | None = Field(None, max_length=40)
