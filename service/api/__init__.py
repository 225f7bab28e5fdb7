"""The JSON API: blueprints, request parsing and problem responses."""
from __future__ import annotations

from typing import Any

from flask import Flask
from werkzeug.routing import IntegerConverter

from service.api import (
    applications, auth_routes, campaigns, definitions, documents, errors, forms, health, incidents, instances,
    migrations, notifications, openapi, orgs, meetings, public_notices, scoring, tasks,
)


class DatabaseId(IntegerConverter):
    """``<int:…>`` in a URL: at most 2**31 - 1, so a huge id is a 404, not a database overflow."""

    def __init__(self, map: Any, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(map, *args, **kwargs)


def register(app: Flask) -> None:
    app.url_map.converters["int"] = DatabaseId
    errors.register(app)
    for module in (health, auth_routes, campaigns, applications, documents, definitions, instances, tasks, orgs,
                   notifications, incidents, forms, scoring, public_notices, meetings, migrations, openapi):
        app.register_blueprint(module.bp, url_prefix="/api")
