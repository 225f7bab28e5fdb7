"""Each API operation declares its body, query and responses once; the declaration validates and documents.

``@operation(...)`` under a route decorator records an :class:`Operation` on the
view and wraps it: a secured operation authenticates first (so a request
without a token is a 401 whatever its body), then the query and the JSON body
are validated by their models (422 naming each field) and handed to the view as
``query=`` and ``body=``. A role check declared with ``allowed=`` comes before the
body (a 403 is not hidden behind a 422). :mod:`service.api.openapi` builds the OpenAPI document
from these declarations and the app's URL map, so the document cannot list an
operation that does not exist or miss one that does.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import wraps
from typing import Any, Callable

from flask import request
from pydantic import BaseModel

from service.api.common import current_user, json_body
from service.auth import policies
from service.errors import Forbidden
from service.schemas.base import validate

JSON = "application/json"


@dataclass(frozen=True)
class Operation:
    summary: str
    body: type[BaseModel] | None = None
    body_media: dict[str, Any] = field(default_factory=dict)  # other request media types: {media type: schema}
    query: type[BaseModel] | None = None
    ok: int = 200
    response: type[BaseModel] | None = None
    content: str = JSON
    errors: tuple[int, ...] = (401, 403, 404)
    secured: bool = True
    allowed: Callable[[Any], bool] | None = None  # a role check (service.auth.policies) made before the body is read
    path: dict[str, dict[str, Any]] = field(default_factory=dict)  # path parameter schemas by name


def operation(summary: str, **declared: Any) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Declare the view's operation; it receives ``body=`` and ``query=`` already validated."""
    op = Operation(summary, **declared)

    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        def run(**kwargs: Any) -> Any:
            if op.secured:
                user = current_user()
                if op.allowed is not None and not op.allowed(user):
                    raise Forbidden(policies.DENIED[op.allowed])
            if op.query is not None:
                kwargs["query"] = validate(op.query, {k: v for k, v in request.args.items() if v != ""})
            if op.body is not None:
                kwargs["body"] = validate(op.body, json_body())
            return view(**kwargs)

        run.operation = op  # type: ignore[attr-defined]
        return run

    return decorate


def declared(view: Callable[..., Any]) -> Operation | None:
    return getattr(view, "operation", None)
