"""The application's rules as the use cases apply them: the draft check, the submit check, the stored form.

Every rule (limits, choices, what submitting needs) is defined once, in
:mod:`service.schemas.applications`; this module only applies it.
"""
from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from service.schemas import base
from service.schemas.applications import BLANK, FIELD_NAMES, REQUIRED_MESSAGES, ApplicationFields, ApplicationSubmit

APPLICATION_FIELDS = FIELD_NAMES


def field_errors(fields: dict[str, Any], *, complete: bool) -> list[dict[str, str]]:
    """Errors in an application (unknown fields included); ``complete`` also demands what submitting needs."""
    model = ApplicationSubmit if complete else ApplicationFields
    if complete:  # an empty value is a missing one
        fields = {k: v for k, v in fields.items() if v is not None and v != ""}
    try:
        model.model_validate(fields)
    except ValidationError as exc:
        return base.field_errors(exc, required=REQUIRED_MESSAGES)
    return []


def normalise(fields: dict[str, Any]) -> dict[str, Any]:
    """Fields as stored: a cleared field (``null``) becomes its blank value (text columns are NOT NULL)."""
    return {k: BLANK[k] if v is None and k in BLANK else v for k, v in fields.items()}
