"""Form schemas for user tasks, loaded from ``processes/forms`` by form key.

A user task names its form (``formKey``); the schema validates what a person
submits and gives the web pages their fields, so a new task with a new form
needs no Python.
"""
from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker

from service.errors import NotFound, ValidationFailed

_KEY = re.compile(r"^[a-z][a-z0-9_]{0,79}$")


class FormRegistry:
    """Form schemas by key, read once from a folder."""

    def __init__(self, folder: Path):
        self.folder = folder
        self._schemas: dict[str, dict[str, Any]] = {}
        self._validators: dict[str, Draft202012Validator] = {}
        for path in sorted(folder.glob("*.json")):
            schema = json.loads(path.read_text(encoding="utf-8"))
            Draft202012Validator.check_schema(schema)
            self._schemas[path.stem] = schema
            self._validators[path.stem] = Draft202012Validator(schema, format_checker=FormatChecker())

    def exists(self, key: str) -> bool:
        return key in self._schemas

    def keys(self) -> list[str]:
        return sorted(self._schemas)

    def schema(self, key: str) -> dict[str, Any]:
        if not _KEY.match(key or "") or key not in self._schemas:
            raise NotFound(f"form {key!r} does not exist")
        return self._schemas[key]

    def validate(self, key: str, data: Any) -> None:
        """Raise ValidationFailed listing every field error in ``data``."""
        self.schema(key)
        errors = []
        for err in sorted(self._validators[key].iter_errors(data), key=lambda e: list(e.absolute_path)):
            errors.append({"field": _field(err), "message": err.message})
        if errors:
            raise ValidationFailed(errors)


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
