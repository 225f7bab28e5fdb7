"""The long-lived collaborators a use case needs, built once per process."""
from __future__ import annotations

from dataclasses import dataclass

from service.config import Settings
from service.engine import Engine
from service.models import ROLES
from service.workflows.forms import FormRegistry


@dataclass
class Services:
    settings: Settings
    engine: Engine
    forms: FormRegistry


def build_services(settings: Settings) -> Services:
    forms = FormRegistry(settings.processes_dir / "forms")
    engine = Engine(known_roles=frozenset(ROLES) | {"system"}, form_fields=forms.fields)
    return Services(settings=settings, engine=engine, forms=forms)
