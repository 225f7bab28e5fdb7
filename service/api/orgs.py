"""Organisation units and people: read by everyone signed in (units), managed by the office; the workbook."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, Response

from service.api import schemas
from service.api.common import current_user, services, session, uploaded_file
from service.api.contract import operation
from service.auth import policies
from service.catalogue import _
from service.schemas.common import Items, Page
from service.schemas.orgs import (
    ImportQuery, ImportReport, OrgUnitCreate, OrgUnitQuery, OrgUnitRead, OrgUnitUpdate,
    PasswordLinkRead, PersonCreate, PersonQuery, PersonRead, PersonUpdate, SetPassword,
)
from service.workflows import accounts, org_workbook, orgs
from service.workflows.filenames import download_headers

bp = Blueprint("orgs", __name__)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_WORKBOOK = {XLSX: {"schema": {"type": "string", "format": "binary",
                               "description": "the organisation workbook (.xlsx; GET /api/org-workbook/template)"}}}
NULLABLE_UNIT = frozenset({"parent_id"})
NULLABLE_PERSON = frozenset({"phone", "email"})


def _changes(body: Any, nullable: frozenset[str]) -> dict[str, Any]:
    """The fields the body gave; null clears only a field that may be empty."""
    return {k: getattr(body, k) for k in body.model_fields_set if getattr(body, k) is not None or k in nullable}


@bp.get("/org-units")
@operation("Organisation units", query=OrgUnitQuery, response=Items[OrgUnitRead], errors=(401,))
def list_(query: OrgUnitQuery) -> dict:
    return {"items": [schemas.org_unit(u) for u in orgs.list_units(session=session(), include_inactive=query.include_inactive)]}


@bp.post("/org-units")
@operation("Create a unit (office)", body=OrgUnitCreate, ok=201, response=OrgUnitRead, errors=(401, 403, 409, 422),
           allowed=policies.can_manage_org)
def create_unit(body: OrgUnitCreate) -> tuple[dict, int]:
    unit = orgs.create_unit(session=session(), user=current_user(), code=body.code, name=body.name, type=body.type,
                            name_en=body.name_en, parent_id=body.parent_id)
    return schemas.org_unit(unit), 201


@bp.get("/org-units/<int:unit_id>")
@operation("One unit", response=OrgUnitRead, errors=(401, 404))
def get_unit(unit_id: int) -> dict:
    current_user()
    return schemas.org_unit(orgs.get_unit(session(), unit_id))


@bp.patch("/org-units/<int:unit_id>")
@operation("Edit or deactivate a unit (office)", body=OrgUnitUpdate, response=OrgUnitRead,
           errors=(401, 403, 404, 422), allowed=policies.can_manage_org)
def update_unit(unit_id: int, body: OrgUnitUpdate) -> dict:
    unit = orgs.update_unit(session=session(), user=current_user(), unit_id=unit_id,
                            changes=_changes(body, NULLABLE_UNIT))
    return schemas.org_unit(unit)


@bp.get("/users")
@operation("People (office)", query=PersonQuery, response=Page[PersonRead], errors=(401, 403),
           allowed=policies.can_manage_org)
def list_people(query: PersonQuery) -> dict:
    rows, total = orgs.list_people(session=session(), user=current_user(), unit_id=query.unit_id, q=query.q,
                                   include_inactive=query.include_inactive, page=query.page,
                                   page_size=query.page_size)
    return {"items": [schemas.person(p) for p in rows], "total": total, "page": query.page,
            "page_size": query.page_size}


@bp.post("/users")
@operation("Create a person with roles in their unit; they are sent a one-time link to set a password (office)",
           body=PersonCreate, ok=201, response=PersonRead, errors=(401, 403, 409, 422), allowed=policies.can_manage_org)
def create_person(body: PersonCreate) -> tuple[dict, int]:
    person, _ = orgs.create_person(session=session(), user=current_user(), username=body.username,
                                   display_name=body.display_name, unit_id=body.unit_id, roles=list(body.roles),
                                   phone=body.phone, email=body.email,
                                   link_ttl=services().settings.password_link_ttl,
                                   other_roles=[(h.role, h.unit_id) for h in body.other_roles])
    return schemas.person(person), 201


@bp.get("/users/<int:person_id>")
@operation("One person (office)", response=PersonRead, errors=(401, 403, 404), allowed=policies.can_manage_org)
def get_person(person_id: int) -> dict:
    return schemas.person(orgs.get_person(session=session(), user=current_user(), person_id=person_id))


@bp.patch("/users/<int:person_id>")
@operation("Edit or deactivate a person (office); deactivating releases their claimed tasks to the pool",
           body=PersonUpdate, response=PersonRead, errors=(401, 403, 404, 422), allowed=policies.can_manage_org)
def update_person(person_id: int, body: PersonUpdate) -> dict:
    person = orgs.update_person(session=session(), user=current_user(), person_id=person_id,
                                changes=_changes(body, NULLABLE_PERSON))
    return schemas.person(person)


@bp.post("/users/<int:person_id>/password-reset")
@operation("Reset a person's password: the old one stops working and a one-time link is sent (office)",
           ok=202, response=PasswordLinkRead, errors=(401, 403, 404, 422), allowed=policies.can_manage_org)
def reset_password(person_id: int) -> tuple[dict, int]:
    return accounts.reset_password(session=session(), user=current_user(), person_id=person_id,
                                   ttl=services().settings.password_link_ttl), 202


@bp.post("/auth/password-link")
@operation("Set a password with a one-time link's token", body=SetPassword, ok=204, errors=(404, 422),
           secured=False)
def set_password(body: SetPassword) -> tuple[str, int]:
    accounts.set_password_with_link(session=session(), token=body.token, password=body.password)
    return "", 204


@bp.get("/org-workbook")
@operation("Every unit and person as the import workbook (the federation's office)", content=XLSX,
           errors=(401, 403), allowed=policies.can_manage_whole_org)
def export() -> Response:
    data = org_workbook.export(session=session(), user=current_user())
    return Response(data, mimetype=XLSX, headers=download_headers(_("组织机构与人员.xlsx")))


@bp.get("/org-workbook/template")
@operation("The empty import workbook: headers, an example row, notes (the federation's office)", content=XLSX,
           errors=(401, 403), allowed=policies.can_manage_whole_org)
def template() -> Response:
    return Response(org_workbook.template(), mimetype=XLSX, headers=download_headers(_("组织机构导入模板.xlsx")))


@bp.post("/org-workbook")
@operation("Import units and people from the workbook: a dry run (default) reports every row's result and every "
           "error by sheet, row and column; dry_run=false imports all or nothing (the federation's office)",
           query=ImportQuery, body_media=_WORKBOOK, response=ImportReport, errors=(400, 401, 403, 422),
           allowed=policies.can_manage_whole_org)
def import_(query: ImportQuery) -> dict:
    content = uploaded_file(_("组织机构工作簿（.xlsx）"))
    user = current_user()
    if query.dry_run:
        return org_workbook.plan(session=session(), user=user, content=content).report(dry_run=True, imported=False)
    return org_workbook.run(session=session(), user=user, content=content,
                            link_ttl=services().settings.password_link_ttl)
