"""Deploying BPMN: each upload of a key becomes its next version."""
from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy.orm import Session

from service import clock
from service.engine import BpmnValidationError, ParsedProcess
from service.errors import BadRequest, Forbidden, NotFound
from service.auth import policies
from service.models import ProcessDefinition, User
from service.repositories import definitions as repo
from service.workflows import audit, forms
from service.workflows.services import Services


def engine_spec(definition: ProcessDefinition) -> dict[str, Any]:
    """The definition as the engine takes it: its cache key, and its spec JSON as a loader.

    ``spec_json`` is a deferred column, read only when the engine's spec cache misses.
    """
    return {"spec_key": definition.cache_key, "spec_json": lambda: definition.spec_json}


def validate_bpmn(*, session: Session, services: Services, xml: bytes) -> dict:
    """Check a document without deploying it; returns its key and user tasks."""
    parsed = prepare(session=session, services=services, xml=xml).parsed
    return {"key": parsed.key, "name": parsed.name, "user_tasks": sorted(parsed.user_tasks),
            "start_variables": parsed.start_variables, "warnings": [w.as_dict() for w in parsed.warnings]}


@dataclass(frozen=True)
class Prepared:
    """A document that passed validation: what the engine made of it, its stored text and checksum."""

    parsed: ParsedProcess
    text: str
    checksum: str

    @property
    def key(self) -> str:
        return self.parsed.key


def prepare(*, session: Session, services: Services, xml: bytes | str) -> Prepared:
    """Validate ``xml`` against the forms deployed now; raises BadRequest naming each problem."""
    services.forms.sync(session, force=True)
    try:
        parsed = services.engine.parse(xml)
    except BpmnValidationError as exc:
        raise BadRequest(str(exc), problems=[p.as_dict() for p in exc.problems]) from None
    return Prepared(parsed, parsed.xml, hashlib.sha256(parsed.xml.encode("utf-8")).hexdigest())


def deploy(*, session: Session, services: Services, xml: bytes | str, user: User | None,
           comment: str = "") -> ProcessDefinition:
    """Parse, validate and store ``xml`` as the next version of its process key."""
    if user is not None and not policies.can_deploy(user):
        raise Forbidden("only process administrators may deploy process definitions")
    prepared = prepare(session=session, services=services, xml=xml)
    pins = forms.pinned_versions(session, services.forms, [t.form_key for t in prepared.parsed.user_tasks.values()])
    return store(session=session, prepared=prepared, user=user, comment=comment, form_versions=pins)


def store(*, session: Session, prepared: Prepared, user: User | None, comment: str = "",
          form_versions: dict[str, int] | None = None) -> ProcessDefinition:
    """Store a validated document as the next version of its key, audited, and commit.

    ``form_versions``: the version of each form its tasks name that was in force at deploy, which its instances
    keep (a form deployed later applies to the next process version); an appraisal campaign's own pins win."""
    parsed, checksum = prepared.parsed, prepared.checksum
    version = repo.highest_version(session, parsed.key) + 1
    definition = ProcessDefinition(
        key=parsed.key, version=version, name=parsed.name, xml=prepared.text, spec_json=parsed.spec_json,
        meta={"user_tasks": {k: asdict(v) for k, v in parsed.user_tasks.items()},
              "elements": parsed.elements, "lanes": parsed.lanes, "start_variables": parsed.start_variables,
              "warnings": [w.as_dict() for w in parsed.warnings], "form_versions": form_versions or {}},
        checksum=checksum, deployed_by=user.id if user else None, deployed_at=clock.now(), comment=comment[:500],
    )
    session.add(definition)
    session.flush()
    audit.record(session, actor=user, action="deploy", object_type="process_definition", object_id=definition.id,
                 detail={"key": parsed.key, "version": version, "checksum": checksum, "comment": comment[:500]})
    session.commit()
    return definition


def latest_definition(session: Session, key: str) -> ProcessDefinition | None:
    return repo.latest(session, key)


def get_definition(session: Session, definition_id: int) -> ProcessDefinition:
    definition = repo.by_id(session, definition_id)
    if definition is None:
        raise NotFound(f"process definition {definition_id} does not exist")
    return definition


def list_definitions(session: Session, key: str | None = None) -> list[ProcessDefinition]:
    return repo.all_versions(session, key)
