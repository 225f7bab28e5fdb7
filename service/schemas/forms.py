"""Form schemas by key, and deploying a new version of one."""
from __future__ import annotations

from typing import Any

from pydantic import Field

from service.schemas.base import Body, Read

KEY_PATTERN = r"^[a-z][a-z0-9_]{0,79}$"


class FormSummary(Read):
    key: str
    title: str


class FormVersion(Read):
    version: int
    deployed_by: int | None
    deployed_at: str | None


class FormRead(Read):
    key: str
    schema_: dict[str, Any] = Field(alias="schema")
    versions: list[FormVersion]


class FormDeploy(Body):
    """A JSON Schema (draft 2020-12) of an object; checked by the use case (size, no ``$ref``, valid schema)."""

    schema_: Any = Field(None, alias="schema")


class FormDeployed(Read):
    key: str
    version: int
    deployed_at: str | None


class FormjsRead(Read):
    """A form as the visual editor (@bpmn-io/form-js) edits it; the stored definition stays its JSON Schema."""

    key: str
    version: int
    formjs: dict[str, Any]


class FormjsDeploy(Body):
    """A form-js schema from the editor; converted to the form's JSON Schema and deployed as its next version."""

    formjs: dict[str, Any]
