"""The JSON API: blueprints, request parsing and problem responses."""
from __future__ import annotations

from flask import Flask

from service.api import (
    applications, auth_routes, campaigns, definitions, errors, health, instances, openapi, orgs, tasks,
)


def register(app: Flask) -> None:
    errors.register(app)
    for module in (health, auth_routes, campaigns, applications, definitions, instances, tasks, orgs, openapi):
        app.register_blueprint(module.bp, url_prefix="/api")
