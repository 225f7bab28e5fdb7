"""The office manages the organisation: units (type, supervising union, unique code) and people (roles in their unit).

Every change is audited with the fields it changed; an edit that changes nothing
records nothing. A new person is sent a one-time link to set their password
(``accounts``); deactivating a person withdraws their credentials and releases
their claimed tasks. A unit can be deactivated once no active person or unit is in it.
"""
from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy.orm import Session

from service.catalogue import _
from service import clock
from service.auth import policies
from service.errors import Forbidden, NotFound, ValidationFailed
from service.models import OrgUnit, User, UserRole
from service.repositories import org as org_repo
from service.workflows import accounts, audit

UNIT_FIELDS = ("code", "name", "name_en", "type", "parent_id", "is_active")
PERSON_FIELDS = ("username", "display_name", "unit_id", "phone", "email", "is_active")


def _office(user: User) -> None:
    if not policies.can_manage_org(user):
        raise Forbidden(policies.DENIED[policies.can_manage_org])


def get_unit(session: Session, unit_id: int) -> OrgUnit:
    unit = org_repo.unit(session, unit_id)
    if unit is None:
        raise NotFound(_("单位 {unit_id} 不存在", unit_id=unit_id))
    return unit


def managed_unit(*, session: Session, user: User, unit_id: int) -> OrgUnit:
    """A unit within the office's reach (a union's office: its own subtree); others do not exist for it."""
    unit = get_unit(session, unit_id)
    if not policies.manages_unit(user, unit):
        raise NotFound(_("单位 {unit_id} 不存在", unit_id=unit_id))
    return unit


def managed_units(*, session: Session, user: User) -> list[OrgUnit]:
    """The units the office manages, by code (a union's office: its own and those below it)."""
    _office(user)
    return org_repo.units_where(session, policies.unit_filter(user, OrgUnit.id))


def _reach_errors(user: User, units: list[OrgUnit | None], field: str) -> list[dict[str, str]]:
    return [{"field": field, "message": _("须为您所管辖的单位")}
            for unit in units if unit is not None and not policies.manages_unit(user, unit)]


def list_units(*, session: Session, include_inactive: bool = False) -> list[OrgUnit]:
    """Active organisation units (or all), in code order: for pickers and reports."""
    return org_repo.units(session, include_inactive=include_inactive)


def all_units(session: Session) -> list[OrgUnit]:
    """Every unit by code, deactivated ones too (pickers and the office's list)."""
    return org_repo.units(session)


def username_of(session: Session, person_id: int) -> str:
    person = org_repo.person(session, person_id)
    return person.username if person else ""


def get_person(*, session: Session, user: User, person_id: int) -> User:
    _office(user)
    person = org_repo.person(session, person_id)
    if person is None or not policies.manages_unit(user, person.unit):
        raise NotFound(_("人员 {person_id} 不存在", person_id=person_id))
    return person


def list_people(*, session: Session, user: User, unit_id: int | None = None, q: str | None = None,
                include_inactive: bool = False, page: int = 1, page_size: int = 50) -> tuple[list[User], int]:
    _office(user)
    return org_repo.people(session, unit_id=unit_id, q=q, include_inactive=include_inactive,
                           offset=(page - 1) * page_size, limit=page_size,
                           where=policies.unit_filter(user, User.unit_id))


def _parent_errors(session: Session, unit: OrgUnit | None, parent_id: int | None) -> list[dict[str, str]]:
    if parent_id is None:
        return []
    parent = org_repo.unit(session, parent_id)
    if parent is None:
        return [{"field": "parent_id", "message": _("上级单位 {parent_id} 不存在", parent_id=parent_id)}]
    if not parent.is_active:
        return [{"field": "parent_id", "message": _("上级单位已停用")}]
    seen, node = set(), parent
    while node is not None and unit is not None:
        if node.id == unit.id or node.id in seen:
            return [{"field": "parent_id", "message": _("上级单位不能是本单位或其下级")}]
        seen.add(node.id)
        node = org_repo.unit(session, node.parent_id) if node.parent_id else None
    return []


def create_unit(*, session: Session, user: User, code: str, name: str, type: str, name_en: str = "",
                parent_id: int | None = None) -> OrgUnit:
    """A new unit; its code is unique (case does not make a new code)."""
    _office(user)
    errors = _parent_errors(session, None, parent_id)
    parent = org_repo.unit(session, parent_id) if parent_id is not None else None
    if not policies.manages_unit(user, parent):
        errors.append({"field": "parent_id", "message": _("须为您所管辖的单位")})
    if org_repo.unit_code_taken(session, code):
        errors.append({"field": "code", "message": _("单位代码 {code} 已被使用", code=code)})
    if errors:
        raise ValidationFailed(errors)
    unit = OrgUnit(code=code, name=name, name_en=name_en, type=type, parent_id=parent_id, is_active=True)
    session.add(unit)
    session.flush()
    audit.record(session, actor=user, action="create_unit", object_type="org_unit", object_id=unit.id,
                 detail={"code": code, "name": name, "type": type, "parent_id": parent_id})
    session.commit()
    return unit


def update_unit(*, session: Session, user: User, unit_id: int, changes: dict[str, Any]) -> OrgUnit:
    """Change any of a unit's fields; deactivating needs it empty of active people and units."""
    _office(user)
    unit = managed_unit(session=session, user=user, unit_id=unit_id)
    changed = {k: v for k, v in changes.items() if k in UNIT_FIELDS and getattr(unit, k) != v}
    if not changed:
        session.rollback()
        return unit
    errors: list[dict[str, str]] = []
    if "parent_id" in changed:
        errors += _parent_errors(session, unit, changed["parent_id"])
        new_parent = org_repo.unit(session, changed["parent_id"]) if changed["parent_id"] is not None else None
        if not policies.manages_unit(user, new_parent):
            errors.append({"field": "parent_id", "message": _("须为您所管辖的单位")})
    if "code" in changed and org_repo.unit_code_taken(session, changed["code"], other_than=unit.id):
        errors.append({"field": "code", "message": _("单位代码 {p0} 已被使用", p0=changed['code'])})
    if changed.get("is_active") is False and org_repo.active_members_of_unit(session, unit.id):
        errors.append({"field": "is_active", "message": _("单位下仍有在用的人员或下级单位，请先停用或调出")})
    if errors:
        raise ValidationFailed(errors)
    before = {k: getattr(unit, k) for k in changed}
    for key, value in changed.items():
        setattr(unit, key, value)
    audit.record(session, actor=user, action="update_unit", object_type="org_unit", object_id=unit.id,
                 detail={"before": before, "after": changed})
    session.commit()
    return unit


def _unit_for_person(session: Session, unit_id: int) -> list[dict[str, str]]:
    unit = org_repo.unit(session, unit_id)
    if unit is None:
        return [{"field": "unit_id", "message": _("单位 {unit_id} 不存在", unit_id=unit_id)}]
    if not unit.is_active:
        return [{"field": "unit_id", "message": _("该单位已停用")}]
    return []


def _held(given: Any) -> tuple[str, int]:
    """(role, unit id) from a ``RoleElsewhere`` as the API or a page gives it."""
    return (given["role"], given["unit_id"]) if isinstance(given, dict) else (given.role, given.unit_id)


def _elsewhere_errors(session: Session, user: User, held: list[tuple[str, int]]) -> list[dict[str, str]]:
    """Roles in other units: the unit exists, is active and within the office's reach."""
    errors = []
    for index, (_role, unit_id) in enumerate(held):
        unit = org_repo.unit(session, unit_id)
        if unit is None or not unit.is_active:
            errors.append({"field": f"other_roles.{index}.unit_id",
                           "message": _("单位 {id} 不存在或已停用", id=unit_id)})
        elif not policies.manages_unit(user, unit):
            errors.append({"field": f"other_roles.{index}.unit_id",
                           "message": _("须为您所管辖的单位")})
    return errors


def create_person(*, session: Session, user: User, username: str, display_name: str, unit_id: int,
                  roles: list[str], phone: str | None, email: str | None, link_ttl: timedelta,
                  other_roles: list[tuple[str, int]] | None = None) -> tuple[User, dict]:
    """A new person with roles in their unit (and ``other_roles``: (role, unit id) held elsewhere), and
    their one-time link to set a password."""
    _office(user)
    errors = _unit_for_person(session, unit_id)
    errors += _reach_errors(user, [org_repo.unit(session, unit_id)], "unit_id")
    errors += _elsewhere_errors(session, user, other_roles or [])
    if org_repo.username_taken(session, username):
        errors.append({"field": "username", "message": _("用户名 {username} 已被使用", username=username)})
    if not phone and not email:
        errors.append({"field": "email", "message": _("须填写电子邮箱或手机号，以便发送设置密码的链接")})
    if errors:
        raise ValidationFailed(errors)
    person = User(username=username, display_name=display_name, unit_id=unit_id, phone=phone or None,
                  email=email or None, password_hash=accounts.NO_PASSWORD, locale="zh-CN", is_active=True,
                  created_at=clock.now())
    wanted = {(r, unit_id) for r in roles} | set(other_roles or [])
    person.role_rows = [UserRole(role=r, unit_id=u) for r, u in sorted(wanted)]
    session.add(person)
    session.flush()
    audit.record(session, actor=user, action="create_person", object_type="user", object_id=person.id,
                 detail={"username": username, "unit_id": unit_id, "roles": sorted(set(roles)),
                         "other_roles": [list(h) for h in sorted(set(other_roles or []) - {(r, unit_id) for r in roles})]})
    sent = accounts.send_link(session, user=person, purpose="invite", by=user, ttl=link_ttl)
    session.commit()
    return person, sent


def update_person(*, session: Session, user: User, person_id: int, changes: dict[str, Any]) -> User:
    """Change any of a person's fields or roles; ``is_active: False`` deactivates them (``accounts.deactivate``)."""
    person = get_person(session=session, user=user, person_id=person_id)
    changed = {k: v for k, v in changes.items() if k in PERSON_FIELDS and getattr(person, k) != v}
    before_held = {(r.role, r.unit_id) for r in person.role_rows}
    own_unit = changed.get("unit_id", person.unit_id)
    own = set(changes["roles"]) if changes.get("roles") is not None else \
        {r for r, u in before_held if u == person.unit_id}  # roles in their own unit move with them
    elsewhere = {_held(h) for h in changes["other_roles"]} if changes.get("other_roles") is not None else \
        {(r, u) for r, u in before_held if u != person.unit_id}
    after_held = {(r, own_unit) for r in own} | elsewhere
    roles_change = after_held != before_held
    if not changed and not roles_change:
        session.rollback()
        return person
    errors: list[dict[str, str]] = []
    if "unit_id" in changed:
        errors += _reach_errors(user, [org_repo.unit(session, changed["unit_id"])], "unit_id")
    if changes.get("other_roles") is not None:
        errors += _elsewhere_errors(session, user, sorted(elsewhere - before_held))
    if "unit_id" in changed or changed.get("is_active") is True:
        if changed.get("is_active", person.is_active):
            errors += _unit_for_person(session, changed.get("unit_id", person.unit_id))
    if "username" in changed and org_repo.username_taken(session, changed["username"], other_than=person.id):
        errors.append({"field": "username", "message": _("用户名 {username} 已被使用", username=changed["username"])})
    if changed.get("is_active") is False and person.id == user.id:
        errors.append({"field": "is_active", "message": _("不能停用自己的账号")})
    if errors:
        raise ValidationFailed(errors)
    detail: dict[str, Any] = {"before": {k: getattr(person, k) for k in changed}, "after": dict(changed)}
    person_unit_before = person.unit_id
    for key, value in changed.items():
        setattr(person, key, value)
    if roles_change:
        own_before = sorted(r for r, u in before_held if u == person_unit_before)
        if own_before != sorted(own):
            detail["before"]["roles"], detail["after"]["roles"] = own_before, sorted(own)
        other_before = sorted(f"{r}@{u}" for r, u in before_held if u != person_unit_before)
        other_after = sorted(f"{r}@{u}" for r, u in elsewhere)
        if other_before != other_after:
            detail["before"]["other_roles"], detail["after"]["other_roles"] = other_before, other_after
        kept = [r for r in person.role_rows if (r.role, r.unit_id) in after_held]
        person.role_rows = kept + [UserRole(role=r, unit_id=u) for r, u in sorted(after_held - before_held)]
    if changed.get("is_active") is False:
        session.flush()
        detail["released_tasks"] = accounts.deactivate(session, person=person, by=user)
    audit.record(session, actor=user, action="update_person", object_type="user", object_id=person.id, detail=detail)
    session.commit()
    return person


def first_office(*, session: Session, unit_code: str, unit_name: str, username: str, display_name: str,
                 email: str | None, phone: str | None, link_ttl: timedelta) -> str:
    """An empty database's federation unit and first office person (``appraisal first-office``); returns
    the path of their one-time link, which the command prints (mail may not be set up yet)."""
    from service.schemas.orgs import PersonCreate
    from service.schemas.base import validate

    validate(PersonCreate, {"username": username, "display_name": display_name, "unit_id": 1, "email": email,
                            "phone": phone, "roles": ["office"]})
    if org_repo.username_taken(session, username):
        raise ValidationFailed([{"field": "username", "message": _("用户名 {username} 已被使用", username=username)}])
    unit = org_repo.unit_by_code(session, unit_code)
    if unit is None:
        unit = OrgUnit(code=unit_code, name=unit_name, name_en="", type="federation", parent_id=None, is_active=True)
        session.add(unit)
        session.flush()
        audit.record(session, actor=None, action="create_unit", object_type="org_unit", object_id=unit.id,
                     detail={"code": unit_code, "name": unit_name, "type": "federation", "parent_id": None})
    person = User(username=username, display_name=display_name, unit_id=unit.id, phone=phone or None,
                  email=email or None, password_hash=accounts.NO_PASSWORD, locale="zh-CN", is_active=True,
                  created_at=clock.now())
    person.role_rows = [UserRole(role="office", unit_id=unit.id)]
    session.add(person)
    session.flush()
    audit.record(session, actor=None, action="create_person", object_type="user", object_id=person.id,
                 detail={"username": username, "unit_id": unit.id, "roles": ["office"]})
    path = accounts.send_link(session, user=person, purpose="invite", by=None, ttl=link_ttl)["link"]
    session.commit()
    return path
